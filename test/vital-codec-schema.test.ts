/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk and mutate arbitrary JSON */
// The Vital parameter schema, display units, the unsupported-feature report and describe().
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { denormalise, normalise } from "../src/synths/synth.ts";
import { defaultVitalPatch, readVital } from "../src/synths/vital/codec.ts";
import { describeVital, nonDefaultParams } from "../src/synths/vital/describe.ts";
import {
  displayValue,
  modulationSlots,
  settingsFromVector,
  settingsToVector,
  VITAL_PARAM_SPECS,
  VITAL_PARAMS,
  VITAL_SOUND_PARAM_SPECS,
  vitalParam,
} from "../src/synths/vital/params.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";
import {
  vitalAudibility,
  vitalUnsupportedFeatures as unsupportedWith,
  type VitalEngineSupport,
} from "../src/synths/vital/unsupported.ts";
import { hasShared, repoRoot, runCli, sharedDir } from "./helpers.ts";

/** The rules are tested against a narrow engine (Vital's core voice: analog and digital filters, wave and line
 * sources, no effects), independent of what the real engine (ENGINE_SUPPORT) renders today. */
const NARROW: VitalEngineSupport = {
  filterModels: [0, 3],
  filterFallback: "approximated as analog",
  oscDistortionTypes: [0],
  spectralMorphTypes: [0],
  effects: [],
  wavetableComponents: ["Wave Source", "Line Source"],
  destinations: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
  destinationFallback: "sent to the effects bus instead",
};
const unsupported = (p: VitalPatch, support: VitalEngineSupport = NARROW) => unsupportedWith(p, support);

const fixture = (name: string) =>
  readVital(readFileSync(path.join(repoRoot, "test/fixtures/vital", name)), name).patches[0]!;

function patchWith(settings: Record<string, number>, mods: Array<[string, string, number]> = []): VitalPatch {
  const p = defaultVitalPatch();
  Object.assign(p.settings, settings);
  mods.forEach(([source, destination, amount], i) => {
    p.modulations[i] = { source, destination, lineMapping: null, extra: {} };
    p.settings[`modulation_${i + 1}_amount`] = amount;
  });
  return p;
}

describe("parameter table and schema", () => {
  it("has all 794 parameters with a spec each, grouped, with kinds from the table's scales", () => {
    expect(VITAL_PARAMS).toHaveLength(794);
    expect(VITAL_PARAM_SPECS).toHaveLength(794);
    expect(new Set(VITAL_PARAMS.map((p) => p.name)).size).toBe(794);
    const spec = (n: string) => VITAL_PARAM_SPECS.find((s) => s.name === n)!;
    expect(spec("filter_1_cutoff")).toMatchObject({
      kind: "continuous",
      min: 8,
      max: 136,
      unit: "semitones",
      group: "filter_1",
      vitalScale: "linear",
    });
    expect(spec("env_3_attack")).toMatchObject({ kind: "continuous", vitalScale: "quartic", group: "env_3" });
    expect(spec("osc_2_unison_voices")).toMatchObject({ kind: "integer", min: 1, max: 16, group: "osc_2" });
    expect(spec("filter_fx_model").options).toEqual([
      "Analog",
      "Dirty",
      "Ladder",
      "Digital",
      "Diode",
      "Formant",
      "Comb",
      "Phaser",
    ]);
    expect(spec("filter_fx_model").group).toBe("filter_fx");
    // table over-runs are cut to what means something
    expect(spec("osc_1_destination")).toMatchObject({ kind: "choice", max: 13 });
    expect(spec("osc_1_destination").options).toHaveLength(14);
    expect(spec("delay_tempo").options![0]).toBe("4/1");
    expect(spec("modulation_64_amount").group).toBe("modulation_64");
    for (const s of VITAL_PARAM_SPECS) {
      expect(s.min <= s.default && s.default <= vitalParam(s.name)!.max, s.name).toBe(true);
      if (s.kind === "choice") expect(s.options!.length, s.name).toBe(s.max - s.min + 1);
    }
  });

  it("marks UI-only, legacy and performance parameters so a matcher can skip them", () => {
    const role = (n: string) => VITAL_PARAM_SPECS.find((s) => s.name === n)!.role;
    expect(role("view_spectrogram")).toBe("ui");
    expect(role("osc_2_view_2d")).toBe("ui");
    expect(role("sub_level")).toBe("legacy");
    expect(role("filter_1_osc2_input")).toBe("legacy");
    expect(role("polyphony")).toBe("performance");
    expect(role("mod_wheel")).toBe("performance");
    expect(role("osc_1_level")).toBe("sound");
    const names = new Set(VITAL_SOUND_PARAM_SPECS.map((s) => s.name));
    expect(names.has("view_spectrogram") || names.has("sub_on") || names.has("beats_per_minute")).toBe(false);
    expect(names.has("filter_1_resonance") && names.has("env_1_decay") && names.has("reverb_size")).toBe(
      true,
    );
  });

  it("defaults normalise and come back unchanged; vectors round-trip through settings", () => {
    for (const s of VITAL_PARAM_SPECS) {
      const back = denormalise(s, normalise(s, s.default));
      expect(Math.abs(back - s.default), s.name).toBeLessThan(1e-4 * Math.max(1, s.max - s.min));
    }
    const p = fixture("minimal.vital");
    const v = settingsToVector(p.settings, VITAL_SOUND_PARAM_SPECS);
    expect(v.length).toBe(VITAL_SOUND_PARAM_SPECS.length);
    expect(v.every((x) => x >= 0 && x <= 1)).toBe(true);
    const again = settingsFromVector(v, defaultVitalPatch().settings, VITAL_SOUND_PARAM_SPECS);
    expect(again.osc_1_transpose).toBe(-12);
    expect(again.filter_1_model).toBe(6);
    expect(again.filter_1_cutoff).toBeCloseTo(72, 3);
    expect(again.view_spectrogram).toBe(p.settings.view_spectrogram); // outside the vector: untouched
  });
});

describe("display units (vital.md §2.2)", () => {
  const d = (n: string, v: number, s?: Record<string, number>) => displayValue(n, v, s);
  it("converts stored values to seconds, Hz, dB, semitones and labels", () => {
    expect(d("env_1_attack", 0.1495).value as number).toBeCloseTo(0.0005, 5);
    expect(d("env_1_decay", 1)).toMatchObject({ value: 1, unit: "s" });
    expect(d("volume", 5473.0405).value as number).toBeCloseTo(-6.02, 2);
    expect(d("volume", 5473.0405).unit).toBe("dB");
    expect(d("lfo_1_frequency", 1)).toMatchObject({ value: 2, unit: "Hz" });
    expect(d("delay_frequency", 2)).toMatchObject({ value: 0.25, unit: "s" });
    expect(d("reverb_decay_time", 0)).toMatchObject({ value: 1, unit: "s" });
    expect(d("chorus_delay_1", -9).value as number).toBeCloseTo(1.953, 3);
    expect(d("filter_1_cutoff", 69).value as number).toBeCloseTo(440, 6);
    expect(d("filter_1_cutoff", 60).value as number).toBeCloseTo(261.63, 2);
    expect(d("osc_1_level", Math.SQRT1_2).value as number).toBeCloseTo(0.5, 6);
    expect(d("beats_per_minute", 2)).toMatchObject({ value: 120, unit: "BPM" });
    expect(d("osc_1_tune", 0.25)).toMatchObject({ value: 25, unit: "cents" });
    expect(d("osc_1_unison_detune", 4.47214, { osc_1_detune_range: 2 }).value as number).toBeCloseTo(40, 2);
    expect(d("osc_1_transpose", -12)).toMatchObject({ value: -12, unit: "semitones" });
    expect(d("lfo_1_tempo", 7).text).toBe("1/2");
    expect(d("delay_tempo", 9).text).toBe("1/8");
    expect(d("filter_1_style", 1, { filter_1_model: 6 }).text).toBe("Low High Flange+");
    expect(d("filter_1_style", 1, { filter_1_model: 0 }).text).toBe("24dB");
    expect(d("filter_1_resonance", 0.5)).toMatchObject({ value: 50, unit: "%" });
  });
});

describe("unsupported features", () => {
  it("reports nothing for the init patch", () => {
    expect(unsupported(defaultVitalPatch())).toEqual([]);
  });

  it("reports other filter models only when the filter is on, reached and not fully dry", () => {
    expect(unsupported(patchWith({ filter_1_model: 6 }))).toEqual([]); // off
    expect(unsupported(patchWith({ filter_2_on: 1, filter_2_model: 6 }))).toEqual([]); // nothing routed to it
    expect(unsupported(patchWith({ filter_1_on: 1, filter_1_model: 6 }))).toEqual([
      "filter 1: comb model (approximated as analog)",
    ]);
    expect(unsupported(patchWith({ filter_1_on: 1, filter_1_model: 3 }))).toEqual([]); // digital is rendered
    expect(unsupported(patchWith({ filter_1_on: 1, filter_1_model: 2, filter_1_mix: 0 }))).toEqual([]);
    expect(
      unsupported(
        patchWith({ filter_1_on: 1, filter_1_model: 2, filter_1_mix: 0 }, [["lfo_1", "filter_1_mix", 0.5]]),
      ),
    ).toEqual(["filter 1: ladder model (approximated as analog)"]);
    // serial routing: filter 2 fed only through filter 1's input switch
    const serial = patchWith({ filter_1_on: 1, filter_2_on: 1, filter_2_model: 5, filter_2_filter_input: 1 });
    expect(unsupported(serial)).toEqual(["filter 2: formant model (approximated as analog)"]);
  });

  it("reports oscillator distortions and morphs only on sounding oscillators with an amount", () => {
    expect(unsupported(patchWith({ osc_2_distortion_type: 1 }))).toEqual([]); // osc 2 off
    expect(unsupported(patchWith({ osc_1_distortion_type: 1, osc_1_distortion_amount: 0 }))).toEqual([]);
    expect(
      unsupported(
        patchWith({ osc_1_distortion_type: 1, osc_1_distortion_amount: 0 }, [
          ["env_2", "osc_1_distortion_amount", 1],
        ]),
      ),
    ).toEqual(['oscillator 1: "Sync" distortion (not rendered)']);
    expect(unsupported(patchWith({ osc_1_spectral_morph_type: 3 }))).toEqual([
      'oscillator 1: "Harmonic Stretch" spectral morph (not rendered)',
    ]);
    expect(unsupported(patchWith({ osc_1_level: 0, osc_1_distortion_type: 1 }))).toEqual([]);
  });

  it("reports effects that are on and not fully dry, only when something sounds", () => {
    expect(unsupported(patchWith({ reverb_on: 1 }))).toEqual(["effects: reverb is on (not rendered)"]);
    expect(unsupported(patchWith({ reverb_on: 1, reverb_dry_wet: 0 }))).toEqual([]);
    expect(unsupported(patchWith({ eq_on: 1 }))).toEqual([]); // flat EQ
    expect(unsupported(patchWith({ eq_on: 1, eq_band_gain: 3 }))).toEqual([
      "effects: EQ is on (not rendered)",
    ]);
    expect(unsupported(patchWith({ reverb_on: 1, osc_1_on: 0 }))).toEqual([]);
  });

  it("is data-driven: a wider engine support shrinks the list", () => {
    const p = fixture("kitchen-sink.vital");
    const all = unsupported(p);
    expect(all).toContain('oscillator 1: wavetable "Lines and mods": Wave Warp modifier (not rendered)');
    expect(all).toContain('oscillator 2: wavetable "Audio": Audio File Source (not rendered)');
    expect(all).toContain("filter 2: diode model (approximated as analog)");
    expect(all).toContain("effects: reverb is on (not rendered)");
    expect(all.some((u) => u.includes("chorus"))).toBe(false); // on but fully dry
    expect(all.some((u) => u.includes("oscillator 3"))).toBe(false); // level 0
    const wider = unsupported(p, {
      ...NARROW,
      filterModels: [0, 1, 2, 3, 4, 5, 6, 7],
      effects: ["reverb"],
      wavetableComponents: [
        "Wave Source",
        "Line Source",
        "Wave Warp",
        "Frequency Filter",
        "Audio File Source",
        "Phase Shift",
        "Shepard Tone Source",
      ],
      oscDistortionTypes: [0, 7],
    });
    expect(wider).toEqual([]);
  });

  it("follows modulated amounts: a slot whose amount is driven by another slot is active", () => {
    const p = patchWith({ osc_2_on: 1, osc_2_level: 0 }, [
      ["lfo_1", "osc_2_level", 0],
      ["macro_control_1", "modulation_1_amount", 0.5],
    ]);
    expect(vitalAudibility(p).oscillators).toEqual([1, 2]);
  });
});

describe("describe()", () => {
  it("lists non-default parameters with units, modulations, wavetables, LFOs and the sample", () => {
    const p = fixture("minimal.vital");
    const d = describeVital(p);
    expect(d.name).toBe("Minimal");
    const changed = nonDefaultParams(p).map((c) => c.name);
    expect(changed).toEqual(
      expect.arrayContaining([
        "osc_1_transpose",
        "filter_1_on",
        "filter_1_model",
        "filter_1_cutoff",
        "env_1_attack",
        "modulation_1_amount",
      ]),
    );
    expect(changed).toHaveLength(7);
    expect(d.text).toContain("filter_1_cutoff");
    expect(d.text).toContain("523.3 Hz (note 72)");
    expect(d.text).toContain("-12 st");
    expect(d.text).toContain("Comb");
    expect(d.text).toMatch(/lfo_1 → filter_1_cutoff: amount 0.5, bipolar/);
    expect(d.text).toContain('osc 1: "Cosine", 65 frames');
    expect(d.text).toContain('lfo 1 "Sin" (3 points, smooth)');
    expect(d.text).toContain('sample: "Click", 8 samples at 44100 Hz');
    const data = d.data as Record<string, any>;
    expect(data.modulations).toHaveLength(1);
    expect(data.wavetables[0]).toMatchObject({
      name: "Cosine",
      frames: 65,
      sources: [{ type: "Wave Source", keyframes: 2 }],
    });
    expect(data.nonDefault.find((x: any) => x.name === "env_1_attack")).toMatchObject({ unit: "s" });
    expect(Object.keys(data.settings)).toHaveLength(794);
    expect(() => JSON.stringify(data)).not.toThrow();
    expect(modulationSlots(p)[0]).toMatchObject({ slot: 1, amount: 0.5, bipolar: true, bypass: false });
  });

  it.skipIf(!hasShared)("describes every shared CC BY preset without throwing", () => {
    const dir = path.join(sharedDir, "data/vital-presets");
    const files = readdirSyncRecursive(dir);
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) {
      const p = readVital(readFileSync(f), path.basename(f)).patches[0]!;
      const d = describeVital(p);
      expect(d.text.length, f).toBeGreaterThan(100);
      unsupported(p);
    }
  });
});

function readdirSyncRecursive(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".vital"))
    .map((f) => path.join(dir, f));
}

describe("patchsmith inspect on .vital files", () => {
  const file = path.join(repoRoot, "test/fixtures/vital/kitchen-sink.vital");

  it("prints non-default parameters with units, modulations, wavetables and what is not rendered", () => {
    const r = runCli(["inspect", file]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('"Kitchen Sink" by patchsmith tests (Experiment), saved by Vital 1.5.3');
    expect(r.stdout).toContain("osc_2_distortion_amount    80 %");
    expect(r.stdout).toMatch(/env_2 → osc_1_wave_frame: amount 0.75, power 2, stereo, remap "Curve"/);
    expect(r.stdout).toContain('osc 1: "Lines and mods", 33 frames');
    expect(r.stdout).toContain("not rendered exactly:");
    // the engine renders every oscillator distortion, so the CLI does not report osc 2's FM
    expect(r.stdout).not.toContain('oscillator 2: "FM <- Osc A" distortion');
    // the engine renders the diode model, so the CLI (which uses its support list) does not report filter 2
    expect(r.stdout).not.toContain("filter 2: diode model");
  });

  it("--json carries the same facts as data", () => {
    const r = runCli(["inspect", file, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const v = out.voices[0];
    expect(out.synth).toBe("vital");
    expect(v.name).toBe("Kitchen Sink");
    // the engine renders the effect chain (issue #5), so the reverb is not reported
    expect(v.unsupported).not.toContain("effects: reverb is on (not rendered)");
    expect(v.unsupported.length).toBeGreaterThan(0);
    expect(v.nonDefault.find((x: any) => x.name === "osc_2_distortion_type")).toMatchObject({
      display: "FM <- Osc A",
    });
    expect(v.wavetables.map((t: any) => t.modifiers)).toEqual([
      ["Wave Warp", "Frequency Filter"],
      ["Phase Shift"],
      [],
    ]);
    expect(v.keptSettings).toContain("custom_warps");
  });

  it("a broken file is one line naming the code and the file, exit 1; --strict refuses a repairable one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "vital-inspect-"));
    try {
      const broken = path.join(dir, "broken.vital");
      writeFileSync(broken, '{"synth_version":"1.0.7","settings":{"osc_1_level":');
      const r = runCli(["inspect", broken]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^patchsmith: bad-json: .*broken\.vital: not a Vital preset: invalid JSON/);
      const repairable = path.join(dir, "repairable.vital");
      const o = JSON.parse(readFileSync(path.join(repoRoot, "test/fixtures/vital/minimal.vital"), "utf8"));
      o.settings.osc_1_transpose = 99;
      writeFileSync(repairable, JSON.stringify(o));
      const lenient = runCli(["inspect", repairable, "--json"]);
      expect(lenient.status, lenient.stderr).toBe(0);
      expect(JSON.parse(lenient.stdout).warnings[0]).toMatchObject({ code: "out-of-range" });
      const strict = runCli(["inspect", "--strict", repairable]);
      expect(strict.status).toBe(1);
      expect(strict.stderr).toMatch(
        /^patchsmith: out-of-range: .*repairable\.vital: settings\.osc_1_transpose = 99/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
