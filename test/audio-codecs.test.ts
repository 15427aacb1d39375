import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeAudio, readAudioFile, readAudioMono } from "../src/audio/decode.ts";
import { readFlacHeader, splitFlacFrames } from "../src/audio/decode-flac-frames.ts";
import { encodeWav } from "../src/audio/encode.ts";
import { PatchsmithError } from "../src/errors.ts";
import { toneFit } from "./audio-build.ts";
import { repoRoot } from "./helpers.ts";

const fixtures = path.join(repoRoot, "test/fixtures/audio");
const shared = path.resolve(repoRoot, "../shared");
const fixture = (name: string) => path.join(fixtures, name);

// The tones made by scripts/make-fixtures.sh: 0.5 s at half scale with 10 ms fades; mono = 440 Hz,
// stereo = 440 Hz left / 660 Hz right.
interface ToneCase {
  file: string;
  format: string;
  sampleRate: number;
  tones: number[];
  /** Largest allowed residual RMS after removing the tone (codec noise), relative to the tone's RMS. */
  noise: number;
  exactLength: boolean;
}
const cases: ToneCase[] = [
  {
    file: "tone-a4-mono-16.flac",
    format: "flac",
    sampleRate: 44100,
    tones: [440],
    noise: 0.01,
    exactLength: true,
  },
  {
    file: "tone-a4-e5-stereo-24-48k.flac",
    format: "flac",
    sampleRate: 48000,
    tones: [440, 660],
    noise: 0.01,
    exactLength: true,
  },
  {
    file: "tone-a4-mono-16.aiff",
    format: "aiff",
    sampleRate: 44100,
    tones: [440],
    noise: 0.01,
    exactLength: true,
  },
  {
    file: "tone-a4-mono.mp3",
    format: "mp3",
    sampleRate: 44100,
    tones: [440],
    noise: 0.08,
    exactLength: true,
  },
  {
    file: "tone-a4-e5-stereo-48k.mp3",
    format: "mp3",
    sampleRate: 48000,
    tones: [440, 660],
    noise: 0.08,
    exactLength: true,
  },
  {
    file: "tone-a4-mono.ogg",
    format: "ogg-vorbis",
    sampleRate: 44100,
    tones: [440],
    noise: 0.08,
    exactLength: true,
  },
  {
    file: "tone-a4-e5-stereo-48k.ogg",
    format: "ogg-vorbis",
    sampleRate: 48000,
    tones: [440, 660],
    noise: 0.08,
    exactLength: true,
  },
  // Opus always decodes at 48 kHz; the encoder resampled the 44.1 kHz input.
  {
    file: "tone-a4-mono.opus",
    format: "ogg-opus",
    sampleRate: 48000,
    tones: [440],
    noise: 0.08,
    exactLength: false,
  },
  {
    file: "tone-a4-e5-stereo.opus",
    format: "ogg-opus",
    sampleRate: 48000,
    tones: [440, 660],
    noise: 0.08,
    exactLength: true,
  },
];

describe("compressed and AIFF fixtures decode to the tones they hold", () => {
  for (const c of cases) {
    it(c.file, async () => {
      const { audio, info, warnings } = await readAudioFile(fixture(c.file));
      expect(info.format).toBe(c.format);
      expect(warnings).toEqual([]);
      expect(audio.sampleRate).toBe(c.sampleRate);
      expect(audio.channels.length).toBe(c.tones.length);
      const n = audio.channels[0]!.length;
      const want = 0.5 * c.sampleRate;
      if (c.exactLength) expect(n).toBe(want);
      else expect(Math.abs(n - want)).toBeLessThan(0.01 * c.sampleRate);
      for (let ch = 0; ch < c.tones.length; ch++) {
        // Fit the tone with zero phase at sample 0: priming delay would show up as a phase error
        // and therefore as residual.
        const x = audio.channels[ch]!;
        const from = Math.round(0.02 * c.sampleRate);
        const fit = toneFit(x, c.sampleRate, c.tones[ch]!, from, n - from);
        expect(fit.amplitude).toBeGreaterThan(0.47);
        expect(fit.amplitude).toBeLessThan(0.53);
        expect(fit.residualRms / (0.5 / Math.SQRT2)).toBeLessThan(c.noise);
      }
    });
  }

  it("FLAC decodes exactly to the integer codes / 2^(bits-1), like the WAV of the same samples", async () => {
    for (const base of ["noise-16", "noise-24"]) {
      const wav = await readAudioFile(fixture(`${base}.wav`));
      const flac = await readAudioFile(fixture(`${base}.flac`));
      expect(flac.info.encoding).toBe(wav.info.encoding);
      expect(flac.audio.channels.length).toBe(wav.audio.channels.length);
      for (let c = 0; c < wav.audio.channels.length; c++)
        expect(flac.audio.channels[c]).toEqual(wav.audio.channels[c]);
      // Clipped noise: both full-scale codes are present, and -1 stays -1.
      const x = flac.audio.channels[0]!;
      expect(Math.min(...x)).toBe(-1);
      expect(Math.max(...x)).toBe(1 - 2 ** -(wav.info.encoding === "pcm16" ? 15 : 23));
    }
  });

  it("a damaged FLAC frame costs only its own samples: silence in its place, timing kept, a warning", async () => {
    const bytes = new Uint8Array(readFileSync(fixture("tone-a4-mono-16.flac")));
    const good = (await decodeAudio(bytes)).audio.channels[0]!;
    const { info, audioStart } = readFlacHeader(bytes, 0);
    const frames = splitFlacFrames(bytes, info, audioStart).frames;
    expect(frames.length).toBe(6);
    for (const k of [0, 2]) {
      const f = frames[k]!;
      const bad = bytes.slice();
      bad[(f.start + f.end) >> 1]! ^= 0x55;
      const { audio, warnings } = await decodeAudio(bad, "damaged.flac");
      const x = audio.channels[0]!;
      expect(x.length).toBe(good.length);
      const lost = [f.firstSample, f.firstSample + f.samples];
      expect(x.subarray(lost[0], lost[1]).every((v) => v === 0)).toBe(true);
      expect(x.subarray(0, lost[0])).toEqual(good.subarray(0, lost[0]));
      expect(x.subarray(lost[1])).toEqual(good.subarray(lost[1]));
      expect(warnings.map((w) => w.code)).toEqual(["corrupt-audio"]);
      expect(warnings[0]!.message).toMatch(/4096 samples/);
    }
  });

  it("5.1 streams come out in WAV channel order (L R C LFE Ls Rs)", async () => {
    const tones = [300, 500, 700, 80, 1100, 1300];
    for (const f of ["tones-5.1.flac", "tones-5.1.ogg", "tones-5.1.opus"]) {
      const { audio } = await readAudioFile(fixture(f));
      expect(audio.channels.length).toBe(6);
      const n = audio.channels[0]!.length;
      expect(Math.abs(n - 0.3 * 48000)).toBeLessThan(48);
      audio.channels.forEach((x, ch) => {
        const amplitudes = tones.map((hz) => toneFit(x, 48000, hz, 2400, n - 2400).amplitude);
        const loudest = amplitudes.indexOf(Math.max(...amplitudes));
        expect(loudest).toBe(ch);
        expect(amplitudes[ch]).toBeGreaterThan(0.3);
      });
    }
  });

  it("FLAC decodes do not depend on what was decoded before (a reused decoder keeps no state)", async () => {
    const files = [
      "tone-a4-mono-16.flac",
      "tone-a4-e5-stereo-24-48k.flac",
      "tones-5.1.flac",
      "noise-24.flac",
    ];
    const inputs = files.map((f) => new Uint8Array(readFileSync(fixture(f))));
    const cut = inputs[0]!.subarray(0, Math.floor(inputs[0]!.length * 0.8));
    const damaged = inputs[1]!.slice();
    damaged[damaged.length - 2000]! ^= 0xff;
    const all = [...inputs, cut, damaged];
    const first = await Promise.all(all.map(async (b) => (await decodeAudio(b)).audio));
    // Interleaved and in reverse order, concurrently.
    const again = await Promise.all([...all].reverse().map(async (b) => (await decodeAudio(b)).audio));
    again.reverse();
    for (let i = 0; i < all.length; i++) {
      expect(again[i]!.sampleRate).toBe(first[i]!.sampleRate);
      expect(again[i]!.channels).toEqual(first[i]!.channels);
    }
    const wav = await readAudioFile(fixture("noise-24.wav"));
    expect(first[3]!.channels).toEqual(wav.audio.channels);
  });

  it("onsets are not shifted by codec priming (MP3 encoder delay, Opus pre-skip)", async () => {
    const ref = (await readAudioFile(fixture("tone-a4-mono-16.flac"))).audio.channels[0]!;
    for (const f of ["tone-a4-mono.mp3", "tone-a4-mono.ogg"]) {
      const x = (await readAudioFile(fixture(f))).audio.channels[0]!;
      expect(bestLag(ref, x, 40)).toBe(0);
    }
    // Opus at 48 kHz: compare with the reference tone at 48 kHz via the resampler.
    const opus = await readAudioMono(fixture("tone-a4-mono.opus"), 44100);
    expect(Math.abs(bestLag(ref, opus.samples, 40))).toBeLessThanOrEqual(1);
  });

  it("a truncated Ogg or MP3 stream decodes what is there (or fails cleanly) and a truncated FLAC warns", async () => {
    const flac = new Uint8Array(readFileSync(fixture("tone-a4-mono-16.flac")));
    const { audio, warnings } = await decodeAudio(
      flac.subarray(0, Math.floor(flac.length * 0.7)),
      "cut.flac",
    );
    expect(audio.channels[0]!.length).toBeGreaterThan(0);
    expect(audio.channels[0]!.length).toBeLessThan(22050);
    expect(warnings.map((w) => w.code)).toContain("truncated-audio");
    for (const f of ["tone-a4-e5-stereo-48k.ogg", "tone-a4-e5-stereo.opus", "tone-a4-mono.mp3"]) {
      const b = new Uint8Array(readFileSync(fixture(f)));
      try {
        const r = await decodeAudio(b.subarray(0, Math.floor(b.length * 0.8)), f);
        expect(r.audio.channels[0]!.length).toBeGreaterThan(0);
        expect(r.warnings.map((w) => w.code)).toContain("truncated-audio");
      } catch (e) {
        expect(e).toBeInstanceOf(PatchsmithError);
        expect((e as PatchsmithError).code).toBe("corrupt-audio");
      }
    }
  });

  it("damaged Ogg pages are reported (their checksums fail) even when the decoder plays on", async () => {
    for (const f of ["tone-a4-e5-stereo-48k.ogg", "tone-a4-e5-stereo.opus"]) {
      const b = new Uint8Array(readFileSync(fixture(f)));
      const last = Buffer.from(b).lastIndexOf("OggS");
      b[last + 27 + b[last + 26]! + 5]! ^= 0x10; // a byte inside the last page's packet data
      try {
        const { warnings } = await decodeAudio(b, f);
        expect(warnings.map((w) => w.code)).toContain("corrupt-audio");
      } catch (e) {
        expect((e as PatchsmithError).code).toBe("corrupt-audio");
      }
    }
  });

  it("a truncated MP3 without a Xing/Info header is noticed by its cut-off last frame", async () => {
    const b = new Uint8Array(readFileSync(fixture("tone-a4-mono.mp3")));
    const info = Buffer.from(b).indexOf("Info");
    expect(info).toBeGreaterThan(0);
    b.set([0x58, 0x58, 0x58, 0x58], info); // "XXXX": no stream length known any more
    const whole = await decodeAudio(b);
    expect(whole.warnings).toEqual([]);
    const cut = await decodeAudio(b.subarray(0, b.length - 100));
    expect(cut.warnings.map((w) => w.code)).toEqual(["truncated-audio"]);
    expect(cut.audio.channels[0]!.length).toBeLessThan(whole.audio.channels[0]!.length);
  });

  it("skips ID3v2 tags in front of FLAC and MP3 streams", async () => {
    const tag = new Uint8Array(10 + 300);
    tag.set([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 2, 44]); // "ID3" v2.4, size 300 as a synchsafe integer
    tag.set(
      Array.from("TIT2", (c) => c.charCodeAt(0)),
      10,
    );
    for (const f of ["tone-a4-mono-16.flac", "tone-a4-mono.mp3"]) {
      const plain = new Uint8Array(readFileSync(fixture(f)));
      const tagged = new Uint8Array(tag.length + plain.length);
      tagged.set(tag);
      tagged.set(plain, tag.length);
      const a = await decodeAudio(plain);
      const b = await decodeAudio(tagged);
      expect(b.info.format).toBe(a.info.format);
      expect(b.warnings).toEqual([]);
      expect(b.audio.channels[0]).toEqual(a.audio.channels[0]);
    }
  });

  it("finds MP3 frames after leading junk, with a warning", async () => {
    const plain = new Uint8Array(readFileSync(fixture("tone-a4-e5-stereo-48k.mp3")));
    const junk = Uint8Array.from({ length: 700 }, (_, i) => (i * 37) & 0x7f);
    const withJunk = new Uint8Array(junk.length + plain.length);
    withJunk.set(junk);
    withJunk.set(plain, junk.length);
    const a = await decodeAudio(plain);
    const b = await decodeAudio(withJunk);
    expect(b.info.format).toBe("mp3");
    expect(b.warnings.map((w) => w.code)).toEqual(["ignored-data"]);
    expect(b.audio.channels[1]).toEqual(a.audio.channels[1]);
  });

  it("recognises formats by content, not by name", async () => {
    const bytes = new Uint8Array(readFileSync(fixture("tone-a4-mono.ogg")));
    const { info } = await decodeAudio(bytes, "misnamed.wav");
    expect(info.format).toBe("ogg-vorbis");
  });

  it("readAudioFile names the file in errors", async () => {
    await expect(readAudioFile(path.join(fixtures, "no-such-file.wav"))).rejects.toMatchObject({
      code: "not-found",
    });
    await expect(readAudioFile(path.join(repoRoot, "package.json"))).rejects.toMatchObject({
      code: "unsupported-audio",
      file: path.join(repoRoot, "package.json"),
    });
  });
});

function bestLag(ref: Float32Array, x: Float32Array, maxLag: number): number {
  let best = -Infinity;
  let lag = 0;
  const n = Math.min(ref.length, x.length) - 2 * maxLag;
  for (let l = -maxLag; l <= maxLag; l++) {
    let s = 0;
    for (let i = maxLag; i < n; i++) s += ref[i]! * x[i + l]!;
    if (s > best) {
      best = s;
      lag = l;
    }
  }
  return lag;
}

interface Dx7Entry {
  wav: string;
  md5: string;
  peak: number;
  rms: number;
}
interface VitalEntry {
  wav: string;
  peak: number;
  rms: number;
  format: string;
  frames: number;
  channels: number;
  sample_rate: number;
}

describe.skipIf(!existsSync(path.join(shared, "refs/dx7/manifest.json")))("shared reference renders", () => {
  it("DX7 16-bit FLAC renders decode bit-exactly (MD5 of the re-encoded WAV matches the manifest)", async () => {
    const manifest = JSON.parse(
      readFileSync(path.join(shared, "refs/dx7/manifest.json"), "utf8"),
    ) as Dx7Entry[];
    const picks = manifest.filter((_, i) => i % 40 === 0);
    for (const m of picks) {
      const { audio, info } = await readAudioFile(path.join(shared, "refs/dx7", m.wav));
      expect(info).toMatchObject({
        format: "flac",
        sampleRate: 44100,
        channelCount: 1,
        frames: 88200,
        encoding: "pcm16",
      });
      expect(createHash("md5").update(encodeWav(audio, "pcm16")).digest("hex")).toBe(m.md5);
      let peak = 0;
      let sum = 0;
      for (const v of audio.channels[0]!) {
        peak = Math.max(peak, Math.abs(v));
        sum += v * v;
      }
      expect(peak).toBeCloseTo(m.peak, 6);
      expect(Math.sqrt(sum / audio.channels[0]!.length)).toBeCloseTo(m.rms, 5);
    }
  });

  it.skipIf(!existsSync(path.join(shared, "refs/vital/manifest.json")))(
    "Vital 24-bit and 16-bit FLAC renders decode with the manifest's shape and levels",
    async () => {
      const manifest = JSON.parse(
        readFileSync(path.join(shared, "refs/vital/manifest.json"), "utf8"),
      ) as VitalEntry[];
      const f32 = manifest.filter((m) => m.format === "f32").slice(0, 3);
      const s16 = manifest.filter((m) => m.format === "s16").slice(0, 3);
      for (const m of [...f32, ...s16]) {
        const { audio, info } = await readAudioFile(path.join(shared, "refs/vital", m.wav));
        expect(info.encoding).toBe(m.format === "f32" ? "pcm24" : "pcm16");
        expect(audio.sampleRate).toBe(m.sample_rate);
        expect(info.frames).toBe(m.frames);
        expect(audio.channels.length).toBe(m.channels);
        // The manifest's levels are of the original float render; mono files hold (L + R) / 2 and every
        // file is quantised, so allow 1 %.
        let peak = 0;
        let sum = 0;
        for (const ch of audio.channels) {
          for (const v of ch) {
            peak = Math.max(peak, Math.abs(v));
            sum += v * v;
          }
        }
        const rms = Math.sqrt(sum / (m.frames * m.channels));
        expect(Math.abs(peak - m.peak)).toBeLessThanOrEqual(0.01 * m.peak + 1e-5);
        expect(Math.abs(rms - m.rms)).toBeLessThanOrEqual(0.01 * m.rms + 1e-6);
      }
    },
  );

  it.skipIf(!existsSync(path.join(shared, "data/sounds/manifest.csv")))(
    "recorded one-shots decode with the manifest's channels and duration",
    async () => {
      const lines = readFileSync(path.join(shared, "data/sounds/manifest.csv"), "utf8").trim().split("\n");
      const head = parseCsvLine(lines[0]!);
      const col = (name: string) => head.indexOf(name);
      const rows = lines.slice(1).map(parseCsvLine);
      // Every sample rate in the set, a few files each.
      const byRate = new Map<string, string[][]>();
      for (const r of rows) {
        const k = r[col("original_sample_rate")]!;
        const list = byRate.get(k) ?? [];
        if (list.length < 2) list.push(r);
        byRate.set(k, list);
      }
      for (const r of [...byRate.values()].flat()) {
        const file = path.join(shared, "data/sounds", r[col("path")]!);
        const { audio, info } = await readAudioFile(file);
        expect(audio.sampleRate).toBe(Number(r[col("original_sample_rate")]));
        expect(audio.channels.length).toBe(Number(r[col("channels")]));
        expect(Math.abs(info.frames / audio.sampleRate - Number(r[col("duration_s")]))).toBeLessThan(0.002);
        const mono = await readAudioMono(file, 44100);
        expect(Math.abs(mono.samples.length - Math.round((info.frames * 44100) / audio.sampleRate))).toBe(0);
      }
    },
  );
});

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}
