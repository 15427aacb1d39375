import { beforeAll, describe, expect, it } from "vitest";
import { nearestEntries, type Bank } from "../src/match/bank.ts";
import { embeddingMask, maskedDistance } from "../src/match/embed-mask.ts";
import { embedSound, EMBED_DIMS } from "../src/match/embed.ts";
import { EMBED_HOLD_SECONDS } from "../src/match/embed-task.ts";
import { loadSynths } from "../src/synths/index.ts";
import { getSynth } from "../src/synths/synth.ts";
import { initPatch } from "../src/synths/dx7/params.ts";

beforeAll(async () => {
  await loadSynths();
});

/** A decaying two-partial tone with a little vibrato (1 s at 44.1 kHz). */
function tone(): Float32Array {
  return Float32Array.from({ length: 44100 }, (_, i) => {
    const t = i / 44100;
    return (
      Math.exp(-2 * t) *
      (0.6 * Math.sin(2 * Math.PI * 220 * t + Math.sin(2 * Math.PI * 5 * t)) +
        0.2 * Math.sin(2 * Math.PI * 1330 * t))
    );
  });
}

describe("embedding mask", () => {
  it("keeps exactly the dimensions that depend on the sound before the bank's note-off", () => {
    const mask = embeddingMask(1, EMBED_HOLD_SECONDS)!;
    expect(mask).toHaveLength(EMBED_DIMS);
    const x = tone();
    const cutAt = Math.round(EMBED_HOLD_SECONDS * 44100);
    const y = Float32Array.from(x, (v, i) => (i < cutAt ? v : 0));
    const ex = embedSound(x);
    const ey = embedSound(y);
    let kept = 0;
    let changedOut = 0;
    for (let i = 0; i < EMBED_DIMS; i++) {
      // Dimensions compared must not see what happens after the note-off …
      if (mask[i]) {
        kept++;
        expect(ey[i]).toBe(ex[i]);
      } else if (ey[i] !== ex[i]) changedOut++;
    }
    // … and those left out do (bands already at the floor in both stay equal).
    expect(changedOut).toBeGreaterThan((EMBED_DIMS - kept) / 2);
    expect(kept).toBeGreaterThan(EMBED_DIMS / 2);
    expect(maskedDistance(ey, 0, ex, mask)).toBe(0);
    expect(maskedDistance(ey, 0, ex, undefined)).toBeGreaterThan(0);
  });

  it("compares every dimension of a target released at or before the bank's note-off", () => {
    expect(embeddingMask(EMBED_HOLD_SECONDS, EMBED_HOLD_SECONDS)).toBeUndefined();
    expect(embeddingMask(0.3, EMBED_HOLD_SECONDS)).toBeUndefined();
  });

  it("finds an organ voice held longer than the bank rendered it", () => {
    // An organ stops at its note-off: held 1 s it differs from its 0.8 s bank render only after 0.8 s.
    const synth = getSynth("dx7")!;
    const organ = initPatch();
    organ.operators[0]!.egRate = [99, 99, 99, 99];
    const other = initPatch();
    other.operators[0]!.egRate = [99, 40, 99, 99];
    other.operators[0]!.egLevel = [99, 80, 0, 0];
    const render = (p: unknown, hold: number) =>
      synth.render(p, { note: 60, velocity: 100, noteOffSeconds: hold, durationSeconds: 1 })[0]!;
    const target = embedSound(render(organ, 1));
    const bankOrgan = embedSound(render(organ, EMBED_HOLD_SECONDS));
    const bankOther = embedSound(render(other, EMBED_HOLD_SECONDS));
    const mask = embeddingMask(1, EMBED_HOLD_SECONDS);
    expect(maskedDistance(bankOrgan, 0, target, mask)).toBeLessThan(
      maskedDistance(bankOther, 0, target, mask),
    );
    expect(maskedDistance(bankOrgan, 0, target, mask)).toBeLessThan(1e-6);
  });

  it("takes the masked and the whole-embedding rankings in turn for a target held longer", () => {
    const x = tone();
    const q = embedSound(x);
    const mask = embeddingMask(1, EMBED_HOLD_SECONDS)!;
    // "early": the target until the note-off, far after it; "whole": a little off everywhere; "far": off early.
    const early = Float32Array.from(q, (v, i) => (mask[i] ? v : v + 1));
    const whole = Float32Array.from(q, (v) => v + 0.05);
    const far = Float32Array.from(q, (v, i) => (mask[i] ? v + 0.5 : v));
    const names = ["early", "whole", "far"];
    const bank: Bank = {
      synthId: "dx7",
      notes: [60],
      entries: names.map((name) => ({ name, source: "test", patch: initPatch() })),
      embeddings: Float32Array.from([...early, ...whole, ...far]),
    };
    const order = (hold?: number) => nearestEntries(bank, x, 60, 3, undefined, hold).map((e) => e.name);
    expect(order()).toEqual(["whole", "far", "early"]);
    expect(order(0.5)).toEqual(["whole", "far", "early"]);
    expect(order(1)).toEqual(["early", "whole", "far"]);
    expect(nearestEntries(bank, x, 60, 1, undefined, 1).map((e) => e.name)).toEqual(["early"]);
  });
});
