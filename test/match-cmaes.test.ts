import { describe, expect, it } from "vitest";
import { Cmaes, CmaesSearch, reflectIntoUnit, type DimensionKind } from "../src/match/cmaes.ts";
import { Random } from "../src/util/random.ts";

type Fn = (x: Float64Array) => number;

/** Run a search until f < target or the evaluation budget is spent. */
function minimise(
  search: { ask(): Float64Array[]; tell(f: number[]): void; best: { f: number } | undefined },
  f: Fn,
  budget: number,
  target = -Infinity,
) {
  let evals = 0;
  while (evals < budget && !(search.best && search.best.f < target)) {
    const xs = search.ask();
    search.tell(xs.map(f));
    evals += xs.length;
  }
  return { best: search.best!.f, evals };
}

// Standard test functions, moved into the unit box with their optimum at a point other than the centre.
const sphere: Fn = (x) => x.reduce((s, v, i) => s + (v - 0.2 - 0.05 * (i % 5)) ** 2, 0);
const rosenbrock: Fn = (x) => {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = 4 * x[i]! - 2;
    const b = 4 * x[i + 1]! - 2;
    s += 100 * (b - a * a) ** 2 + (1 - a) ** 2;
  }
  return s; // optimum at every x = 0.75
};
const rastrigin: Fn = (x) => {
  let s = 10 * x.length;
  for (let i = 0; i < x.length; i++) {
    const v = 10.24 * x[i]! - 5.12 - 1.1; // optimum at x ≈ 0.607
    s += v * v - 10 * Math.cos(2 * Math.PI * v);
  }
  return s;
};
const ellipsoid: Fn = (x) => x.reduce((s, v, i) => s + 10 ** ((6 * i) / (x.length - 1)) * (v - 0.4) ** 2, 0);

describe("reflectIntoUnit", () => {
  it("folds the real line onto [0, 1] with period 2", () => {
    expect(reflectIntoUnit(0.3)).toBeCloseTo(0.3);
    expect(reflectIntoUnit(1.3)).toBeCloseTo(0.7);
    expect(reflectIntoUnit(-0.2)).toBeCloseTo(0.2);
    expect(reflectIntoUnit(2.1)).toBeCloseTo(0.1);
    expect(reflectIntoUnit(-1.9)).toBeCloseTo(0.1);
    expect(reflectIntoUnit(7.25)).toBeCloseTo(0.75);
  });
});

describe("Random", () => {
  it("is deterministic for a seed and different across seeds", () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa);
  });
  it("gives uniform values in [0, 1) and standard normals", () => {
    const r = new Random(7);
    let sum = 0;
    let sumSq = 0;
    let lo = 1;
    let hi = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      const z = r.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.03);
  });
});

describe("Cmaes (single run)", () => {
  it("converges on the sphere in 10-D", () => {
    const es = new Cmaes({ x0: new Float64Array(10).fill(0.8), sigma0: 0.3, seed: 1 });
    const r = minimise(es, sphere, 6000, 1e-10);
    expect(r.best).toBeLessThan(1e-10);
    // Reference behaviour of CMA-ES on the 10-D sphere: ~1,500–2,500 evaluations to 1e-10 from this far away.
    expect(r.evals).toBeLessThan(3500);
  });

  it("learns an ill-conditioned ellipsoid (condition 1e6) in 8-D", () => {
    const es = new Cmaes({ x0: new Float64Array(8).fill(0.9), sigma0: 0.3, seed: 3 });
    const r = minimise(es, ellipsoid, 20000, 1e-10);
    expect(r.best).toBeLessThan(1e-10);
  });

  it("solves Rosenbrock in 6-D", () => {
    const es = new Cmaes({ x0: new Float64Array(6).fill(0.3), sigma0: 0.2, seed: 5 });
    const r = minimise(es, rosenbrock, 20000, 1e-8);
    expect(r.best).toBeLessThan(1e-8);
  });

  it("finds an optimum on the boundary of the box", () => {
    // Unconstrained optimum outside [0,1] in the first 3 coordinates: the best point is on the boundary.
    const f: Fn = (x) => (x[0]! + 0.3) ** 2 + (x[1]! - 1.4) ** 2 + (x[2]! + 0.1) ** 2 + (x[3]! - 0.5) ** 2;
    const es = new Cmaes({ x0: [0.5, 0.5, 0.5, 0.2], sigma0: 0.3, seed: 9 });
    minimise(es, f, 3000);
    const x = es.best!.x;
    expect(x[0]).toBeLessThan(1e-4);
    expect(x[1]).toBeGreaterThan(1 - 1e-4);
    expect(x[2]).toBeLessThan(1e-4);
    expect(Math.abs(x[3]! - 0.5)).toBeLessThan(1e-4);
  });

  it("every candidate lies in [0, 1]", () => {
    const es = new Cmaes({ x0: new Float64Array(5).fill(0.99), sigma0: 2, seed: 2 });
    for (let g = 0; g < 20; g++) {
      const xs = es.ask();
      for (const x of xs) for (const v of x) expect(v >= 0 && v <= 1).toBe(true);
      es.tell(xs.map(sphere));
    }
  });

  it("uses the separable variant in high dimension and still converges", () => {
    const n = 200;
    const es = new Cmaes({ x0: new Float64Array(n).fill(0.7), sigma0: 0.2, seed: 4 });
    expect(es.diagonal).toBe(true);
    const r = minimise(es, sphere, 60000, 1e-6);
    expect(r.best).toBeLessThan(1e-6);
  });

  it("is deterministic for a seed", () => {
    const run = (seed: number) => {
      const es = new Cmaes({ x0: new Float64Array(4).fill(0.5), seed });
      for (let g = 0; g < 10; g++) es.tell(es.ask().map(rosenbrock));
      return es.best!.f;
    };
    expect(run(11)).toBe(run(11));
    expect(run(11)).not.toBe(run(12));
  });

  it("rejects misuse of ask/tell", () => {
    const es = new Cmaes({ x0: [0.5, 0.5] });
    expect(() => es.tell([1, 2])).toThrow();
    es.ask();
    expect(() => es.ask()).toThrow();
    expect(() => es.tell([1])).toThrow();
  });

  it("treats NaN fitness as worst", () => {
    const es = new Cmaes({ x0: [0.6, 0.6, 0.6], sigma0: 0.2, seed: 8 });
    const f: Fn = (x) => (x[0]! > 0.7 ? NaN : sphere(x));
    const r = minimise(es, f, 3000, 1e-8);
    expect(r.best).toBeLessThan(1e-8);
  });

  it("an injected solution is evaluated and can take over", () => {
    const es = new Cmaes({ x0: new Float64Array(6).fill(0.9), sigma0: 0.05, seed: 6 });
    const opt = Float64Array.from({ length: 6 }, (_, i) => 0.2 + 0.05 * (i % 5));
    es.inject(opt);
    const xs = es.ask();
    expect(Array.from(xs[0]!)).toEqual(Array.from(opt).map((v) => expect.closeTo(v, 12)));
    es.tell(xs.map(sphere));
    expect(es.best!.f).toBeLessThan(1e-20);
  });
});

describe("CmaesSearch (restarts)", () => {
  it("IPOP and BIPOP find the global optimum of 5-D Rastrigin", () => {
    // Reference behaviour: IPOP-CMA-ES needs some 10k–80k evaluations here; one run without restarts rarely does.
    for (const restarts of ["ipop", "bipop"] as const) {
      let solved = 0;
      for (const seed of [3, 4, 5]) {
        const s = new CmaesSearch({
          dim: 5,
          seed,
          tolFun: 1e-9,
          tolX: 1e-9,
          sigma0: 0.2,
          restarts,
          maxPopSize: 512,
        });
        const r = minimise(s, rastrigin, 100_000, 1e-6);
        if (r.best < 1e-6) solved++;
        expect(s.restarts).toBeGreaterThan(0);
      }
      expect(solved, restarts).toBeGreaterThanOrEqual(2);
    }
  });

  it("IPOP doubles the population at each restart", () => {
    const s = new CmaesSearch({ dim: 3, seed: 2, restarts: "ipop", tolFun: 1e-3 });
    const pops = new Set<number>();
    for (let i = 0; i < 400; i++) {
      pops.add(s.popSize);
      s.tell(s.ask().map(rastrigin));
    }
    const sorted = [...pops].sort((a, b) => a - b);
    expect(sorted.length).toBeGreaterThan(2);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]).toBe(2 * sorted[i - 1]!);
  });

  it("restarts from the given warm starts", () => {
    const starts: number[][] = [];
    const s = new CmaesSearch({
      dim: 2,
      seed: 3,
      tolFun: 1e-2,
      nextStart: (k) => {
        const x0 = [0.1 * k, 0.9];
        starts.push(x0);
        return { x0, sigma0: 0.01 };
      },
    });
    for (let i = 0; i < 200 && s.restarts < 2; i++) s.tell(s.ask().map(sphere));
    expect(s.restarts).toBeGreaterThanOrEqual(2);
    // The run after restart k is centred on the k-th start.
    const m = s.run.meanPhenotype();
    expect(Math.abs(m[1]! - 0.9)).toBeLessThan(0.2);
    expect(starts.length).toBe(s.restarts);
  });
});

describe("mixed integer and choice dimensions", () => {
  // 4 continuous, 2 ordinal integers with 8 levels, 2 choices with 12 levels where only one level is right.
  const kinds: DimensionKind[] = [
    "continuous",
    "continuous",
    "continuous",
    "continuous",
    "integer",
    "integer",
    "choice",
    "choice",
  ];
  const levels = [0, 0, 0, 0, 8, 8, 12, 12];
  const level = (u: number, k: number) => Math.round(u * (k - 1));
  const f: Fn = (x) => {
    let s = 0;
    for (let i = 0; i < 4; i++) s += (x[i]! - 0.3) ** 2;
    s += 0.05 * Math.abs(level(x[4]!, 8) - 5) + 0.05 * Math.abs(level(x[5]!, 8) - 2);
    s += level(x[6]!, 12) === 9 ? 0 : 0.5;
    s += level(x[7]!, 12) === 1 ? 0 : 0.5 + 0.01 * level(x[7]!, 12);
    return s;
  };

  it("finds the right levels and the continuous optimum", () => {
    let solved = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = new CmaesSearch({
        dim: 8,
        seed,
        kinds,
        levels,
        x0: new Float64Array(8).fill(0.5),
        tolFun: 1e-10,
      });
      const r = minimise(s, f, 8000, 1e-8);
      if (r.best < 1e-8) solved++;
    }
    expect(solved).toBeGreaterThanOrEqual(4);
  });

  it("does better with the discrete handling than without (choices treated as continuous)", () => {
    let withHandling = 0;
    let without = 0;
    for (const seed of [11, 12, 13, 14, 15, 16]) {
      const a = new CmaesSearch({
        dim: 8,
        seed,
        kinds,
        levels,
        x0: new Float64Array(8).fill(0.5),
        restarts: "none",
      });
      withHandling += minimise(a, f, 1500).best;
      const b = new CmaesSearch({ dim: 8, seed, x0: new Float64Array(8).fill(0.5), restarts: "none" });
      without += minimise(b, f, 1500).best;
    }
    expect(withHandling).toBeLessThan(without);
  });
});
