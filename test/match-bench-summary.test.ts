// bench/match's best-of-synths selection, win counting and bars (bench/_match-summary.ts).
import { describe, expect, it } from "vitest";
import {
  aggregates,
  barsFor,
  beatsEveryBaseline,
  bestBaseline,
  bestOf,
  losses,
  meets,
  type Row,
} from "../bench/_match-summary.ts";

function row(id: string, synth: string, method: string, sc: number, melLsd: number, loss?: number): Row {
  return {
    id,
    cls: id.split("/")[0]!,
    synth,
    method,
    scores: { sc, melLsd, mss: 0, mfccSpiegelib: 0 },
    loss,
    renders: 100,
    seconds: 1,
  };
}

describe("best of DX7/Vital", () => {
  it("picks the synth whose matcher loss is lower, not the one with the better metric", () => {
    const rows = [
      row("kick/a", "dx7", "matcher", 0.3, 5, 8),
      row("kick/a", "vital", "matcher", 0.2, 4, 9),
      row("kick/a", "dx7", "random", 0.9, 9, 12),
    ];
    const b = bestOf(rows)!;
    expect(b.synth).toBe("dx7");
    expect(b.method).toBe("best-of");
    expect(b.scores.sc).toBe(0.3);
    expect(bestOf([row("x", "dx7", "init", 1, 1)])).toBeUndefined();
  });

  it("must beat every baseline of both synths to count as a win", () => {
    const base = [
      row("kick/a", "dx7", "matcher", 0.3, 5, 8),
      row("kick/a", "vital", "matcher", 0.5, 6, 9),
      row("kick/a", "dx7", "init", 0.9, 9),
      row("kick/a", "dx7", "random", 0.8, 8),
    ];
    const winning = [...base, row("kick/a", "vital", "nearest-bank", 0.4, 7)];
    winning.push(bestOf(winning)!);
    expect(beatsEveryBaseline(winning, "sc")).toBe(true);
    const losing = [...base, row("kick/a", "vital", "nearest-bank", 0.25, 7)];
    losing.push(bestOf(losing)!);
    expect(beatsEveryBaseline(losing, "sc")).toBe(false);
    // By mel-LSD the same target is a win (5 < 7).
    expect(beatsEveryBaseline(losing, "melLsd")).toBe(true);
  });

  it("aggregates the primary method and checks the issue's bars", () => {
    const rows: Row[] = [];
    for (const [id, me, other] of [
      ["kick/a", 0.3, 0.6],
      ["piano/b", 0.7, 0.5],
      ["hat/c", 0.4, 0.9],
    ] as const) {
      rows.push(row(id, "dx7", "matcher", me, 3, 1), row(id, "dx7", "random", other, 9));
    }
    const a = aggregates(rows, "sounds");
    expect(a["sc-median"]).toBeCloseTo(0.4);
    expect(a["beats-every-baseline"]).toBeCloseTo(2 / 3);
    const [sc, wins] = barsFor("sounds");
    expect(meets(sc!, a["sc-median"]!)).toBe(true);
    expect(meets(wins!, a["beats-every-baseline"]!)).toBe(false);
    expect(meets(sc!, 0.5)).toBe(false); // "< 0.5", strictly
    expect(meets(barsFor("dx7-refs")[0]!, 3)).toBe(true); // "≤ 3 dB"
    expect(meets(sc!, NaN)).toBe(false);
    for (const set of ["dx7-refs", "vital-refs", "vital-refs-ccby", "sounds", "spiegelib", "first-candidate"])
      expect(barsFor(set).length, set).toBeGreaterThan(0);
  });

  it("names the targets lost and the baselines that were as good", () => {
    const rows = [
      row("synth/a", "dx7", "matcher", 0.15, 3, 2),
      row("synth/a", "vital", "matcher", 0.12, 2, 1),
      row("synth/a", "dx7", "init", 0.1, 5),
      row("synth/a", "vital", "random", 0.12, 6),
      row("synth/a", "vital", "init", 0.9, 9),
      row("kick/b", "vital", "matcher", 0.3, 3, 1),
      row("kick/b", "vital", "random", 0.6, 6),
    ];
    rows.push(
      bestOf(rows.filter((r) => r.id === "synth/a"))!,
      bestOf(rows.filter((r) => r.id === "kick/b"))!,
    );
    const lost = losses(rows, "sc");
    expect(lost.map((l) => l.id)).toEqual(["synth/a"]);
    expect(lost[0]!.value).toBe(0.12);
    // A tie is not a win: the random baseline at 0.12 is listed with the DX7 init patch.
    expect(lost[0]!.beatenBy.map((b) => `${b.method} ${b.synth}`).sort()).toEqual([
      "init dx7",
      "random vital",
    ]);
    const best = bestBaseline(
      rows.filter((r) => r.id === "synth/a"),
      "sc",
    )!;
    expect([best.method, best.synth]).toEqual(["init", "dx7"]);
    expect(bestBaseline([row("x", "dx7", "matcher", 1, 1)], "sc")).toBeUndefined();
  });
});
