import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeAudio } from "../src/audio/decode.ts";
import { readFlacHeader } from "../src/audio/decode-flac-frames.ts";
import { PatchsmithError } from "../src/errors.ts";
import { buildAiff, buildWav, rng } from "./audio-build.ts";
import { repoRoot } from "./helpers.ts";

/**
 * Mutated and truncated files from valid seeds of every format. Each must either decode to finite audio
 * of a consistent shape or throw a PatchsmithError with one of the documented codes: never another
 * exception, never a hang (the test timeout bounds the whole run).
 */

const CODES = new Set(["empty-audio", "truncated-audio", "corrupt-audio", "unsupported-audio", "too-large"]);

function wavSeeds(): [string, Uint8Array][] {
  const r = rng(11);
  const sig = (n: number, scale: number, offset = 0) =>
    Array.from({ length: n }, () => Math.floor(r() * scale) - offset);
  const float = (n: number) => Array.from({ length: n }, () => r() * 2 - 1);
  const list = {
    id: "LIST",
    body: Uint8Array.from("INFOINAM\x03\x00\x00\x00ab\x00", (c) => c.charCodeAt(0)),
  };
  return [
    ["pcm16.wav", buildWav({ kind: "int16", sampleRate: 44100, channels: [sig(120, 65536, 32768)] })],
    [
      "pcm24-ext.wav",
      buildWav({
        kind: "int24",
        sampleRate: 48000,
        channels: [sig(60, 2 ** 24, 2 ** 23), sig(60, 2 ** 24, 2 ** 23)],
        extensible: { containerBits: 32, validBits: 24 },
      }),
    ],
    ["uint8.wav", buildWav({ kind: "uint8", sampleRate: 8000, channels: [sig(100, 256)], before: [list] })],
    [
      "float32.wav",
      buildWav({ kind: "float32", sampleRate: 22050, channels: [float(50), float(50)], dataBeforeFmt: true }),
    ],
    [
      "float64-rifx.wav",
      buildWav({ kind: "float64", sampleRate: 96000, channels: [float(40)], container: "RIFX" }),
    ],
    [
      "int32-rf64.wav",
      buildWav({
        kind: "int32",
        sampleRate: 44100,
        channels: [sig(40, 2 ** 32, 2 ** 31)],
        container: "RF64",
      }),
    ],
    [
      "pcm16.aiff",
      buildAiff({
        kind: "int16",
        sampleRate: 44100,
        channels: [sig(80, 65536, 32768), sig(80, 65536, 32768)],
      }),
    ],
    [
      "fl32.aifc",
      buildAiff({ kind: "float32", sampleRate: 48000, channels: [float(60)], compression: "fl32" }),
    ],
    [
      "sowt.aifc",
      buildAiff({ kind: "int16", sampleRate: 32000, channels: [sig(60, 65536, 32768)], compression: "sowt" }),
    ],
    [
      "ulaw.wav",
      buildWav({ kind: "uint8", sampleRate: 8000, channels: [sig(90, 256)], formatTagOverride: 7 }),
    ],
  ];
}

function fileSeeds(): [string, Uint8Array][] {
  const dir = path.join(repoRoot, "test/fixtures/audio");
  return ["seed.flac", "seed.mp3", "seed.ogg", "seed.opus", "seed.aiff"].map((f) => [
    f,
    new Uint8Array(readFileSync(path.join(dir, f))),
  ]);
}

type Mutator = (b: Uint8Array, r: () => number) => Uint8Array;
const int = (r: () => number, n: number) => Math.floor(r() * n);
/** Positions near the start (headers) are hit more often than the body. */
const pos = (b: Uint8Array, r: () => number) =>
  r() < 0.6 ? int(r, Math.min(b.length, 96)) : int(r, b.length);

const mutators: Mutator[] = [
  // random byte overwrites
  (b, r) => {
    const c = b.slice();
    for (let i = 0, n = 1 + int(r, 8); i < n; i++) c[pos(c, r)] = int(r, 256);
    return c;
  },
  // bit flips anywhere
  (b, r) => {
    const c = b.slice();
    for (let i = 0, n = 1 + int(r, 40); i < n; i++) c[int(r, c.length)]! ^= 1 << int(r, 8);
    return c;
  },
  // inserted bytes
  (b, r) => {
    const p = pos(b, r);
    const n = 1 + int(r, 16);
    const c = new Uint8Array(b.length + n);
    c.set(b.subarray(0, p));
    for (let i = 0; i < n; i++) c[p + i] = int(r, 256);
    c.set(b.subarray(p), p + n);
    return c;
  },
  // deleted bytes
  (b, r) => {
    const p = pos(b, r);
    const q = Math.min(b.length, p + 1 + int(r, 64));
    const c = new Uint8Array(b.length - (q - p));
    c.set(b.subarray(0, p));
    c.set(b.subarray(q), p);
    return c;
  },
  // truncation
  (b, r) => b.slice(0, int(r, b.length)),
  // huge or zero size fields, either byte order
  (b, r) => {
    const c = b.slice();
    if (c.length < 4) return c;
    const v = [0xffffffff, 0x7fffffff, 0x80000000, 0, 1, 0xfffffff0, 0x10000][int(r, 7)]!;
    new DataView(c.buffer).setUint32(Math.min(pos(c, r), c.length - 4), v, r() < 0.5);
    return c;
  },
  // a duplicated slice (repeated chunks/pages/frames)
  (b, r) => {
    const p = int(r, b.length);
    const q = Math.min(b.length, p + 1 + int(r, 256));
    const at = int(r, b.length);
    const slice = b.subarray(p, q);
    const c = new Uint8Array(b.length + slice.length);
    c.set(b.subarray(0, at));
    c.set(slice, at);
    c.set(b.subarray(at), at + slice.length);
    return c;
  },
];

interface Tally {
  cases: number;
  decoded: number;
  errors: Record<string, number>;
}

async function fuzz(seeds: [string, Uint8Array][], casesPerSeed: number, seed: number): Promise<Tally> {
  const r = rng(seed);
  const tally: Tally = { cases: 0, decoded: 0, errors: {} };
  for (const [name, bytes] of seeds) {
    for (let i = 0; i < casesPerSeed; i++) {
      const m = mutators[int(r, mutators.length)]!;
      const input = i % 10 === 9 ? m(m(bytes, r), r) : m(bytes, r);
      tally.cases++;
      try {
        const { audio, info } = await decodeAudio(input, name);
        const n = audio.channels[0]!.length;
        if (!(n > 0 && audio.sampleRate > 0 && info.frames === n))
          throw new Error(`${name} case ${i}: inconsistent result`);
        for (const ch of audio.channels) {
          if (ch.length !== n) throw new Error(`${name} case ${i}: channels differ in length`);
          for (let k = 0; k < n; k++)
            if (!Number.isFinite(ch[k]!)) throw new Error(`${name} case ${i}: non-finite sample`);
        }
        tally.decoded++;
      } catch (e) {
        if (!(e instanceof PatchsmithError) || !CODES.has(e.code) || e.file !== name) {
          throw new Error(`${name} case ${i} (mutator seed ${seed}): not a clean error: ${String(e)}`, {
            cause: e,
          });
        }
        tally.errors[e.code] = (tally.errors[e.code] ?? 0) + 1;
      }
    }
  }
  return tally;
}

describe("crafted worst cases", () => {
  it("a FLAC stream full of frame-header look-alikes fails cleanly", async () => {
    const crc8 = (bytes: number[]) => {
      let c = 0;
      for (const x of bytes) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
      }
      return c;
    };
    // 65536-sample blocks of 8 channels × 24 bits: every candidate could span ~1.6 MB.
    const header = [0xff, 0xf8, 0x79, 0x7c, 0x00, 0xff, 0xff];
    header.push(crc8(header));
    const seed = new Uint8Array(readFileSync(path.join(repoRoot, "test/fixtures/audio/seed.flac")));
    const { audioStart } = readFlacHeader(seed, 0);
    const bytes = new Uint8Array(audioStart + 1_000_000);
    bytes.set(seed.subarray(0, audioStart));
    const r = rng(99);
    for (let p = audioStart; p + 32 <= bytes.length; p += 32) {
      bytes.set(header, p);
      for (let k = 8; k < 32; k++) bytes[p + k] = Math.floor(r() * 255);
    }
    await expect(decodeAudio(bytes, "crafted.flac")).rejects.toBeInstanceOf(PatchsmithError);
  });
});

describe("decoder fuzzing", () => {
  it("WAV and AIFF: 8,050 mutated/truncated files give finite audio or clean errors", async () => {
    const t = await fuzz(wavSeeds(), 805, 1);
    expect(t.cases).toBe(8050);
    // The mutations must exercise both outcomes, or the test proves nothing.
    expect(t.decoded).toBeGreaterThan(t.cases * 0.2);
    expect(Object.values(t.errors).reduce((a, b) => a + b, 0)).toBeGreaterThan(t.cases * 0.1);
  });

  it("FLAC, MP3, Ogg Vorbis, Ogg Opus and an AIFF file: 2,000 mutated/truncated files give finite audio or clean errors", async () => {
    const t = await fuzz(fileSeeds(), 400, 2);
    expect(t.cases).toBe(2000);
    expect(t.decoded).toBeGreaterThan(t.cases * 0.1);
    expect(t.errors["corrupt-audio"]).toBeGreaterThan(0);
  });
});
