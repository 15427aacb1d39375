// The host tempo: Vital's tempo-synced parts follow the render's `bpm` (the patch's stored tempo without it),
// and the matcher renders every candidate at the target's tempo (default 120 BPM, like a host).
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readAudioMono } from "../src/audio/decode.ts";
import { PatchsmithError } from "../src/errors.ts";
import { patchToPoint, Scorer } from "../src/match/evaluate.ts";
import { LocalEvaluator } from "../src/match/evaluator.ts";
import { mixToMono } from "../src/match/loss.ts";
import { match, searchSpaceFor } from "../src/match/pipeline.ts";
import { analyseTarget, DEFAULT_BPM } from "../src/match/target.ts";
import { loadSynths } from "../src/synths/index.ts";
import { cloneVitalPatch, defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { synth as vital, type VitalPatch } from "../src/synths/vital/index.ts";
import { runCli } from "./helpers.ts";

const SR = 44100;

beforeAll(async () => {
  await loadSynths();
});

/** A short init-saw blip into a tempo-synced delay (1/4: one beat), no feedback; stored tempo 90 BPM. */
function echoPatch(): VitalPatch {
  const p = cloneVitalPatch(defaultVitalPatch());
  Object.assign(p.settings, {
    delay_on: 1,
    delay_sync: 1,
    delay_tempo: 8,
    delay_feedback: 0,
    delay_dry_wet: 0.5,
    beats_per_minute: 1.5,
    env_1_release: 0.1,
  });
  return p;
}

/** Seconds from the end of the blip to where the echo first rises above −60 dB (10 ms frames). */
function echoSeconds(x: Float32Array): number {
  const frame = SR / 100;
  let silent = false;
  for (let t = 0; (t + 1) * frame <= x.length; t++) {
    let s = 0;
    for (let i = t * frame; i < (t + 1) * frame; i++) s += x[i]! * x[i]!;
    const db = 10 * Math.log10(s / frame + 1e-20);
    if (db < -80) silent = true;
    else if (silent && db > -60) return t / 100;
  }
  return NaN;
}

function renderEcho(p: VitalPatch, bpm?: number): Float32Array {
  const perf = { note: 60, velocity: 100, noteOffSeconds: 0.05, durationSeconds: 1.4 };
  return mixToMono(vital.render(p, perf, { sampleRate: SR, seed: 1, bpm }));
}

describe("host tempo", () => {
  it("Vital's tempo-synced delay follows the render's bpm, the patch's stored tempo without it", () => {
    const p = echoPatch();
    // The echo starts one beat after the blip (the blip's own start is at 0).
    expect(echoSeconds(renderEcho(p, 120))).toBeCloseTo(0.5, 1);
    expect(echoSeconds(renderEcho(p, 60))).toBeCloseTo(1.0, 1);
    expect(echoSeconds(renderEcho(p))).toBeCloseTo(60 / 90, 1);
    expect(() => renderEcho(p, 0)).toThrow(PatchsmithError);
    expect(() => renderEcho(p, NaN)).toThrow(/tempo/);
  });

  it("the matcher scores candidates at the target's tempo", async () => {
    const truth = echoPatch();
    const target = analyseTarget(renderEcho(truth, 100), { note: 60, holdSeconds: 0.05, velocity: 100 });
    expect(analyseTarget(renderEcho(truth, 100), { note: 60 }).bpm).toBe(DEFAULT_BPM);
    const at = (bpm: number) => {
      const t = { ...target, bpm };
      const space = searchSpaceFor(vital, t, { basePatch: truth, free: [0, 1] });
      expect(space.bpm).toBe(bpm);
      return new Scorer(vital, space, t.loss).score(patchToPoint(vital, space, truth));
    };
    const right = at(100);
    expect(right).toBeLessThan(0.05);
    expect(at(120)).toBeGreaterThan(right + 1);

    // The whole pipeline: the truth given as a start stays exact only when rendered at the target's tempo.
    const evaluator = new LocalEvaluator(vital, target.loss);
    const res = await match({
      synth: vital,
      target: { ...target, bpm: 100 },
      evaluator,
      renders: 4,
      candidates: 1,
      starts: [{ patch: truth, source: "truth" }],
    });
    expect(res.candidates[0]!.loss).toBeLessThan(0.05);
  });

  it("`render --bpm` sets the host tempo", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "patchsmith-tempo-"));
    const preset = path.join(dir, "echo.vital");
    writeFileSync(preset, vital.codec.write([echoPatch()]));
    const echoes: number[] = [];
    for (const bpm of ["120", "60"]) {
      const out = path.join(dir, `echo-${bpm}.wav`);
      const r = runCli(["render", preset, "--hold", "0.05", "--length", "1.4", "--bpm", bpm, "-o", out]);
      expect(r.status, r.stderr).toBe(0);
      echoes.push(echoSeconds((await readAudioMono(out, SR)).samples));
    }
    expect(echoes[0]).toBeCloseTo(0.5, 1);
    expect(echoes[1]).toBeCloseTo(1.0, 1);
  });
});
