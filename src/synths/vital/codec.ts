// Read and write Vital presets (.vital, UTF-8 JSON). Layout facts from Vital's preset format (vital.audio);
// see docs/formats.md (Vital) for what is read, written and preserved.
//
// Reading is lenient by default: a malformed part becomes a warning and takes Vital's init value; with
// `strict` every such problem is a PatchsmithError. Text that is not a JSON object, or has no `settings`
// object, is always an error. Unknown keys at every level are kept and written back.

import { PatchsmithError, type Warning } from "../../errors.ts";
import type { DecodeResult, PresetCodec } from "../synth.ts";
import { isVitalParam, vitalDefaultSettings, VITAL_PARAMS, VITAL_UNSAVED_PARAMS } from "./params.ts";
import {
  VITAL_FRAME_SIZE,
  VITAL_LFO_COUNT,
  VITAL_MAX_FRAME_POSITION,
  VITAL_MODULATION_SLOTS,
  VITAL_OSCILLATOR_COUNT,
  type ExtraKeys,
  type LineShape,
  type ValueKeyframe,
  type VitalModulation,
  type VitalPatch,
  type VitalSample,
  type Wavetable,
  type WavetableComponent,
  type WavetableGroup,
} from "./types.ts";
import {
  base64Problem,
  float32FromBase64,
  float32ToBase64,
  pcm16FromBase64,
  pcm16ToBase64,
} from "./wavetable-data.ts";

/** The version written into presets made from scratch: loads in every Vital 1.0.x and 1.5.x. */
export const VITAL_WRITE_VERSION = "1.0.7";
/** Newest feature version (major.minor) whose presets we know. */
const NEWEST_KNOWN_FEATURE_VERSION = [1, 5];
/** JSON nesting deeper than this is refused (a real preset nests about 7 levels). */
const MAX_DEPTH = 64;

export interface VitalReadOptions {
  strict?: boolean;
}

type Json = unknown;
type JsonObject = Record<string, unknown>;

class Reader {
  readonly warnings: Warning[] = [];
  constructor(
    readonly file: string | undefined,
    readonly strict: boolean,
  ) {}

  /** A problem the reader can repair: a warning, or an error in strict mode. */
  problem(code: string, message: string): void {
    if (this.strict) throw new PatchsmithError(code, message, this.file);
    this.warnings.push(this.file ? { code, message, file: this.file } : { code, message });
  }

  fatal(code: string, message: string): never {
    throw new PatchsmithError(code, message, this.file);
  }
}

function isObject(v: Json): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: Json): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

/** Nesting depth of a parsed JSON value, without recursion (so a hostile file cannot blow the stack). */
function jsonDepth(root: Json, limit: number): number {
  let deepest = 0;
  const stack: Array<[Json, number]> = [[root, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (d > deepest) deepest = d;
    if (deepest > limit) return deepest;
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === "object" && x !== null) stack.push([x, d + 1]);
    } else if (isObject(v)) {
      for (const k in v) {
        const x = v[k];
        if (typeof x === "object" && x !== null) stack.push([x, d + 1]);
      }
    }
  }
  return deepest;
}

/** Assign an own property, even for keys such as "__proto__" that plain assignment would treat specially. */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === "__proto__")
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function extraKeys(o: JsonObject, known: readonly string[]): ExtraKeys {
  const out: ExtraKeys = {};
  for (const k of Object.keys(o)) if (!known.includes(k)) setOwn(out, k, o[k]);
  return out;
}

function str(r: Reader, o: JsonObject, key: string, fallback: string, where: string): string {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v === "string") return v;
  r.problem("bad-value", `${where}${key} is ${typeName(v)}, expected a string`);
  return fallback;
}

function num(
  r: Reader,
  o: JsonObject,
  key: string,
  fallback: number,
  where: string,
  required = false,
): number {
  const v = o[key];
  if (v === undefined) {
    if (required) r.problem("bad-vital", `${where}${key} is missing`);
    return fallback;
  }
  if (isFiniteNumber(v)) return v;
  r.problem("bad-value", `${where}${key} is ${typeName(v)}, expected a finite number`);
  return fallback;
}

function bool(r: Reader, o: JsonObject, key: string, fallback: boolean, where: string): boolean {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v === "boolean") return v;
  if (v === 0 || v === 1) return v === 1;
  r.problem("bad-value", `${where}${key} is ${typeName(v)}, expected true or false`);
  return fallback;
}

function typeName(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "number") return Number.isFinite(v) ? `the number ${v}` : "a non-finite number";
  if (typeof v === "string") return "a string";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

// ---- Defaults (Vital's init preset) -----------------------------------------------------------------

export function triangleLine(): LineShape {
  return {
    name: "Triangle",
    numPoints: 3,
    points: [0, 1, 0.5, 0, 1, 1],
    powers: [0, 0, 0],
    smooth: false,
    extra: {},
  };
}

export function linearLine(): LineShape {
  return { name: "Linear", numPoints: 2, points: [0, 1, 1, 0], powers: [0, 0], smooth: false, extra: {} };
}

/** The init table's frame: a falling saw shifted by half a cycle, computed in float32 exactly as Vital stores it. */
export function initWaveFrame(): Float32Array {
  const out = new Float32Array(VITAL_FRAME_SIZE);
  const step = Math.fround(2 / (VITAL_FRAME_SIZE - 1));
  for (let i = 0; i < VITAL_FRAME_SIZE; i++) {
    out[(i + VITAL_FRAME_SIZE / 2) % VITAL_FRAME_SIZE] = Math.fround(1 - Math.fround(step * i));
  }
  return out;
}

export function initWavetable(): Wavetable {
  return {
    name: "Init",
    author: "",
    version: VITAL_WRITE_VERSION,
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
            keyframes: [{ position: 0, wave: initWaveFrame(), extra: {} }],
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

let noiseCache: Float32Array | undefined;

/**
 * The init sample: one second of uniform white noise in ±0.9 at 44.1 kHz, as in Vital's init preset. The
 * noise itself is patchsmith's (a fixed-seed generator, quantised to int16 so it round-trips exactly), not
 * Vital's samples.
 */
export function initSample(): VitalSample {
  if (!noiseCache) {
    noiseCache = new Float32Array(44100);
    let s = 0x9e3779b9;
    for (let i = 0; i < noiseCache.length; i++) {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      noiseCache[i] = Math.round((u * 1.8 - 0.9) * 32767) / 32767;
    }
  }
  return {
    name: "White Noise",
    sampleRate: 44100,
    samples: noiseCache.slice(),
    samplesStereo: null,
    extra: {},
  };
}

function emptyModulation(): VitalModulation {
  return { source: "", destination: "", lineMapping: null, extra: {} };
}

/** Vital's init preset as a patch. Written out, it is a complete preset that Vital loads. */
export function defaultVitalPatch(): VitalPatch {
  return {
    name: "",
    author: "",
    comments: "",
    style: "",
    macros: ["MACRO 1", "MACRO 2", "MACRO 3", "MACRO 4"],
    synthVersion: VITAL_WRITE_VERSION,
    settings: vitalDefaultSettings(),
    modulations: Array.from({ length: VITAL_MODULATION_SLOTS }, emptyModulation),
    lfos: Array.from({ length: VITAL_LFO_COUNT }, triangleLine),
    wavetables: Array.from({ length: VITAL_OSCILLATOR_COUNT }, initWavetable),
    sample: initSample(),
    extraSettings: {},
    extra: {},
    absentKeys: [...VITAL_UNSAVED_PARAMS],
  };
}

/** A deep copy (typed arrays copied too). */
export function cloneVitalPatch(p: VitalPatch): VitalPatch {
  return structuredClone(p);
}

/** Rename a patch; the name is then always written as `preset_name`. */
export function withVitalName(p: VitalPatch, name: string): VitalPatch {
  return { ...p, name, absentKeys: p.absentKeys.filter((k) => k !== "preset_name") };
}

// ---- Reading ----------------------------------------------------------------------------------------

const LINE_KEYS = ["name", "num_points", "points", "powers", "smooth"] as const;

function looksLikeLine(v: Json): v is JsonObject {
  return (
    isObject(v) && Object.hasOwn(v, "points") && Object.hasOwn(v, "powers") && Object.hasOwn(v, "num_points")
  );
}

function readLine(r: Reader, v: Json, where: string, fallback: () => LineShape): LineShape {
  if (!isObject(v)) {
    r.problem("bad-vital", `${where} is ${typeName(v)}, expected a line shape object`);
    return fallback();
  }
  const points = v.points;
  const powers = v.powers;
  if (
    !Array.isArray(points) ||
    points.length < 2 ||
    points.length % 2 !== 0 ||
    !points.every(isFiniteNumber)
  ) {
    r.problem("bad-vital", `${where}.points must be an even-length list of finite numbers`);
    return fallback();
  }
  const n = points.length / 2;
  let pw: number[];
  if (Array.isArray(powers) && powers.every(isFiniteNumber)) {
    pw = powers as number[];
    if (pw.length !== n) {
      r.problem("bad-vital", `${where}.powers has ${pw.length} entries for ${n} points`);
      pw = Array.from({ length: n }, (_, i) => pw[i] ?? 0);
    }
  } else {
    r.problem("bad-vital", `${where}.powers must be a list of finite numbers`);
    pw = new Array<number>(n).fill(0);
  }
  let numPoints = num(r, v, "num_points", n, `${where}.`);
  if (numPoints !== n) {
    r.problem("bad-vital", `${where}.num_points is ${numPoints} but there are ${n} points`);
    numPoints = n;
  }
  return {
    name: str(r, v, "name", "", `${where}.`),
    numPoints,
    points: points as number[],
    powers: pw,
    smooth: bool(r, v, "smooth", false, `${where}.`),
    extra: extraKeys(v, LINE_KEYS),
  };
}

function readModulations(r: Reader, v: Json): VitalModulation[] {
  const out: VitalModulation[] = [];
  if (!Array.isArray(v)) {
    r.problem(
      "bad-vital",
      `settings.modulations is ${typeName(v)}, expected a list of ${VITAL_MODULATION_SLOTS} slots`,
    );
  } else {
    if (v.length !== VITAL_MODULATION_SLOTS) {
      r.problem(
        "bad-vital",
        `settings.modulations has ${v.length} slots, expected ${VITAL_MODULATION_SLOTS}`,
      );
    }
    for (let i = 0; i < Math.min(v.length, VITAL_MODULATION_SLOTS); i++) {
      const m = v[i];
      const where = `settings.modulations[${i}]`;
      if (!isObject(m)) {
        r.problem("bad-vital", `${where} is ${typeName(m)}, expected an object`);
        out.push(emptyModulation());
        continue;
      }
      out.push({
        source: str(r, m, "source", "", `${where}.`),
        destination: str(r, m, "destination", "", `${where}.`),
        lineMapping:
          m.line_mapping === undefined
            ? null
            : readLine(r, m.line_mapping, `${where}.line_mapping`, linearLine),
        extra: extraKeys(m, ["source", "destination", "line_mapping"]),
      });
    }
  }
  while (out.length < VITAL_MODULATION_SLOTS) out.push(emptyModulation());
  return out;
}

function readLfos(r: Reader, v: Json): LineShape[] {
  const out: LineShape[] = [];
  if (!Array.isArray(v)) {
    r.problem("bad-vital", `settings.lfos is ${typeName(v)}, expected a list of ${VITAL_LFO_COUNT} shapes`);
  } else {
    if (v.length !== VITAL_LFO_COUNT)
      r.problem("bad-vital", `settings.lfos has ${v.length} shapes, expected ${VITAL_LFO_COUNT}`);
    for (let i = 0; i < Math.min(v.length, VITAL_LFO_COUNT); i++)
      out.push(readLine(r, v[i], `settings.lfos[${i}]`, triangleLine));
  }
  while (out.length < VITAL_LFO_COUNT) out.push(triangleLine());
  return out;
}

function readPosition(r: Reader, k: JsonObject, where: string): number {
  const p = num(r, k, "position", 0, `${where}.`, true);
  if (!Number.isInteger(p) || p < 0 || p > VITAL_MAX_FRAME_POSITION) {
    r.problem("bad-vital", `${where}.position ${p} is not an integer 0 … ${VITAL_MAX_FRAME_POSITION}`);
    return Math.min(VITAL_MAX_FRAME_POSITION, Math.max(0, Math.round(p)));
  }
  return p;
}

function readKeyframeList(r: Reader, c: JsonObject, where: string): JsonObject[] {
  const kfs = c.keyframes;
  if (!Array.isArray(kfs)) {
    r.problem("bad-vital", `${where}.keyframes is ${typeName(kfs)}, expected a list`);
    return [];
  }
  const out: JsonObject[] = [];
  kfs.forEach((k, i) => {
    if (isObject(k)) out.push(k);
    else r.problem("bad-vital", `${where}.keyframes[${i}] is ${typeName(k)}, expected an object`);
  });
  return out;
}

function readWaveData(r: Reader, k: JsonObject, where: string): Float32Array {
  const text = k.wave_data;
  const silent = () => new Float32Array(VITAL_FRAME_SIZE);
  if (typeof text !== "string") {
    r.problem(
      "bad-vital",
      `${where}.wave_data is ${text === undefined ? "missing" : typeName(text)}, expected base64 text`,
    );
    return silent();
  }
  const bad = base64Problem(text);
  if (bad) {
    r.problem("bad-base64", `${where}.wave_data is not base64: ${bad}`);
    return silent();
  }
  const wave = float32FromBase64(text);
  if (!wave || wave.length !== VITAL_FRAME_SIZE) {
    const bytes = Math.floor((text.length * 3) / 4);
    r.problem(
      "bad-wave-data",
      `${where}.wave_data holds about ${bytes} bytes, expected ${VITAL_FRAME_SIZE * 4} (2048 float32)`,
    );
    return silent();
  }
  let nonFinite = 0;
  for (let i = 0; i < wave.length; i++) {
    if (!Number.isFinite(wave[i]!)) {
      wave[i] = 0;
      nonFinite++;
    }
  }
  if (nonFinite)
    r.problem("bad-wave-data", `${where}.wave_data has ${nonFinite} NaN/infinite samples (set to 0)`);
  return wave;
}

const WAVE_SOURCE_TYPES = ["Wave Source", "Shepard Tone Source"];

function readComponent(r: Reader, c: Json, where: string): WavetableComponent | null {
  if (!isObject(c)) {
    r.problem("bad-vital", `${where} is ${typeName(c)}, expected a component object`);
    return null;
  }
  const type = c.type;
  if (typeof type !== "string") {
    r.problem("bad-vital", `${where}.type is ${type === undefined ? "missing" : typeName(type)}`);
    return null;
  }
  const interpolationStyle = num(r, c, "interpolation_style", 1, `${where}.`);
  const kfs = readKeyframeList(r, c, where);
  if (WAVE_SOURCE_TYPES.includes(type)) {
    return {
      kind: "wave-source",
      type,
      interpolationStyle,
      interpolation: num(r, c, "interpolation", 1, `${where}.`),
      keyframes: kfs.map((k, i) => ({
        position: readPosition(r, k, `${where}.keyframes[${i}]`),
        wave: readWaveData(r, k, `${where}.keyframes[${i}]`),
        extra: extraKeys(k, ["position", "wave_data"]),
      })),
      extra: extraKeys(c, ["type", "interpolation_style", "interpolation", "keyframes"]),
    };
  }
  if (type === "Line Source") {
    return {
      kind: "line-source",
      type,
      interpolationStyle,
      numPoints: num(r, c, "num_points", 4, `${where}.`),
      keyframes: kfs.map((k, i) => ({
        position: readPosition(r, k, `${where}.keyframes[${i}]`),
        line: readLine(r, k.line, `${where}.keyframes[${i}].line`, linearLine),
        pullPower: num(r, k, "pull_power", 0, `${where}.keyframes[${i}].`),
        extra: extraKeys(k, ["position", "line", "pull_power"]),
      })),
      extra: extraKeys(c, ["type", "interpolation_style", "num_points", "keyframes"]),
    };
  }
  const keyframes: ValueKeyframe[] = kfs.map((k, i) => ({
    position: readPosition(r, k, `${where}.keyframes[${i}]`),
    values: extraKeys(k, ["position"]),
  }));
  if (type === "Audio File Source") {
    const text = c.audio_file;
    let audio: Float32Array = new Float32Array(0);
    if (typeof text !== "string") {
      r.problem(
        "bad-vital",
        `${where}.audio_file is ${text === undefined ? "missing" : typeName(text)}, expected base64 text`,
      );
    } else {
      const decoded = pcm16FromBase64(text);
      if (decoded) audio = decoded;
      else
        r.problem(
          "bad-base64",
          `${where}.audio_file is not base64 16-bit PCM: ${base64Problem(text) ?? "odd byte count"}`,
        );
    }
    return {
      kind: "audio-file-source",
      type,
      interpolationStyle,
      audio,
      settings: extraKeys(c, ["type", "interpolation_style", "keyframes", "audio_file"]),
      keyframes,
    };
  }
  return {
    kind: "modifier",
    type,
    interpolationStyle,
    settings: extraKeys(c, ["type", "interpolation_style", "keyframes"]),
    keyframes,
  };
}

function readWavetable(r: Reader, v: Json, where: string): Wavetable {
  if (looksLikeLine(v) && !Object.hasOwn(v, "groups")) {
    return {
      name: "",
      author: "",
      version: "",
      removeAllDc: true,
      fullNormalize: true,
      groups: [],
      fromLine: readLine(r, v, where, linearLine),
      extra: {},
    };
  }
  if (!isObject(v)) {
    r.problem("bad-vital", `${where} is ${typeName(v)}, expected a wavetable object`);
    return initWavetable();
  }
  const groups: WavetableGroup[] = [];
  if (!Array.isArray(v.groups)) {
    r.problem(
      "bad-vital",
      `${where}.groups is ${v.groups === undefined ? "missing" : typeName(v.groups)}, expected a list`,
    );
  } else {
    v.groups.forEach((g: Json, gi: number) => {
      const gw = `${where}.groups[${gi}]`;
      if (!isObject(g) || !Array.isArray(g.components)) {
        r.problem("bad-vital", `${gw} must be an object with a components list`);
        return;
      }
      const components: WavetableComponent[] = [];
      g.components.forEach((c: Json, ci: number) => {
        const comp = readComponent(r, c, `${gw}.components[${ci}]`);
        if (comp) components.push(comp);
      });
      groups.push({ components, extra: extraKeys(g, ["components"]) });
    });
  }
  return {
    name: str(r, v, "name", "", `${where}.`),
    author: str(r, v, "author", "", `${where}.`),
    version: str(r, v, "version", "", `${where}.`),
    removeAllDc: bool(r, v, "remove_all_dc", true, `${where}.`),
    fullNormalize: bool(r, v, "full_normalize", true, `${where}.`),
    groups,
    fromLine: null,
    extra: extraKeys(v, ["name", "author", "version", "remove_all_dc", "full_normalize", "groups"]),
  };
}

function readWavetables(r: Reader, v: Json): Wavetable[] {
  const out: Wavetable[] = [];
  if (!Array.isArray(v)) {
    r.problem(
      "bad-vital",
      `settings.wavetables is ${typeName(v)}, expected a list of ${VITAL_OSCILLATOR_COUNT} tables`,
    );
  } else {
    if (v.length !== VITAL_OSCILLATOR_COUNT) {
      r.problem(
        "bad-vital",
        `settings.wavetables has ${v.length} tables, expected ${VITAL_OSCILLATOR_COUNT}`,
      );
    }
    for (let i = 0; i < Math.min(v.length, VITAL_OSCILLATOR_COUNT); i++) {
      out.push(readWavetable(r, v[i], `settings.wavetables[${i}]`));
    }
  }
  while (out.length < VITAL_OSCILLATOR_COUNT) out.push(initWavetable());
  return out;
}

function readPcm(r: Reader, v: Json, where: string): Float32Array | null {
  if (typeof v !== "string") {
    r.problem("bad-vital", `${where} is ${v === undefined ? "missing" : typeName(v)}, expected base64 text`);
    return null;
  }
  const pcm = pcm16FromBase64(v);
  if (!pcm)
    r.problem("bad-base64", `${where} is not base64 16-bit PCM: ${base64Problem(v) ?? "odd byte count"}`);
  return pcm;
}

function readSample(r: Reader, v: Json): VitalSample {
  if (!isObject(v)) {
    r.problem("bad-vital", `settings.sample is ${typeName(v)}, expected an object`);
    return initSample();
  }
  const samples = readPcm(r, v.samples, "settings.sample.samples");
  if (!samples) return initSample();
  if (samples.length === 0) {
    r.problem("bad-vital", "settings.sample.samples is empty (init sample used)");
    return initSample();
  }
  let samplesStereo =
    v.samples_stereo === undefined ? null : readPcm(r, v.samples_stereo, "settings.sample.samples_stereo");
  const length = num(r, v, "length", samples.length, "settings.sample.");
  if (length !== samples.length) {
    r.problem(
      "bad-vital",
      `settings.sample.length is ${length} but the data holds ${samples.length} samples`,
    );
  }
  if (samplesStereo && samplesStereo.length !== samples.length) {
    r.problem(
      "bad-vital",
      `settings.sample.samples_stereo holds ${samplesStereo.length} samples, the left channel ${samples.length}`,
    );
    const fitted = new Float32Array(samples.length);
    fitted.set(samplesStereo.subarray(0, samples.length));
    samplesStereo = fitted;
  }
  const sampleRate = num(r, v, "sample_rate", 44100, "settings.sample.", true);
  if (sampleRate <= 0) r.problem("bad-value", `settings.sample.sample_rate ${sampleRate} is not positive`);
  return {
    name: str(r, v, "name", "", "settings.sample."),
    sampleRate: sampleRate > 0 ? sampleRate : 44100,
    samples,
    samplesStereo,
    extra: extraKeys(v, ["name", "length", "sample_rate", "samples", "samples_stereo"]),
  };
}

const TOP_KEYS = [
  "preset_name",
  "author",
  "comments",
  "preset_style",
  "macro1",
  "macro2",
  "macro3",
  "macro4",
  "synth_version",
  "settings",
];
const STRUCTURED = ["modulations", "lfos", "wavetables", "sample"];

function checkVersion(r: Reader, version: string): void {
  const parts = version.split(".").map((x) => Number(x));
  if (parts.length < 2 || parts.some((x) => !Number.isInteger(x) || x < 0)) {
    r.problem("bad-vital", `synth_version "${version}" is not a dotted version number`);
    return;
  }
  const [major, minor] = [parts[0]!, parts.length > 2 ? parts[1]! : 0];
  const [kMajor, kMinor] = NEWEST_KNOWN_FEATURE_VERSION as [number, number];
  if (major > kMajor || (major === kMajor && minor > kMinor)) {
    r.warnings.push({
      code: "newer-version",
      message: `made with Vital ${version}; settings added after 1.5 are kept but not understood`,
      ...(r.file ? { file: r.file } : {}),
    });
  }
}

/** Parse an already-decoded JSON value as a Vital preset. */
export function parseVitalObject(
  root: Json,
  name?: string,
  opts: VitalReadOptions = {},
): DecodeResult<VitalPatch> {
  const r = new Reader(name, Boolean(opts.strict));
  if (!isObject(root))
    throw new PatchsmithError(
      "bad-vital",
      `not a Vital preset: the file holds ${typeName(root)}, not a JSON object`,
      name,
    );
  if (jsonDepth(root, MAX_DEPTH) > MAX_DEPTH)
    r.fatal("bad-json", `JSON nested deeper than ${MAX_DEPTH} levels`);
  const settingsIn = root.settings;
  if (!isObject(settingsIn)) {
    throw new PatchsmithError(
      "bad-vital",
      `not a Vital preset: "settings" is ${settingsIn === undefined ? "missing" : typeName(settingsIn)}`,
      name,
    );
  }
  const absentKeys: string[] = [];
  let synthVersion = VITAL_WRITE_VERSION;
  if (typeof root.synth_version === "string") {
    synthVersion = root.synth_version;
    checkVersion(r, synthVersion);
  } else {
    r.problem(
      "bad-vital",
      `synth_version is ${root.synth_version === undefined ? "missing" : typeName(root.synth_version)} (Vital refuses such a file; ${VITAL_WRITE_VERSION} is written)`,
    );
  }
  const stem = (name ?? "").replace(/^.*[\\/]/, "").replace(/\.vital$/i, "");
  let presetName = str(r, root, "preset_name", stem, "");
  if (root.preset_name === undefined) absentKeys.push("preset_name");
  for (const key of Object.keys(METADATA_DEFAULTS)) if (root[key] === undefined) absentKeys.push(key);
  if (typeof root.preset_name !== "string") presetName = stem;

  const settings = vitalDefaultSettings();
  const extraSettings: ExtraKeys = {};
  for (const key of Object.keys(settingsIn)) {
    const v = settingsIn[key];
    if (isVitalParam(key)) {
      if (isFiniteNumber(v)) settings[key] = v;
      else if (typeof v === "boolean") settings[key] = v ? 1 : 0;
      else
        r.problem("bad-value", `settings.${key} is ${typeName(v)}, expected a finite number (default used)`);
    } else if (!STRUCTURED.includes(key)) {
      setOwn(extraSettings, key, v);
    }
  }
  for (const p of VITAL_PARAMS) {
    if (!Object.hasOwn(settingsIn, p.name)) absentKeys.push(p.name);
    else {
      const v = settings[p.name]!;
      if (v < p.min - 1e-4 * (p.max - p.min) || v > p.max + 1e-4 * (p.max - p.min)) {
        r.problem("out-of-range", `settings.${p.name} = ${v} is outside ${p.min} … ${p.max} (clamped)`);
        settings[p.name] = Math.min(p.max, Math.max(p.min, v));
      }
    }
  }
  for (const key of STRUCTURED) {
    if (!Object.hasOwn(settingsIn, key))
      r.problem("bad-vital", `settings.${key} is missing (Vital would stop loading here; init content used)`);
  }
  const patch: VitalPatch = {
    name: presetName,
    author: str(r, root, "author", "", ""),
    comments: str(r, root, "comments", "", ""),
    style: str(r, root, "preset_style", "", ""),
    macros: [1, 2, 3, 4].map((i) => str(r, root, `macro${i}`, `MACRO ${i}`, "")) as VitalPatch["macros"],
    synthVersion,
    settings,
    modulations: Object.hasOwn(settingsIn, "modulations")
      ? readModulations(r, settingsIn.modulations)
      : Array.from({ length: VITAL_MODULATION_SLOTS }, emptyModulation),
    lfos: Object.hasOwn(settingsIn, "lfos")
      ? readLfos(r, settingsIn.lfos)
      : Array.from({ length: VITAL_LFO_COUNT }, triangleLine),
    wavetables: Object.hasOwn(settingsIn, "wavetables")
      ? readWavetables(r, settingsIn.wavetables)
      : Array.from({ length: VITAL_OSCILLATOR_COUNT }, initWavetable),
    sample: Object.hasOwn(settingsIn, "sample") ? readSample(r, settingsIn.sample) : initSample(),
    extraSettings,
    extra: extraKeys(root, TOP_KEYS),
    absentKeys,
  };
  return { patches: [patch], warnings: r.warnings };
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Read a .vital file (bytes or text). One preset per file. */
export function readVital(
  input: Uint8Array | string,
  name?: string,
  opts: VitalReadOptions = {},
): DecodeResult<VitalPatch> {
  let text: string;
  if (typeof input === "string") text = input;
  else {
    try {
      text = decoder.decode(input);
    } catch {
      throw new PatchsmithError("bad-json", "not a Vital preset: the file is not UTF-8 text", name);
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let root: Json;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new PatchsmithError("bad-json", `not a Vital preset: invalid JSON (${(e as Error).message})`, name);
  }
  return parseVitalObject(root, name, opts);
}

// ---- Writing ----------------------------------------------------------------------------------------

function sortedObject(entries: Array<[string, unknown]>): JsonObject {
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: JsonObject = {};
  for (const [k, v] of entries) setOwn(out, k, v);
  return out;
}

function withExtra(known: Array<[string, unknown]>, extra: ExtraKeys): JsonObject {
  const keys = new Set(known.map(([k]) => k));
  for (const [k, v] of Object.entries(extra)) if (!keys.has(k)) known.push([k, v]);
  return sortedObject(known);
}

function finite(x: number, fallback: number): number {
  return Number.isFinite(x) ? x : fallback;
}

function lineJson(l: LineShape): JsonObject {
  return withExtra(
    [
      ["name", l.name],
      ["num_points", l.numPoints],
      ["points", l.points.map((x) => finite(x, 0))],
      ["powers", l.powers.map((x) => finite(x, 0))],
      ["smooth", l.smooth],
    ],
    l.extra,
  );
}

function waveJson(wave: Float32Array): string {
  if (wave.length === VITAL_FRAME_SIZE) return float32ToBase64(wave);
  const fixed = new Float32Array(VITAL_FRAME_SIZE);
  fixed.set(wave.subarray(0, VITAL_FRAME_SIZE));
  return float32ToBase64(fixed);
}

function componentJson(c: WavetableComponent): JsonObject {
  switch (c.kind) {
    case "wave-source":
      return withExtra(
        [
          ["type", c.type],
          ["interpolation_style", c.interpolationStyle],
          ["interpolation", c.interpolation],
          [
            "keyframes",
            c.keyframes.map((k) =>
              withExtra(
                [
                  ["position", k.position],
                  ["wave_data", waveJson(k.wave)],
                ],
                k.extra,
              ),
            ),
          ],
        ],
        c.extra,
      );
    case "line-source":
      return withExtra(
        [
          ["type", c.type],
          ["interpolation_style", c.interpolationStyle],
          ["num_points", c.numPoints],
          [
            "keyframes",
            c.keyframes.map((k) =>
              withExtra(
                [
                  ["position", k.position],
                  ["line", lineJson(k.line)],
                  ["pull_power", k.pullPower],
                ],
                k.extra,
              ),
            ),
          ],
        ],
        c.extra,
      );
    case "audio-file-source":
    case "modifier": {
      const known: Array<[string, unknown]> = [
        ["type", c.type],
        ["interpolation_style", c.interpolationStyle],
        ["keyframes", c.keyframes.map((k) => withExtra([["position", k.position]], k.values))],
      ];
      if (c.kind === "audio-file-source") known.push(["audio_file", pcm16ToBase64(c.audio)]);
      return withExtra(known, c.settings);
    }
  }
}

function wavetableJson(t: Wavetable): JsonObject {
  if (t.fromLine) return lineJson(t.fromLine);
  return withExtra(
    [
      ["name", t.name],
      ["author", t.author],
      ["version", t.version],
      ["remove_all_dc", t.removeAllDc],
      ["full_normalize", t.fullNormalize],
      ["groups", t.groups.map((g) => withExtra([["components", g.components.map(componentJson)]], g.extra))],
    ],
    t.extra,
  );
}

function sampleJson(s: VitalSample): JsonObject {
  const samples = s.samples.length >= 1 ? s.samples : new Float32Array(4);
  const known: Array<[string, unknown]> = [
    ["name", s.name],
    ["length", samples.length],
    ["sample_rate", s.sampleRate > 0 && Number.isFinite(s.sampleRate) ? s.sampleRate : 44100],
    ["samples", pcm16ToBase64(samples)],
  ];
  if (s.samplesStereo) known.push(["samples_stereo", pcm16ToBase64(s.samplesStereo)]);
  return withExtra(known, s.extra);
}

/** Table parameters in the order JSON keys are written (sorted, as Vital writes them). */
const PARAMS_BY_KEY = [...VITAL_PARAMS].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** `settings` with sorted keys: the (already sorted) parameters merged with the few other keys. */
function settingsJson(
  params: Array<[string, unknown]>,
  structured: Array<[string, unknown]>,
  extra: ExtraKeys,
): JsonObject {
  const others: Array<[string, unknown]> = [...structured];
  const taken = new Set(structured.map(([k]) => k));
  for (const [k, v] of Object.entries(extra)) if (!taken.has(k) && !isVitalParam(k)) others.push([k, v]);
  others.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: JsonObject = {};
  let i = 0;
  for (const [k, v] of params) {
    while (i < others.length && others[i]![0] < k) setOwn(out, others[i]![0], others[i++]![1]);
    out[k] = v;
  }
  while (i < others.length) setOwn(out, others[i]![0], others[i++]![1]);
  return out;
}

/** Optional top-level strings and the value a file without them means. */
const METADATA_DEFAULTS: Record<string, string> = {
  author: "",
  comments: "",
  preset_style: "",
  macro1: "MACRO 1",
  macro2: "MACRO 2",
  macro3: "MACRO 3",
  macro4: "MACRO 4",
};

function metadataValues(p: VitalPatch): Record<string, string> {
  return {
    author: p.author,
    comments: p.comments,
    preset_style: p.style,
    macro1: p.macros[0] ?? "MACRO 1",
    macro2: p.macros[1] ?? "MACRO 2",
    macro3: p.macros[2] ?? "MACRO 3",
    macro4: p.macros[3] ?? "MACRO 4",
  };
}

function validVersion(v: string): string {
  return /^\d+\.\d+(\.\d+)?$/.test(v) ? v : VITAL_WRITE_VERSION;
}

/**
 * The JSON object of a preset. Always complete: every saved parameter, 64 modulation slots, 8 LFO shapes,
 * 3 wavetables and a sample, and `synth_version`; keys the source file lacked stay out while they hold
 * their defaults (see `VitalPatch.absentKeys`).
 */
export function vitalToJson(p: VitalPatch): JsonObject {
  const absent = new Set(p.absentKeys);
  const settings: Array<[string, unknown]> = [];
  for (const info of PARAMS_BY_KEY) {
    const v = p.settings[info.name];
    const value = typeof v === "number" && Number.isFinite(v) ? v : info.default;
    if (value === info.default && absent.has(info.name)) continue;
    settings.push([info.name, value]);
  }
  const modulations = Array.from(
    { length: VITAL_MODULATION_SLOTS },
    (_, i) => p.modulations[i] ?? emptyModulation(),
  );
  const lfos = Array.from({ length: VITAL_LFO_COUNT }, (_, i) => p.lfos[i] ?? triangleLine());
  const tables = Array.from({ length: VITAL_OSCILLATOR_COUNT }, (_, i) => p.wavetables[i] ?? initWavetable());
  const structured: Array<[string, unknown]> = [
    [
      "modulations",
      modulations.map((m) => {
        const known: Array<[string, unknown]> = [
          ["source", m.source],
          ["destination", m.destination],
        ];
        if (m.lineMapping) known.push(["line_mapping", lineJson(m.lineMapping)]);
        return withExtra(known, m.extra);
      }),
    ],
    ["lfos", lfos.map(lineJson)],
    ["wavetables", tables.map(wavetableJson)],
    ["sample", sampleJson(p.sample)],
  ];
  const top: Array<[string, unknown]> = [
    ["synth_version", validVersion(p.synthVersion)],
    ["settings", settingsJson(settings, structured, p.extraSettings)],
  ];
  if (!absent.has("preset_name")) top.push(["preset_name", p.name]);
  const meta = metadataValues(p);
  for (const [key, fallback] of Object.entries(METADATA_DEFAULTS)) {
    const v = meta[key]!;
    if (!(absent.has(key) && v === fallback)) top.push([key, v]);
  }
  return withExtra(top, p.extra);
}

const encoder = new TextEncoder();

/** Serialise one preset as Vital does: compact UTF-8 JSON. */
export function writeVital(p: VitalPatch): Uint8Array {
  return encoder.encode(JSON.stringify(vitalToJson(p)));
}

export const vitalCodec: PresetCodec<VitalPatch> = {
  extensions: [".vital"],
  read: (bytes, name, opts) => readVital(bytes, name, opts),
  write(patches) {
    if (patches.length !== 1) {
      throw new PatchsmithError(
        "bad-request",
        `a .vital file holds exactly one preset (got ${patches.length})`,
      );
    }
    return writeVital(patches[0]!);
  },
};
