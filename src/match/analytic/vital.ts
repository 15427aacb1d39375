/**
 * Vital starting points computed from the target (issue #6):
 *   - the amplitude envelope env_1 fitted to the target's RMS envelope (vital-envelope.ts);
 *   - for pitched sounds, a custom wavetable for oscillator 1 resynthesised from the target's harmonics:
 *     one keyframe per analysis time, its harmonic amplitudes divided by the fitted envelope (so the frames
 *     carry the spectrum and whatever level the envelope misses), swept by lfo_1 → osc_1_wave_frame: one
 *     LFO cycle in envelope mode (it holds at the end and ignores the note-off), a ramp whose curve puts the
 *     frames exactly at the analysis times;
 *   - a noise layer for the residual: the sample oscillator (the init white noise) routed to filter 2, a
 *     digital filter fitted to the residual's spectral envelope, at the residual's level (vital-noise.ts).
 * Unpitched sounds get the noise layer alone and, when a low partial falls in pitch (a kick), a sine on
 * oscillator 1 whose transpose env_3 pulls down (pitch-drop.ts) with the noise layer. Every start is a complete preset that Vital loads: the
 * wavetable is an ordinary Wave Source with frequency-domain interpolation between keyframes.
 */
import { ENVELOPE_FRAME } from "../../audio/envelope.ts";
import { realFft } from "../../audio/fft.ts";
import type { AnySynth } from "../../synths/synth.ts";
import type { VitalPatch, Wavetable } from "../../synths/vital/types.ts";
import type { StartPoint } from "../pipeline.ts";
import type { MatchTarget } from "../target.ts";
import {
  analyseComb,
  analyseHarmonics,
  analysisWindow,
  blackmanHarris,
  COMB_WINDOW,
  windowStart,
  type HarmonicAnalysis,
} from "./harmonics.ts";
import {
  envelopeValue,
  fitAmplitudeEnvelope,
  inversePowerCurve,
  type VitalEnvelope,
} from "./vital-envelope.ts";
import { analysePitchDrop, MIN_DROP, type PitchDrop } from "./pitch-drop.ts";
import { fitNoiseFilter, type NoiseFilter } from "./vital-noise.ts";
import { bestCombDivisor } from "./comb-divisor.ts";
import { contentEdgeHz } from "./content-edge.ts";

const FRAME_SIZE = 2048;
/** Keyframes of the resynthesised table, and the positions between them (filled by Vital's interpolation). */
export const KEYFRAMES = 24;
export const KEYFRAME_SPACING = 2;
/**
 * The comb start's keyframes: one per wavetable position (a drum's spectrum changes within tens of
 * milliseconds, and a sustained sound's noise, unison and chorus from one analysis window to the next; 64
 * keyframes instead: best start's mel-LSD median 3.6 → 2.8 dB on 16 CC BY presets), and its line spacing: one
 * 2048-sample cycle, i.e. one bin of the metrics' STFT per line.
 */
const COMB_KEYFRAMES = 256;
/**
 * The comb's sweep curve: less concave than the harmonic tables' (with 256 keyframes the early frames are
 * dense enough already, and a sustained sound's later frames matter as much to the metrics).
 */
const COMB_POWER = -1;
const COMB_HZ = 44100 / FRAME_SIZE;
/**
 * A further comb whose keyframes hold the power spectrum averaged over 2·COMB_AVERAGE + 1 windows 256
 * samples apart: a target's noise, unison and chorus fluctuate from frame to frame in a way a render does
 * not reproduce (its own fluctuation is independent of the target's), and the mean spectrum is nearer to
 * either on average than one realisation is.
 */
const COMB_AVERAGE = 1;
/**
 * Two more comb starts (plain and averaged) get a steep low-pass (filter 1, digital, 24 dB) this far above
 * the target's content edge (content-edge.ts) when the edge lies below LOW_PASS_BELOW_HZ: the render's
 * faint residue above the edge is cut where the target is the metrics' floor; the correction pass absorbs
 * the filter's slope below it. Offered besides the unfiltered combs, not instead: a chord whose upper notes
 * sound in fewer than half of the frames lost them (WalkingAwayChords, best start 2.02 → 2.37 dB).
 */
const LOW_PASS_ABOVE_EDGE = 2 ** (5 / 12);
const LOW_PASS_BELOW_HZ = 8000;
/** Vital's cutoffs are MIDI notes: Hz = NOTE0_HZ · 2^(note/12). */
const NOTE0_HZ = 8.1757989156;
/** A comb finer than COMB_HZ must still reach this high (its 1023 lines end at 1023 × spacing). */
const MIN_COMB_TOP_HZ = 16000;
/** Curve of the sweep (the LFO ramp's segment power): concave, so early (fast-changing) times get more frames. */
const SWEEP_POWER = -3;
/** lfo_1_frequency's lowest rate is 2^−7 Hz. */
const MAX_SWEEP_SECONDS = 128;
/** The init sample: uniform white noise in ±0.9. */
const NOISE_RMS = 0.9 / Math.sqrt(3);
/** Residual below this share of the harmonic energy (−30 dB) gets no noise layer. */
const MIN_NOISE_RATIO = 10 ** (-30 / 20);

const f32 = Math.fround;

export interface VitalAnalyticOptions {
  /** Render-and-correct passes on the resynthesised frames (each costs one render). Default 1. */
  corrections?: number;
}

export function vitalAnalyticStarts(
  synth: AnySynth,
  target: MatchTarget,
  opts: VitalAnalyticOptions = {},
): StartPoint[] {
  if (synth.id !== "vital") return [];
  const { envelope } = fitAmplitudeEnvelope(target.envelopeDb, target.holdSeconds);
  const sweep = sweepSeconds(target);
  const times = keyframeTimes(sweep);
  const f0 = target.pitched ? target.f0Hz : NaN;
  const analysis = analyseHarmonics(target.samples, { times, f0Hz: f0 });
  const envelopeGain = windowedEnvelope(envelope, target, times, analysisWindow(f0));
  const filter = fitNoiseFilter(analysis.bandHz, analysis.residualBandDb);
  const name = (s: string) => `analytic ${s}`;
  const make = (parts: StartParts) =>
    synth.withName(buildPatch(synth.defaultPatch() as VitalPatch, target, parts), "patchsmith analytic");

  // A strong low partial: a kick's "boom" (steady or falling) for unpitched sounds; a falling one otherwise
  // (a given note makes every target "pitched", Vital's own kick renders included).
  const drop = analysePitchDrop(target.samples);
  const kickStart = (): StartPoint[] => {
    if (!drop || (target.pitched && drop.dropSemitones < MIN_DROP)) return [];
    const noiseFilter = fitNoiseFilter(drop.bandHz, drop.residualBandDb);
    // Sine RMS = level² · √½; noise RMS = level² · NOISE_RMS · filter gain; wanted ratio √(noise/tonal).
    const ratio =
      (Math.sqrt((1 - drop.tonalShare) / drop.tonalShare) * Math.SQRT1_2) /
      (NOISE_RMS * Math.max(1e-6, noiseFilter.noiseGain));
    return [
      {
        patch: make({ envelope, kick: drop, noise: { filter: noiseFilter, level: ratio } }),
        source: name("kick + noise"),
      },
    ];
  };
  // The short-time spectrum as a comb of lines at ~21.5 Hz (one STFT bin each), for noise and inharmonic
  // partials that one f0's harmonics cannot hold: oscillator 1 plays a wavetable of 2048-sample cycles (the
  // lowest pitch its transpose reaches when the note is high), swept like the harmonic resynthesis.
  const edgeHz = contentEdgeHz(target);
  const lowPass =
    edgeHz < LOW_PASS_BELOW_HZ
      ? Math.max(8, Math.min(136, 12 * Math.log2((edgeHz * LOW_PASS_ABOVE_EDGE) / NOTE0_HZ)))
      : undefined;
  const combStart = (k: number, aligned = false, average = 0, cutoff?: number): StartPoint[] => {
    const noteHz = 440 * 2 ** ((target.note - 69) / 12);
    const semitones = target.pitched
      ? target.fineTuneCents / 100 - 12 * Math.log2(k)
      : Math.max(-48, 12 * Math.log2(COMB_HZ / noteHz));
    const combHz = target.pitched ? target.f0Hz / k : noteHz * 2 ** (semitones / 12);
    const frameSweep = aligned ? alignedSweep(sweep) : undefined;
    const combSweep = frameSweep ?? sweep;
    const combPower = aligned ? 0 : COMB_POWER;
    const combTimes = keyframeTimes(
      combSweep,
      frameSweep ? alignedKeyframes(sweep) : COMB_KEYFRAMES,
      combPower,
    );
    const combHeard = heardTimes(combTimes);
    const combOpts = {
      times: combHeard,
      combHz,
      maxLines: FRAME_SIZE / 2 - 1,
      average,
      keepSlopes: target.pitched,
    };
    const want = analyseComb(target.samples, combOpts);
    const gain = windowedEnvelope(envelope, target, combHeard, COMB_WINDOW);
    const top = Math.max(...gain);
    const amps = want.frames.map((f, j) => {
      const g = 1 / Math.max(gain[j]!, 1e-3 * top, 1e-9);
      return Float32Array.from(f.amplitudes, (a) => a * g);
    });
    const combPhases = want.frames.map((f) => f.phases);
    const combPatch = () =>
      make({
        envelope,
        table: resynthesise(amps, combPhases),
        sweep: combSweep,
        semitones,
        sweepPower: combPower,
        lowPass: cutoff,
      });
    const first = combPatch();
    const got = analyseComb(renderMono(synth, first, target), combOpts);
    correctCombFrames(amps, want, got);
    const label =
      (target.pitched ? `spectral comb f0/${k}` : "spectral comb") +
      (aligned ? " on frames" : "") +
      (average > 0 ? " averaged" : "") +
      (cutoff !== undefined ? " low-passed" : "");
    return [
      { patch: first, source: name(label) },
      { patch: combPatch(), source: name(`${label}, corrected`) },
    ];
  };
  const combStarts = (): StartPoint[] => {
    const lowPassed = (k: number): StartPoint[] =>
      lowPass === undefined
        ? []
        : [...combStart(k, false, 0, lowPass), ...combStart(k, false, COMB_AVERAGE, lowPass)];
    if (!target.pitched) return [...combStart(0), ...combStart(0, true)];
    // A pitched sound's comb is f0/k (its harmonics fall on every k-th line), at most 16 lines per harmonic
    // (osc_1_transpose reaches −48 semitones). The smallest k covers the most spectrum; another k may put the
    // partials that are not f0's harmonics on lines too (comb-divisor.ts): both are offered.
    const kMin = Math.min(16, Math.max(1, Math.ceil(target.f0Hz / COMB_HZ)));
    const kMax = Math.max(
      kMin,
      Math.min(16, 2 * kMin, Math.floor(((FRAME_SIZE / 2 - 1) * target.f0Hz) / MIN_COMB_TOP_HZ)),
    );
    const kFit = bestCombDivisor(target.samples, { f0Hz: target.f0Hz, times: loudTimes(target), kMin, kMax });
    return [
      ...combStart(kMin),
      ...(kFit !== kMin ? combStart(kFit) : []),
      ...combStart(kFit, true),
      ...combStart(kMin, false, COMB_AVERAGE),
      ...lowPassed(kMin),
    ];
  };
  if (!target.pitched) {
    return [
      { patch: make({ envelope, noise: { filter, level: 1 } }), source: name("noise") },
      ...kickStart(),
      ...combStarts(),
    ];
  }

  // The frames' harmonic amplitudes: the target's over the envelope's gain (capped at 60 dB of boost).
  const maxGain = Math.max(...envelopeGain);
  const amplitudes = analysis.frames.map((f, j) => {
    const g = 1 / Math.max(envelopeGain[j]!, 1e-3 * maxGain, 1e-9);
    return Float32Array.from(f.amplitudes, (a) => a * g);
  });
  const phases = analysis.frames.map((f) => f.phases);
  // Least-squares noise level against the envelope: residual_j ≈ N · envelope_j.
  let num = 0;
  let den = 0;
  analysis.frames.forEach((f, j) => {
    num += f.residualRms * envelopeGain[j]!;
    den += envelopeGain[j]! ** 2;
  });
  const noiseAmp = den > 0 ? num / den : 0;
  const harmonicRef = Math.sqrt(
    analysis.frames.reduce((a, f) => a + f.harmonicRms ** 2, 0) / analysis.frames.length,
  );
  const noisy =
    noiseAmp > 0 && harmonicRef > 0 && noiseAmp * mean(envelopeGain) > MIN_NOISE_RATIO * harmonicRef;

  // The residual over the envelope at each analysis time, for a noise level that follows it.
  const noiseCurve = analysis.frames.map(
    (f, j) => f.residualRms / Math.max(envelopeGain[j]!, 1e-3 * maxGain, 1e-9),
  );
  const noiseCurveMax = Math.max(...noiseCurve);

  const patchOf = (amps: Float32Array[], noise: number | undefined, shaped = false): VitalPatch => {
    const table = resynthesise(amps, phases);
    // Oscillator output = level² · scale · amplitude; noise output = level² · NOISE_RMS · filter gain.
    const toRatio = (n: number) => (table.scale * n) / (NOISE_RMS * Math.max(1e-6, filter.noiseGain));
    if (noise === undefined) return make({ envelope, table, sweep });
    if (!shaped) return make({ envelope, table, sweep, noise: { filter, level: toRatio(noise) } });
    const shape = {
      // A line's first point is at x = 0 and its last at x = 1 exactly (Vital's rule).
      x: Float64Array.from(times, (t, j) => (j === times.length - 1 ? 1 : t / sweep)),
      gain: Float64Array.from(noiseCurve, (n) => n / noiseCurveMax),
    };
    return make({ envelope, table, sweep, noise: { filter, level: toRatio(noiseCurveMax), shape } });
  };

  const starts: StartPoint[] = kickStart();
  starts.push(...combStarts());
  for (const withNoise of noisy ? [true, false] : [false]) {
    const amps = amplitudes.map((a) => a.slice());
    let noise = withNoise ? noiseAmp : undefined;
    let patch = patchOf(amps, noise);
    const label = withNoise ? "wavetable + noise" : "wavetable";
    // The noise layer confounds the harmonic measurement of a render (measured: correcting it made the
    // noisy starts worse), so only the pure wavetable start is corrected.
    const corrections = withNoise ? 0 : (opts.corrections ?? 1);
    if (corrections > 0) starts.push({ patch, source: name(label) });
    for (let pass = 0; pass < corrections; pass++) {
      const rendered = renderMono(synth, patch, target);
      const got = analyseHarmonics(rendered, { times, f0Hz: f0 });
      const residualRatio = correctFrames(amps, analysis, got);
      if (noise !== undefined) noise *= Math.min(4, Math.max(0.25, residualRatio));
      patch = patchOf(amps, noise);
    }
    starts.push({ patch, source: name(corrections > 0 ? `${label}, corrected` : label) });
  }
  if (noisy && noiseCurveMax > 0) {
    starts.push({ patch: patchOf(amplitudes, noiseAmp, true), source: name("wavetable + shaped noise") });
  }
  return starts;
}

function renderMono(synth: AnySynth, patch: unknown, target: MatchTarget): Float32Array {
  const channels = synth.render(
    patch,
    {
      note: target.note,
      velocity: target.velocity,
      noteOffSeconds: target.holdSeconds,
      durationSeconds: target.durationSeconds,
    },
    { sampleRate: 44100, seed: 1, bpm: target.bpm },
  );
  const n = channels[0]!.length;
  const out = new Float32Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) out[i] += ch[i]! / channels.length;
  return out;
}

/**
 * One correction pass: each frame's harmonic amplitudes are multiplied by target/render (after the overall
 * gain is taken out, each factor within ±12 dB), which absorbs what the first pass got wrong — the envelope
 * fit's misses, the window's smearing, Vital's interpolation between keyframes. Returns the residual's
 * target/render amplitude ratio (same overall gain).
 */
function correctFrames(amps: Float32Array[], want: HarmonicAnalysis, got: HarmonicAnalysis): number {
  let tw = 0;
  let tg = 0;
  let rw = 0;
  let rg = 0;
  want.frames.forEach((f, j) => {
    tw += f.harmonicRms ** 2;
    tg += got.frames[j]!.harmonicRms ** 2;
    rw += f.residualRms ** 2;
    rg += got.frames[j]!.residualRms ** 2;
  });
  const overall = tg > 0 ? Math.sqrt(tw / tg) : 1;
  want.frames.forEach((f, j) => {
    const g = got.frames[j]!;
    let peak = 0;
    for (const a of f.amplitudes) peak = Math.max(peak, a);
    const a = amps[j]!;
    for (let h = 0; h < a.length; h++) {
      const t = f.amplitudes[h]!;
      const r = g.amplitudes[h]! * overall;
      if (t < 1e-4 * peak || !(r > 0)) continue;
      a[h] = a[h]! * Math.min(4, Math.max(0.25, t / r));
    }
  });
  return rg > 0 ? Math.sqrt(rw / rg) / overall : 1;
}

/**
 * The comb start's correction: like correctFrames, but with the power ratio smoothed over neighbouring lines
 * (±6 % of the line's frequency, at least ±1 line). A render's lines leak into each other's bins with their
 * random phases, so a ratio per line would chase that interference rather than the spectrum's shape.
 */
function correctCombFrames(amps: Float32Array[], want: HarmonicAnalysis, got: HarmonicAnalysis): void {
  let tw = 0;
  let tg = 0;
  want.frames.forEach((f, j) => {
    tw += f.harmonicRms ** 2;
    tg += got.frames[j]!.harmonicRms ** 2;
  });
  const overall2 = tg > 0 ? tw / tg : 1;
  want.frames.forEach((f, j) => {
    const g = got.frames[j]!.amplitudes;
    const t = f.amplitudes;
    const n = t.length;
    const cw = new Float64Array(n + 1);
    const cg = new Float64Array(n + 1);
    for (let h = 0; h < n; h++) {
      cw[h + 1] = cw[h]! + t[h]! ** 2;
      cg[h + 1] = cg[h]! + g[h]! ** 2 * overall2;
    }
    const a = amps[j]!;
    for (let h = 0; h < n; h++) {
      const reach = Math.max(1, Math.round(0.06 * (h + 1)));
      const lo = Math.max(0, h - reach);
      const hi = Math.min(n, h + reach + 1);
      const w = cw[hi]! - cw[lo]!;
      const r = cg[hi]! - cg[lo]!;
      if (!(w > 0) || !(r > 0)) continue;
      a[h] = a[h]! * Math.min(4, Math.max(0.25, Math.sqrt(w / r)));
    }
  });
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / Math.max(1, x.length);
}

/** Up to 8 times spread over the part of the sound within 20 dB of its peak (for its steady spectrum). */
function loudTimes(target: MatchTarget): number[] {
  const dt = ENVELOPE_FRAME / 44100;
  const loud: number[] = [];
  target.envelopeDb.forEach((v, i) => {
    if (v > target.peakDb - 20) loud.push((i + 0.5) * dt);
  });
  const count = Math.min(8, loud.length);
  return Array.from({ length: count }, (_, j) => loud[Math.floor(((j + 0.5) * loud.length) / count)]!);
}

/**
 * How late a wavetable frame is heard after the sweep reaches it: Vital's oscillator picks a new cycle every
 * 7 ms and cross-fades to it over the next 7 ms, so what sounds at time t is on average the frame the sweep
 * reached at t − 7 ms. A comb keyframe j (reached at times[j]) is therefore analysed at times[j] + FRAME_LAG
 * (measured on 16 CC BY targets: the best start's mel-LSD median 2.66 → 2.19 dB; 8.5 ms gave the same). The
 * harmonic tables keep their analysis times: with the lag, PS-20 Oboe's wavetable start got worse (loss
 * 1.39 → 1.52) — their long Blackman-Harris windows (≥ 9 periods) and 24 keyframes blur time more anyway.
 */
const FRAME_LAG = 0.007;

function heardTimes(times: Float64Array): Float64Array {
  return times.map((t) => t + FRAME_LAG);
}

/** The metrics' STFT hop (s): the aligned comb puts one keyframe on each frame's centre. */
const METRIC_HOP = 512 / 44100;

/** Hops between the aligned comb's keyframes: 1 unless the sweep needs more than 256 keyframes. */
function alignedStride(sweep: number): number {
  return Math.max(1, Math.ceil(sweep / METRIC_HOP / (COMB_KEYFRAMES - 1)));
}

function alignedKeyframes(sweep: number): number {
  const step = alignedStride(sweep) * METRIC_HOP;
  return Math.max(2, Math.min(COMB_KEYFRAMES, Math.ceil(sweep / step) + 1));
}

/** The aligned comb's sweep: keyframe j at j strides of the hop (frame j − 2's centre when the stride is 1). */
function alignedSweep(sweep: number): number {
  return (alignedKeyframes(sweep) - 1) * alignedStride(sweep) * METRIC_HOP;
}

/** How long the wavetable sweep runs: until the sound has faded (50 dB down). */
function sweepSeconds(target: MatchTarget): number {
  const dt = ENVELOPE_FRAME / 44100;
  let last = 0;
  target.envelopeDb.forEach((v, i) => {
    if (v > target.peakDb - 50) last = i;
  });
  return Math.max(0.05, Math.min((last + 1) * dt, MAX_SWEEP_SECONDS));
}

/** Analysis time of keyframe j: the sweep's ramp reaches j/(K − 1) of its range then. */
export function keyframeTimes(sweep: number, count = KEYFRAMES, power = SWEEP_POWER): Float64Array {
  return Float64Array.from({ length: count }, (_, j) => sweep * inversePowerCurve(j / (count - 1), power));
}

/** The fitted envelope's gain (value²) averaged with the analysis window's weights around each time. */
function windowedEnvelope(
  e: VitalEnvelope,
  target: MatchTarget,
  times: ArrayLike<number>,
  window: number,
): Float64Array {
  const out = new Float64Array(times.length);
  const steps = 64;
  for (let j = 0; j < times.length; j++) {
    const start = windowStart(times[j]!, window, target.samples.length) / 44100;
    let acc = 0;
    let wsum = 0;
    for (let i = 0; i <= steps; i++) {
      const t = start + ((i / steps) * window) / 44100;
      if (t < 0) continue;
      const w = blackmanHarris(i, steps);
      const v = envelopeValue(e, t, target.holdSeconds);
      acc += w * v * v;
      wsum += w;
    }
    out[j] = wsum > 0 ? acc / wsum : 0;
  }
  return out;
}

interface Resynthesis {
  frames: Float32Array[];
  /** Wavetable positions between keyframes (at most 256 positions in all). */
  spacing: number;
  /** Factor from the analysis's amplitudes (divided by the envelope) to the stored frames (peak-to-peak ≤ 2). */
  scale: number;
}

/** One cycle per frame from harmonic amplitudes (index h − 1) and phases relative to the fundamental's. */
function resynthesise(amplitudes: Float32Array[], phases: Float32Array[]): Resynthesis {
  const fft = realFft(FRAME_SIZE);
  const spec = new Float32Array(FRAME_SIZE);
  const frames = amplitudes.map((amps, j) => {
    spec.fill(0);
    const h = Math.min(amps.length, FRAME_SIZE / 2 - 1);
    for (let k = 1; k <= h; k++) {
      const c = amps[k - 1]! * (FRAME_SIZE / 2);
      spec[2 * k] = c * Math.cos(phases[j]![k - 1]!);
      spec[2 * k + 1] = c * Math.sin(phases[j]![k - 1]!);
    }
    const out = new Float32Array(FRAME_SIZE);
    fft.inverse(spec, out);
    for (let i = 0; i < FRAME_SIZE; i++) out[i] = out[i]! / FRAME_SIZE;
    return out;
  });
  let pp = 0;
  for (const fr of frames) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of fr) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    pp = Math.max(pp, hi - lo);
  }
  const scale = pp > 0 ? 2 / pp : 1;
  for (const fr of frames) for (let i = 0; i < FRAME_SIZE; i++) fr[i] = f32(fr[i]! * scale);
  return {
    frames,
    scale,
    spacing: Math.max(1, Math.min(KEYFRAME_SPACING, Math.floor(255 / Math.max(1, frames.length - 1)))),
  };
}

interface StartParts {
  envelope: VitalEnvelope;
  table?: Resynthesis;
  /** A sine on oscillator 1 whose pitch falls (env_3 → osc_1_transpose), for kicks. */
  kick?: PitchDrop;
  sweep?: number;
  /** Curve of the sweep's ramp (default SWEEP_POWER). */
  sweepPower?: number;
  /** Oscillator 1's pitch relative to the note played (default: the target's f0 offset). */
  semitones?: number;
  /**
   * Noise layer; `level` is the wanted noise-to-oscillator gain ratio (or the noise alone when no table).
   * With `shape`, that is the loudest point and the level follows `gain` (0 … 1, relative) at the sweep's
   * fractions `x` through lfo_2 → sample_level (an LFO cycle in envelope mode, like the sweep).
   */
  noise?: { filter: NoiseFilter; level: number; shape?: { x: Float64Array; gain: Float64Array } };
  /** Cutoff (MIDI note) of a 24 dB digital low-pass on oscillator 1 (filter 1). */
  lowPass?: number;
}

function resynthesisTable(frames: Float32Array[], spacing = KEYFRAME_SPACING): Wavetable {
  return {
    name: "patchsmith resynthesis",
    author: "",
    version: "1.0.7",
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
            keyframes: frames.map((wave, j) => ({ position: j * spacing, wave, extra: {} })),
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

function buildPatch(p: VitalPatch, target: MatchTarget, parts: StartParts): VitalPatch {
  const s = p.settings;
  const set = (k: string, v: number) => {
    if (!(k in s)) throw new Error(`unknown Vital parameter ${k}`);
    s[k] = f32(v);
  };
  const e = parts.envelope;
  set("env_1_attack", e.attack);
  set("env_1_attack_power", e.attackPower);
  set("env_1_decay", e.decay);
  set("env_1_decay_power", e.decayPower);
  set("env_1_sustain", e.sustain);
  set("env_1_release", e.release);
  set("env_1_release_power", e.releasePower);

  let oscGain = 0.5;
  let noiseGain = 0;
  const tonal = parts.table ?? parts.kick;
  if (parts.noise) {
    const ratio = parts.noise.level;
    if (!tonal) noiseGain = 0.5;
    else if (ratio <= 2) noiseGain = 0.5 * ratio;
    else {
      noiseGain = 1;
      oscGain = 1 / ratio;
    }
  }

  if (parts.table) {
    p.wavetables[0] = resynthesisTable(parts.table.frames, parts.table.spacing);
    set("osc_1_on", 1);
    set("osc_1_level", Math.sqrt(oscGain));
    // f0 can be far from the note played (a given note, another octave folded in): transpose the rest.
    const semitones = parts.semitones ?? target.fineTuneCents / 100;
    set("osc_1_transpose", Math.max(-48, Math.min(48, Math.round(semitones))));
    set("osc_1_tune", semitones - Math.round(semitones));
    set("osc_1_wave_frame", 0);
    // One cycle of lfo_1 (envelope mode: restarted at the note-on, held at its end, deaf to the note-off) at
    // 1/sweep Hz; its shape rises from 0 to 1 along the sweep's curve.
    set("lfo_1_sync", 0);
    set("lfo_1_sync_type", 2);
    set("lfo_1_frequency", Math.log2(1 / (parts.sweep ?? 1)));
    set("lfo_1_smooth_mode", 0);
    p.lfos[0] = {
      name: "patchsmith sweep",
      numPoints: 2,
      points: [0, 1, 1, 0],
      powers: [parts.sweepPower ?? SWEEP_POWER, 0],
      smooth: false,
      extra: {},
    };
    p.modulations[0] = { source: "lfo_1", destination: "osc_1_wave_frame", lineMapping: null, extra: {} };
    set("modulation_1_amount", ((parts.table.frames.length - 1) * parts.table.spacing + 0.5) / 256);
  } else if (parts.kick) {
    const k = parts.kick;
    const sine = new Float32Array(FRAME_SIZE);
    for (let i = 0; i < FRAME_SIZE; i++) sine[i] = f32(Math.sin((2 * Math.PI * i) / FRAME_SIZE));
    p.wavetables[0] = resynthesisTable([sine]);
    set("osc_1_on", 1);
    set("osc_1_level", Math.sqrt(oscGain));
    set("osc_1_random_phase", 0);
    const semitones = 12 * Math.log2(k.endHz / (440 * 2 ** ((target.note - 69) / 12)));
    const transpose = Math.max(-48, Math.min(48, Math.round(semitones)));
    set("osc_1_transpose", transpose);
    set("osc_1_tune", Math.max(-1, Math.min(1, semitones - transpose)));
    set("env_3_attack", 0);
    set("env_3_decay", k.decaySeconds ** 0.25);
    set("env_3_decay_power", k.decayPower);
    set("env_3_sustain", 0);
    if (k.dropSemitones > 0) {
      p.modulations[0] = { source: "env_3", destination: "osc_1_transpose", lineMapping: null, extra: {} };
      set("modulation_1_amount", k.dropSemitones / 96);
    }
  } else {
    set("osc_1_on", 0);
  }

  if (parts.lowPass !== undefined) {
    set("filter_1_on", 1);
    set("filter_1_model", 3);
    set("filter_1_style", 1);
    set("filter_1_blend", 0);
    set("filter_1_cutoff", parts.lowPass);
    set("filter_1_resonance", 0);
    set("filter_1_keytrack", 0);
  }
  if (parts.noise) {
    const f = parts.noise.filter;
    set("sample_on", 1);
    set("sample_level", Math.sqrt(Math.min(1, noiseGain)));
    set("sample_destination", 1);
    set("filter_2_on", 1);
    set("filter_2_model", 3);
    set("filter_2_style", f.style);
    set("filter_2_blend", f.blend);
    set("filter_2_cutoff", f.cutoff);
    set("filter_2_resonance", f.resonance);
    set("filter_2_keytrack", 0);
    const shape = parts.noise.shape;
    if (shape) {
      // sample_level is raw = √gain: 0 plus lfo_2 × amount, the LFO's points at √(relative gain).
      set("sample_level", 0);
      set("lfo_2_sync", 0);
      set("lfo_2_sync_type", 2);
      set("lfo_2_frequency", Math.log2(1 / (parts.sweep ?? 1)));
      set("lfo_2_smooth_mode", 0);
      const points: number[] = [];
      shape.x.forEach((x, j) => points.push(f32(x), f32(1 - Math.sqrt(shape.gain[j]!))));
      p.lfos[1] = {
        name: "patchsmith noise level",
        numPoints: shape.x.length,
        points,
        powers: Array.from(shape.x, () => 0),
        smooth: false,
        extra: {},
      };
      p.modulations[1] = { source: "lfo_2", destination: "sample_level", lineMapping: null, extra: {} };
      set("modulation_2_amount", Math.sqrt(Math.min(1, noiseGain)));
    }
  }
  return p;
}
