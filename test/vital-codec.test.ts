/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk and mutate arbitrary JSON */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { PatchsmithError } from "../src/errors.ts";
import {
  defaultVitalPatch,
  initWaveFrame,
  readVital,
  vitalCodec,
  withVitalName,
  writeVital,
} from "../src/synths/vital/codec.ts";
import type { VitalPatch, Wavetable } from "../src/synths/vital/types.ts";
import {
  buildWavetableFrames,
  decodeBase64,
  encodeBase64,
  float32FromBase64,
  lineShapeValueAt,
  pcm16FromBase64,
  pcm16ToBase64,
  renderLineShape,
} from "../src/synths/vital/wavetable-data.ts";
import { hasShared, repoRoot, sharedDir } from "./helpers.ts";

const fixtures = path.join(repoRoot, "test/fixtures/vital");
const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, any>;
const readFixture = (name: string) => readFileSync(path.join(fixtures, name));

function vitalFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".vital"))
    .map((f) => path.join(dir, f))
    .sort();
}

/**
 * "JSON-equal after number normalisation": both files parsed, numbers compared as float32 (Vital reads every
 * number into a float), everything else exactly (base64 strings byte for byte).
 */
function jsonEqualF32(a: unknown, b: unknown, where = "$"): string | null {
  if (typeof a === "number" && typeof b === "number")
    return Math.fround(a) === Math.fround(b) ? null : `${where}: ${a} ≠ ${b}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${where}: length ${a.length} ≠ ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = jsonEqualF32(a[i], b[i], `${where}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (!isDeepStrictEqual(ka, kb))
      return `${where}: keys differ (${ka.filter((k) => !kb.includes(k))} | ${kb.filter((k) => !ka.includes(k))})`;
    for (const k of ka) {
      const d = jsonEqualF32((a as any)[k], (b as any)[k], `${where}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${where}: ${JSON.stringify(a)?.slice(0, 40)} ≠ ${JSON.stringify(b)?.slice(0, 40)}`;
}

describe("base64 and PCM payloads", () => {
  it("encodes and decodes like Node's Buffer for every length 0…40 and random bytes", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    for (let n = 0; n <= 40; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
      const text = encodeBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64"));
      expect(decodeBase64(text)).toEqual(bytes);
    }
  });

  it("refuses non-canonical text", () => {
    for (const bad of ["abc", "ab=c", "a===", "ab$d", "YW Jj", "é123"]) expect(decodeBase64(bad)).toBeNull();
    expect(float32FromBase64("AAAA")).toBeNull(); // 3 bytes: not whole floats
    expect(pcm16FromBase64("AA==")).toBeNull(); // 1 byte: not whole int16 samples
    expect(pcm16FromBase64("AAA=")).toEqual(new Float32Array(1));
  });

  it("int16 PCM survives decode → encode exactly, extremes included", () => {
    const codes = Int16Array.from([-32768, -32767, -1, 0, 1, 12345, 32767]);
    const text = Buffer.from(codes.buffer).toString("base64");
    const x = pcm16FromBase64(text)!;
    expect(x[6]).toBeCloseTo(1, 7);
    expect(pcm16ToBase64(x)).toBe(text);
  });
});

describe("line shapes", () => {
  const tri = {
    name: "Triangle",
    numPoints: 3,
    points: [0, 1, 0.5, 0, 1, 1],
    powers: [0, 0, 0],
    smooth: false,
    extra: {},
  };

  it("reads y upside down and interpolates linearly", () => {
    expect(lineShapeValueAt(tri, 0)).toBe(0);
    expect(lineShapeValueAt(tri, 0.25)).toBeCloseTo(0.5, 12);
    expect(lineShapeValueAt(tri, 0.5)).toBe(1);
    expect(lineShapeValueAt(tri, 0.75)).toBeCloseTo(0.5, 12);
    const table = renderLineShape(tri, 8);
    expect(Array.from(table)).toEqual([0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25]);
  });

  it("bends segments by their power and eases smooth lines", () => {
    const bent = { ...tri, powers: [4, 0, 0] };
    const expected = (Math.exp(4 * 0.5) - 1) / (Math.exp(4) - 1);
    expect(lineShapeValueAt(bent, 0.25)).toBeCloseTo(expected, 12);
    const smooth = { ...tri, smooth: true };
    expect(lineShapeValueAt(smooth, 0.125)).toBeCloseTo(0.5 - 0.5 * Math.cos(Math.PI * 0.25), 12);
  });
});

describe("default patch = Vital's init preset", () => {
  it("writes a complete preset with every structured key and synth_version", () => {
    const out = json(writeVital(defaultVitalPatch()));
    expect(out.synth_version).toBe("1.0.7");
    expect(out.settings.modulations).toHaveLength(64);
    expect(out.settings.lfos).toHaveLength(8);
    expect(out.settings.wavetables).toHaveLength(3);
    expect(out.settings.sample.samples.length).toBeGreaterThan(0);
    expect(Object.keys(out.settings)).toHaveLength(776); // 772 scalars + 4 structured keys, as Vital saves
    // and reads back without a single warning
    expect(readVital(writeVital(defaultVitalPatch()), "init.vital", { strict: true }).warnings).toEqual([]);
  });

  it.skipIf(!hasShared)("equals ../shared/reference/vital-init.vital except the noise samples", () => {
    const init = JSON.parse(readFileSync(path.join(sharedDir, "reference/vital-init.vital"), "utf8"));
    const ours = json(writeVital(defaultVitalPatch()));
    delete init.settings.sample.samples;
    delete ours.settings.sample.samples;
    expect(jsonEqualF32(ours, init)).toBeNull();
    expect(ours).toEqual(init); // not only as float32: the defaults are the very doubles Vital writes
  });

  it.skipIf(!hasShared)("computes the init frame bit-exactly and post-processes it as Vital does", () => {
    const init = readVital(readFileSync(path.join(sharedDir, "reference/vital-init.vital")), "init.vital")
      .patches[0]!;
    const comp = init.wavetables[0]!.groups[0]!.components[0]!;
    if (comp.kind !== "wave-source") throw new Error("init table should be a wave source");
    expect(Array.from(comp.keyframes[0]!.wave)).toEqual(Array.from(initWaveFrame()));
    const shapes = JSON.parse(
      readFileSync(path.join(sharedDir, "reference/vital-basic-shapes.json"), "utf8"),
    );
    const { frames, skipped } = buildWavetableFrames(init.wavetables[0]!);
    expect(frames).toHaveLength(shapes.init_table_num_frames);
    expect(skipped).toEqual([]);
    const want: number[] = shapes.init_table_frame0_after_postprocess;
    const worst = Math.max(...want.map((w, i) => Math.abs(w - frames[0]![i]!)));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe("hand-made fixtures", () => {
  it("minimal preset: missing parameters take defaults and stay absent on the way out", () => {
    const bytes = readFixture("minimal.vital");
    const { patches, warnings } = readVital(bytes, "minimal.vital", { strict: true });
    expect(warnings).toEqual([]);
    const p = patches[0]!;
    expect(p.name).toBe("Minimal");
    expect(p.settings.osc_1_transpose).toBe(-12);
    expect(p.settings.osc_1_level).toBe(Math.fround(Math.SQRT1_2)); // default filled
    expect(Object.keys(p.settings)).toHaveLength(794);
    expect(p.modulations[0]).toMatchObject({
      source: "lfo_1",
      destination: "filter_1_cutoff",
      lineMapping: null,
    });
    expect(p.lfos[0]!.smooth).toBe(true);
    const out = json(writeVital(p));
    expect(jsonEqualF32(out, JSON.parse(bytes.toString()))).toBeNull();
    // a default that is changed is written even though the source file left it out
    const changed = readVital(bytes, "minimal.vital").patches[0]!;
    changed.settings.osc_1_level = 0.25;
    expect(json(writeVital(changed)).settings.osc_1_level).toBe(0.25);
  });

  it("kitchen sink: unknown keys at every level, 1.5 additions, modifiers, line/audio/shepard sources survive", () => {
    const bytes = readFixture("kitchen-sink.vital");
    const { patches, warnings } = readVital(bytes, "kitchen-sink.vital", { strict: true });
    expect(warnings.map((w) => w.code)).toEqual([]);
    const p = patches[0]!;
    expect(p.extra.future_top_key).toEqual({ nested: [1, { deep: null }] });
    expect(Object.keys(p.extraSettings).sort()).toEqual([
      "custom_warps",
      "future_setting",
      "osc_1_spectral_morph_phase",
      "random_values",
    ]);
    const [t1, t2, t3] = p.wavetables as [
      VitalPatch["wavetables"][0],
      VitalPatch["wavetables"][0],
      VitalPatch["wavetables"][0],
    ];
    expect(t1.groups[0]!.components.map((c) => c.kind)).toEqual(["line-source", "modifier", "modifier"]);
    expect(t2.groups[0]!.components.map((c) => c.type)).toEqual(["Audio File Source", "Phase Shift"]);
    const audio = t2.groups[0]!.components[0]!;
    expect(audio.kind === "audio-file-source" && audio.audio.length).toBe(256);
    expect(t2.groups[1]!.components[0]!.kind).toBe("wave-source");
    expect(t3.fromLine?.points).toEqual([0, 1, 0.5, 0, 1, 1]);
    expect(p.sample.samplesStereo).not.toBeNull();
    expect(p.modulations[0]!.lineMapping?.powers).toEqual([3.5, 0]);
    expect(jsonEqualF32(json(writeVital(p)), JSON.parse(bytes.toString()))).toBeNull();
  });

  it("renders line-source keyframes and modifiers into frames and reports what it skipped", () => {
    const p = readVital(readFixture("kitchen-sink.vital"), "k.vital").patches[0]!;
    const { frames, skipped } = buildWavetableFrames(p.wavetables[0]!);
    expect(frames).toHaveLength(33);
    expect(skipped).toEqual([]); // its Wave Warp and Frequency Filter are rendered
    expect(buildWavetableFrames(p.wavetables[1]!).skipped).toEqual([]); // Audio File Source + Phase Shift
    // the widest frame is normalised to span −1 … +1; the table's Frequency Filter is a band-pass around
    // harmonic 2^3.5 ≈ 11 (shape 0.25): frame 0, a warped rising ramp, keeps harmonic 11 and loses the fundamental
    const f0 = frames[0]!;
    const spans = frames.map((f) => Math.max(...f) - Math.min(...f));
    expect(Math.max(...spans)).toBeCloseTo(2, 5);
    const harmonic = (f: Float32Array, k: number) => {
      let c = 0;
      let q = 0;
      for (let i = 0; i < f.length; i++) {
        c += f[i]! * Math.cos((2 * Math.PI * k * i) / f.length);
        q += f[i]! * Math.sin((2 * Math.PI * k * i) / f.length);
      }
      return Math.hypot(c, q);
    };
    expect(harmonic(f0, 11)).toBeGreaterThan(10);
    expect(harmonic(f0, 1)).toBeLessThan(1e-3 * harmonic(f0, 11));
  });

  it("a real CC BY preset (Desolate, committed) round-trips to identical JSON and reads strictly", () => {
    const bytes = readFixture("Desolate.vital");
    const { patches, warnings } = readVital(bytes, "Desolate.vital", { strict: true });
    expect(warnings).toEqual([]);
    expect(patches[0]!.name).toBe("Desolate");
    expect(patches[0]!.sample.samples).toHaveLength(4419);
    expect(json(writeVital(patches[0]!))).toEqual(JSON.parse(bytes.toString()));
  });

  it("interpolates wave keyframes in the time domain or per harmonic (√magnitude), then post-processes", () => {
    const cos = (amp: number) =>
      Float32Array.from({ length: 2048 }, (_, i) => amp * Math.cos((2 * Math.PI * i) / 2048));
    const table = (interpolation: number, style: number, normalise: boolean): Wavetable => ({
      name: "t",
      author: "",
      version: "1.0.7",
      removeAllDc: true,
      fullNormalize: normalise,
      fromLine: null,
      extra: {},
      groups: [
        {
          extra: {},
          components: [
            {
              kind: "wave-source",
              type: "Wave Source",
              interpolation,
              interpolationStyle: style,
              extra: {},
              keyframes: [
                { position: 0, wave: cos(1), extra: {} },
                { position: 2, wave: cos(4), extra: {} },
              ],
            },
          ],
        },
      ],
    });
    const peak = (f: Float32Array) => Math.max(...f.map(Math.abs));
    const time = buildWavetableFrames(table(0, 1, false)).frames;
    expect(time.map(peak).map((x) => +x.toFixed(4))).toEqual([1, 2.5, 4]);
    const spectral = buildWavetableFrames(table(1, 1, false)).frames;
    expect(spectral.map(peak).map((x) => +x.toFixed(4))).toEqual([1, 2.25, 4]); // ((1 + 2) / 2)²
    expect(spectral[1]![512]!).toBeCloseTo(0, 5); // still a cosine: phase kept
    const step = buildWavetableFrames(table(0, 0, false)).frames;
    expect(step.map(peak).map((x) => +x.toFixed(4))).toEqual([1, 1, 4]);
    const normalised = buildWavetableFrames(table(0, 1, true)).frames;
    expect(normalised.map(peak).map((x) => +x.toFixed(4))).toEqual([0.25, 0.625, 1]);
  });

  it("renaming a file-named preset writes preset_name", () => {
    const text = readFixture("minimal.vital").toString().replace('"preset_name":"Minimal",', "");
    const p = readVital(text, "Some Name.vital").patches[0]!;
    expect(p.name).toBe("Some Name");
    expect("preset_name" in json(writeVital(p))).toBe(false);
    expect(json(writeVital(withVitalName(p, "Renamed"))).preset_name).toBe("Renamed");
  });
});

describe("malformed input", () => {
  const base = () => JSON.parse(readFixture("minimal.vital").toString());
  const read = (o: unknown, strict = false) => readVital(JSON.stringify(o), "bad.vital", { strict });

  it("refuses text that is not a preset, naming the file", () => {
    const cases: Array<[string | Uint8Array, string]> = [
      ["", "bad-json"],
      ["{", "bad-json"],
      ["[1,2]", "bad-vital"],
      ['{"synth_version":"1.0.7"}', "bad-vital"],
      ['{"settings":3}', "bad-vital"],
      [Uint8Array.from([0xff, 0xfe, 0x00]), "bad-json"],
      ["[".repeat(100) + "]".repeat(100), "bad-vital"],
      [`{"settings":{"a":${"[".repeat(100)}${"]".repeat(100)}}}`, "bad-json"],
    ];
    for (const [input, code] of cases) {
      let err: unknown;
      try {
        readVital(input, "bad.vital");
      } catch (e) {
        err = e;
      }
      expect(err, String(input).slice(0, 30)).toBeInstanceOf(PatchsmithError);
      expect((err as PatchsmithError).code).toBe(code);
      expect((err as PatchsmithError).file).toBe("bad.vital");
    }
  });

  it("lenient mode repairs with warnings; strict mode throws the same code", () => {
    const mutations: Array<[string, (o: any) => void, string]> = [
      ["missing synth_version", (o) => delete o.synth_version, "bad-vital"],
      ["string parameter", (o) => (o.settings.osc_1_level = "loud"), "bad-value"],
      ["out of range", (o) => (o.settings.osc_1_transpose = 500), "out-of-range"],
      ["63 modulation slots", (o) => o.settings.modulations.pop(), "bad-vital"],
      ["lfos not a list", (o) => (o.settings.lfos = {}), "bad-vital"],
      ["odd points", (o) => o.settings.lfos[2] && (o.settings.lfos[2].points = [0, 1, 1]), "bad-vital"],
      [
        "bad base64",
        (o) => (o.settings.wavetables[0].groups[0].components[0].keyframes[0].wave_data = "!!!!"),
        "bad-base64",
      ],
      [
        "short wave",
        (o) => (o.settings.wavetables[0].groups[0].components[0].keyframes[0].wave_data = "AAAAAA=="),
        "bad-wave-data",
      ],
      [
        "position 300",
        (o) => (o.settings.wavetables[0].groups[0].components[0].keyframes[1].position = 300),
        "bad-vital",
      ],
      ["missing sample", (o) => delete o.settings.sample, "bad-vital"],
      ["sample not PCM", (o) => (o.settings.sample.samples = "AA=="), "bad-base64"],
    ];
    for (const [what, mutate, code] of mutations) {
      const o = base();
      mutate(o);
      const { patches, warnings } = read(o);
      expect(
        warnings.map((w) => w.code),
        what,
      ).toContain(code);
      expect(warnings.every((w) => w.file === "bad.vital")).toBe(true);
      // the repaired patch is complete and writes a preset that reads back cleanly
      const again = readVital(writeVital(patches[0]!), "again.vital");
      expect(again.warnings, what).toEqual([]);
      expect(() => read(o, true), what).toThrow(PatchsmithError);
      try {
        read(o, true);
      } catch (e) {
        expect((e as PatchsmithError).code, what).toBe(code);
      }
    }
  });

  it("NaN or infinite wave samples become silence with a warning", () => {
    const o = base();
    const wave = new Float32Array(2048).fill(0.5);
    wave[3] = NaN;
    wave[9] = Infinity;
    o.settings.wavetables[0].groups[0].components[0].keyframes[0].wave_data = Buffer.from(
      wave.buffer,
    ).toString("base64");
    const { patches, warnings } = read(o);
    expect(warnings.map((w) => w.code)).toEqual(["bad-wave-data"]);
    const c = patches[0]!.wavetables[0]!.groups[0]!.components[0]!;
    expect(
      c.kind === "wave-source" && [c.keyframes[0]!.wave[3], c.keyframes[0]!.wave[9], c.keyframes[0]!.wave[4]],
    ).toEqual([0, 0, 0.5]);
  });

  it("the codec writes exactly one preset per file", () => {
    expect(() => vitalCodec.write([])).toThrow(PatchsmithError);
    expect(vitalCodec.extensions).toEqual([".vital"]);
  });
});

describe.skipIf(!hasShared)("round trip of every shared preset", () => {
  const files = hasShared
    ? [
        ...vitalFiles(path.join(sharedDir, "data/vital-presets")),
        ...vitalFiles(path.join(sharedDir, "refs/vital/presets")),
      ]
    : [];

  it("finds the CC BY presets and the reference presets", () => {
    expect(files.length).toBeGreaterThanOrEqual(200);
  });

  it("reads every one without warnings and writes it back JSON-equal (float32 numbers, identical base64)", () => {
    const failures: string[] = [];
    for (const f of files) {
      const bytes = readFileSync(f);
      const { patches, warnings } = readVital(bytes, path.basename(f), { strict: true });
      if (warnings.length) failures.push(`${f}: ${warnings[0]!.message}`);
      const written = writeVital(patches[0]!);
      const d = jsonEqualF32(json(written), JSON.parse(bytes.toString()));
      if (d) failures.push(`${path.basename(f)}: ${d}`);
      // in fact the doubles are kept too, so the parsed objects are identical
      else if (!isDeepStrictEqual(json(written), JSON.parse(bytes.toString())))
        failures.push(`${path.basename(f)}: doubles changed`);
      // and a second generation is byte-identical to the first
      const second = writeVital(readVital(written, "again.vital").patches[0]!);
      if (Buffer.compare(Buffer.from(second), Buffer.from(written)) !== 0)
        failures.push(`${path.basename(f)}: not stable`);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
