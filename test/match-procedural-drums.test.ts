// The procedural drum voices of the matcher's built-in bank (DX7 and Vital): they sound (not silent, decaying
// like hits), kicks fall in pitch, hats are bright, and drum-like targets get them as their first starts.
import { describe, expect, it } from "vitest";
import { pitchTrack } from "../src/audio/pitch.ts";
import { isPercussive, proceduralPresets, startsFor } from "../src/match/bank.ts";
import { mixToMono } from "../src/match/loss.ts";
import { analyseTarget } from "../src/match/target.ts";
import { synth as dx7 } from "../src/synths/dx7/index.ts";
import { synth as vital } from "../src/synths/vital/index.ts";
import type { AnySynth } from "../src/synths/synth.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";

const SR = 44100;

function render(synth: AnySynth, patch: unknown, seconds = 1, note = 60): Float32Array {
  return mixToMono(
    synth.render(
      patch,
      { note, velocity: 100, noteOffSeconds: seconds * 0.8, durationSeconds: seconds },
      { sampleRate: SR, seed: 1 },
    ),
  );
}

function rmsDb(x: Float32Array, from: number, to: number): number {
  let e = 0;
  const a = Math.round(from * SR);
  const b = Math.round(to * SR);
  for (let i = a; i < b; i++) e += x[i]! * x[i]!;
  return 10 * Math.log10(e / (b - a) + 1e-20);
}

/**
 * Median f0 estimate of the frames starting within [from, to) s and less than 40 dB below the loudest frame.
 * Sweeping frames are not "voiced" by the tracker's periodicity test, so its estimates are taken as they
 * are. A higher `fMinHz` shortens the tracker's window (1024 samples from 55 Hz up, 2048 below), needed to
 * follow Vital's fast sweeps.
 */
function f0Between(x: Float32Array, from: number, to: number, fMinHz: number): number {
  const hop = 256;
  const t = pitchTrack(x, SR, { fMinHz, fMaxHz: 2000, hop, silenceBelowPeakDb: 70 });
  const loudest = Math.max(...t.levelDb);
  const f: number[] = [];
  for (let i = 0; i < t.f0Hz.length; i++) {
    const s = (i * hop) / SR;
    if (s >= from && s < to && t.levelDb[i]! > loudest - 40 && t.f0Hz[i]! > 0) f.push(t.f0Hz[i]!);
  }
  f.sort((p, q) => p - q);
  return f.length ? f[f.length >> 1]! : NaN;
}

/** Share of the spectrum's power above 4 kHz (zero-crossing proxy is too crude for noise). */
function highShare(x: Float32Array): number {
  // First difference boosts highs by ~6 dB/octave; compare its power with the signal's at a 4 kHz pivot:
  // for a sine of f Hz the ratio is (2 sin(pi f / SR))^2, 0.31 at 4 kHz.
  let p = 0;
  let d = 0;
  for (let i = 1; i < x.length; i++) {
    p += x[i]! * x[i]!;
    d += (x[i]! - x[i - 1]!) ** 2;
  }
  return d / Math.max(1e-20, p);
}

const named = (entries: Array<{ name: string; patch: unknown }>, prefix: string) =>
  entries.filter((e) => e.name.trim().toLowerCase().startsWith(prefix));

// The DX7's pitch EG falls at most ~12 octaves/s and its kicks may end near 40 Hz; Vital's sweeps are over in
// 20–120 ms and end at 65 Hz or above; short kicks of both are 40 dB down by 0.2 s.
describe.each([
  ["dx7", dx7 as AnySynth, 24, { fMinHz: 30, early: 0.04, late: [0.12, 0.2] }],
  ["vital", vital as AnySynth, 12, { fMinHz: 55, early: 0.012, late: [0.1, 0.16] }],
])("procedural %s drums", (_, synth, count, sweep) => {
  const drums = proceduralPresets(synth, count, 1, { drums: true });

  it("cover every drum archetype, each audible and decaying like a hit", () => {
    for (const kind of ["kick", "snare", "hat", "tom", "clap", "cymbal"])
      expect(named(drums, kind).length, kind).toBeGreaterThan(0);
    for (const e of drums) {
      if (e.name.toLowerCase().startsWith("cymbal")) continue; // cymbals may ring past a second
      const x = render(synth, e.patch);
      const attack = rmsDb(x, 0, 0.05);
      expect(attack, e.name).toBeGreaterThan(-45);
      expect(rmsDb(x, 0.85, 1), e.name).toBeLessThan(attack - 15);
    }
  });

  it("kicks fall in pitch after the attack", () => {
    const kicks = named(drums, "kick");
    for (const e of kicks) {
      const x = render(synth, e.patch);
      const early = f0Between(x, 0, sweep.early, sweep.fMinHz);
      const late = f0Between(x, sweep.late[0]!, sweep.late[1]!, sweep.fMinHz);
      expect(Number.isFinite(early) && Number.isFinite(late), e.name).toBe(true);
      expect(late, e.name).toBeLessThan(early * 0.85);
    }
  });

  it("hats are brighter than kicks", () => {
    const hat = render(synth, named(drums, "hat")[0]!.patch, 0.3);
    const kick = render(synth, named(drums, "kick")[0]!.patch, 0.3);
    expect(highShare(hat)).toBeGreaterThan(0.3);
    expect(highShare(hat)).toBeGreaterThan(10 * highShare(kick));
  });
});

describe("Vital drum presets as files", () => {
  it("survive a strict .vital round trip (sine table, env 2 → transpose) and render the same", () => {
    const [kick] = proceduralPresets(vital as AnySynth, 1, 1, { drums: true });
    const back = vital.codec.read(vital.codec.write([kick!.patch as VitalPatch]), "kick.vital", {
      strict: true,
    });
    expect(back.warnings).toEqual([]);
    const p = back.patches[0]!;
    expect(p.modulations[0]).toMatchObject({ source: "env_2", destination: "osc_1_transpose" });
    expect(vital.unsupportedFeatures(p)).toEqual([]);
    const a = render(vital, kick!.patch, 0.5);
    const b = render(vital, p, 0.5);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(rmsDb(a, 0, 0.05)).toBeGreaterThan(-40);
  });
});

describe("starts without a bank", () => {
  const noise = Float32Array.from({ length: SR / 2 }, (_, i) => {
    const r = Math.sin(i * 12.9898) * 43758.5453;
    return (r - Math.floor(r) - 0.5) * Math.exp(-i / (0.05 * SR));
  });
  const tone = Float32Array.from({ length: SR * 2 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 220 * i) / SR));

  it("tell a hit from a sustained note", () => {
    expect(isPercussive(analyseTarget(noise))).toBe(true);
    expect(isPercussive(analyseTarget(tone))).toBe(false);
  });

  it("put drum voices first for an unpitched hit, and none for a sustained tone", async () => {
    const store = "/nonexistent-patchsmith-store";
    const hit = await startsFor(dx7, analyseTarget(noise), { store, analytic: false });
    const held = await startsFor(dx7, analyseTarget(tone), { store, analytic: false });
    const isDrum = (s: { source: string }) => /KICK|SNARE|HAT|TOM|CLAP|CYMBAL/.test(s.source);
    expect(hit.slice(0, 4).every(isDrum)).toBe(true);
    expect(hit.slice(16).some(isDrum) && hit.slice(16).some((s) => !isDrum(s))).toBe(true); // then all kinds
    expect(held.some(isDrum)).toBe(false);
    expect(held[0]!.source).toMatch(/PLUCK/);
    expect(hit.length).toBe(held.length);
  });
});
