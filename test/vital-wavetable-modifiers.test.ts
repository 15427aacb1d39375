// Wavetable modifiers (Phase Shift, Wave Window, Frequency Filter, Slew Limiter, Wave Folder, Wave Warp) on
// made wavetables, checked against the formulas of Vital's modifiers; and CC BY presets that use them render
// closer to Vital's own renders with the modifiers than without.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAudioFile } from "../src/audio/decode.ts";
import { toMono } from "../src/audio/types.ts";
import { melLsd } from "../src/metrics/index.ts";
import { readVital } from "../src/synths/vital/codec.ts";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import { ENGINE_SUPPORT, programFromPatch, synth as vital } from "../src/synths/vital/index.ts";
import type {
  AudioFileSourceComponent,
  ModifierComponent,
  VitalPatch,
  Wavetable,
  WavetableComponent,
} from "../src/synths/vital/types.ts";
import { buildWavetableFrames } from "../src/synths/vital/wavetable-data.ts";

const N = 2048;
const repoRoot = path.resolve(import.meta.dirname, "..");
const shared = path.resolve(repoRoot, "../shared");
const refsDir = path.join(shared, "refs/vital");
const hasRefs = existsSync(path.join(refsDir, "manifest.json"));

const wave = (f: (x: number) => number) => Float32Array.from({ length: N }, (_, i) => f(i / N));
const sine = wave((x) => Math.sin(2 * Math.PI * x));
const saw = wave((x) => 2 * ((x + 0.5) % 1) - 1);

function modifier(
  type: string,
  keyframes: Array<Record<string, number>>,
  settings: Record<string, unknown> = {},
  interpolationStyle = 1,
): ModifierComponent {
  return {
    kind: "modifier",
    type,
    interpolationStyle,
    settings,
    keyframes: keyframes.map(({ position, ...values }) => ({ position: position ?? 0, values })),
  };
}

/** One group: a Wave Source holding `frame` at position 0, then the modifiers; no DC removal or normalising. */
function table(frame: Float32Array, ...mods: ModifierComponent[]): Wavetable {
  return {
    name: "made",
    author: "",
    version: "1.0.7",
    removeAllDc: false,
    fullNormalize: false,
    fromLine: null,
    extra: {},
    groups: [
      {
        extra: {},
        components: [
          {
            kind: "wave-source",
            type: "Wave Source",
            interpolation: 1,
            interpolationStyle: 1,
            keyframes: [{ position: 0, wave: frame, extra: {} }],
            extra: {},
          },
          ...mods,
        ],
      },
    ],
  };
}

function frames(t: Wavetable): Float32Array[] {
  const built = buildWavetableFrames(t);
  expect(built.skipped).toEqual([]);
  return built.frames;
}

function harmonic(f: Float32Array, k: number): { mag: number; phase: number } {
  let c = 0;
  let s = 0;
  for (let i = 0; i < N; i++) {
    c += f[i]! * Math.cos((2 * Math.PI * k * i) / N);
    s -= f[i]! * Math.sin((2 * Math.PI * k * i) / N);
  }
  return { mag: (2 * Math.hypot(c, s)) / N, phase: Math.atan2(s, c) };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

function powerScale(x: number, p: number): number {
  const y = (Math.exp(p * Math.abs(x)) - 1) / (Math.exp(p) - 1);
  return x >= 0 ? y : -y;
}

describe("Vital wavetable modifiers on made tables", () => {
  it("Phase Shift delays every harmonic by k·phase (normal), mixes with the dry frame, and clears phases", () => {
    const [shifted] = frames(table(sine, modifier("Phase Shift", [{ phase: Math.PI / 2, mix: 1 }])));
    expect(
      maxDiff(
        shifted!,
        wave((x) => Math.sin(2 * Math.PI * x - Math.PI / 2)),
      ),
    ).toBeLessThan(1e-5);
    const [dry] = frames(table(saw, modifier("Phase Shift", [{ phase: 1.3, mix: 0 }])));
    expect(maxDiff(dry!, saw)).toBeLessThan(1e-5);
    // Harmonic k of a saw moves by k·φ: harmonic 3 by 3·0.4 rad.
    const [moved] = frames(table(saw, modifier("Phase Shift", [{ phase: 0.4, mix: 1 }])));
    const d = harmonic(moved!, 3).phase - harmonic(saw, 3).phase;
    expect(Math.cos(d + 3 * 0.4)).toBeCloseTo(1, 5);
    expect(harmonic(moved!, 3).mag).toBeCloseTo(harmonic(saw, 3).mag, 5);
    // Clear (style 4): every harmonic at phase 0, so a sine becomes a cosine.
    const [clear] = frames(table(sine, modifier("Phase Shift", [{ phase: 0, mix: 1 }], { style: 4 })));
    expect(
      maxDiff(
        clear!,
        wave((x) => Math.cos(2 * Math.PI * x)),
      ),
    ).toBeLessThan(1e-5);
  });

  it("Wave Window fades the cycle's ends in with its shape", () => {
    const ones = new Float32Array(N).fill(1);
    const [cos] = frames(
      table(ones, modifier("Wave Window", [{ left_position: 0.25, right_position: 0.75 }])),
    );
    expect(cos![0]).toBeCloseTo(0, 6);
    const i = Math.round(0.125 * (N - 1));
    expect(cos![i]).toBeCloseTo(0.5 - 0.5 * Math.cos((Math.PI * (i / (N - 1))) / 0.25), 5);
    expect(cos![N / 2]).toBe(1);
    expect(cos![N - 1]).toBeCloseTo(0, 6);
    const [linear] = frames(
      table(ones, modifier("Wave Window", [{ left_position: 0.5, right_position: 1 }], { window_shape: 2 })),
    );
    expect(linear![Math.round(0.25 * (N - 1))]).toBeCloseTo(0.5, 3);
    expect(linear![N - 1]).toBe(1);
  });

  it("Frequency Filter low-passes / high-passes harmonics around 2^cutoff and normalises", () => {
    // Low pass, cutoff 2^3 = harmonic 8, shape 0 (slope 1): harmonics ≤ 8 kept, 9 and up removed.
    const [lp] = frames(
      table(saw, modifier("Frequency Filter", [{ cutoff: 3, shape: 0 }], { normalize: false })),
    );
    expect(harmonic(lp!, 8).mag).toBeCloseTo(harmonic(saw, 8).mag, 4);
    expect(harmonic(lp!, 9).mag).toBeLessThan(1e-5);
    expect(harmonic(lp!, 40).mag).toBeLessThan(1e-5);
    const [hp] = frames(
      table(saw, modifier("Frequency Filter", [{ cutoff: 3, shape: 0 }], { style: 2, normalize: false })),
    );
    expect(harmonic(hp!, 7).mag).toBeLessThan(1e-5);
    expect(harmonic(hp!, 8).mag).toBeCloseTo(harmonic(saw, 8).mag, 4);
    const [normalised] = frames(table(saw, modifier("Frequency Filter", [{ cutoff: 3, shape: 0 }])));
    expect(Math.max(...normalised!.map(Math.abs))).toBeCloseTo(1, 5);
  });

  it("Slew Limiter bounds the rise and fall per sample", () => {
    const square = wave((x) => (x < 0.5 ? 1 : -1));
    const [slewed] = frames(
      table(square, modifier("Slew Limiter", [{ up_run_rise: 0.25, down_run_rise: 0.5 }])),
    );
    let up = 0;
    let down = 0;
    for (let i = 0; i < N; i++) {
      const d = slewed![(i + 1) % N]! - slewed![i]!;
      up = Math.max(up, d);
      down = Math.max(down, -d);
    }
    expect(up).toBeCloseTo(2 / N / 0.25, 6);
    expect(down).toBeCloseTo(2 / N / 0.5, 6);
    const [free] = frames(table(square, modifier("Slew Limiter", [{ up_run_rise: 0, down_run_rise: 0 }])));
    expect(maxDiff(free!, square)).toBeLessThan(1e-6);
  });

  it("Wave Folder folds by sin(boost · asin(x)) and interpolates its keyframes", () => {
    const [once] = frames(table(sine, modifier("Wave Folder", [{ fold_boost: 1 }])));
    expect(maxDiff(once!, sine)).toBeLessThan(1e-5);
    const [folded] = frames(table(sine, modifier("Wave Folder", [{ fold_boost: 2 }])));
    expect(
      maxDiff(
        folded!,
        sine.map((x) => Math.sin(2 * Math.asin(x))),
      ),
    ).toBeLessThan(1e-5);
    expect(folded![N / 8]).toBeCloseTo(1, 5); // sin(2 · π/4)
    const sweep = frames(
      table(
        sine,
        modifier("Wave Folder", [
          { position: 0, fold_boost: 1 },
          { position: 2, fold_boost: 3 },
        ]),
      ),
    );
    expect(sweep).toHaveLength(3);
    expect(maxDiff(sweep[1]!, folded!)).toBeLessThan(1e-6); // halfway: boost 2
  });

  it("Wave Warp bends the cycle in time and value with Vital's power curve", () => {
    const [vertical] = frames(
      table(sine, modifier("Wave Warp", [{ horizontal_power: 0, vertical_power: 3 }])),
    );
    expect(
      maxDiff(
        vertical!,
        sine.map((y) => powerScale(y, 3)),
      ),
    ).toBeLessThan(1e-5);
    const [horizontal] = frames(
      table(
        saw,
        modifier("Wave Warp", [{ horizontal_power: 2, vertical_power: 0 }], { horizontal_asymmetric: true }),
      ),
    );
    for (const i of [100, 700, 1500]) {
      const pos = (N - 1) * powerScale(i / (N - 1), 2);
      const j = Math.floor(pos);
      expect(horizontal![i]).toBeCloseTo(saw[j]! + (saw[j + 1]! - saw[j]!) * (pos - j), 5);
    }
  });

  it("a modifier changes rendered audio, never the patch's own keyframe data", () => {
    const t = table(Float32Array.from(sine), modifier("Wave Folder", [{ fold_boost: 3 }]));
    const before = Float32Array.from(
      (t.groups[0]!.components[0] as { keyframes: Array<{ wave: Float32Array }> }).keyframes[0]!.wave,
    );
    frames(t);
    const after = (t.groups[0]!.components[0] as { keyframes: Array<{ wave: Float32Array }> }).keyframes[0]!
      .wave;
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(ENGINE_SUPPORT.wavetableComponents).toEqual(
      expect.arrayContaining([
        "Phase Shift",
        "Wave Window",
        "Frequency Filter",
        "Slew Limiter",
        "Wave Folder",
        "Wave Warp",
      ]),
    );
    const p = vital.defaultPatch();
    p.wavetables[0] = { ...t, removeAllDc: true, fullNormalize: true };
    expect(vital.unsupportedFeatures(p)).toEqual([]);
  });
});

describe("Vital Audio File Source on made audio", () => {
  const period = 300;
  const audio = Float32Array.from({ length: 10 * period }, (_, i) => Math.sin((2 * Math.PI * i) / period));
  const source = (settings: Record<string, unknown>, starts = [0]): AudioFileSourceComponent => ({
    kind: "audio-file-source",
    type: "Audio File Source",
    interpolationStyle: 1,
    audio,
    settings: { window_size: period, normalize_mult: false, ...settings },
    keyframes: starts.map((start, k) => ({
      position: k * 4,
      values: { start_position: start, window_fade: 1 },
    })),
  });
  const tableOf = (c: WavetableComponent): Wavetable => ({
    ...table(sine),
    groups: [{ extra: {}, components: [c] }],
  });
  const cycle = wave((x) => Math.sin(2 * Math.PI * x));

  it("reads one window of audio per frame, resampled to 2048 samples", () => {
    const [f] = frames(tableOf(source({ fade_style: 1 })));
    expect(maxDiff(f!, cycle)).toBeLessThan(3e-3); // Catmull-Rom on a 300-sample period
    // Keyframes at start 0 and 75 samples (a quarter period), four frames apart. Without interpolation
    // (fade style 1) a window starts at a whole cycle, so frame 4 is frame 0 again; wave blend (style 0)
    // starts it a quarter period later: a cosine, rotated like frame 0.
    const snapped = frames(tableOf(source({ fade_style: 1 }, [0, 75])));
    expect(snapped).toHaveLength(5);
    expect(maxDiff(snapped[4]!, snapped[0]!)).toBeLessThan(1e-6);
    const blended = frames(tableOf(source({ fade_style: 0 }, [0, 75])));
    const start = Math.trunc(75 / (period / N) + period / 2 + N / 2) % N;
    const cosine = wave((x) => Math.cos(2 * Math.PI * x));
    const rotated = Float32Array.from({ length: N }, (_, i) => cosine[(i - start + N) % N]!);
    expect(maxDiff(blended[4]!, rotated)).toBeLessThan(3e-3);
  });

  it("wave blend rotates the window to start mid-cycle and loops it seamlessly", () => {
    const [f] = frames(tableOf(source({ fade_style: 0 })));
    const start = (period / 2 + N / 2) % N; // start_position 0: window/2 + 1024
    const rotated = Float32Array.from({ length: N }, (_, i) => cycle[(i - start + N) % N]!);
    expect(maxDiff(f!, rotated)).toBeLessThan(3e-3);
  });

  it("vocode keeps each harmonic's magnitude and replaces its phase", () => {
    const [plain] = frames(tableOf(source({ fade_style: 1 })));
    const [vocoded] = frames(tableOf(source({ fade_style: 1, phase_style: 2, random_seed: 12345 })));
    expect(harmonic(vocoded!, 1).mag).toBeCloseTo(harmonic(plain!, 1).mag, 4);
    expect(maxDiff(vocoded!, plain!)).toBeGreaterThan(0.1);
    const [again] = frames(tableOf(source({ fade_style: 1, phase_style: 2, random_seed: 12345 })));
    expect(Array.from(again!)).toEqual(Array.from(vocoded!));
  });
});

interface Ref {
  id: string;
  preset: string;
  note: number;
  velocity: number;
  note_off_s: number;
  dur_s: number;
  wav: string;
}

function stripped(p: VitalPatch, kind: WavetableComponent["kind"]): VitalPatch {
  return {
    ...p,
    wavetables: p.wavetables.map((t) => ({
      ...t,
      groups: t.groups.map((g) => ({ ...g, components: g.components.filter((c) => c.kind !== kind) })),
    })),
  };
}

describe.skipIf(!hasRefs)("CC BY presets with modifiers against Vital's renders (../shared)", () => {
  // Wave Warp on all three oscillators; a Frequency Filter on oscillator 3; an Audio File Source (vocoded).
  const cases: Array<[string, WavetableComponent["kind"]]> = [
    ["ccby_KorgM1Organ2_n48", "modifier"],
    ["ccby_EggmanLead_n48", "modifier"],
    ["ccby_ProfanityFilter_n48", "audio-file-source"],
  ];
  for (const [id, kind] of cases) {
    it(`${id} is closer to Vital with its ${kind} components rendered`, async () => {
      const manifest = JSON.parse(readFileSync(path.join(refsDir, "manifest.json"), "utf8")) as Ref[];
      const e = manifest.find((r) => r.id === id)!;
      const p = readVital(readFileSync(path.join(refsDir, e.preset)), "p.vital", { strict: false })
        .patches[0]!;
      const perf = {
        note: e.note,
        velocity: e.velocity,
        noteOffSeconds: e.note_off_s,
        durationSeconds: e.dur_s,
      };
      const opts = { sampleRate: 44100, seed: 1, beatsPerSecond: 2 };
      const ref = toMono((await readAudioFile(path.join(refsDir, e.wav))).audio);
      const mono = (ch: Float32Array[]) => toMono({ sampleRate: 44100, channels: ch });
      const withMods = melLsd(ref, mono(renderProgramNote(programFromPatch(p), perf, opts)));
      const without = melLsd(ref, mono(renderProgramNote(programFromPatch(stripped(p, kind)), perf, opts)));
      expect(withMods).toBeLessThan(0.8 * without);
    }, 60_000);
  }
});
