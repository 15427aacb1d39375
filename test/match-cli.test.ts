import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeWav } from "../src/audio/encode.ts";
import { embedSound, EMBED_DIMS } from "../src/match/embed.ts";
import { buildBank, loadBank, nearestEntries, proceduralPresets, saveBank } from "../src/match/bank.ts";
import { proceduralDx7Voices } from "../src/match/procedural/dx7.ts";
import { loadSynths } from "../src/synths/index.ts";
import { getSynth } from "../src/synths/synth.ts";
import { runCli } from "./helpers.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "patchsmith-match-"));
beforeAll(async () => {
  await loadSynths();
});

function wavFile(name: string, samples: Float32Array, sampleRate = 44100, stereo = false): string {
  const file = path.join(tmp, name);
  writeFileSync(file, encodeWav({ sampleRate, channels: stereo ? [samples, samples] : [samples] }, "pcm16"));
  return file;
}

describe("procedural DX7 voices", () => {
  it("are deterministic, in range, audible and varied", async () => {
    await loadSynths();
    const synth = getSynth("dx7")!;
    const a = proceduralDx7Voices(16, 3);
    expect(proceduralDx7Voices(16, 3)).toEqual(a);
    expect(proceduralDx7Voices(16, 4)).not.toEqual(a);
    const embeddings = new Set<string>();
    for (const p of a) {
      // The codec accepts them strictly (every field in range).
      const back = synth.codec.read(synth.codec.write([p]), "v.syx", { strict: true }).patches[0];
      expect(synth.toVector(back)).toEqual(synth.toVector(p));
      const x = synth.render(p, { note: 60, velocity: 100, noteOffSeconds: 0.5, durationSeconds: 0.6 })[0]!;
      const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(peak).toBeGreaterThan(1e-3);
      embeddings.add(Array.from(embedSound(x).subarray(0, 40), (v) => v.toFixed(2)).join());
    }
    expect(embeddings.size).toBe(a.length);
  });
});

describe("bank", () => {
  it("embeds, stores, reloads and finds a preset's own render as nearest", async () => {
    const synth = getSynth("dx7")!;
    const entries = proceduralPresets(synth, 12);
    const bank = await buildBank(synth, entries, { threads: 2 });
    expect(bank.embeddings.length).toBe(12 * 5 * EMBED_DIMS);
    const store = path.join(tmp, "store");
    await saveBank(synth, bank, store);
    const back = await loadBank(synth, store);
    expect(back!.entries.length).toBe(12);
    expect(Array.from(back!.embeddings)).toEqual(Array.from(bank.embeddings));
    for (const k of [2, 7]) {
      const x = synth.render(entries[k]!.patch, {
        note: 60,
        velocity: 100,
        noteOffSeconds: 0.8,
        durationSeconds: 1,
      })[0]!;
      const near = nearestEntries(back!, x, 60, 3);
      expect(near[0]!.name).toBe(entries[k]!.name);
      // Excluding it gives another preset.
      expect(nearestEntries(back!, x, 60, 1, (e) => e.name === entries[k]!.name)[0]!.name).not.toBe(
        entries[k]!.name,
      );
    }
    expect(await loadBank(synth, path.join(tmp, "nowhere"))).toBeUndefined();
  });
});

describe("patchsmith match (CLI)", () => {
  it("matches a DX7 sound end to end: bank file, previews, metrics, JSON", () => {
    const synth = getSynth("dx7")!;
    const v = synth.toVector(synth.defaultPatch());
    v[synth.params.findIndex((p) => p.name === "op2_output_level")] = 0.7;
    v[synth.params.findIndex((p) => p.name === "op1_eg_rate_2")] = 0.45;
    v[synth.params.findIndex((p) => p.name === "op1_eg_level_3")] = 0.0;
    const x = synth.render(synth.fromVector(v), {
      note: 57,
      velocity: 100,
      noteOffSeconds: 0.4,
      durationSeconds: 0.6,
    })[0]!;
    // Stereo at 48 kHz: the CLI mixes and resamples.
    const file = wavFile(
      "fm.wav",
      Float32Array.from(
        { length: Math.round((x.length * 48000) / 44100) },
        (_, i) => x[Math.floor((i * 44100) / 48000)]! * 4,
      ),
      48000,
      true,
    );
    const out = path.join(tmp, "fm.syx");
    const prev = path.join(tmp, "prev");
    const r = runCli([
      "match",
      file,
      "--synth",
      "dx7",
      "--renders",
      "60",
      "--candidates",
      "3",
      "-o",
      out,
      "--preview",
      prev,
      "--threads",
      "2",
      "--json",
      "--store",
      path.join(tmp, "empty-store"),
    ]);
    expect(r.stderr).not.toMatch(/internal-error/);
    expect(r.status).toBe(0);
    const data = JSON.parse(r.stdout);
    expect(data.target.note).toBe(57);
    expect(data.renders).toBeLessThanOrEqual(60);
    expect(data.candidates).toHaveLength(3);
    for (const c of data.candidates) {
      expect(Number.isFinite(c.melLsdDb)).toBe(true);
      expect(Number.isFinite(c.mss)).toBe(true);
    }
    // Ranked by the loss (mel-LSD is one of its terms).
    expect(data.candidates[0].loss).toBeLessThanOrEqual(data.candidates[2].loss);
    expect(Number.isFinite(data.candidates[0].sc)).toBe(true);
    expect(data.firstCandidateSeconds).toBeLessThan(30);
    const bank = synth.codec.read(new Uint8Array(readFileSync(out)), "fm.syx", { strict: true }).patches;
    expect(bank.length).toBeGreaterThanOrEqual(3);
    expect(synth.patchName(bank[0]).trim()).toBe("FM 1");
    expect(existsSync(path.join(prev, "target.wav"))).toBe(true);
    expect(existsSync(path.join(prev, "candidate-3.wav"))).toBe(true);

    // The output exists now: without --force it is refused before any work.
    const again = runCli(["match", file, "--synth", "dx7", "--renders", "20", "-o", out, "--threads", "0"]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/patchsmith: \S*exists/);
  });

  it("gives clear errors for silence, too-short sounds and unknown synths", () => {
    const silent = wavFile("silent.wav", new Float32Array(44100));
    const r1 = runCli(["match", silent, "--synth", "dx7", "--renders", "10", "-o", path.join(tmp, "s.syx")]);
    expect(r1.status).toBe(1);
    expect(r1.stderr).toMatch(/patchsmith: silent: .*silent\.wav/);
    const short = wavFile(
      "short.wav",
      Float32Array.from({ length: 800 }, (_, i) => Math.sin(i / 4)),
    );
    const r2 = runCli(["match", short, "--synth", "dx7", "--renders", "10", "-o", path.join(tmp, "t.syx")]);
    expect(r2.stderr).toMatch(/patchsmith: too-short: /);
    const r3 = runCli(["match", silent, "--synth", "moog", "--renders", "10"]);
    expect(r3.status).toBe(1);
    expect(r3.stderr).toMatch(/unknown-synth/);
  });
});
