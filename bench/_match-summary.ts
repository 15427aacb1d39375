// Pure helpers of bench/match.ts: best-of-synths selection, aggregates and the bars (issue #6).
// Kept apart from the runner so that tests can check them without rendering anything.

export interface Scores {
  melLsd: number;
  sc: number;
  mss: number;
  mfccSpiegelib: number;
}

export interface Row {
  id: string;
  /** The target's class (sounds set: the manifest's class, e.g. "kick"); "" when none. */
  cls: string;
  synth: string;
  /** "matcher", "best-of" (the better synth's matcher), or a baseline: "init", "nearest-bank", "random". */
  method: string;
  scores: Scores;
  /** The loss the matcher minimised (its final candidate's); the best-of choice uses it. */
  loss?: number;
  /** Where the matcher's best candidate came from (its start, refined or not). */
  source?: string;
  renders: number;
  seconds: number;
}

export const BASELINES = ["init", "nearest-bank", "random"];

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2) : NaN;
};
export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * Best of several synths' matcher results on one target: the one whose final loss is lower — what a run with
 * both synths can see without any reference; the benchmark's metrics are not consulted. Ties go to the first
 * row. Undefined when there is no matcher row.
 */
export function bestOf(rows: Row[]): Row | undefined {
  let best: Row | undefined;
  for (const r of rows) {
    if (r.method !== "matcher") continue;
    const l = r.loss ?? Infinity;
    if (!best || l < (best.loss ?? Infinity)) best = r;
  }
  return best && { ...best, method: "best-of" };
}

/** The method judged against the baselines: "best-of" when several synths ran, else "matcher". */
export function primaryMethod(rows: Row[]): string {
  return rows.some((r) => r.method === "best-of") ? "best-of" : "matcher";
}

/**
 * Whether the primary method beats every baseline row of a target (all synths' baselines) by `key`
 * (lower is better). A target without baselines does not count as beaten.
 */
export function beatsEveryBaseline(rows: Row[], key: keyof Scores): boolean {
  const me = rows.find((r) => r.method === primaryMethod(rows));
  const baselines = rows.filter((r) => BASELINES.includes(r.method));
  if (!me || baselines.length === 0) return false;
  return baselines.every((b) => me.scores[key] < b.scores[key]);
}

/** The bars of issue #6 per set: metric aggregated, threshold, and whether lower must be ≤ or <. */
export interface Bar {
  metric: string;
  bar: number;
  /** "le": value ≤ bar; "lt": value < bar; "ge": value ≥ bar. */
  test: "le" | "lt" | "ge";
}

export function barsFor(set: string): Bar[] {
  if (set === "dx7-refs")
    return [
      { metric: "mel-lsd-median", bar: 3, test: "le" },
      { metric: "beats-every-baseline", bar: 0.9, test: "ge" },
    ];
  if (set.startsWith("vital-refs")) return [{ metric: "mel-lsd-median", bar: 2, test: "le" }];
  if (set === "sounds")
    return [
      { metric: "sc-median", bar: 0.5, test: "lt" },
      { metric: "beats-every-baseline", bar: 0.9, test: "ge" },
    ];
  if (set === "spiegelib") return [{ metric: "mfcc-mae-spiegelib-mean", bar: 0.1, test: "lt" }];
  if (set === "first-candidate") return [{ metric: "first-candidate-seconds-max", bar: 3, test: "le" }];
  return [];
}

export function meets(b: Bar, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  return b.test === "le" ? value <= b.bar : b.test === "lt" ? value < b.bar : value >= b.bar;
}

/** The key the set is judged by when counting wins over the baselines. */
export function keyOf(set: string): keyof Scores {
  return set === "spiegelib" ? "mfccSpiegelib" : set === "sounds" ? "sc" : "melLsd";
}

/** Aggregate values of the primary method over `rows` (several targets), by the names barsFor uses. */
export function aggregates(rows: Row[], set: string): Record<string, number> {
  const ids = [...new Set(rows.map((r) => r.id))];
  const primary = rows.filter((r) => r.method === primaryMethod(rows));
  const key = keyOf(set);
  let wins = 0;
  for (const id of ids)
    if (
      beatsEveryBaseline(
        rows.filter((r) => r.id === id),
        key,
      )
    )
      wins++;
  return {
    "mel-lsd-median": median(primary.map((r) => r.scores.melLsd)),
    "sc-median": median(primary.map((r) => r.scores.sc)),
    "mfcc-mae-spiegelib-mean": mean(primary.map((r) => r.scores.mfccSpiegelib)),
    "beats-every-baseline": ids.length ? wins / ids.length : NaN,
    targets: ids.length,
  };
}

/** The best baseline row of a target (all synths' baselines) by `key`, undefined when there is none. */
export function bestBaseline(rows: Row[], key: keyof Scores): Row | undefined {
  let best: Row | undefined;
  for (const r of rows)
    if (BASELINES.includes(r.method) && (!best || r.scores[key] < best.scores[key])) best = r;
  return best;
}

/** The targets the primary method did not beat every baseline on, with the baselines that were as good. */
export function losses(
  rows: Row[],
  key: keyof Scores,
): Array<{
  id: string;
  cls: string;
  value: number;
  beatenBy: Array<{ method: string; synth: string; value: number }>;
}> {
  const out = [];
  for (const id of new Set(rows.map((r) => r.id))) {
    const mine = rows.filter((r) => r.id === id);
    if (beatsEveryBaseline(mine, key)) continue;
    const me = mine.find((r) => r.method === primaryMethod(mine));
    const value = me ? me.scores[key] : NaN;
    out.push({
      id,
      cls: mine[0]!.cls,
      value,
      beatenBy: mine
        .filter((r) => BASELINES.includes(r.method) && !(value < r.scores[key]))
        .map((r) => ({ method: r.method, synth: r.synth, value: r.scores[key] })),
    });
  }
  return out;
}
