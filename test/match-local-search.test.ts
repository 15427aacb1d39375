import { describe, expect, it } from "vitest";
import type { SearchSpace } from "../src/match/evaluate.ts";
import type { Evaluator } from "../src/match/evaluator.ts";
import { refineLocally, type LocalSearchOptions, type StructuralMoves } from "../src/match/local-search.ts";
import { defaultFreeParams, isMovesOnly, structuralMoves } from "../src/match/profile.ts";
import { carriersOf } from "../src/synths/dx7/describe.ts";
import { loadSynths } from "../src/synths/index.ts";
import { denormalise, getSynth, normalise, type AnySynth, type ParamSpec } from "../src/synths/synth.ts";

// The local search on made-up objective functions over integer parameters (no rendering): a toy "synth" is
// only its parameter list; the evaluator computes the objective from the plain values.
const N = 10;
const params: ParamSpec[] = [
  ...Array.from({ length: N }, (_, i): ParamSpec => ({
    name: `p${i}`,
    kind: "integer",
    min: 0,
    max: 99,
    default: 0,
  })),
  { name: "ratio", kind: "integer", min: 0, max: 31, default: 2 },
];
const toy = { id: "toy", params, toVector: () => new Float32Array(params.length) } as unknown as AnySynth;
const space: SearchSpace = {
  synthId: "toy",
  basePatch: {},
  free: params.map((_, i) => i),
  performance: { note: 60, velocity: 100, noteOffSeconds: 1, durationSeconds: 1 },
  seed: 1,
};
const plain = (p: ArrayLike<number>, i: number) => Math.round(denormalise(params[i]!, p[i]!));
const target = [17, 83, 42, 5, 99, 60, 31, 76, 8, 50];

/** Distance to `target`, plus a ratio term with a deceptive basin: 2 is a local optimum, 7 the best. */
function objective(p: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < N; i++) d += Math.abs(plain(p, i) - target[i]!);
  const r = plain(p, N);
  return d + (r === 7 ? 0 : 10 + Math.abs(r - 2));
}

function run(
  budget: number,
  opts: { moves?: StructuralMoves; seed?: number; movesOnly?: (index: number) => boolean } = {},
) {
  let renders = 0;
  const scored: number[] = [];
  const evaluator: Evaluator = {
    parallelism: 2,
    evaluate: async (_s, points) => Float64Array.from(points, objective),
    close: async () => {},
  };
  const options: LocalSearchOptions = {
    synth: toy,
    evaluator,
    seed: opts.seed ?? 1,
    moves: opts.moves,
    structural: (index) => params[index]!.name === "ratio",
    movesOnly: opts.movesOnly,
    record: (_s, _p, loss) => scored.push(loss),
    progress: () => renders / budget,
    take: (wanted) => {
      const n = Math.max(0, Math.min(wanted, budget - renders));
      renders += n;
      return n;
    },
    checkAbort: () => {},
  };
  const start = (shift: number) => {
    const point = Float64Array.from(params, (p, i) => normalise(p, i < N ? shift : 2));
    return { space, point, loss: objective(point), source: `start ${shift}` };
  };
  return refineLocally(options, [start(0), start(50), start(90)]).then((r) => ({
    ...r,
    renders,
    scored,
    values: Array.from(r.point, (_, i) => plain(r.point, i)),
  }));
}

const ratioJumps: StructuralMoves = (value) =>
  [0, 1, 3, 4, 5, 6, 7, 8, 12, 16]
    .filter((c) => c !== value(N))
    .map((c) => ({ changes: [[N, c]], label: `ratio ${c}` }));

describe("local search", () => {
  it("walks far from its start with growing steps and lands on the lattice optimum", async () => {
    const r = await run(1500, { moves: ratioJumps });
    expect(r.values.slice(0, N)).toEqual(target);
    expect(r.values[N]).toBe(7);
    expect(r.loss).toBe(0);
    expect(r.renders).toBeLessThanOrEqual(1500);
    expect(r.scored.length).toBe(r.renders);
  });

  it("needs the structural moves to leave a deceptive basin of a structural parameter", async () => {
    const r = await run(1500);
    // Step 1 on the ratio: 2 is a local optimum for coordinate moves; the kicks may or may not find 7, but
    // the other parameters are fitted either way.
    expect(r.values.slice(0, N)).toEqual(target);
    const withMoves = await run(400, { moves: ratioJumps });
    expect(withMoves.loss).toBeLessThanOrEqual(r.loss);
  });

  it("leaves a moves-only parameter to the structural moves (no coordinate moves, no kicks)", async () => {
    const r = await run(1500, { moves: ratioJumps, movesOnly: (index) => index === 0 });
    // Every start has p0 at its shift (0, 50 or 90); only the moves could change it, and they do not touch it.
    expect([0, 50, 90]).toContain(r.values[0]);
    expect(r.values.slice(1, N)).toEqual(target.slice(1));
    expect(r.values[N]).toBe(7);
    const jump: StructuralMoves = (value) => [
      { changes: [[0, value(0) === 17 ? 16 : 17]], label: "p0 to 17" },
    ];
    const moved = await run(1500, { moves: jump, movesOnly: (index) => index === 0 });
    expect(moved.values[0]).toBe(17);
  });

  it("is deterministic for a seed and stays within its budget", async () => {
    const a = await run(300, { moves: ratioJumps, seed: 3 });
    const b = await run(300, { moves: ratioJumps, seed: 3 });
    expect(a.values).toEqual(b.values);
    expect(a.scored).toEqual(b.scored);
    expect(a.renders).toBe(300);
  });
});

describe("DX7 structural moves", async () => {
  await loadSynths();
  const dx7 = getSynth("dx7");
  it.skipIf(!dx7)("keep the carriers, mute only modulators and swap operators' frequencies", () => {
    const synth = dx7!;
    const idx = (name: string) => synth.params.findIndex((p) => p.name === name);
    const values = synth.params.map((p) =>
      Math.round(denormalise(p, synth.toVector(synth.defaultPatch())[idx(p.name)]!)),
    );
    values[idx("algorithm")] = 4; // algorithm 5: carriers 1, 3, 5
    values[idx("op2_output_level")] = 80;
    values[idx("op2_coarse")] = 3;
    const moves = structuralMoves(synth)!((i) => values[i]!);
    const algorithms = moves.filter((m) => m.label.startsWith("algorithm"));
    expect(algorithms.length).toBeGreaterThan(0);
    for (const m of algorithms) expect(carriersOf(m.changes[0]![1] + 1)).toEqual(carriersOf(5));
    const muted = moves.filter((m) => m.label.endsWith("muted")).map((m) => m.label);
    expect(muted).toEqual(["op2 muted"]);
    const swap = moves.find((m) => m.label === "op1 and op2 frequencies swapped")!;
    expect(swap.changes).toContainEqual([idx("op1_coarse"), 3]);
    expect(swap.changes).toContainEqual([idx("op2_coarse"), 1]);
    // Every move names existing parameters with values in range.
    for (const m of moves)
      for (const [i, v] of m.changes) {
        const p = synth.params[i]!;
        expect(v).toBeGreaterThanOrEqual(p.min);
        expect(v).toBeLessThanOrEqual(p.max);
      }
  });
});

describe("Vital structural moves", async () => {
  await loadSynths();
  const vital = getSynth("vital");
  it.skipIf(!vital)("change only searched parameters, within range, and fix a random phase", () => {
    const synth = vital!;
    const idx = (name: string) => synth.params.findIndex((p) => p.name === name);
    const free = new Set(defaultFreeParams(synth));
    const vector = synth.toVector(synth.defaultPatch());
    // The local search's values: continuous parameters normalised, integers and choices plain.
    const values = synth.params.map((p, i) =>
      p.kind === "continuous" ? vector[i]! : Math.round(denormalise(p, vector[i]!)),
    );
    const check = (moves: ReturnType<StructuralMoves>) => {
      expect(moves.length).toBeGreaterThan(20);
      for (const m of moves)
        for (const [i, v] of m.changes) {
          expect(free.has(i)).toBe(true);
          const p = synth.params[i]!;
          expect(v).toBeGreaterThanOrEqual(p.kind === "continuous" ? 0 : p.min);
          expect(v).toBeLessThanOrEqual(p.kind === "continuous" ? 1 : p.max);
        }
    };
    expect(values[idx("osc_1_random_phase")]).toBeGreaterThan(0);
    const moves = structuralMoves(synth)!((i) => values[i]!);
    check(moves);
    const phase = moves.filter((m) => m.changes.some(([i]) => i === idx("osc_1_phase")));
    expect(phase.length).toBeGreaterThan(1);
    for (const m of phase) expect(m.changes).toContainEqual([idx("osc_1_random_phase"), 0]);
    // Once fixed, the phase is shifted (wrapping around the cycle) and stays fixed.
    values[idx("osc_1_random_phase")] = 0;
    values[idx("osc_1_phase")] = 0.99;
    values[idx("eq_on")] = 1;
    values[idx("filter_1_on")] = 1;
    const fixed = structuralMoves(synth)!((i) => values[i]!);
    check(fixed);
    const shifts = fixed.filter((m) => m.changes.some(([i]) => i === idx("osc_1_phase")));
    expect(shifts.length).toBeGreaterThan(1);
    for (const m of shifts) expect(m.changes.map(([i]) => i)).toEqual([idx("osc_1_phase")]);
    expect(fixed.map((m) => m.label)).toContain("EQ off");
    expect(fixed.map((m) => m.label)).toContain("filter 1 off");
    // Phase and its randomisation are never stepped as coordinates.
    expect(isMovesOnly(synth, idx("osc_1_phase"))).toBe(true);
    expect(isMovesOnly(synth, idx("osc_1_random_phase"))).toBe(true);
    expect(isMovesOnly(synth, idx("osc_1_level"))).toBe(false);
  });
});
