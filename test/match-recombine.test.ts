import { beforeAll, describe, expect, it } from "vitest";
import { LocalEvaluator } from "../src/match/evaluator.ts";
import { match } from "../src/match/pipeline.ts";
import { defaultFreeParams, recombinationProfile, searchBlocks } from "../src/match/profile.ts";
import { recombinations } from "../src/match/recombine.ts";
import { analyseTarget } from "../src/match/target.ts";
import { clonePatch, initPatch, type Dx7Patch } from "../src/synths/dx7/params.ts";
import { loadSynths } from "../src/synths/index.ts";
import { getSynth, type AnySynth } from "../src/synths/synth.ts";

let dx7: AnySynth;
beforeAll(async () => {
  await loadSynths();
  dx7 = getSynth("dx7")!;
});

/** A three-pair voice (algorithm 5) with distinct ratios, levels and envelopes per operator. */
function voice(): Dx7Patch {
  const p = initPatch();
  p.algorithm = 5;
  p.operators.forEach((op, i) => {
    op.outputLevel = i % 2 === 0 ? 99 - 6 * i : 60 + 5 * i;
    op.coarse = 1 + i;
    op.egRate = [90 - i, 40 + 3 * i, 30, 60];
    op.egLevel = [99, 80 - 4 * i, i % 2 === 0 ? 60 : 0, 0];
  });
  return p;
}

describe("recombination of starts (DX7: whole operators between voices of one algorithm)", () => {
  it("exchanges one group at a time and only between voices of the same algorithm", () => {
    const parent = voice();
    const donor = voice();
    donor.operators[2].coarse = 9;
    donor.operators[2].egRate[0] = 12;
    donor.lfoSpeed = 77;
    const other = clonePatch(donor);
    other.algorithm = 7;
    const profile = recombinationProfile(dx7)!;
    const kids = recombinations(dx7, profile, parent, [
      { patch: donor, source: "d" },
      { patch: other, source: "o" },
    ]);
    expect(kids.map((k) => k.source).sort()).toEqual(["lfo of d", "op3 of d"]);
    const op3 = kids.find((k) => k.source === "op3 of d")!.patch as Dx7Patch;
    expect(op3.operators[2]).toEqual(donor.operators[2]);
    expect(op3.lfoSpeed).toBe(parent.lfoSpeed);
    expect(op3.operators.filter((_, i) => i !== 2)).toEqual(parent.operators.filter((_, i) => i !== 2));
  });

  it("splits the searched DX7 parameters into six operator blocks and the rest", () => {
    const free = defaultFreeParams(dx7);
    const blocks = searchBlocks(dx7, free);
    expect(blocks).toHaveLength(7);
    expect(blocks.slice(0, 6).map((b) => b.length)).toEqual([14, 14, 14, 14, 14, 14]);
    expect(blocks.flat().sort((a, b) => a - b)).toEqual([...free].sort((a, b) => a - b));
  });

  it("finds a voice whose operators are spread over two starts", async () => {
    const truth = voice();
    const perf = { note: 60, velocity: 100, noteOffSeconds: 0.5, durationSeconds: 0.7 };
    const samples = dx7.render(truth, perf)[0]!;
    const target = analyseTarget(samples, { note: 60, holdSeconds: 0.5, velocity: 100 });
    const a = clonePatch(truth);
    a.operators[1].coarse = 7; // a wrong modulator in the first pair
    const b = clonePatch(truth);
    b.operators[0].coarse = 5; // a wrong carrier in the first pair
    const r = await match({
      synth: dx7,
      target,
      evaluator: new LocalEvaluator(dx7, target.loss),
      renders: 40,
      recombineFraction: 0.5,
      starts: [
        { patch: a, source: "a" },
        { patch: b, source: "b" },
      ],
    });
    expect(r.bestStartLoss).toBeGreaterThan(1);
    expect(r.candidates[0]!.loss).toBeLessThan(0.05);
    expect(r.candidates[0]!.source).toMatch(/op[12] of [ab]/);
  });
});
