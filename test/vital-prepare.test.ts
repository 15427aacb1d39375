// Cheap per-candidate preparation: `fromVector` shares the base patch's tables instead of copying them, the
// prepared wavetables and sample are reused across programs, and none of this changes what is rendered.
import { describe, expect, it } from "vitest";
import { defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { programFromPatch } from "../src/synths/vital/engine/from-patch.ts";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import { synth as vital, vitalProgram } from "../src/synths/vital/index.ts";
import type { VitalPatch, Wavetable } from "../src/synths/vital/types.ts";

const N = 2048;

function wave(f: (x: number) => number): Float32Array {
  return Float32Array.from({ length: N }, (_, i) => f(i / N));
}

/** Sine → saw → square over frames 0 … 128, spectrally interpolated. */
function morphingTable(): Wavetable {
  const shapes = [
    wave((x) => Math.sin(2 * Math.PI * x)),
    wave((x) => 2 * x - 1),
    wave((x) => (x < 0.5 ? 1 : -1)),
  ];
  return {
    name: "made",
    author: "",
    version: "",
    removeAllDc: true,
    fullNormalize: true,
    groups: [
      {
        components: [
          {
            kind: "wave-source",
            type: "Wave Source",
            interpolationStyle: 1,
            interpolation: 1,
            keyframes: shapes.map((w, i) => ({ position: i * 64, wave: w, extra: {} })),
            extra: {},
          },
        ],
        extra: {},
      },
    ],
    fromLine: null,
    extra: {},
  };
}

function basePatch(): VitalPatch {
  const p = defaultVitalPatch();
  p.wavetables[0] = morphingTable();
  p.settings.osc_1_wave_frame = 40;
  p.settings.osc_2_on = 1;
  p.settings.modulation_1_amount = 0.3;
  p.modulations[0] = {
    source: "env_2",
    destination: "osc_1_wave_frame",
    lineMapping: {
      name: "",
      numPoints: 3,
      points: [0, 1, 0.3, 0.2, 1, 0],
      powers: [2, -1, 0],
      smooth: false,
      extra: {},
    },
    extra: {},
  };
  return p;
}

const perf = { note: 52, velocity: 100, noteOffSeconds: 0.2, durationSeconds: 0.35 };
const opts = { sampleRate: 44100, seed: 3 };

function index(name: string): number {
  const i = vital.params.findIndex((p) => p.name === name);
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
}

describe("Vital candidate preparation", () => {
  it("fromVector shares the base patch's tables and leaves the base alone", () => {
    const base = basePatch();
    const baseSettings = { ...base.settings };
    const v = vital.toVector(base);
    v[index("filter_1_cutoff")] = 0.25;
    const cand = vital.fromVector(v, base);
    expect(cand.settings).not.toBe(base.settings);
    expect(cand.settings.filter_1_cutoff).not.toBe(base.settings.filter_1_cutoff);
    expect(base.settings).toEqual(baseSettings);
    expect(cand.wavetables).toBe(base.wavetables);
    expect(cand.sample).toBe(base.sample);
    expect(cand.lfos).toBe(base.lfos);
    expect(cand.modulations).toBe(base.modulations);
  });

  it("a candidate's program reuses the base's prepared wavetables, sample and line tables", () => {
    const base = basePatch();
    const cand = vital.fromVector(
      vital.toVector(base).map((x) => x * 0.999),
      base,
    );
    const a = vitalProgram(base);
    const b = vitalProgram(cand);
    expect(b).not.toBe(a);
    expect(b.wavetables[0]).toBe(a.wavetables[0]);
    expect(b.sample).toBe(a.sample);
    expect(b.lfoTables[0]).toBe(a.lfoTables[0]);
    expect(b.slots[0]!.mapping).toBe(a.slots[0]!.mapping);
    // A structurally equal copy (new objects) finds the same prepared table by content …
    expect(programFromPatch(structuredClone(base)).wavetables[0]).toBe(a.wavetables[0]);
    // … and a copy that differs in one sample of one keyframe does not.
    const moved = structuredClone(base);
    const c = moved.wavetables[0]!.groups[0]!.components[0]!;
    if (c.kind !== "wave-source") throw new Error("made table changed shape");
    c.keyframes[1]!.wave[100] = c.keyframes[1]!.wave[100]! + 0.25;
    expect(programFromPatch(moved).wavetables[0]).not.toBe(a.wavetables[0]);
  });

  it("candidates changing one setting render exactly as a fresh full preparation", () => {
    const base = basePatch();
    vital.render(base, perf, opts); // fills the shared tables and band-limited cycle caches
    const v0 = vital.toVector(base);
    const changes: Array<[string, number]> = [
      ["filter_1_cutoff", 0.3],
      ["osc_1_wave_frame", 0.9],
      ["osc_1_unison_voices", 0.4],
      ["env_1_decay", 0.2],
      ["osc_1_on", 0],
    ];
    for (const [name, x] of changes) {
      const v = Float32Array.from(v0);
      v[index(name)] = x;
      const cand = vital.fromVector(v, base);
      const shared = vital.render(cand, perf, opts);
      const fresh = renderProgramNote(
        programFromPatch(structuredClone(cand), { memo: false }),
        { ...perf, velocity: perf.velocity / 127 },
        opts,
      );
      expect(shared.length).toBe(2);
      expect(Array.from(shared[0]!), name).toEqual(Array.from(fresh[0]!));
      expect(Array.from(shared[1]!), name).toEqual(Array.from(fresh[1]!));
    }
  });
});
