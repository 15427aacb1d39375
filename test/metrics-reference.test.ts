// The metrics of DESIGN §5 against a deliberately naive reference written from the text of §5 alone:
// float64 throughout, a plain recursive FFT, dense filterbank matrices, explicit loops. Independent of the
// production code (which uses pffft-wasm in float32, a sparse filterbank and frequency-domain windowing).
import { describe, expect, it } from "vitest";
import {
  envelopeErrorDb,
  melLsd,
  mfccMae,
  mfccMaeSpiegelib,
  mss,
  prepareTarget,
  spectralConvergence,
} from "../src/metrics/index.ts";

const SR = 44100;

// ---------- reference ----------
function fftRec(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n === 1) return;
  const h = n / 2;
  const er = new Float64Array(h),
    ei = new Float64Array(h),
    or = new Float64Array(h),
    oi = new Float64Array(h);
  for (let i = 0; i < h; i++) {
    er[i] = re[2 * i]!;
    ei[i] = im[2 * i]!;
    or[i] = re[2 * i + 1]!;
    oi[i] = im[2 * i + 1]!;
  }
  fftRec(er, ei);
  fftRec(or, oi);
  for (let k = 0; k < h; k++) {
    const a = (-2 * Math.PI * k) / n;
    const tr = Math.cos(a) * or[k]! - Math.sin(a) * oi[k]!;
    const ti = Math.sin(a) * or[k]! + Math.cos(a) * oi[k]!;
    re[k] = er[k]! + tr;
    im[k] = ei[k]! + ti;
    re[k + h] = er[k]! - tr;
    im[k + h] = ei[k]! - ti;
  }
}

/** frames[t][k] = |X|^p with §5 framing (or centred zero-padded framing). */
function refStft(x: Float64Array, nFft: number, hop: number, p: 1 | 2, centred = false): number[][] {
  let padded: Float64Array;
  if (centred) {
    padded = new Float64Array(x.length + nFft);
    padded.set(x, nFft / 2);
  } else {
    let len = nFft;
    while (len < x.length) len += hop;
    padded = new Float64Array(len);
    padded.set(x);
  }
  const out: number[][] = [];
  for (let s = 0; s + nFft <= padded.length; s += hop) {
    const re = new Float64Array(nFft),
      im = new Float64Array(nFft);
    for (let i = 0; i < nFft; i++) re[i] = padded[s + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft));
    fftRec(re, im);
    const row: number[] = [];
    for (let k = 0; k <= nFft / 2; k++) {
      const m2 = re[k]! * re[k]! + im[k]! * im[k]!;
      row.push(p === 2 ? m2 : Math.sqrt(m2));
    }
    out.push(row);
  }
  return out;
}

function htkFilters(): number[][] {
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
  const hz = (m: number) => 700 * (Math.pow(10, m / 2595) - 1);
  const pts: number[] = [];
  for (let i = 0; i < 130; i++) pts.push(hz(mel(20) + ((mel(16000) - mel(20)) * i) / 129));
  const fb: number[][] = [];
  for (let m = 0; m < 128; m++) {
    const [lo, c, hi] = [pts[m]!, pts[m + 1]!, pts[m + 2]!];
    const row: number[] = [];
    for (let k = 0; k <= 1024; k++) {
      const f = (k * SR) / 2048;
      let w = 0;
      if (f >= lo && f <= c) w = (f - lo) / (c - lo);
      else if (f > c && f <= hi) w = (hi - f) / (hi - c);
      row.push(w);
    }
    fb.push(row);
  }
  return fb;
}

function slaneyFilters(): number[][] {
  const fsp = 200 / 3;
  const logstep = Math.log(6.4) / 27;
  const mel = (f: number) => (f < 1000 ? f / fsp : 1000 / fsp + Math.log(f / 1000) / logstep);
  const hz = (m: number) => (m < 1000 / fsp ? m * fsp : 1000 * Math.exp(logstep * (m - 1000 / fsp)));
  const pts: number[] = [];
  for (let i = 0; i < 130; i++) pts.push(hz((mel(SR / 2) * i) / 129));
  const fb: number[][] = [];
  for (let m = 0; m < 128; m++) {
    const row: number[] = [];
    for (let k = 0; k <= 1024; k++) {
      const f = (k * SR) / 2048;
      const lower = (f - pts[m]!) / (pts[m + 1]! - pts[m]!);
      const upper = (pts[m + 2]! - f) / (pts[m + 2]! - pts[m + 1]!);
      row.push(Math.max(0, Math.min(lower, upper)) * (2 / (pts[m + 2]! - pts[m]!)));
    }
    fb.push(row);
  }
  return fb;
}

function applyFilters(spec: number[][], fb: number[][]): number[][] {
  return spec.map((row) => fb.map((w) => w.reduce((acc, wk, k) => acc + wk * row[k]!, 0)));
}

function flooredDb(p: number[][]): number[][] {
  const db = p.map((r) => r.map((v) => 10 * Math.log10(Math.max(v, 1e-10))));
  const max = Math.max(...db.map((r) => Math.max(...r)));
  return db.map((r) => r.map((v) => Math.max(v, max - 80)));
}

function dct20(db: number[][]): number[][] {
  return db.map((row) => {
    const n = row.length;
    const out: number[] = [];
    for (let k = 0; k < 20; k++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += row[i]! * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
      out.push(acc * (k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n)));
    }
    return out;
  });
}

function fitTo(c: Float32Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < Math.min(n, c.length); i++) out[i] = c[i]!;
  return out;
}

const HTK = htkFilters();
const SLANEY = slaneyFilters();
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

function reference(targetF32: Float32Array, candidateF32: Float32Array) {
  const t = Float64Array.from(targetF32);
  const c = fitTo(candidateF32, t.length);
  const mt = applyFilters(refStft(t, 2048, 512, 2), HTK);
  const mc = applyFilters(refStft(c, 2048, 512, 2), HTK);
  const dt = flooredDb(mt);
  const dc = flooredDb(mc);
  const lsd = mean(dt.map((row, f) => Math.sqrt(mean(row.map((v, m) => (v - dc[f]![m]!) ** 2)))));
  const ct = dct20(dt);
  const cc = dct20(dc);
  const mfcc = mean(ct.flatMap((row, f) => row.map((v, k) => Math.abs(v - cc[f]![k]!))));
  let num = 0;
  let den = 0;
  mt.forEach((row, f) =>
    row.forEach((v, m) => {
      num += (v - mc[f]![m]!) ** 2;
      den += v * v;
    }),
  );
  const sc = den === 0 ? (num === 0 ? 0 : 1) : Math.sqrt(num / den);
  let mssTotal = 0;
  for (const n of [2048, 1024, 512, 256, 128, 64]) {
    const a = refStft(t, n, n / 4, 1).flat();
    const b = refStft(c, n, n / 4, 1).flat();
    mssTotal +=
      mean(a.map((v, i) => Math.abs(v - b[i]!))) +
      mean(a.map((v, i) => Math.abs(Math.log(v + 1e-7) - Math.log(b[i]! + 1e-7))));
  }
  const lt = dct20(flooredDb(applyFilters(refStft(t, 2048, 512, 2, true), SLANEY)));
  const lc = dct20(flooredDb(applyFilters(refStft(c, 2048, 512, 2, true), SLANEY)));
  const spiegelib = mean(lt.flatMap((row, f) => row.map((v, k) => Math.abs(v - lc[f]![k]!))));
  const env = (x: Float64Array) => {
    const out: number[] = [];
    for (let s = 0; s < Math.max(1, x.length); s += 441) {
      let acc = 0;
      for (let i = s; i < Math.min(x.length, s + 441); i++) acc += x[i]! * x[i]!;
      out.push(Math.sqrt(acc / 441));
    }
    return out;
  };
  const et = env(t);
  const ec = env(c);
  const floor = 20 * Math.log10(Math.max(Math.max(...et), 1e-10)) - 60;
  const edb = (v: number) => Math.max(floor, 20 * Math.log10(Math.max(v, 1e-10)));
  const envErr = mean(et.map((v, i) => Math.abs(edb(v) - edb(ec[i]!))));
  return { lsd, mfcc, sc, mss: mssTotal, spiegelib, envErr };
}

// ---------- signals ----------
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const gen = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
const tone = (n: number, hz: number, amp = 0.5, decay = 0) =>
  gen(n, (i) => amp * Math.exp((-decay * i) / SR) * Math.sin((2 * Math.PI * hz * i) / SR));
const chirp = (n: number, f0: number, f1: number) =>
  gen(n, (i) => {
    const t = i / SR;
    const T = n / SR;
    return 0.4 * Math.sin(2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / (2 * T)));
  });
const noise = (n: number, seed: number, amp = 0.3) => {
  const r = rng(seed);
  return gen(n, () => amp * (2 * r() - 1));
};
const saw = (n: number, hz: number) =>
  gen(n, (i) => {
    let v = 0;
    for (let h = 1; h * hz < 20000; h++) v += Math.sin((2 * Math.PI * hz * h * i) / SR) / h;
    return 0.3 * v;
  });

const cases: Array<[string, Float32Array, Float32Array]> = [
  ["tone vs detuned decaying tone", tone(12000, 440), tone(12000, 452, 0.3, 3)],
  ["chirp vs noise", chirp(16000, 100, 8000), noise(16000, 1)],
  ["saw vs saw an octave up, candidate shorter", saw(12000, 110), saw(9000, 220)],
  ["noise vs noise, candidate longer", noise(8345, 2), noise(12000, 3, 0.1)],
  ["shorter than n_fft", tone(1500, 1000), noise(1500, 4)],
  ["silence vs tone", new Float32Array(8000), tone(8000, 300)],
  ["tone vs silence", tone(8000, 300), new Float32Array(8000)],
  ["length exactly n_fft + 3 hops", chirp(2048 + 3 * 512, 50, 15000), tone(2048 + 3 * 512, 5000, 0.01)],
];

describe("metrics agree with a naive reference implementation of DESIGN §5", () => {
  for (const [name, a, b] of cases) {
    it(name, () => {
      const ref = reference(a, b);
      const t = prepareTarget(a);
      expect(Math.abs(melLsd(t, b) - ref.lsd)).toBeLessThan(1e-3);
      expect(Math.abs(mfccMae(t, b) - ref.mfcc)).toBeLessThan(1e-3);
      expect(Math.abs(mfccMaeSpiegelib(t, b) - ref.spiegelib)).toBeLessThan(1e-3);
      expect(Math.abs(spectralConvergence(t, b) - ref.sc)).toBeLessThan(1e-4);
      expect(Math.abs(envelopeErrorDb(t, b) - ref.envErr)).toBeLessThan(1e-3);
      expect(Math.abs(mss(t, b) - ref.mss) / Math.max(1, ref.mss)).toBeLessThan(1e-6);
      // The plain (unprepared) forms give the same numbers.
      expect(melLsd(a, b)).toBeCloseTo(melLsd(t, b), 10);
    });
  }
});
