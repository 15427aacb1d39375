// Builders for WAV and AIFF files of every layout the decoders claim to read, written byte by byte
// here (independently of src/audio/encode.ts) so the tests check the readers against the formats.

export type WavSampleKind = "uint8" | "int16" | "int24" | "int32" | "float32" | "float64";

export interface Chunk {
  id: string;
  body: Uint8Array;
}

export interface WavSpec {
  kind: WavSampleKind;
  sampleRate: number;
  /** Interleaved-by-channel sample values: integer codes for int kinds, floats for float kinds. */
  channels: number[][];
  extensible?: { containerBits: number; validBits: number; channelMask?: number };
  container?: "RIFF" | "RIFX" | "RF64";
  /** Chunks put before "fmt ". */
  before?: Chunk[];
  /** Chunks put between "fmt " and "data". */
  between?: Chunk[];
  /** Chunks after "data". */
  after?: Chunk[];
  dataBeforeFmt?: boolean;
  /** Replace the data chunk's size field. */
  dataSizeOverride?: number;
  /** Omit the pad byte after odd-sized chunks (a common writer bug). */
  noPadding?: boolean;
  trailing?: Uint8Array;
  formatTagOverride?: number;
}

const BITS: Record<WavSampleKind, number> = {
  uint8: 8,
  int16: 16,
  int24: 24,
  int32: 32,
  float32: 32,
  float64: 64,
};

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function writeSample(
  dv: DataView,
  off: number,
  kind: WavSampleKind,
  v: number,
  bytes: number,
  le: boolean,
): void {
  switch (kind) {
    case "uint8":
      dv.setUint8(off, v);
      return;
    case "float32":
      dv.setFloat32(off, v, le);
      return;
    case "float64":
      dv.setFloat64(off, v, le);
      return;
    default: {
      // Signed integer code, left-justified in a container of `bytes` bytes.
      const bits = BITS[kind];
      let code = BigInt(v) << BigInt(bytes * 8 - bits);
      if (code < 0n) code += 1n << BigInt(bytes * 8);
      for (let i = 0; i < bytes; i++) {
        const byte = Number((code >> BigInt(8 * i)) & 0xffn);
        dv.setUint8(le ? off + i : off + bytes - 1 - i, byte);
      }
    }
  }
}

export function samplesBytes(
  spec: Pick<WavSpec, "kind" | "channels" | "extensible">,
  le: boolean,
): Uint8Array {
  const bytes = (spec.extensible?.containerBits ?? BITS[spec.kind]) / 8;
  const nch = spec.channels.length;
  const frames = spec.channels[0]!.length;
  const out = new Uint8Array(frames * nch * bytes);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++)
      writeSample(dv, (i * nch + c) * bytes, spec.kind, spec.channels[c]![i]!, bytes, le);
  }
  return out;
}

function chunk(id: string, body: Uint8Array, le: boolean, pad: boolean, sizeOverride?: number): Uint8Array {
  const head = new Uint8Array(8);
  head.set(ascii(id));
  new DataView(head.buffer).setUint32(4, sizeOverride ?? body.length, le);
  return concat([head, body, pad && body.length & 1 ? new Uint8Array(1) : new Uint8Array(0)]);
}

export function buildWav(spec: WavSpec): Uint8Array {
  const container = spec.container ?? "RIFF";
  const le = container !== "RIFX";
  const isFloat = spec.kind.startsWith("float");
  const nch = spec.channels.length;
  const containerBits = spec.extensible?.containerBits ?? BITS[spec.kind];
  const blockAlign = (nch * containerBits) / 8;
  const fmt = new Uint8Array(spec.extensible ? 40 : 16);
  const f = new DataView(fmt.buffer);
  const tag = isFloat ? 3 : 1;
  f.setUint16(0, spec.formatTagOverride ?? (spec.extensible ? 0xfffe : tag), le);
  f.setUint16(2, nch, le);
  f.setUint32(4, spec.sampleRate, le);
  f.setUint32(8, spec.sampleRate * blockAlign, le);
  f.setUint16(12, blockAlign, le);
  f.setUint16(14, containerBits, le);
  if (spec.extensible) {
    f.setUint16(16, 22, le);
    f.setUint16(18, spec.extensible.validBits, le);
    f.setUint32(20, spec.extensible.channelMask ?? (nch === 2 ? 3 : 4), le);
    f.setUint16(24, tag, le);
    fmt.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 26);
  }
  const data = samplesBytes(spec, le);
  const pad = !spec.noPadding;
  const chunks = (cs: Chunk[] | undefined) => (cs ?? []).map((c) => chunk(c.id, c.body, le, pad));
  const dataSize = container === "RF64" ? 0xffffffff : spec.dataSizeOverride;
  const fmtChunk = chunk("fmt ", fmt, le, pad);
  const dataChunk = chunk("data", data, le, pad, dataSize);
  const parts: Uint8Array[] = [];
  if (container === "RF64") {
    const ds64 = new Uint8Array(28);
    const d = new DataView(ds64.buffer);
    d.setUint32(8, data.length % 2 ** 32, true);
    d.setUint32(12, Math.floor(data.length / 2 ** 32), true);
    parts.push(chunk("ds64", ds64, true, pad));
  }
  parts.push(...chunks(spec.before));
  if (spec.dataBeforeFmt) parts.push(dataChunk, ...chunks(spec.between), fmtChunk);
  else parts.push(fmtChunk, ...chunks(spec.between), dataChunk);
  parts.push(...chunks(spec.after));
  if (spec.trailing) parts.push(spec.trailing);
  const body = concat(parts);
  const head = new Uint8Array(12);
  head.set(ascii(container));
  new DataView(head.buffer).setUint32(4, container === "RF64" ? 0xffffffff : body.length + 4, le);
  head.set(ascii("WAVE"), 8);
  return concat([head, body]);
}

/** 80-bit IEEE extended, big-endian, for positive integers (sample rates). */
export function extended80(x: number): Uint8Array {
  const out = new Uint8Array(10);
  if (x === 0) return out;
  const exp = Math.floor(Math.log2(x));
  const mant = BigInt(Math.round(x * 2 ** (63 - exp)));
  const e = exp + 16383;
  out[0] = (e >> 8) & 0x7f;
  out[1] = e & 0xff;
  for (let i = 0; i < 8; i++) out[2 + i] = Number((mant >> BigInt(8 * (7 - i))) & 0xffn);
  return out;
}

export interface AiffSpec {
  kind: "int8" | "int16" | "int24" | "int32" | "float32" | "float64";
  sampleRate: number;
  channels: number[][];
  /** AIFF-C compression type; omitted = plain AIFF. */
  compression?: "NONE" | "twos" | "sowt" | "fl32" | "fl64" | "in24" | "in32" | "ulaw" | "alaw" | "ima4";
  /** Sample-frame count written in COMM (defaults to the real count). */
  framesOverride?: number;
  ssndBeforeComm?: boolean;
  ssndOffset?: number;
  truncateTo?: number;
}

export function buildAiff(spec: AiffSpec): Uint8Array {
  const nch = spec.channels.length;
  const frames = spec.channels[0]!.length;
  const bits = { int8: 8, int16: 16, int24: 24, int32: 32, float32: 32, float64: 64 }[spec.kind];
  const aifc = spec.compression !== undefined;
  const comm = new Uint8Array(aifc ? 18 + 4 + 2 : 18);
  const c = new DataView(comm.buffer);
  c.setInt16(0, nch, false);
  c.setUint32(2, spec.framesOverride ?? frames, false);
  c.setInt16(6, bits, false);
  comm.set(extended80(spec.sampleRate), 8);
  if (aifc) comm.set(ascii(spec.compression!), 18); // followed by an empty pascal string (2 bytes)
  const le = spec.compression === "sowt";
  const wavKind = spec.kind === "int8" ? "int16" : spec.kind;
  let data: Uint8Array;
  if (spec.kind === "int8" || spec.compression === "ulaw" || spec.compression === "alaw") {
    data = Uint8Array.from(spec.channels[0]!.flatMap((_, i) => spec.channels.map((ch) => ch[i]! & 0xff)));
  } else {
    data = samplesBytes({ kind: wavKind as WavSampleKind, channels: spec.channels }, le);
  }
  const offset = spec.ssndOffset ?? 0;
  const ssnd = concat([new Uint8Array(8), new Uint8Array(offset), data]);
  new DataView(ssnd.buffer).setUint32(0, offset, false);
  const commChunk = chunk("COMM", comm, false, true);
  const ssndChunk = chunk("SSND", ssnd, false, true);
  const parts: Uint8Array[] = [];
  if (aifc) {
    const fver = new Uint8Array(4);
    new DataView(fver.buffer).setUint32(0, 0xa2805140, false);
    parts.push(chunk("FVER", fver, false, true));
  }
  parts.push(...(spec.ssndBeforeComm ? [ssndChunk, commChunk] : [commChunk, ssndChunk]));
  const body = concat(parts);
  const head = new Uint8Array(12);
  head.set(ascii("FORM"));
  new DataView(head.buffer).setUint32(4, body.length + 4, false);
  head.set(ascii(aifc ? "AIFC" : "AIFF"), 8);
  const file = concat([head, body]);
  return spec.truncateTo !== undefined ? file.slice(0, spec.truncateTo) : file;
}

/** Deterministic pseudo-random generator (mulberry32) for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Amplitude and phase of the component at `hz` (least squares against sin and cos). */
export function toneFit(
  x: Float32Array,
  sampleRate: number,
  hz: number,
  from = 0,
  to = x.length,
): { amplitude: number; residualRms: number } {
  let ss = 0;
  let sc = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    const w = (2 * Math.PI * hz * i) / sampleRate;
    ss += x[i]! * Math.sin(w);
    sc += x[i]! * Math.cos(w);
    n++;
  }
  const a = (2 * ss) / n;
  const b = (2 * sc) / n;
  let r = 0;
  for (let i = from; i < to; i++) {
    const w = (2 * Math.PI * hz * i) / sampleRate;
    const e = x[i]! - a * Math.sin(w) - b * Math.cos(w);
    r += e * e;
  }
  return { amplitude: Math.hypot(a, b), residualRms: Math.sqrt(r / n) };
}
