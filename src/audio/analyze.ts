// analyzeSound: every feature of one sound, computed once and shared (the matcher reuses the matrices).
// All matrices are frame-major Float32Arrays. The STFT and mel features use the metric framing of
// DESIGN §5 (n_fft 2048, hop 512, no centring) so that a target's analysis and its metrics agree.
import { ENVELOPE_FRAME, rmsEnvelope } from "./envelope.ts";
import { integratedLoudness } from "./loudness.ts";
import { htkMelFilterbank, applyMel, powerToDb } from "./mel.ts";
import { mfccFromDb } from "./mfcc.ts";
import { firstOnsetSample, pickOnsets, spectralFlux } from "./onsets.ts";
import { hzToMidi, noteName, pitchTrack, type PitchTrack } from "./pitch.ts";
import { noteTiming, summarisePitch } from "./note.ts";
import { spectralDescriptors } from "./descriptors.ts";
import { stft } from "./stft.ts";
import { toMono, type AudioData } from "./types.ts";
import { assertFiniteAudio } from "./finite.ts";

export const ANALYSIS_N_FFT = 2048;
export const ANALYSIS_HOP = 512;
export const ANALYSIS_MEL_BANDS = 128;
export const ANALYSIS_MFCC = 20;

/** The scalar summary of a sound (what `patchsmith analyze --json` prints). */
export interface SoundSummary {
  sampleRate: number;
  channels: number;
  /** Length of the audio (seconds). */
  lengthSeconds: number;
  onsetSeconds: number;
  peakSeconds: number;
  /** Estimated note-off (start of the release), or null when no release was detected. */
  noteOffSeconds: number | null;
  /** Where the sound falls 60 dB below its peak envelope (seconds). */
  endSeconds: number;
  /** endSeconds − onsetSeconds. */
  durationSeconds: number;
  /** Sample peak (linear) and in dBFS. */
  peak: number;
  peakDbfs: number;
  /** RMS between onset and end, dBFS. */
  rmsDbfs: number;
  /** ITU-R BS.1770 integrated loudness (LUFS); null for silence. */
  loudnessLufs: number | null;
  pitched: boolean;
  /** Median f0 over the voiced frames of the sustained part (null when none; given even when unpitched). */
  f0Hz: number | null;
  /** Fractional MIDI note of f0, the nearest note, its name, and the deviation in cents (null when unpitched). */
  midi: number | null;
  note: number | null;
  noteName: string | null;
  cents: number | null;
  voicedFraction: number;
  pitchStability: number;
  spectralCentroidHz: number;
  spectralRolloffHz: number;
  spectralFlatness: number;
  spectralFlux: number;
  /** Onset times found by spectral flux (seconds). */
  onsets: number[];
}

export interface SoundAnalysis {
  sampleRate: number;
  /** The mono signal analysed (the channel mean). */
  samples: Float32Array;
  stft: { nFft: number; hop: number; frames: number; bins: number; power: Float32Array };
  mel: { frames: number; bands: number; power: Float32Array; db: Float32Array };
  mfcc: { frames: number; coefficients: number; data: Float32Array };
  envelope: { frameSize: number; rms: Float32Array };
  flux: Float32Array;
  pitch: PitchTrack;
  summary: SoundSummary;
}

export interface AnalyzeOptions {
  /** Hop of the f0 track in samples (default 1024, see pitch.ts). */
  pitchHop?: number;
}

function dbfs(v: number): number {
  return 20 * Math.log10(v > 1e-10 ? v : 1e-10);
}

/**
 * Analyse one sound. Audio at any sample rate; the mel/metric features assume 44.1 kHz for comparability.
 * Throws PatchsmithError "bad-audio" if a sample is NaN or infinite.
 */
export function analyzeSound(
  audio: AudioData | Float32Array,
  sampleRate?: number,
  opt: AnalyzeOptions = {},
): SoundAnalysis {
  const channels = audio instanceof Float32Array ? [audio] : audio.channels;
  const sr = audio instanceof Float32Array ? (sampleRate ?? 44100) : audio.sampleRate;
  for (const c of channels) assertFiniteAudio(c);
  const x = audio instanceof Float32Array ? audio : toMono(audio);

  const power = stft(x, { nFft: ANALYSIS_N_FFT, hop: ANALYSIS_HOP });
  const fb = htkMelFilterbank(ANALYSIS_N_FFT, sr, ANALYSIS_MEL_BANDS, 20, Math.min(16000, sr / 2));
  const melPower = applyMel(power, fb);
  const nMel = power.frames * ANALYSIS_MEL_BANDS;
  const melDb = powerToDb(melPower, nMel, new Float32Array(nMel));
  const mfcc = mfccFromDb(melDb, power.frames, ANALYSIS_MEL_BANDS, ANALYSIS_MFCC);

  const flux = spectralFlux(melDb, power.frames, ANALYSIS_MEL_BANDS);
  const frameEnergy = new Float32Array(power.frames);
  for (let t = 0; t < power.frames; t++) {
    let e = 0;
    for (let m = 0; m < ANALYSIS_MEL_BANDS; m++) e += melPower[t * ANALYSIS_MEL_BANDS + m]!;
    frameEnergy[t] = e;
  }
  const onsets = pickOnsets(flux, ANALYSIS_HOP, ANALYSIS_N_FFT, sr, x, frameEnergy);

  const frame = Math.max(1, Math.round((ENVELOPE_FRAME * sr) / 44100));
  const env = rmsEnvelope(x, frame);
  const onsetSample = firstOnsetSample(x, sr);
  const timing = noteTiming(env, frame / sr, onsetSample / sr, x.length / sr);

  const track = pitchTrack(x, sr, opt.pitchHop ? { hop: opt.pitchHop } : {});
  const ps = summarisePitch(track, timing);

  let peak = 0;
  for (const c of channels) {
    for (let i = 0; i < c.length; i++) {
      const a = c[i]! < 0 ? -c[i]! : c[i]!;
      if (a > peak) peak = a;
    }
  }
  const endSample = Math.min(x.length, Math.round(timing.endSeconds * sr));
  let sq = 0;
  for (let i = onsetSample; i < endSample; i++) sq += x[i]! * x[i]!;
  const rms = endSample > onsetSample ? Math.sqrt(sq / (endSample - onsetSample)) : 0;
  const lufs = integratedLoudness(channels, sr);
  const desc = spectralDescriptors(power, sr, flux);

  const hasF0 = Number.isFinite(ps.f0Hz);
  const midi = hasF0 && ps.pitched ? hzToMidi(ps.f0Hz) : null;
  const note = midi === null ? null : Math.round(midi);
  const summary: SoundSummary = {
    sampleRate: sr,
    channels: channels.length,
    lengthSeconds: x.length / sr,
    onsetSeconds: timing.onsetSeconds,
    peakSeconds: timing.peakSeconds,
    noteOffSeconds: timing.noteOffSeconds,
    endSeconds: timing.endSeconds,
    durationSeconds: Math.max(0, timing.endSeconds - timing.onsetSeconds),
    peak,
    peakDbfs: dbfs(peak),
    rmsDbfs: dbfs(rms),
    loudnessLufs: Number.isFinite(lufs) ? lufs : null,
    pitched: ps.pitched,
    f0Hz: hasF0 ? ps.f0Hz : null,
    midi,
    note,
    noteName: note === null ? null : noteName(note),
    cents: midi === null || note === null ? null : 100 * (midi - note),
    voicedFraction: ps.voicedFraction,
    pitchStability: ps.stability,
    spectralCentroidHz: desc.centroidHz,
    spectralRolloffHz: desc.rolloffHz,
    spectralFlatness: desc.flatness,
    spectralFlux: desc.flux,
    onsets,
  };
  return {
    sampleRate: sr,
    samples: x,
    stft: {
      nFft: ANALYSIS_N_FFT,
      hop: ANALYSIS_HOP,
      frames: power.frames,
      bins: power.bins,
      power: power.data,
    },
    mel: { frames: power.frames, bands: ANALYSIS_MEL_BANDS, power: melPower, db: melDb },
    mfcc: { frames: power.frames, coefficients: ANALYSIS_MFCC, data: mfcc },
    envelope: { frameSize: frame, rms: env },
    flux,
    pitch: track,
    summary,
  };
}
