// Fundamental frequency with voicing, YIN-class (de Cheveigné & Kawahara 2002: difference function,
// cumulative-mean-normalised difference, absolute threshold), computed with FFT cross-correlation.
// The integration window adapts to the lowest frequency searched (it always holds the longest period),
// and the period is refined below one sample by Newton steps on the band-limited (trigonometric)
// interpolation of the correlation, which holds 10 cents up to 4 kHz where plain parabolic interpolation
// of a few samples per period does not.
import { realFft } from "./fft.ts";

export interface PitchOptions {
  /** Lowest f0 searched (Hz). Default 30. */
  fMinHz?: number;
  /** Highest f0 searched (Hz). Default 4200. */
  fMaxHz?: number;
  /** Frame hop in samples. Default 1024 (23 ms at 44.1 kHz; the summaries use medians over many frames). */
  hop?: number;
  /** YIN absolute threshold on the normalised difference. Default 0.15. */
  threshold?: number;
  /** A frame is voiced when its normalised difference at the chosen period is below this. Default 0.25. */
  voicingThreshold?: number;
  /** Frames quieter than this many dB below the loudest frame are not analysed (unvoiced). Default 50. */
  silenceBelowPeakDb?: number;
}

/**
 * f0 track: frame t analyses samples [t·hop, t·hop + window + maxLag); its time is its start + window/2.
 * Frames that do not fit wholly inside the signal (except frame 0) are left unanalysed and unvoiced.
 */
export interface PitchTrack {
  sampleRate: number;
  hop: number;
  /** Integration window length in samples. */
  window: number;
  frames: number;
  /** f0 in Hz per frame (0 where nothing was found). */
  f0Hz: Float32Array;
  /** Normalised difference (aperiodicity, 0 = perfectly periodic, ~1 = noise) at the chosen period. */
  aperiodicity: Float32Array;
  /** 1 where voiced. */
  voiced: Uint8Array;
  /** Frame energy in dB (10·log10 of the mean square over the window). */
  levelDb: Float32Array;
}

/** Copy x[s … s + len) into the FFT input (zeros beyond the signal and up to n). */
function loadSegment(
  heap: Float32Array,
  inBase: number,
  n: number,
  x: Float32Array,
  s: number,
  len: number,
): void {
  const end = Math.min(x.length, s + len);
  const copied = Math.max(0, end - s);
  if (copied > 0) heap.set(x.subarray(s, end), inBase);
  heap.fill(0, inBase + copied, inBase + n);
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

export function pitchTrack(x: Float32Array, sampleRate: number, opt: PitchOptions = {}): PitchTrack {
  const fMin = opt.fMinHz ?? 30;
  const fMax = opt.fMaxHz ?? 4200;
  const hop = opt.hop ?? 1024;
  const threshold = opt.threshold ?? 0.15;
  const voicingThreshold = opt.voicingThreshold ?? 0.25;
  const silenceDb = opt.silenceBelowPeakDb ?? 50;

  const maxLag = Math.ceil(sampleRate / fMin) + 2;
  const minLag = Math.max(2, Math.floor(sampleRate / fMax) - 1);
  const window = nextPow2(Math.max(1024, Math.ceil(maxLag * 1.25)));
  const span = window + maxLag + 2;
  const n = nextPow2(span);
  const frames = Math.max(1, Math.ceil(x.length / hop));

  const f0Hz = new Float32Array(frames);
  const aperiodicity = new Float32Array(frames).fill(1);
  const voiced = new Uint8Array(frames);
  const levelDb = new Float32Array(frames);

  // Prefix sums of squares (extended flat past the end, where the signal is zero-padded): frame levels to
  // skip silence cheaply, and every window energy of the difference function.
  const prefix = new Float64Array(x.length + span + 1);
  for (let i = 0; i < x.length; i++) prefix[i + 1] = prefix[i]! + x[i]! * x[i]!;
  prefix.fill(prefix[x.length]!, x.length + 1);
  const energyAt = (s: number, len: number) => {
    const a = Math.min(Math.max(s, 0), x.length);
    const b = Math.min(Math.max(s + len, 0), x.length);
    return prefix[b]! - prefix[a]!;
  };
  let peakDb = -Infinity;
  for (let t = 0; t < frames; t++) {
    const e = energyAt(t * hop, window) / window;
    levelDb[t] = 10 * Math.log10(Math.max(e, 1e-20));
    if (levelDb[t]! > peakDb) peakDb = levelDb[t]!;
  }

  const fft = realFft(n);
  const heap = fft.heap();
  const inBase = fft.inIndex;
  const outBase = fft.outIndex;
  const specA = new Float32Array(n);
  const d = new Float64Array(maxLag + 2);
  const dn = new Float64Array(maxLag + 2);

  // Frames whose lags would run past the end of the signal see the step down to the zero padding, which
  // can look periodic: only frames that lie wholly inside the signal are analysed (frame 0 always).
  const lastFull = Math.max(0, Math.floor((x.length - span) / hop));
  for (let t = 0; t < frames; t++) {
    if (t > lastFull) break;
    if (levelDb[t]! < peakDb - silenceDb || levelDb[t]! < -150) continue;
    const s = t * hop;
    // Spectrum of the integration window, then of the whole segment (window + lags), zero-padded to n.
    loadSegment(heap, inBase, n, x, s, window);
    fft.run();
    specA.set(heap.subarray(outBase, outBase + n));
    loadSegment(heap, inBase, n, x, s, span);
    fft.run();
    // conj(A)·B into the input area (ordered layout: 0 DC, 1 Nyquist, then Re/Im pairs), then inverse.
    heap[inBase] = specA[0]! * heap[outBase]!;
    heap[inBase + 1] = specA[1]! * heap[outBase + 1]!;
    for (let k = 2; k < n; k += 2) {
      const ar = specA[k]!;
      const ai = specA[k + 1]!;
      const br = heap[outBase + k]!;
      const bi = heap[outBase + k + 1]!;
      const re = ar * br + ai * bi;
      const im = ar * bi - ai * br;
      specA[k] = re;
      specA[k + 1] = im;
      heap[inBase + k] = re;
      heap[inBase + k + 1] = im;
    }
    specA[0] = heap[inBase]!;
    specA[1] = heap[inBase + 1]!;
    fft.runInverse();
    const segPrefix = prefix.subarray(Math.min(s, x.length));
    const e0 = segPrefix[window]! - segPrefix[0]!;
    const scale = 1 / n;
    d[0] = 0;
    let running = 0;
    dn[0] = 1;
    for (let tau = 1; tau <= maxLag + 1; tau++) {
      const et = segPrefix[tau + window]! - segPrefix[tau]!;
      const v = Math.max(0, e0 + et - 2 * heap[outBase + tau]! * scale);
      d[tau] = v;
      running += v;
      dn[tau] = running > 0 ? (v * tau) / running : 1;
    }
    // A frame that hardly changes over any lag (DC, or a period far beyond the search range) has no pitch:
    // d′ would only measure rounding noise there.
    if (running <= 1e-4 * e0 * (maxLag + 1)) continue;
    // Absolute threshold: the first dip below it, followed to its local minimum; else the global minimum.
    let best = -1;
    for (let tau = minLag; tau <= maxLag; tau++) {
      if (dn[tau]! < threshold) {
        while (tau + 1 <= maxLag && dn[tau + 1]! < dn[tau]!) tau++;
        best = tau;
        break;
      }
    }
    if (best < 0) {
      let m = Infinity;
      for (let tau = minLag; tau <= maxLag; tau++) {
        if (dn[tau]! < m) {
          m = dn[tau]!;
          best = tau;
        }
      }
    }
    aperiodicity[t] = dn[best]!;
    let period = parabolicPeriod(best, d);
    if (period < REFINE_BELOW_LAG) {
      period = refinePeriod(period, specA, n, segPrefix, window);
      // At short periods the true dip can fall between integer lags and be missed, leaving a multiple of
      // the period: test the sub-multiples at their refined positions.
      for (
        let k = Math.min(MAX_SUBMULTIPLE, Math.floor(period / minLag));
        k >= 2 && period < SUBMULTIPLE_BELOW_LAG;
        k--
      ) {
        const q = refinePeriod(period / k, specA, n, segPrefix, window);
        const lo = Math.floor(q);
        if (lo < minLag || lo + 1 > maxLag) continue;
        const dq = differenceAt(q, e0, specA, n, segPrefix, window);
        const meanBefore = lo > 0 ? (dn[lo]! > 0 ? d[lo]! / dn[lo]! : Infinity) : Infinity;
        const normalised = dq / meanBefore;
        if (normalised < threshold && Math.abs(q * k - period) < 0.5) {
          period = q;
          aperiodicity[t] = normalised;
          break;
        }
      }
    }
    f0Hz[t] = sampleRate / period;
    voiced[t] = aperiodicity[t]! < voicingThreshold && best > minLag && best < maxLag ? 1 : 0;
  }
  return { sampleRate, hop, window, frames, f0Hz, aperiodicity, voiced, levelDb };
}

/** Periods below this many samples are refined by Newton steps (above it, parabolic error < 3 cents). */
const REFINE_BELOW_LAG = 120;
/** Missed dips between integer lags happen only at short periods; sub-multiples up to this are tested. */
const SUBMULTIPLE_BELOW_LAG = 64;
const MAX_SUBMULTIPLE = 3;

function parabolicPeriod(tau: number, d: Float64Array): number {
  const a = d[tau - 1]!;
  const b = d[tau]!;
  const g = d[tau + 1]!;
  const den = a - 2 * b + g;
  return tau + (den > 0 ? Math.max(-1, Math.min(1, (0.5 * (a - g)) / den)) : 0);
}

/** Energy of the window shifted by a fractional lag (linear interpolation of the integer-lag energies). */
function shiftedEnergy(p: number, segPrefix: Float64Array, window: number): { e: number; slope: number } {
  const lo = Math.floor(p);
  const e0 = segPrefix[lo + window]! - segPrefix[lo]!;
  const e1 = segPrefix[lo + 1 + window]! - segPrefix[lo + 1]!;
  return { e: e0 + (e1 - e0) * (p - lo), slope: e1 - e0 };
}

/** r(p) from the cross spectrum `c` (ordered layout), trigonometric interpolation: (1/n)·Σ C_k e^{iwkp}. */
function correlationAt(p: number, c: Float32Array, n: number): number {
  const half = n >> 1;
  const w = (2 * Math.PI) / n;
  const cs = Math.cos(w * p);
  const sn = Math.sin(w * p);
  let ur = 1;
  let ui = 0;
  let acc = 0;
  for (let k = 1; k < half; k++) {
    const nr = ur * cs - ui * sn;
    ui = ur * sn + ui * cs;
    ur = nr;
    acc += c[2 * k]! * ur - c[2 * k + 1]! * ui;
  }
  return (c[0]! + c[1]! * Math.cos(Math.PI * p) + 2 * acc) / n;
}

function differenceAt(
  p: number,
  e0: number,
  c: Float32Array,
  n: number,
  segPrefix: Float64Array,
  window: number,
): number {
  return Math.max(0, e0 + shiftedEnergy(p, segPrefix, window).e - 2 * correlationAt(p, c, n));
}

/**
 * Sub-sample period by Newton steps on d(p) = e0 + e(p) − 2·r(p), with r the trigonometric interpolation
 * of the cross-correlation spectrum `c` (ordered layout) and e(p) interpolated linearly.
 */
function refinePeriod(
  start: number,
  c: Float32Array,
  n: number,
  segPrefix: Float64Array,
  window: number,
): number {
  let p = start;
  const half = n >> 1;
  const w = (2 * Math.PI) / n;
  for (let iter = 0; iter < 3; iter++) {
    let r1 = 0;
    let r2 = 0;
    const cs = Math.cos(w * p);
    const sn = Math.sin(w * p);
    let ur = 1;
    let ui = 0;
    for (let k = 1; k < half; k++) {
      const nr = ur * cs - ui * sn;
      ui = ur * sn + ui * cs;
      ur = nr;
      const re = c[2 * k]! * ur - c[2 * k + 1]! * ui;
      const im = c[2 * k]! * ui + c[2 * k + 1]! * ur;
      const wk = w * k;
      r1 -= wk * im;
      r2 -= wk * wk * re;
    }
    // d'(p) and d''(p); the Nyquist term is negligible and left out of the derivatives.
    const f1 = shiftedEnergy(p, segPrefix, window).slope - (4 / n) * r1;
    const f2 = -(4 / n) * r2;
    if (!(f2 > 0)) break;
    const step = f1 / f2;
    if (!Number.isFinite(step) || Math.abs(step) > 0.75) break;
    p -= step;
    if (Math.abs(step) < 1e-5) break;
  }
  return p;
}

/** Median of the values of `v` where `mask` is set (NaN if none). */
export function maskedMedian(v: Float32Array, mask: Uint8Array, from = 0, to = v.length): number {
  const vals: number[] = [];
  for (let i = from; i < to; i++) if (mask[i]) vals.push(v[i]!);
  if (!vals.length) return NaN;
  vals.sort((p, q) => p - q);
  const m = vals.length >> 1;
  return vals.length % 2 ? vals[m]! : 0.5 * (vals[m - 1]! + vals[m]!);
}

export const hzToMidi = (f: number): number => 69 + 12 * Math.log2(f / 440);
export const midiToHz = (m: number): number => 440 * 2 ** ((m - 69) / 12);

const NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
/** MIDI note number → name with octave (60 → "C4"). */
export function noteName(midi: number): string {
  const m = Math.round(midi);
  return `${NAMES[((m % 12) + 12) % 12]}${Math.floor(m / 12) - 1}`;
}
