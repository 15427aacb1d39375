import { afterAll, describe, expect, it } from "vitest";
import { PatchsmithError } from "../src/errors.ts";
import { patchToPoint } from "../src/match/evaluate.ts";
import { Random } from "../src/util/random.ts";
import { LocalEvaluator, PoolEvaluator } from "../src/match/evaluator.ts";
import { match, pickDistinct, reportCandidate, searchSpaceFor } from "../src/match/pipeline.ts";
import { analyseTarget } from "../src/match/target.ts";
import { loadSynths } from "../src/synths/index.ts";
import {
  denormalise,
  getSynth,
  normalise,
  type ParamSpec,
  type Performance,
  type Synth,
} from "../src/synths/synth.ts";

// A tiny synth for testing the pipeline on its own: one oscillator (sine/saw/square), a pitch ratio,
// an exponential decay and a brightness control. Defined here, not shipped.
interface TestPatch {
  wave: number;
  ratio: number;
  decay: number;
  bright: number;
  name: string;
}
const params: ParamSpec[] = [
  { name: "wave", kind: "choice", min: 0, max: 2, default: 0, options: ["sine", "saw", "square"] },
  { name: "ratio", kind: "integer", min: 1, max: 4, default: 1 },
  { name: "decay", kind: "continuous", min: 0.05, max: 2, default: 0.5, scale: "log", unit: "s" },
  { name: "bright", kind: "continuous", min: 0, max: 1, default: 0.5 },
];
const keys = ["wave", "ratio", "decay", "bright"] as const;
const testSynth: Synth<TestPatch> = {
  id: "test-tone",
  displayName: "test tone",
  params,
  defaultPatch: () => ({ wave: 0, ratio: 1, decay: 0.5, bright: 0.5, name: "init" }),
  toVector: (p) => Float32Array.from(params, (s, i) => normalise(s, p[keys[i]!])),
  fromVector: (v, base) => {
    const p = { ...(base ?? testSynth.defaultPatch()) };
    params.forEach((s, i) => (p[keys[i]!] = denormalise(s, v[i]!)));
    return p;
  },
  patchName: (p) => p.name,
  withName: (p, name) => ({ ...p, name }),
  render(p: TestPatch, perf: Performance) {
    const sr = 44100;
    const n = Math.round(perf.durationSeconds * sr);
    const f = 440 * 2 ** ((perf.note - 69) / 12) * p.ratio;
    const x = new Float32Array(n);
    const partials = p.wave === 0 ? 1 : 8;
    for (let h = 1; h <= partials; h++) {
      if (p.wave === 2 && h % 2 === 0) continue;
      const a = (h === 1 ? 1 : p.bright) / h;
      const w = (2 * Math.PI * f * h) / sr;
      if (f * h > 20000) break;
      for (let i = 0; i < n; i++) x[i] += 0.3 * a * Math.sin(w * i) * Math.exp(-i / sr / p.decay);
    }
    return [x];
  },
  codec: {
    extensions: [".test"],
    read: () => ({ patches: [], warnings: [] }),
    write: () => new Uint8Array(),
  },
  describe: (p) => ({ name: p.name, data: { ...p }, text: p.name }),
  unsupportedFeatures: () => [],
  defaultWavEncoding: "float32",
};

const perf = (note: number): Performance => ({
  note,
  velocity: 100,
  noteOffSeconds: 0.3,
  durationSeconds: 0.4,
});

describe("match pipeline (test synth, in-thread)", () => {
  const truth: TestPatch = { wave: 1, ratio: 2, decay: 0.15, bright: 0.8, name: "truth" };
  const audio = testSynth.render(truth, perf(57))[0]!;
  const target = analyseTarget(audio, { holdSeconds: 0.3 });

  it("analyses the target's pitch as the note actually heard", () => {
    // ratio 2 at A3 sounds A4 = 440 Hz.
    expect(target.pitched).toBe(true);
    expect(target.note).toBe(69);
    expect(Math.abs(target.fineTuneCents)).toBeLessThan(5);
  });

  it("recovers the parameters within a small render budget, and beats the init patch", async () => {
    // Play at the target's note: the ratio must then come out as 1 (the heard pitch), not 2.
    const evaluator = new LocalEvaluator(testSynth, target.loss);
    const progress: number[] = [];
    let first: number | undefined;
    const res = await match({
      synth: testSynth,
      target,
      evaluator,
      renders: 300,
      seed: 3,
      candidates: 3,
      onProgress: (p) => progress.push(p.bestLoss),
      onFirstCandidate: (c) => {
        first = c.loss;
      },
    });
    expect(res.renders).toBeLessThanOrEqual(300);
    expect(first).toBe(res.bestStartLoss);
    const best = res.candidates[0]!;
    expect(best.loss).toBeLessThan(0.5);
    expect(best.loss).toBeLessThan(res.bestStartLoss / 5);
    const p = best.patch as TestPatch;
    expect(p.wave).toBe(1);
    expect(p.ratio).toBe(1);
    expect(p.decay).toBeGreaterThan(0.12);
    expect(p.decay).toBeLessThan(0.18);
    // Progress is reported and the best score never gets worse.
    expect(progress.length).toBeGreaterThan(3);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeLessThanOrEqual(progress[i - 1]!);
    expect(res.candidates.length).toBe(3);
    for (let i = 1; i < res.candidates.length; i++)
      expect(res.candidates[i]!.loss).toBeGreaterThanOrEqual(res.candidates[i - 1]!.loss);
    const report = reportCandidate(testSynth, target, best);
    expect(report.terms.melLsd).toBeLessThan(1);
    expect(Math.abs(report.pitchErrorCents)).toBeLessThan(10);
  });

  it("is deterministic for a seed", async () => {
    const run = async () => {
      const r = await match({
        synth: testSynth,
        target,
        evaluator: new LocalEvaluator(testSynth, target.loss),
        renders: 60,
        seed: 9,
      });
      return r.candidates.map((c) => c.loss);
    };
    expect(await run()).toEqual(await run());
  });

  it("uses a warm start", async () => {
    const near = { ...truth, ratio: 1, decay: 0.16 };
    const evaluator = new LocalEvaluator(testSynth, target.loss);
    const cold = await match({ synth: testSynth, target, evaluator, renders: 1 });
    const warm = await match({
      synth: testSynth,
      target,
      evaluator,
      renders: 2,
      starts: [{ patch: near, source: "bank: near" }],
    });
    expect(warm.bestStartLoss).toBeLessThan(cold.bestStartLoss / 3);
    expect(warm.candidates[0]!.source).toBe("bank: near");
  });

  it("stops on abort with an 'interrupted' error", async () => {
    const ac = new AbortController();
    const p = match({
      synth: testSynth,
      target,
      evaluator: new LocalEvaluator(testSynth, target.loss, ac.signal),
      seconds: 30,
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 100);
    await expect(p).rejects.toMatchObject({ code: "interrupted" });
  });

  it("searches the note-off time when it is not known", () => {
    const t2 = analyseTarget(audio);
    expect(t2.holdKnown).toBe(false);
    const space = searchSpaceFor(testSynth, t2);
    expect(space.holdRange).toBeDefined();
    expect(patchToPoint(testSynth, space, truth).length).toBe(params.length + 1);
  });
});

describe("target analysis errors", () => {
  it("rejects silence and too-short sounds with clear codes", () => {
    expect(() => analyseTarget(new Float32Array(44100), { file: "s.wav" })).toThrow(PatchsmithError);
    expect(() => analyseTarget(new Float32Array(44100))).toThrow(/silent/);
    const blip = new Float32Array(1000).map((_, i) => Math.sin(i / 5));
    try {
      analyseTarget(blip, { file: "b.wav" });
      expect.unreachable();
    } catch (e) {
      expect((e as PatchsmithError).code).toBe("too-short");
      expect((e as PatchsmithError).file).toBe("b.wav");
    }
  });
});

describe("pickDistinct", () => {
  it("prefers distinct points and tops up with the rest", () => {
    const e = (x: number, loss: number) => ({ point: Float64Array.of(x, x), loss });
    const sorted = [e(0.5, 1), e(0.501, 1.1), e(0.9, 2), e(0.1, 3)];
    expect(pickDistinct(sorted, 3, 0.05).map((c) => c.loss)).toEqual([1, 2, 3]);
    expect(pickDistinct(sorted, 4, 0.05).map((c) => c.loss)).toEqual([1, 1.1, 2, 3]);
  });

  it("does not offer two candidates that sound the same (equal loss), however far apart their points", () => {
    const e = (x: number, loss: number) => ({ point: Float64Array.of(x, x), loss });
    const sorted = [e(0.1, 1), e(0.9, 1), e(0.5, 1), e(0.3, 1.5), e(0.7, 2)];
    expect(pickDistinct(sorted, 3, 0.05).map((c) => c.loss)).toEqual([1, 1.5, 2]);
    // Only when nothing else is left are same-sounding ones used to fill the list.
    expect(pickDistinct(sorted, 4, 0.05).map((c) => c.loss)).toEqual([1, 1, 1.5, 2]);
  });
});

describe("match pipeline with the DX7 in worker threads", async () => {
  await loadSynths();
  const dx7 = getSynth("dx7");
  let evaluator: PoolEvaluator | undefined;
  afterAll(async () => evaluator?.close());

  it.skipIf(!dx7)("scores the same in workers as in-thread, and improves on the init patch", async () => {
    const synth = dx7!;
    // Target: the init voice with a modulator (op2, ratio 2) feeding op1.
    const v = synth.toVector(synth.defaultPatch());
    const idx = (name: string) => synth.params.findIndex((p) => p.name === name);
    v[idx("op2_output_level")] = 0.75;
    v[idx("op1_eg_rate_2")] = 0.4;
    v[idx("op1_eg_level_3")] = 0.2;
    const truth = synth.fromVector(v);
    const audio = synth.render(truth, {
      note: 60,
      velocity: 100,
      noteOffSeconds: 0.4,
      durationSeconds: 0.5,
    })[0]!;
    const target = analyseTarget(audio, { note: 60, holdSeconds: 0.4 });
    evaluator = new PoolEvaluator(target.samples, { threads: 2 });
    const local = new LocalEvaluator(synth, target.loss);
    const space = searchSpaceFor(synth, target);
    const points = [patchToPoint(synth, space, truth), patchToPoint(synth, space, synth.defaultPatch())];
    const inWorkers = await evaluator.evaluate(space, points);
    const inThread = await local.evaluate(space, points);
    expect(Array.from(inWorkers)).toEqual(Array.from(inThread));
    expect(inWorkers[0]).toBeLessThan(1e-3);
    const res = await match({ synth, target, evaluator, renders: 120, seed: 1 });
    expect(res.candidates[0]!.loss).toBeLessThan(res.bestStartLoss);
    // Batches are sized from the measured cost per point once known: the losses still come back in order.
    const r = new Random(5);
    const many = Array.from({ length: 23 }, () => Float64Array.from(points[1]!, () => r.next()));
    const manyInWorkers = Array.from(await evaluator.evaluate(space, many));
    expect(new Set(manyInWorkers).size).toBeGreaterThan(10);
    expect(manyInWorkers).toEqual(Array.from(await local.evaluate(space, many)));
  });
});
