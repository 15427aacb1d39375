// The DX7's 155 voice parameters in VCED order (OP6 block first), their documented maxima and names, and the
// conversion between a typed patch and that flat form. The engine and both sysex formats go through it.
import type { Dx7Operator, Dx7Patch } from "./params.ts";

export const VCED_SIZE = 155;
export const VCED_SOUND_SIZE = 145;

const OP_FIELD_NAMES = [
  "EG rate 1",
  "EG rate 2",
  "EG rate 3",
  "EG rate 4",
  "EG level 1",
  "EG level 2",
  "EG level 3",
  "EG level 4",
  "break point",
  "left depth",
  "right depth",
  "left curve",
  "right curve",
  "rate scaling",
  "amp mod sensitivity",
  "key velocity sensitivity",
  "output level",
  "oscillator mode",
  "frequency coarse",
  "frequency fine",
  "detune",
];
const OP_FIELD_MAX = [99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 3, 3, 7, 3, 7, 99, 1, 31, 99, 14];

const GLOBAL_NAMES = [
  "pitch EG rate 1",
  "pitch EG rate 2",
  "pitch EG rate 3",
  "pitch EG rate 4",
  "pitch EG level 1",
  "pitch EG level 2",
  "pitch EG level 3",
  "pitch EG level 4",
  "algorithm",
  "feedback",
  "oscillator key sync",
  "LFO speed",
  "LFO delay",
  "LFO pitch mod depth",
  "LFO amp mod depth",
  "LFO key sync",
  "LFO wave",
  "pitch mod sensitivity",
  "transpose",
];
const GLOBAL_MAX = [99, 99, 99, 99, 99, 99, 99, 99, 31, 7, 1, 99, 99, 99, 99, 1, 5, 7, 48];

/** Documented maximum of each of the 155 parameters (names: 127). */
export const VCED_MAX: readonly number[] = [
  ...Array.from({ length: 6 }, () => OP_FIELD_MAX).flat(),
  ...GLOBAL_MAX,
  ...Array.from({ length: 10 }, () => 127),
];

/** Human name of VCED parameter i, e.g. "OP3 output level", "LFO speed", "name character 4". */
export function vcedParamName(i: number): string {
  if (i < 126) return `OP${6 - Math.floor(i / 21)} ${OP_FIELD_NAMES[i % 21]}`;
  if (i < 145) return GLOBAL_NAMES[i - 126]!;
  return `name character ${i - 144}`;
}

/** Packed (VMEM, 128-byte) offset holding VCED parameter i. */
export function packedOffsetOf(i: number): number {
  if (i < 126) {
    const op = Math.floor(i / 21);
    const k = i % 21;
    const rel = k <= 10 ? k : [11, 11, 12, 13, 13, 14, 15, 15, 16, 12][k - 11]!;
    return op * 17 + rel;
  }
  if (i < 134) return i - 24;
  if (i < 145) return [110, 111, 111, 112, 113, 114, 115, 116, 116, 116, 117][i - 134]!;
  return i - 27;
}

function opToVced(o: Dx7Operator, out: number[], base: number): void {
  for (let k = 0; k < 4; k++) out[base + k] = o.egRate[k]!;
  for (let k = 0; k < 4; k++) out[base + 4 + k] = o.egLevel[k]!;
  out[base + 8] = o.breakPoint;
  out[base + 9] = o.leftDepth;
  out[base + 10] = o.rightDepth;
  out[base + 11] = o.leftCurve;
  out[base + 12] = o.rightCurve;
  out[base + 13] = o.rateScaling;
  out[base + 14] = o.ampModSens;
  out[base + 15] = o.velocitySens;
  out[base + 16] = o.outputLevel;
  out[base + 17] = o.oscMode;
  out[base + 18] = o.coarse;
  out[base + 19] = o.fine;
  out[base + 20] = o.detune;
}

function vcedToOp(v: ArrayLike<number>, base: number): Dx7Operator {
  return {
    egRate: [v[base]!, v[base + 1]!, v[base + 2]!, v[base + 3]!],
    egLevel: [v[base + 4]!, v[base + 5]!, v[base + 6]!, v[base + 7]!],
    breakPoint: v[base + 8]!,
    leftDepth: v[base + 9]!,
    rightDepth: v[base + 10]!,
    leftCurve: v[base + 11]!,
    rightCurve: v[base + 12]!,
    rateScaling: v[base + 13]!,
    ampModSens: v[base + 14]!,
    velocitySens: v[base + 15]!,
    outputLevel: v[base + 16]!,
    oscMode: v[base + 17]!,
    coarse: v[base + 18]!,
    fine: v[base + 19]!,
    detune: v[base + 20]!,
  };
}

/** The patch as 155 VCED values (numbers as stored in the patch, not clamped). */
export function patchToVced(p: Dx7Patch): number[] {
  const v = new Array<number>(VCED_SIZE).fill(0);
  for (let op = 0; op < 6; op++) opToVced(p.operators[5 - op]!, v, op * 21);
  for (let k = 0; k < 4; k++) v[126 + k] = p.pitchEgRate[k]!;
  for (let k = 0; k < 4; k++) v[130 + k] = p.pitchEgLevel[k]!;
  v[134] = p.algorithm - 1;
  v[135] = p.feedback;
  v[136] = p.oscKeySync;
  v[137] = p.lfoSpeed;
  v[138] = p.lfoDelay;
  v[139] = p.lfoPitchModDepth;
  v[140] = p.lfoAmpModDepth;
  v[141] = p.lfoKeySync;
  v[142] = p.lfoWave;
  v[143] = p.pitchModSens;
  v[144] = p.transpose;
  const name = p.name.padEnd(10, " ");
  for (let k = 0; k < 10; k++) v[145 + k] = name.charCodeAt(k) & 0x7f;
  return v;
}

export function vcedToPatch(v: ArrayLike<number>): Dx7Patch {
  const ops = [5, 4, 3, 2, 1, 0].map((op) => vcedToOp(v, op * 21)) as Dx7Patch["operators"];
  let name = "";
  for (let k = 0; k < 10; k++) name += String.fromCharCode(v[145 + k]! & 0x7f);
  return {
    name,
    operators: ops,
    pitchEgRate: [v[126]!, v[127]!, v[128]!, v[129]!],
    pitchEgLevel: [v[130]!, v[131]!, v[132]!, v[133]!],
    algorithm: v[134]! + 1,
    feedback: v[135]!,
    oscKeySync: v[136]!,
    lfoSpeed: v[137]!,
    lfoDelay: v[138]!,
    lfoPitchModDepth: v[139]!,
    lfoAmpModDepth: v[140]!,
    lfoKeySync: v[141]!,
    lfoWave: v[142]!,
    pitchModSens: v[143]!,
    transpose: v[144]!,
  };
}

/** Don't-care bits of each packed byte that has some: offset → mask of the meaningful bits. */
export function packedMeaningfulMask(offset: number): number {
  if (offset < 102) {
    const rel = offset % 17;
    if (rel === 11) return 0x0f;
    if (rel === 13) return 0x1f;
    if (rel === 15) return 0x3f;
    return 0x7f;
  }
  if (offset === 110) return 0x1f;
  if (offset === 111) return 0x0f;
  return 0x7f;
}

/** Unpack a 128-byte packed voice (bytes already 7-bit) into 155 VCED values, as the DX7 format defines. */
export function unpackVoice(b: ArrayLike<number>, off: number): number[] {
  const v = new Array<number>(VCED_SIZE).fill(0);
  for (let op = 0; op < 6; op++) {
    const s = off + op * 17;
    const d = op * 21;
    for (let k = 0; k < 11; k++) v[d + k] = b[s + k]!;
    v[d + 11] = b[s + 11]! & 3;
    v[d + 12] = (b[s + 11]! >> 2) & 3;
    v[d + 13] = b[s + 12]! & 7;
    v[d + 20] = (b[s + 12]! >> 3) & 15;
    v[d + 14] = b[s + 13]! & 3;
    v[d + 15] = (b[s + 13]! >> 2) & 7;
    v[d + 16] = b[s + 14]!;
    v[d + 17] = b[s + 15]! & 1;
    v[d + 18] = (b[s + 15]! >> 1) & 31;
    v[d + 19] = b[s + 16]!;
  }
  for (let k = 0; k < 8; k++) v[126 + k] = b[off + 102 + k]!;
  v[134] = b[off + 110]! & 31;
  v[135] = b[off + 111]! & 7;
  v[136] = (b[off + 111]! >> 3) & 1;
  for (let k = 0; k < 4; k++) v[137 + k] = b[off + 112 + k]!;
  v[141] = b[off + 116]! & 1;
  v[142] = (b[off + 116]! >> 1) & 7;
  v[143] = (b[off + 116]! >> 4) & 7;
  v[144] = b[off + 117]!;
  for (let k = 0; k < 10; k++) v[145 + k] = b[off + 118 + k]!;
  return v;
}

/** Pack 155 VCED values (each already within its field width) into 128 bytes at `out[off]`. */
export function packVoice(v: ArrayLike<number>, out: Uint8Array, off: number): void {
  for (let op = 0; op < 6; op++) {
    const s = off + op * 17;
    const d = op * 21;
    for (let k = 0; k < 11; k++) out[s + k] = v[d + k]! & 0x7f;
    out[s + 11] = ((v[d + 12]! & 3) << 2) | (v[d + 11]! & 3);
    out[s + 12] = ((v[d + 20]! & 15) << 3) | (v[d + 13]! & 7);
    out[s + 13] = ((v[d + 15]! & 7) << 2) | (v[d + 14]! & 3);
    out[s + 14] = v[d + 16]! & 0x7f;
    out[s + 15] = ((v[d + 18]! & 31) << 1) | (v[d + 17]! & 1);
    out[s + 16] = v[d + 19]! & 0x7f;
  }
  for (let k = 0; k < 8; k++) out[off + 102 + k] = v[126 + k]! & 0x7f;
  out[off + 110] = v[134]! & 31;
  out[off + 111] = ((v[136]! & 1) << 3) | (v[135]! & 7);
  for (let k = 0; k < 4; k++) out[off + 112 + k] = v[137 + k]! & 0x7f;
  out[off + 116] = ((v[143]! & 7) << 4) | ((v[142]! & 7) << 1) | (v[141]! & 1);
  out[off + 117] = v[144]! & 0x7f;
  for (let k = 0; k < 10; k++) out[off + 118 + k] = v[145 + k]! & 0x7f;
}
