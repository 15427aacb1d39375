// Behaviour of the metrics API (prepared targets, length handling, known values) and of the `analyze` and
// `compare` commands on files written here.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeWav } from "../src/audio/encode.ts";
import { log10Positive } from "../src/audio/mel.ts";
import { PatchsmithError } from "../src/errors.ts";
import {
  allMetrics,
  envelopeErrorDb,
  maxAbsError,
  melLsd,
  mfccMae,
  mss,
  pitchErrorCents,
  pitchErrorCentsSigned,
  prepareTarget,
  spectralConvergence,
} from "../src/metrics/index.ts";
import { runCli } from "./helpers.ts";

const SR = 44100;
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const tone = (n: number, hz: number, amp = 0.5, sr = SR) =>
  Float32Array.from(
    { length: n },
    (_, i) => amp * (Math.sin((2 * Math.PI * hz * i) / sr) + 0.4 * Math.sin((4 * Math.PI * hz * i) / sr)),
  );
const noise = (n: number, seed: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, (_, i) => Math.exp(-i / 8000) * (2 * r() - 1));
};

describe("every distance of a sound to itself is 0", () => {
  it.each([
    ["harmonic tone", tone(SR, 220)],
    ["drum-like noise burst", noise(20000, 1)],
    ["silence", new Float32Array(5000)],
    ["shorter than one frame", tone(300, 1000)],
  ] as const)("%s", (_n, x) => {
    const r = allMetrics(x, Float32Array.from(x));
    for (const [k, v] of Object.entries(r)) expect(v, k).toBe(0);
  });
});

describe("metric values and API", () => {
  it("the fast log10 used for dB matches Math.log10 to 1e-9 from 1e-10 to 1e12", () => {
    const r = rng(9);
    let worst = 0;
    for (let i = 0; i < 20000; i++) {
      const v = Math.fround(10 ** (-10 + 22 * r()));
      worst = Math.max(worst, Math.abs(log10Positive(v) - Math.log10(v)));
    }
    expect(worst).toBeLessThan(1e-9);
    expect(log10Positive(1)).toBe(0);
  });
  it("mel-LSD of a gain change is exactly the gain in dB (the floor moves with each signal)", () => {
    const x = tone(SR, 330);
    const y = x.map((v) => v * 0.5);
    expect(melLsd(x, y)).toBeCloseTo(20 * Math.log10(2), 4);
    expect(mfccMae(x, y)).toBeGreaterThan(0);
  });
  it("envelope error of a gain change on a steady tone is the gain in dB", () => {
    const x = tone(SR, 330);
    expect(
      envelopeErrorDb(
        x,
        x.map((v) => v * 0.25),
      ),
    ).toBeCloseTo(20 * Math.log10(4), 3);
  });
  it("a silent candidate has spectral convergence exactly 1", () => {
    expect(spectralConvergence(tone(SR / 2, 440), new Float32Array(SR / 2))).toBe(1);
  });
  it("the candidate is cut to the target's length, or zero-padded", () => {
    const x = tone(30000, 500);
    const longer = new Float32Array(50000);
    longer.set(x);
    longer.set(noise(20000, 2), 30000);
    expect(melLsd(x, longer)).toBe(0);
    expect(maxAbsError(x, longer)).toBe(0);
    const shorter = x.subarray(0, 20000);
    const padded = new Float32Array(30000);
    padded.set(shorter);
    expect(melLsd(x, shorter)).toBe(melLsd(x, padded));
    expect(mss(x, shorter)).toBe(mss(x, padded));
  });
  it("a prepared target gives the same values as fresh computations, candidate after candidate", () => {
    const x = tone(40000, 200);
    const t = prepareTarget(x);
    const cands = [tone(40000, 210), noise(40000, 3), tone(25000, 190), tone(40000, 210)];
    const first = cands.map((c) => allMetrics(t, c));
    cands.forEach((c, i) => expect(allMetrics(x, c)).toEqual(first[i]));
    expect(first[3]).toEqual(first[0]);
  });
  it("pitch error is the signed difference in cents of the sustained f0", () => {
    const x = tone(SR, 440);
    const y = tone(SR, 445);
    const expected = 1200 * Math.log2(445 / 440);
    expect(pitchErrorCentsSigned(x, y)).toBeCloseTo(expected, 0);
    expect(pitchErrorCents(y, x)).toBeCloseTo(expected, 0);
    expect(pitchErrorCents(noise(SR, 4), noise(SR, 5))).toBe(0);
    expect(pitchErrorCentsSigned(x, noise(SR, 5))).toBeNaN();
  });
  it("rejects NaN or infinite samples with a stable code instead of returning NaN", () => {
    const bad = tone(2000, 440);
    bad[100] = NaN;
    expect(() => melLsd(bad, tone(2000, 440))).toThrow(/sample 100 is NaN/);
    bad[100] = Infinity;
    try {
      prepareTarget(bad);
      expect.unreachable();
    } catch (e) {
      expect((e as PatchsmithError).code).toBe("bad-audio");
    }
  });
  it("rejects a target at another sample rate with a stable code", () => {
    expect(() => prepareTarget(tone(1000, 440), 48000)).toThrow(PatchsmithError);
    try {
      prepareTarget(tone(1000, 440), 48000);
    } catch (e) {
      expect((e as PatchsmithError).code).toBe("bad-sample-rate");
    }
  });
});

describe("analyze and compare commands", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "patchsmith-metrics-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, sampleRate: number, channels: Float32Array[]) => {
    const file = path.join(dir, name);
    writeFileSync(file, encodeWav({ sampleRate, channels }, "float32"));
    return file;
  };
  const a = write("a.wav", SR, [tone(SR, 220, 0.4)]);
  const b48 = write("b48-stereo.wav", 48000, [
    tone(48000, 220 * 2 ** (30 / 1200), 0.4, 48000),
    tone(48000, 220 * 2 ** (30 / 1200), 0.2, 48000),
  ]);

  it("compare of a file with itself prints 0 for every metric (--json)", () => {
    const r = runCli(["compare", a, a, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const data = JSON.parse(r.stdout);
    for (const [k, v] of Object.entries(data.metrics)) expect(v, k).toBe(0);
  });

  it("compare resamples and mixes down: a 48 kHz stereo tone 30 cents sharp", () => {
    const r = runCli(["compare", a, b48, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout).metrics;
    expect(m.pitchErrorCents).toBeGreaterThan(25);
    expect(m.pitchErrorCents).toBeLessThan(35);
    expect(m.melLsdDb).toBeGreaterThan(0);
    const human = runCli(["compare", a, b48]);
    expect(human.stdout).toMatch(/mel-LSD\s+\d+\.\d+ dB/);
    expect(human.stdout).toMatch(/pitch error\s+\d+\.\d+ cents/);
  });

  it("analyze reports note, pitch and levels, human and --json", () => {
    const r = runCli(["analyze", b48, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.pitched).toBe(true);
    expect(s.noteName).toBe("A3");
    expect(s.cents).toBeGreaterThan(25);
    expect(s.cents).toBeLessThan(35);
    expect(s.channels).toBe(2);
    expect(s.originalSampleRate).toBe(48000);
    const h = runCli(["analyze", a]);
    expect(h.stdout).toMatch(/A3 \+0\.\d cents/);
    expect(h.stdout).toMatch(/loudness -?\d+\.\d LUFS/);
  });

  it("a missing or non-audio file is a one-line error with a code", () => {
    const r = runCli(["analyze", path.join(dir, "missing.wav")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^patchsmith: not-found: .*missing\.wav: /);
    // A float WAV holding one NaN (encodeWav refuses to write one, so patch the sample's bytes).
    const marked = tone(1000, 440);
    marked[5] = 0.123456789;
    const bytes = encodeWav({ sampleRate: SR, channels: [marked] }, "float32");
    const pattern = new Uint8Array(new Float32Array([0.123456789]).buffer);
    const at = Buffer.from(bytes).indexOf(Buffer.from(pattern));
    expect(at).toBeGreaterThan(0);
    bytes.set(new Uint8Array(new Float32Array([NaN]).buffer), at);
    const nanFile = path.join(dir, "nan.wav");
    writeFileSync(nanFile, bytes);
    const n = runCli(["analyze", nanFile]);
    expect(n.status).toBe(1);
    // The decoder already refuses it (corrupt-audio); analyze checks again for decoders that would not.
    expect(n.stderr).toMatch(/^patchsmith: (corrupt|bad)-audio: .*nan\.wav: /);
    const junk = path.join(dir, "junk.wav");
    writeFileSync(junk, "this is not audio at all, just text");
    const c = runCli(["compare", a, junk]);
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/^patchsmith: [a-z-]+: .*junk\.wav: /);
  });
});
