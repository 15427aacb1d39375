import { describe, expect, it } from "vitest";
import { decodeAudio } from "../src/audio/decode.ts";
import { encodeWav } from "../src/audio/encode.ts";
import { PatchsmithError } from "../src/errors.ts";
import { ascii, buildAiff, buildWav, concat, rng, type WavSampleKind, type WavSpec } from "./audio-build.ts";

const FULL_SCALE: Record<string, number> = { int16: 32768, int24: 8388608, int32: 2147483648 };

/** Random sample codes for a kind, always including both extremes and zero. */
function codes(kind: WavSampleKind, frames: number, seed: number): number[] {
  const r = rng(seed);
  const out: number[] = [];
  for (let i = 0; i < frames; i++) {
    if (kind === "uint8") out.push(Math.floor(r() * 256));
    else if (kind.startsWith("float")) out.push((r() * 2 - 1) * 1.5);
    else {
      const fs = FULL_SCALE[kind]!;
      out.push(Math.floor(r() * 2 * fs) - fs);
    }
  }
  if (kind === "uint8") out.splice(0, 3, 0, 255, 128);
  else if (!kind.startsWith("float")) {
    const fs = FULL_SCALE[kind]!;
    out.splice(0, 3, -fs, fs - 1, 0);
  }
  return out;
}

function expected(kind: WavSampleKind, code: number): number {
  if (kind === "uint8") return (code - 128) / 128;
  if (kind.startsWith("float")) return Math.fround(code);
  return Math.fround(code / FULL_SCALE[kind]!);
}

function signal(kind: WavSampleKind, nch: number, frames: number, seed = 1): number[][] {
  return Array.from({ length: nch }, (_, c) => codes(kind, frames, seed * 31 + c));
}

async function expectExact(bytes: Uint8Array, kind: WavSampleKind, chans: number[][], sampleRate: number) {
  const { audio, info, warnings } = await decodeAudio(bytes, "t.wav");
  expect(audio.sampleRate).toBe(sampleRate);
  expect(audio.channels.length).toBe(chans.length);
  for (let c = 0; c < chans.length; c++) {
    const want = Float32Array.from(chans[c]!.map((v) => expected(kind, v)));
    expect(audio.channels[c]).toEqual(want);
  }
  expect(info.frames).toBe(chans[0]!.length);
  expect(info.channelCount).toBe(chans.length);
  return { info, warnings };
}

async function expectError(bytes: Uint8Array, code: string, message?: RegExp) {
  let err: unknown;
  try {
    await decodeAudio(bytes, "bad.wav");
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PatchsmithError);
  expect((err as PatchsmithError).code).toBe(code);
  expect((err as PatchsmithError).file).toBe("bad.wav");
  if (message) expect((err as PatchsmithError).message).toMatch(message);
}

describe("WAV decoding", () => {
  const kinds: WavSampleKind[] = ["uint8", "int16", "int24", "int32", "float32", "float64"];
  for (const kind of kinds) {
    for (const nch of [1, 2, 6]) {
      it(`${kind}, ${nch} channel(s): exact sample values`, async () => {
        const chans = signal(kind, nch, 257, nch);
        const rate = [44100, 48000, 22050][nch % 3]!;
        const { info, warnings } = await expectExact(
          buildWav({ kind, sampleRate: rate, channels: chans }),
          kind,
          chans,
          rate,
        );
        expect(info.encoding).toBe(kind === "uint8" ? "pcm8" : kind.replace("int", "pcm"));
        expect(info.format).toBe("wav");
        expect(warnings).toEqual([]);
      });
    }
  }

  it("WAVE_FORMAT_EXTENSIBLE: 16-bit, 24-bit in a 32-bit container, float, 4 channels", async () => {
    const c16 = signal("int16", 2, 100);
    await expectExact(
      buildWav({
        kind: "int16",
        sampleRate: 44100,
        channels: c16,
        extensible: { containerBits: 16, validBits: 16 },
      }),
      "int16",
      c16,
      44100,
    );
    const c24 = signal("int24", 4, 100);
    const r24 = await expectExact(
      buildWav({
        kind: "int24",
        sampleRate: 96000,
        channels: c24,
        extensible: { containerBits: 32, validBits: 24, channelMask: 0x33 },
      }),
      "int24",
      c24,
      96000,
    );
    expect(r24.info.encoding).toBe("pcm24");
    const cf = signal("float32", 2, 100);
    await expectExact(
      buildWav({
        kind: "float32",
        sampleRate: 48000,
        channels: cf,
        extensible: { containerBits: 32, validBits: 32 },
      }),
      "float32",
      cf,
      48000,
    );
  });

  it("odd chunk orders: data before fmt, odd-sized chunks (padded and unpadded), chunks between, trailing junk", async () => {
    const chans = signal("int16", 2, 50);
    const odd = { id: "LIST", body: ascii("INFOISFT\x05\x00\x00\x00abcde") };
    const junk = { id: "junk", body: new Uint8Array(33) };
    const variants: WavSpec[] = [
      { kind: "int16", sampleRate: 44100, channels: chans, dataBeforeFmt: true },
      {
        kind: "int16",
        sampleRate: 44100,
        channels: chans,
        before: [odd, junk],
        between: [junk, odd],
        after: [odd],
      },
      {
        kind: "int16",
        sampleRate: 44100,
        channels: chans,
        before: [odd, junk],
        between: [odd],
        noPadding: true,
      },
      { kind: "int16", sampleRate: 44100, channels: chans, dataBeforeFmt: true, between: [odd] },
    ];
    for (const v of variants) await expectExact(buildWav(v), "int16", chans, 44100);
    const { warnings } = await expectExact(
      buildWav({
        kind: "int16",
        sampleRate: 44100,
        channels: chans,
        trailing: Uint8Array.from([0, 1, 2, 0xff, 0xfe, 7, 8, 9, 10, 11]),
      }),
      "int16",
      chans,
      44100,
    );
    expect(warnings.map((w) => w.code)).toEqual(["ignored-data"]);
  });

  it("a damaged chunk chain before fmt/data is searched past, with a bad-header warning", async () => {
    const chans = signal("int16", 2, 80);
    const list = { id: "LIST", body: ascii("INFOICMT\x04\x00\x00\x00abcd") };
    const good = buildWav({ kind: "int16", sampleRate: 44100, channels: chans, before: [list] });
    const hugeSize = good.slice();
    new DataView(hugeSize.buffer).setUint32(16, 0x7fffff00, true); // LIST size far past the end
    const badId = good.slice();
    badId.set([0, 1, 2, 3], 12); // LIST id overwritten with non-ASCII bytes
    for (const bytes of [hugeSize, badId]) {
      const { warnings } = await expectExact(bytes, "int16", chans, 44100);
      expect(warnings.map((w) => w.code)).toEqual(["bad-header"]);
    }
  });

  it("RIFX (big-endian) and RF64", async () => {
    const c = signal("int24", 2, 64);
    await expectExact(
      buildWav({ kind: "int24", sampleRate: 44100, channels: c, container: "RIFX" }),
      "int24",
      c,
      44100,
    );
    const f = signal("float32", 1, 64);
    await expectExact(
      buildWav({ kind: "float32", sampleRate: 44100, channels: f, container: "RIFX" }),
      "float32",
      f,
      44100,
    );
    await expectExact(
      buildWav({ kind: "int24", sampleRate: 44100, channels: c, container: "RF64" }),
      "int24",
      c,
      44100,
    );
  });

  it("a truncated file decodes the whole frames that are there, with a truncated-audio warning", async () => {
    const chans = signal("int16", 2, 1000);
    const full = buildWav({ kind: "int16", sampleRate: 44100, channels: chans });
    const cut = full.slice(0, 44 + 4 * 600 + 3); // 600 frames and a partial one
    const { audio, warnings } = await decodeAudio(cut, "cut.wav");
    expect(audio.channels[0]!.length).toBe(600);
    expect(audio.channels[1]).toEqual(Float32Array.from(chans[1]!.slice(0, 600).map((v) => v / 32768)));
    expect(warnings.length).toBe(1);
    expect(warnings[0]!.code).toBe("truncated-audio");
    expect(warnings[0]!.file).toBe("cut.wav");
  });

  it("an unfinalised recording (data size 0xFFFFFFFF or 0) reads to the end of the file with a warning", async () => {
    const chans = signal("int16", 1, 300);
    for (const size of [0xffffffff, 0]) {
      const { audio, warnings } = await decodeAudio(
        buildWav({ kind: "int16", sampleRate: 8000, channels: chans, dataSizeOverride: size }),
      );
      expect(audio.channels[0]).toEqual(Float32Array.from(chans[0]!.map((v) => v / 32768)));
      expect(warnings.map((w) => w.code)).toContain("truncated-audio");
    }
  });

  it("round-trips encodeWav for pcm16, pcm24 and float32", async () => {
    const r = rng(7);
    const x = Float32Array.from({ length: 1000 }, () => r() * 1.8 - 0.9);
    const y = Float32Array.from({ length: 1000 }, () => r() * 2 - 1);
    for (const enc of ["pcm16", "pcm24", "float32"] as const) {
      const { audio, info } = await decodeAudio(encodeWav({ sampleRate: 32000, channels: [x, y] }, enc));
      expect(info.encoding).toBe(enc);
      expect(audio.sampleRate).toBe(32000);
      const step = enc === "pcm16" ? 1 / 32768 : enc === "pcm24" ? 1 / 8388608 : 0;
      for (const [a, b] of [
        [audio.channels[0]!, x],
        [audio.channels[1]!, y],
      ] as const) {
        let maxErr = 0;
        for (let i = 0; i < a.length; i++)
          maxErr = Math.max(maxErr, Math.abs(a[i]! - Math.max(-1, Math.min(1 - step, b[i]!))));
        expect(maxErr).toBeLessThanOrEqual(step / 2 + 1e-9);
      }
    }
  });

  it("encodeWav refuses non-finite samples and sample rates a WAV header cannot hold", () => {
    const ok = new Float32Array([0, 0.5, -0.5]);
    for (const enc of ["pcm16", "pcm24", "float32"] as const) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        expect(() =>
          encodeWav({ sampleRate: 44100, channels: [ok, Float32Array.of(0, bad, 0)] }, enc),
        ).toThrow(expect.objectContaining({ code: "bad-audio" }));
      }
    }
    for (const rate of [0, -44100, 44100.5, NaN, 2 ** 32]) {
      expect(() => encodeWav({ sampleRate: rate, channels: [ok] })).toThrow(
        expect.objectContaining({ code: "bad-audio" }),
      );
    }
  });

  it("gives clean errors for empty, headerless, silent-garbage and unsupported files", async () => {
    await expectError(new Uint8Array(0), "empty-audio");
    await expectError(buildWav({ kind: "int16", sampleRate: 44100, channels: [[]] }), "empty-audio");
    const noFmt = concat([
      ascii("RIFF"),
      Uint8Array.of(12, 0, 0, 0),
      ascii("WAVEdata"),
      Uint8Array.of(4, 0, 0, 0, 1, 2, 3, 4),
    ]);
    await expectError(noFmt, "corrupt-audio", /format chunk/);
    await expectError(
      buildWav({ kind: "int16", sampleRate: 44100, channels: [[1, 2]], formatTagOverride: 2 }),
      "unsupported-audio",
      /ADPCM/,
    );
    await expectError(
      buildWav({ kind: "int16", sampleRate: 0, channels: [[1, 2]] }),
      "corrupt-audio",
      /sample rate/,
    );
    await expectError(
      buildWav({ kind: "float32", sampleRate: 44100, channels: [[0.5, NaN, 0.1]] }),
      "corrupt-audio",
      /non-finite/,
    );
    await expectError(
      buildWav({ kind: "float32", sampleRate: 44100, channels: [[0.5, Infinity]] }),
      "corrupt-audio",
      /non-finite/,
    );
    await expectError(ascii("MThd\x00\x00\x00\x06\x00\x01\x00\x01\x00\x60"), "unsupported-audio", /MIDI/);
    await expectError(
      ascii("hello, this is a text file and not audio at all"),
      "unsupported-audio",
      /not a recognised audio format/,
    );
    await expectError(ascii("RIFF"), "unsupported-audio");
    const r = rng(3);
    await expectError(
      Uint8Array.from({ length: 4096 }, () => Math.floor(r() * 256)),
      "unsupported-audio",
    );
  });
});

describe("G.711 A-law and µ-law (WAV and AIFF-C)", () => {
  const all = Array.from({ length: 256 }, (_, i) => i);
  // Reference points of ITU-T G.711, in 16-bit linear units.
  const checks = {
    ulaw: { 0xff: 0, 0x7f: 0, 0x80: 32124, 0x00: -32124, 0xf0: 120, 0x70: -120 },
    alaw: { 0xd5: 8, 0x55: -8, 0xaa: 32256, 0x2a: -32256, 0xd4: 24 },
  };
  for (const law of ["ulaw", "alaw"] as const) {
    it(`${law}: known values, symmetry and ordering of all 256 codes, same in WAV and AIFF-C`, async () => {
      const wav = await decodeAudio(
        buildWav({
          kind: "uint8",
          sampleRate: 8000,
          channels: [all],
          formatTagOverride: law === "alaw" ? 6 : 7,
        }),
      );
      const aifc = await decodeAudio(
        buildAiff({ kind: "int16", sampleRate: 8000, channels: [all], compression: law }),
      );
      expect(wav.info.encoding).toBe(law);
      const x = wav.audio.channels[0]!;
      expect(aifc.audio.channels[0]).toEqual(x);
      for (const [code, v] of Object.entries(checks[law])) expect(x[Number(code)]! * 32768).toBe(v);
      for (let c = 0; c < 256; c++) {
        if (x[c] !== 0) expect(x[c ^ 0x80]).toBe(-x[c]!);
      }
      const magnitudes = Array.from(new Set(Array.from(x, Math.abs))).sort((a, b) => a - b);
      expect(magnitudes.length).toBe(128); // 7 bits of magnitude (µ-law has +0 and −0)
    });
  }
});

describe("AIFF and AIFF-C decoding", () => {
  it("plain AIFF: 8/16/24/32-bit big-endian PCM, several channel counts and sample rates", async () => {
    const cases = [
      { kind: "int8" as const, wav: "int16" as const, scale: 128, rate: 11025, nch: 1 },
      { kind: "int16" as const, wav: "int16" as const, scale: 32768, rate: 44100, nch: 2 },
      { kind: "int24" as const, wav: "int24" as const, scale: 8388608, rate: 96000, nch: 3 },
      { kind: "int32" as const, wav: "int32" as const, scale: 2147483648, rate: 8000, nch: 1 },
    ];
    for (const c of cases) {
      const r = rng(c.rate);
      const chans = Array.from({ length: c.nch }, () =>
        Array.from({ length: 99 }, () => Math.floor(r() * 2 * c.scale) - c.scale),
      );
      chans[0]![0] = -c.scale;
      chans[0]![1] = c.scale - 1;
      const { audio, info, warnings } = await decodeAudio(
        buildAiff({ kind: c.kind, sampleRate: c.rate, channels: chans }),
        "t.aiff",
      );
      expect(info.format).toBe("aiff");
      expect(audio.sampleRate).toBe(c.rate);
      expect(warnings).toEqual([]);
      for (let ch = 0; ch < c.nch; ch++)
        expect(audio.channels[ch]).toEqual(Float32Array.from(chans[ch]!.map((v) => v / c.scale)));
    }
  });

  it("AIFF-C: NONE, twos, sowt, in24, fl32, fl64", async () => {
    const r = rng(9);
    const ints = [
      Array.from({ length: 64 }, () => Math.floor(r() * 65536) - 32768),
      Array.from({ length: 64 }, () => Math.floor(r() * 65536) - 32768),
    ];
    for (const compression of ["NONE", "twos", "sowt"] as const) {
      const { audio, info } = await decodeAudio(
        buildAiff({ kind: "int16", sampleRate: 48000, channels: ints, compression }),
      );
      expect(info.encoding).toBe("pcm16");
      expect(audio.channels[1]).toEqual(Float32Array.from(ints[1]!.map((v) => v / 32768)));
    }
    const i24 = [Array.from({ length: 64 }, () => Math.floor(r() * 2 ** 24) - 2 ** 23)];
    const { audio: a24 } = await decodeAudio(
      buildAiff({ kind: "int24", sampleRate: 48000, channels: i24, compression: "in24" }),
    );
    expect(a24.channels[0]).toEqual(Float32Array.from(i24[0]!.map((v) => v / 2 ** 23)));
    const floats = [Array.from({ length: 64 }, () => r() * 2 - 1)];
    for (const [kind, compression] of [
      ["float32", "fl32"],
      ["float64", "fl64"],
    ] as const) {
      const { audio, info } = await decodeAudio(
        buildAiff({ kind, sampleRate: 22050, channels: floats, compression }),
      );
      expect(info.encoding).toBe(kind);
      expect(audio.channels[0]).toEqual(Float32Array.from(floats[0]!));
    }
  });

  it("reads the 80-bit extended sample rate exactly, finds SSND before COMM and honours the SSND offset", async () => {
    for (const rate of [8000, 11025, 22050, 44100, 48000, 88200, 96000, 176400, 192000, 7]) {
      const { audio } = await decodeAudio(
        buildAiff({
          kind: "int16",
          sampleRate: rate,
          channels: [[1, 2, 3]],
          ssndBeforeComm: true,
          ssndOffset: 5,
        }),
      );
      expect(audio.sampleRate).toBe(rate);
      expect(Array.from(audio.channels[0]!)).toEqual([1 / 32768, 2 / 32768, 3 / 32768]);
    }
  });

  it("a damaged chunk chain before COMM/SSND is searched past, with a bad-header warning", async () => {
    const chans = [Array.from({ length: 50 }, (_, i) => 100 * i - 2500)];
    const good = buildAiff({ kind: "int16", sampleRate: 22050, channels: chans, compression: "NONE" });
    const bad = good.slice();
    bad.set([0, 0xff, 0, 0xff], 12); // the FVER chunk's id
    const { audio, warnings } = await decodeAudio(bad);
    expect(audio.channels[0]).toEqual(Float32Array.from(chans[0]!.map((v) => v / 32768)));
    expect(warnings.map((w) => w.code)).toEqual(["bad-header"]);
  });

  it("truncated AIFF decodes what is there with a warning; damaged headers are clean errors", async () => {
    const chans = [Array.from({ length: 500 }, (_, i) => i - 250)];
    const full = buildAiff({ kind: "int16", sampleRate: 44100, channels: chans });
    const { audio, warnings } = await decodeAudio(full.slice(0, full.length - 401));
    expect(audio.channels[0]!.length).toBe(299);
    expect(audio.channels[0]![298]).toBe((298 - 250) / 32768);
    expect(warnings.map((w) => w.code)).toEqual(["truncated-audio"]);
    await expect(
      decodeAudio(buildAiff({ kind: "int16", sampleRate: 44100, channels: chans, compression: "ima4" })),
    ).rejects.toMatchObject({
      code: "unsupported-audio",
    });
    await expect(
      decodeAudio(buildAiff({ kind: "int16", sampleRate: 0, channels: chans })),
    ).rejects.toMatchObject({ code: "corrupt-audio" });
    await expect(
      decodeAudio(buildAiff({ kind: "int16", sampleRate: 44100, channels: chans, framesOverride: 0 })),
    ).rejects.toMatchObject({
      code: "empty-audio",
    });
    await expect(decodeAudio(full.slice(0, 30))).rejects.toMatchObject({ code: "truncated-audio" });
  });
});
