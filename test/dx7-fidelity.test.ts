// The DX7 engine against msfa's own renders: bit-exact 16-bit output (WAV MD5) for every reference render in
// ../shared/refs/dx7, and for the committed feature subset in test/fixtures/dx7 (runs without ../shared).
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAudioFile } from "../src/audio/decode.ts";
import { encodeWav } from "../src/audio/encode.ts";
import { readDx7 } from "../src/synths/dx7/codec.ts";
import { assemble } from "../src/synths/dx7/engine/fm-kernels.ts";
import { engineParams } from "../src/synths/dx7/engine/params.ts";
import { Dx7NoteRenderer } from "../src/synths/dx7/engine/render.ts";
import { synth, type Dx7Patch } from "../src/synths/dx7/index.ts";
import { repoRoot, sharedDir } from "./helpers.ts";

const refsDir = path.join(sharedDir, "refs/dx7");
const hasRefs = existsSync(path.join(refsDir, "manifest.json"));
const fixtureDir = path.join(repoRoot, "test/fixtures/dx7");

interface RenderCase {
  id: string;
  note: number;
  velocity: number;
  hold_s: number;
  dur_s: number;
  md5: string;
}

function wavMd5(p: Dx7Patch, c: RenderCase, sampleRate = 44100): string {
  const channels = synth.render(
    p,
    { note: c.note, velocity: c.velocity, noteOffSeconds: c.hold_s, durationSeconds: c.dur_s },
    { sampleRate },
  );
  return createHash("md5").update(encodeWav({ sampleRate, channels }, "pcm16")).digest("hex");
}

describe("dx7 fidelity: committed feature renders", () => {
  const { renders } = JSON.parse(readFileSync(path.join(fixtureDir, "features.json"), "utf8")) as {
    renders: Array<RenderCase & { voice: number }>;
  };
  const { patches } = readDx7(
    new Uint8Array(readFileSync(path.join(fixtureDir, "features.syx"))),
    "features.syx",
    { strict: true },
  );

  it("has the fixture voices", () => {
    expect(patches.length).toBe(32);
    expect(renders.length).toBeGreaterThanOrEqual(30);
  });

  it("reproduces every feature render bit for bit", () => {
    const failed = renders.filter((r) => wavMd5(patches[r.voice - 1]!, r) !== r.md5).map((r) => r.id);
    expect(failed).toEqual([]);
  });

  it("gives identical samples with the JavaScript, scalar WebAssembly and SIMD WebAssembly kernels", () => {
    const js = new Dx7NoteRenderer(44100, "js");
    const scalar = new Dx7NoteRenderer(44100, "wasm");
    const simd = new Dx7NoteRenderer(44100, "wasm-simd");
    expect(js.kernelKind).toBe("js");
    // Node 20+ has WebAssembly with SIMD: the fast kernels must assemble and load
    expect(scalar.kernelKind).toBe("wasm");
    expect(simd.kernelKind).toBe("wasm-simd");
    for (const r of renders) {
      const params = engineParams(patches[r.voice - 1]!);
      const spec = { note: r.note, velocity: r.velocity, noteOffSample: 11025, length: 22050 };
      const ref = Buffer.from(js.render(params, spec).buffer);
      expect(ref.equals(Buffer.from(scalar.render(params, spec).buffer)), `${r.id} scalar`).toBe(true);
      expect(ref.equals(Buffer.from(simd.render(params, spec).buffer)), `${r.id} simd`).toBe(true);
    }
  });

  it("renders at 48 kHz with the pitch and length of that rate", () => {
    const init = synth.defaultPatch();
    const [ch] = synth.render(
      init,
      { note: 69, velocity: 100, noteOffSeconds: 0.5, durationSeconds: 1 },
      { sampleRate: 48000 },
    );
    expect(ch!.length).toBe(48000);
    let crossings = 0;
    for (let i = 4800; i < 19200; i++) if (ch![i - 1]! < 0 && ch![i]! >= 0) crossings++;
    // 0.3 s of A4 (440 Hz) → about 132 upward zero crossings
    expect(crossings).toBeGreaterThanOrEqual(131);
    expect(crossings).toBeLessThanOrEqual(133);
    expect(Math.max(...ch!.subarray(0, 24000))).toBeCloseTo(0.125, 2);
  });
});

describe("dx7 engine robustness", () => {
  it("keeps pitch and stays bounded at other sample rates", () => {
    const init = synth.defaultPatch();
    for (const sampleRate of [8000, 22050, 96000, 192000]) {
      const [ch] = synth.render(
        init,
        { note: 69, velocity: 100, noteOffSeconds: 0.2, durationSeconds: 0.3 },
        { sampleRate },
      );
      expect(ch!.length).toBe(Math.round(0.3 * sampleRate));
      let crossings = 0;
      const from = Math.round(0.05 * sampleRate);
      const to = Math.round(0.15 * sampleRate);
      for (let i = from; i < to; i++) if (ch![i - 1]! < 0 && ch![i]! >= 0) crossings++;
      expect(Math.abs(crossings - 44), `${sampleRate} Hz`).toBeLessThanOrEqual(1);
    }
  });

  it("renders voices with every value at 127 (as Dexed may load them) to bounded 16-bit audio", () => {
    const vced = new Uint8Array(163);
    vced.set([0xf0, 0x43, 0x00, 0x00, 0x01, 0x1b]);
    for (const fill of [127, 99, 0]) {
      vced.fill(fill, 6, 161);
      const { patches } = readDx7(vced, "extreme.syx", { outOfRange: "dexed" });
      const p = patches[0]!;
      const [ch] = synth.render(p, { note: 127, velocity: 127, noteOffSeconds: 0.1, durationSeconds: 0.2 });
      expect(ch!.every((x) => Number.isFinite(x) && x >= -1 && x < 1)).toBe(true);
      if (fill === 127) expect(synth.unsupportedFeatures(p).length).toBeGreaterThan(0);
    }
  });

  it("assembles a WebAssembly module small enough to compile synchronously in a browser", () => {
    const bytes = assemble();
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(bytes.length).toBeLessThan(4096);
    expect(WebAssembly.validate(assemble(false))).toBe(true);
  });
});

describe.skipIf(!hasRefs)("dx7 fidelity: every render in ../shared/refs/dx7", () => {
  it("reproduces all 326 msfa renders bit for bit (max error reported otherwise)", async () => {
    const manifest = JSON.parse(readFileSync(path.join(refsDir, "manifest.json"), "utf8")) as Array<
      RenderCase & { voice_index: number; wav: string }
    >;
    const { patches } = readDx7(new Uint8Array(readFileSync(path.join(refsDir, "voices.syx"))), "voices.syx");
    expect(manifest.length).toBe(326);
    const failures: string[] = [];
    for (const m of manifest) {
      const p = patches[m.voice_index]!;
      if (wavMd5(p, m) === m.md5) continue;
      const { audio } = await readAudioFile(path.join(refsDir, m.wav));
      const ref = audio.channels[0]!;
      const [got] = synth.render(p, {
        note: m.note,
        velocity: m.velocity,
        noteOffSeconds: m.hold_s,
        durationSeconds: m.dur_s,
      });
      let maxErr = 0;
      for (let i = 0; i < ref.length; i++)
        maxErr = Math.max(maxErr, Math.abs(Math.round(ref[i]! * 32768) - Math.round(got![i]! * 32768)));
      failures.push(`${m.id}: max error ${maxErr} LSB`);
    }
    expect(failures).toEqual([]);
  });
});
