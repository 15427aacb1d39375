// The DX7 voice as a typed patch, its parameter schema (for optimisers and UIs) and the mapping to
// normalised vectors. Parameter meanings and ranges follow the DX7 voice data format (VCED).
import type { ParamSpec } from "../synth.ts";
import { denormalise, normalise } from "../synth.ts";

export interface Dx7Operator {
  /** EG rates R1..R4 (0–99, 99 fastest). */
  egRate: [number, number, number, number];
  /** EG levels L1..L4 (0–99). */
  egLevel: [number, number, number, number];
  /** Keyboard level scaling break point 0–99 (key = MIDI BP + 21). */
  breakPoint: number;
  leftDepth: number;
  rightDepth: number;
  /** 0 −LIN, 1 −EXP, 2 +EXP, 3 +LIN. */
  leftCurve: number;
  rightCurve: number;
  /** Keyboard rate scaling 0–7. */
  rateScaling: number;
  /** Amplitude modulation sensitivity 0–3. */
  ampModSens: number;
  /** Key velocity sensitivity 0–7. */
  velocitySens: number;
  outputLevel: number;
  /** 0 ratio, 1 fixed frequency. */
  oscMode: number;
  /** 0–31 (ratio: 0 = ×0.5). */
  coarse: number;
  fine: number;
  /** 0–14, 7 = centre. */
  detune: number;
}

export interface Dx7Patch {
  /** 10 characters as stored (space padded; codes 0–127). */
  name: string;
  /** operators[0] is OP1 … operators[5] is OP6 (panel numbering). */
  operators: [Dx7Operator, Dx7Operator, Dx7Operator, Dx7Operator, Dx7Operator, Dx7Operator];
  pitchEgRate: [number, number, number, number];
  /** 50 = no pitch change. */
  pitchEgLevel: [number, number, number, number];
  /** 1–32 as displayed (stored 0–31). */
  algorithm: number;
  feedback: number;
  oscKeySync: number;
  lfoSpeed: number;
  lfoDelay: number;
  lfoPitchModDepth: number;
  lfoAmpModDepth: number;
  lfoKeySync: number;
  /** 0 triangle, 1 saw down, 2 saw up, 3 square, 4 sine, 5 sample & hold. */
  lfoWave: number;
  pitchModSens: number;
  /** 0–48 semitones, 24 = no transpose. */
  transpose: number;
  /**
   * Bits of a packed (VMEM) voice that carry no meaning but were set in the file it came from, kept so that a
   * bank is written back byte for byte: packed byte offset → the don't-care bits found there. Never affects sound.
   */
  packedDontCare?: Record<number, number>;
}

export const CURVE_NAMES = ["-LIN", "-EXP", "+EXP", "+LIN"];
export const LFO_WAVE_NAMES = ["triangle", "saw down", "saw up", "square", "sine", "sample & hold"];
export const OSC_MODE_NAMES = ["ratio", "fixed"];
export const OFF_ON = ["off", "on"];

/** Documented range of each operator field (inclusive max; min is 0). */
export const OPERATOR_FIELD_MAX = {
  breakPoint: 99,
  leftDepth: 99,
  rightDepth: 99,
  leftCurve: 3,
  rightCurve: 3,
  rateScaling: 7,
  ampModSens: 3,
  velocitySens: 7,
  outputLevel: 99,
  oscMode: 1,
  coarse: 31,
  fine: 99,
  detune: 14,
} as const;

export const GLOBAL_FIELD_MAX = {
  feedback: 7,
  oscKeySync: 1,
  lfoSpeed: 99,
  lfoDelay: 99,
  lfoPitchModDepth: 99,
  lfoAmpModDepth: 99,
  lfoKeySync: 1,
  lfoWave: 5,
  pitchModSens: 7,
  transpose: 48,
} as const;

export function initOperator(carrier: boolean): Dx7Operator {
  return {
    egRate: [99, 99, 99, 99],
    egLevel: [99, 99, 99, 0],
    breakPoint: 39,
    leftDepth: 0,
    rightDepth: 0,
    leftCurve: 0,
    rightCurve: 0,
    rateScaling: 0,
    ampModSens: 0,
    velocitySens: 0,
    outputLevel: carrier ? 99 : 0,
    oscMode: 0,
    coarse: 1,
    fine: 0,
    detune: 7,
  };
}

/** Dexed's INIT VOICE: algorithm 1, OP1 a sine carrier at full level, the other operators silent. */
export function initPatch(): Dx7Patch {
  return {
    name: "INIT VOICE",
    operators: [
      initOperator(true),
      initOperator(false),
      initOperator(false),
      initOperator(false),
      initOperator(false),
      initOperator(false),
    ],
    pitchEgRate: [99, 99, 99, 99],
    pitchEgLevel: [50, 50, 50, 50],
    algorithm: 1,
    feedback: 0,
    oscKeySync: 1,
    lfoSpeed: 35,
    lfoDelay: 0,
    lfoPitchModDepth: 0,
    lfoAmpModDepth: 0,
    lfoKeySync: 1,
    lfoWave: 0,
    pitchModSens: 3,
    transpose: 24,
  };
}

export function clonePatch(p: Dx7Patch): Dx7Patch {
  return {
    ...p,
    operators: p.operators.map((o) => ({
      ...o,
      egRate: [...o.egRate],
      egLevel: [...o.egLevel],
    })) as Dx7Patch["operators"],
    pitchEgRate: [...p.pitchEgRate],
    pitchEgLevel: [...p.pitchEgLevel],
    ...(p.packedDontCare ? { packedDontCare: { ...p.packedDontCare } } : {}),
  };
}

// ---- schema -------------------------------------------------------------------------------------------

interface Accessor {
  get(p: Dx7Patch): number;
  set(p: Dx7Patch, v: number): void;
}

function spec(
  name: string,
  kind: ParamSpec["kind"],
  max: number,
  def: number,
  group: string,
  extra: Partial<ParamSpec> = {},
): ParamSpec {
  return { name, kind, min: 0, max, default: def, group, ...extra };
}

function buildSchema(): { specs: ParamSpec[]; access: Accessor[] } {
  const specs: ParamSpec[] = [];
  const access: Accessor[] = [];
  const init = initPatch();
  const add = (s: ParamSpec, a: Accessor) => {
    specs.push(s);
    access.push(a);
  };
  for (let k = 0; k < 6; k++) {
    const g = `op${k + 1}`;
    const op = (p: Dx7Patch) => p.operators[k]!;
    const io = init.operators[k]!;
    for (let i = 0; i < 4; i++) {
      add(
        spec(`${g}_eg_rate_${i + 1}`, "integer", 99, io.egRate[i]!, g, {
          description: `OP${k + 1} EG rate ${i + 1}`,
        }),
        {
          get: (p) => op(p).egRate[i]!,
          set: (p, v) => (op(p).egRate[i] = v),
        },
      );
    }
    for (let i = 0; i < 4; i++) {
      add(
        spec(`${g}_eg_level_${i + 1}`, "integer", 99, io.egLevel[i]!, g, {
          description: `OP${k + 1} EG level ${i + 1}`,
        }),
        {
          get: (p) => op(p).egLevel[i]!,
          set: (p, v) => (op(p).egLevel[i] = v),
        },
      );
    }
    const field = (
      key: keyof typeof OPERATOR_FIELD_MAX,
      name: string,
      kind: ParamSpec["kind"],
      extra: Partial<ParamSpec> = {},
    ) =>
      add(spec(`${g}_${name}`, kind, OPERATOR_FIELD_MAX[key], io[key], g, extra), {
        get: (p) => op(p)[key],
        set: (p, v) => (op(p)[key] = v),
      });
    field("breakPoint", "break_point", "integer", { description: "key = MIDI break point + 21" });
    field("leftDepth", "left_depth", "integer");
    field("rightDepth", "right_depth", "integer");
    field("leftCurve", "left_curve", "choice", { options: CURVE_NAMES });
    field("rightCurve", "right_curve", "choice", { options: CURVE_NAMES });
    field("rateScaling", "rate_scaling", "integer");
    field("ampModSens", "amp_mod_sens", "integer");
    field("velocitySens", "velocity_sens", "integer");
    field("outputLevel", "output_level", "integer", { unit: "0.75 dB steps" });
    field("oscMode", "osc_mode", "choice", { options: OSC_MODE_NAMES });
    field("coarse", "coarse", "integer");
    field("fine", "fine", "integer");
    field("detune", "detune", "integer", { description: "7 = centre" });
  }
  for (let i = 0; i < 4; i++) {
    add(spec(`pitch_eg_rate_${i + 1}`, "integer", 99, 99, "pitch_eg"), {
      get: (p) => p.pitchEgRate[i]!,
      set: (p, v) => (p.pitchEgRate[i] = v),
    });
  }
  for (let i = 0; i < 4; i++) {
    add(
      spec(`pitch_eg_level_${i + 1}`, "integer", 99, 50, "pitch_eg", { description: "50 = no pitch change" }),
      {
        get: (p) => p.pitchEgLevel[i]!,
        set: (p, v) => (p.pitchEgLevel[i] = v),
      },
    );
  }
  add(
    spec("algorithm", "choice", 31, 0, "global", {
      options: Array.from({ length: 32 }, (_, i) => String(i + 1)),
      description: "algorithm 1–32 (schema value = algorithm − 1)",
    }),
    { get: (p) => p.algorithm - 1, set: (p, v) => (p.algorithm = v + 1) },
  );
  const glob = (
    key: keyof typeof GLOBAL_FIELD_MAX,
    name: string,
    kind: ParamSpec["kind"],
    group: string,
    extra: Partial<ParamSpec> = {},
  ) =>
    add(spec(name, kind, GLOBAL_FIELD_MAX[key], init[key], group, extra), {
      get: (p) => p[key],
      set: (p, v) => (p[key] = v),
    });
  glob("feedback", "feedback", "integer", "global");
  glob("oscKeySync", "osc_key_sync", "choice", "global", { options: OFF_ON });
  glob("lfoSpeed", "lfo_speed", "integer", "lfo");
  glob("lfoDelay", "lfo_delay", "integer", "lfo");
  glob("lfoPitchModDepth", "lfo_pitch_mod_depth", "integer", "lfo");
  glob("lfoAmpModDepth", "lfo_amp_mod_depth", "integer", "lfo");
  glob("lfoKeySync", "lfo_key_sync", "choice", "lfo", { options: OFF_ON });
  glob("lfoWave", "lfo_wave", "choice", "lfo", { options: LFO_WAVE_NAMES });
  glob("pitchModSens", "pitch_mod_sens", "integer", "lfo");
  glob("transpose", "transpose", "integer", "global", {
    unit: "semitones",
    description: "24 = no transpose",
  });
  return { specs, access };
}

const SCHEMA = buildSchema();

/** The 145 sound parameters of a DX7 voice (the name is not a parameter), OP1 first. */
export const DX7_PARAMS: ParamSpec[] = SCHEMA.specs;

/** Natural values in schema order (algorithm as 0–31). */
export function patchValues(p: Dx7Patch): number[] {
  return SCHEMA.access.map((a) => a.get(p));
}

export function toVector(p: Dx7Patch): Float32Array {
  const v = new Float32Array(DX7_PARAMS.length);
  for (let i = 0; i < v.length; i++) v[i] = normalise(DX7_PARAMS[i]!, SCHEMA.access[i]!.get(p));
  return v;
}

export function fromVector(v: Float32Array, base?: Dx7Patch): Dx7Patch {
  const p = clonePatch(base ?? initPatch());
  delete p.packedDontCare;
  const n = Math.min(v.length, DX7_PARAMS.length);
  for (let i = 0; i < n; i++) SCHEMA.access[i]!.set(p, denormalise(DX7_PARAMS[i]!, v[i]!));
  return p;
}

/** Set a parameter by schema name (natural value). Returns false for an unknown name. */
export function setParam(p: Dx7Patch, name: string, value: number): boolean {
  const i = DX7_PARAMS.findIndex((s) => s.name === name);
  if (i < 0) return false;
  SCHEMA.access[i]!.set(p, value);
  return true;
}
