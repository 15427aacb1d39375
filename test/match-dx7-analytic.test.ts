import { describe, expect, it } from "vitest";
import { fitEg, simulateEg, type EgValues } from "../src/match/analytic/dx7-eg.ts";
import { dx7AnalyticStarts } from "../src/match/analytic/dx7.ts";
import { besselJ, FmPairModel, spectralFrames } from "../src/match/analytic/fm-spectrum.ts";
import { LocalEvaluator } from "../src/match/evaluator.ts";
import { mixToMono } from "../src/match/loss.ts";
import { match } from "../src/match/pipeline.ts";
import { analyseTarget } from "../src/match/target.ts";
import { synth as dx7 } from "../src/synths/dx7/index.ts";
import { initPatch, type Dx7Patch } from "../src/synths/dx7/params.ts";
import { registerSynth, type AnySynth } from "../src/synths/synth.ts";

registerSynth(dx7 as AnySynth);

/** OP2 → OP1 (algorithm 1, the other operators silent), OP1 a sine carrier with a decaying EG. */
function pair(coarse: number, fine: number, modLevel: number, modEg?: Partial<EgValues>): Dx7Patch {
  const p = initPatch();
  p.operators[0].egRate = [99, 40, 30, 60];
  p.operators[0].egLevel = [99, 85, 70, 0];
  const m = p.operators[1];
  m.coarse = coarse;
  m.fine = fine;
  m.outputLevel = modLevel;
  m.egRate = modEg?.rates ?? [99, 45, 35, 60];
  m.egLevel = modEg?.levels ?? [99, 80, 60, 0];
  return p;
}

function render(p: Dx7Patch, note: number, seconds = 1, hold = 0.8): Float32Array {
  return mixToMono(
    dx7.render(
      p,
      { note, velocity: 100, noteOffSeconds: hold, durationSeconds: seconds },
      { sampleRate: 44100, seed: 1 },
    ),
  );
}

describe("Bessel functions", () => {
  it("match tabulated values", () => {
    const j = new Float64Array(8);
    besselJ(1, 7, j);
    expect(j[0]).toBeCloseTo(0.7651976866, 8);
    expect(j[1]).toBeCloseTo(0.4400505857, 8);
    besselJ(5, 7, j);
    expect(j[0]).toBeCloseTo(-0.1775967713, 8);
    expect(j[2]).toBeCloseTo(0.0465651163, 8);
    expect(j[5]).toBeCloseTo(0.2611405461, 8);
    besselJ(12, 7, j);
    expect(j[0]).toBeCloseTo(0.0476893108, 8);
  });
});

describe("FM pair spectra", () => {
  it("predict a rendered DX7 pair better at its true ratio and index than elsewhere", () => {
    const note = 57;
    const unit = 220;
    // Modulator held at a constant level: OL 80 at EG level 99 is index 2π·2^((4032 + 108·32 − 4256)/256 − 14).
    const flat = {
      rates: [99, 99, 99, 99] as EgValues["rates"],
      levels: [99, 99, 99, 0] as EgValues["levels"],
    };
    const p = pair(3, 0, 80, flat);
    p.operators[0].egRate = [99, 99, 99, 99];
    p.operators[0].egLevel = [99, 99, 99, 0];
    const sf = spectralFrames(render(p, note, 0.5, 0.5));
    const model = new FmPairModel(sf, unit);
    const index = 2 * Math.PI * 2 ** ((4032 + 108 * 32 - 4256) / 256 - 14);
    const t = 5;
    model.predict(1, 3, index);
    const right = model.distance(t);
    model.predict(1, 3, index * 2);
    const wrongIndex = model.distance(t);
    model.predict(1, 2, index);
    const wrongRatio = model.distance(t);
    expect(right).toBeLessThan(0.3);
    expect(wrongIndex).toBeGreaterThan(3 * right);
    expect(wrongRatio).toBeGreaterThan(3 * right);
  });
});

describe("DX7 EG fit", () => {
  it("recovers a carrier's decay from its own curve", () => {
    const truth: EgValues = { rates: [95, 38, 25, 50], levels: [99, 80, 55, 0], outputLevel: 99 };
    const times = Float64Array.from({ length: 150 }, (_, i) => (i + 0.5) * 0.01);
    const log2 = new Float64Array(times.length);
    simulateEg(truth, 1.2, times, log2);
    const floor = Math.max(...log2) - 10;
    const fit = fitEg(
      { times, log2, weights: new Float64Array(times.length).fill(1), floorLog2: floor, freeOffset: true },
      1.2,
    );
    // Mean error below a tenth of an octave (0.6 dB) over the curve, from generic starting shapes.
    expect(fit.error).toBeLessThan(0.1);
  });
});

describe("DX7 analytic starts", () => {
  // Analysis-heavy (a few seconds of CPU per target): a longer timeout for loaded machines.
  it("recover a pair's modulator ratio, harmonic and inharmonic", { timeout: 300_000 }, () => {
    for (const [coarse, fine] of [
      [3, 0],
      [1, 41],
      [7, 25],
    ] as const) {
      const samples = render(pair(coarse, fine, 75), 57);
      const target = analyseTarget(samples, { note: 57, holdSeconds: 0.8 });
      const starts = dx7AnalyticStarts(dx7 as AnySynth, target);
      const fm = starts.find((s) => s.source.startsWith("analytic FM pair"))!;
      const op2 = (fm.patch as Dx7Patch).operators[1];
      const ratio = (op2.coarse === 0 ? 0.5 : op2.coarse) * (1 + op2.fine / 100);
      expect(ratio).toBeCloseTo(coarse * (1 + fine / 100), 6);
      expect((fm.patch as Dx7Patch).operators[0].coarse).toBe(1);
    }
  });

  it(
    "add the partial an FM pair cannot explain as a second carrier (algorithm 5)",
    { timeout: 120_000 },
    () => {
      // A 1:3 pair (lines at odd multiples of the note) plus a sine carrier at ratio 1.41, off those lines.
      const p = pair(3, 0, 70);
      p.algorithm = 5;
      const extra = p.operators[2];
      extra.coarse = 1;
      extra.fine = 41;
      extra.outputLevel = 92;
      extra.egRate = [99, 40, 30, 60];
      extra.egLevel = [99, 85, 70, 0];
      const samples = render(p, 57);
      const target = analyseTarget(samples, { note: 57, holdSeconds: 0.8 });
      const starts = dx7AnalyticStarts(dx7 as AnySynth, target);
      const plus = starts.find((s) => s.source.endsWith("+ partials"));
      expect(plus).toBeDefined();
      const v = plus!.patch as Dx7Patch;
      expect(v.algorithm).toBe(5);
      const ratioOf = (k: number) => {
        const op = v.operators[k]!;
        return op.outputLevel > 0 ? (op.coarse === 0 ? 0.5 : op.coarse) * (1 + op.fine / 100) : NaN;
      };
      expect([ratioOf(2), ratioOf(4)].some((r) => Math.abs(r / 1.41 - 1) < 0.01)).toBe(true);
      // The pair itself is kept on OP1/OP2 and the added carriers' modulators stay silent.
      expect(v.operators[3].outputLevel).toBe(0);
      expect(v.operators[5].outputLevel).toBe(0);
    },
  );

  it("recover the ratio of a nearly silent modulator (sidebands 60–70 dB down)", { timeout: 120_000 }, () => {
    // OL 54 with EG levels 40: index ≈ 2π · 2^((82·32 + 34·64 − 4256)/256 − 14) ≈ 0.0017.
    const flat = {
      rates: [99, 99, 99, 60] as EgValues["rates"],
      levels: [40, 40, 40, 0] as EgValues["levels"],
    };
    const p = pair(5, 15, 54, flat);
    p.operators[0].egRate = [99, 99, 99, 99];
    p.operators[0].egLevel = [99, 99, 99, 0];
    const samples = render(p, 48, 1, 1);
    const target = analyseTarget(samples, { note: 48, holdSeconds: 1 });
    const fm = dx7AnalyticStarts(dx7 as AnySynth, target).find((s) =>
      s.source.startsWith("analytic FM pair"),
    )!;
    const op2 = (fm.patch as Dx7Patch).operators[1];
    expect((op2.coarse === 0 ? 0.5 : op2.coarse) * (1 + op2.fine / 100)).toBeCloseTo(5.75, 6);
  });

  it(
    "give the matcher a better result at a small render budget than its other starts alone",
    { timeout: 180_000 },
    async () => {
      const truth = pair(5, 50, 78, { rates: [99, 55, 40, 60], levels: [99, 70, 40, 0] });
      const samples = render(truth, 48);
      const target = analyseTarget(samples, { note: 48, holdSeconds: 0.8, velocity: 100 });
      const run = async (withAnalytic: boolean) =>
        (
          await match({
            synth: dx7 as AnySynth,
            target,
            evaluator: new LocalEvaluator(dx7 as AnySynth, target.loss),
            renders: 120,
            seed: 2,
            candidates: 1,
            starts: withAnalytic ? dx7AnalyticStarts(dx7 as AnySynth, target) : [],
          })
        ).candidates[0]!.loss;
      const without = await run(false);
      const withStarts = await run(true);
      expect(withStarts).toBeLessThan(0.5 * without);
      expect(withStarts).toBeLessThan(1.2);
    },
  );
});
