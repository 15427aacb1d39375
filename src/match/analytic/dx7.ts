/**
 * DX7 starting points computed from the target's analysis (docs/matcher.md, "DX7 analytic starts"):
 *
 * - an FM pair (algorithm 1, OP2 → OP1, the other operators silent): the carrier and modulator frequency
 *   ratios that best explain the short-time spectra (every ratio the DX7 can play is tried; the index of
 *   each candidate is free per frame), then the index trajectory of the best pair, to which the modulator's
 *   EG and output level are fitted; the carrier's EG is fitted to the loudness envelope;
 * - an additive voice (algorithm 32, six carriers) on the sound's strongest partials, each with the EG
 *   fitted to its own amplitude track (upper partials of plucks and bells decay faster).
 *
 * Nothing is rendered: spectra come from Bessel functions (fm-spectrum.ts) and envelopes from the engine's
 * own EG (dx7-eg.ts), so these starts cost analysis time but no renders of the search budget.
 */
import { clonePatch, initPatch, type Dx7Operator, type Dx7Patch } from "../../synths/dx7/params.ts";
import type { AnySynth } from "../../synths/synth.ts";
import type { StartPoint } from "../pipeline.ts";
import type { MatchTarget } from "../target.ts";
import { fitEg, fitEgToSpectra, indexToLog2, type Curve, type EgValues } from "./dx7-eg.ts";
import {
  FmPairModel,
  indexDistanceTable,
  indexGridPosition,
  INDEX_GRID_MIN,
  INDEX_GRID_STEPS,
  spectralFrames,
  type SpectralFrames,
} from "./fm-spectrum.ts";

interface Ratio {
  ratio: number;
  coarse: number;
  fine: number;
}

/** Every frequency ratio a DX7 operator in ratio mode can play: coarse (0 = ½) × (1 + fine/100), sorted. */
function dx7Ratios(): Ratio[] {
  const byRatio = new Map<string, Ratio>();
  for (let coarse = 0; coarse < 32; coarse++) {
    for (let fine = 0; fine < 100; fine++) {
      const ratio = (coarse === 0 ? 0.5 : coarse) * (1 + fine / 100);
      const key = ratio.toFixed(4);
      const prev = byRatio.get(key);
      // The same ratio from a smaller fine value is the simpler setting.
      if (!prev || fine < prev.fine) byRatio.set(key, { ratio, coarse, fine });
    }
  }
  return [...byRatio.values()].sort((a, b) => a.ratio - b.ratio);
}

let ratios: Ratio[] | undefined;
const allRatios = () => (ratios ??= dx7Ratios());

/** The DX7 setting nearest a frequency ratio (by log distance). */
export function nearestDx7Ratio(r: number): Ratio {
  let best = allRatios()[0]!;
  let d = Infinity;
  for (const x of allRatios()) {
    const e = Math.abs(Math.log(x.ratio / r));
    if (e < d) {
      d = e;
      best = x;
    }
  }
  return best;
}

const SWEEP_INDEX = [0, 0.001, 0.003, 0.01, 0.03, 0.07, 0.14, 0.25, 0.45, 0.8, 1.3, 2, 3, 4.4, 6.3, 9, 12.5];
/** Index grid for the trajectory: 0 and a geometric grid from the smallest index the engine plays to its maximum (4π). */
const TRAJECTORY_INDEX = [
  0,
  ...Array.from({ length: 70 }, (_, i) => INDEX_GRID_MIN * ((4 * Math.PI) / INDEX_GRID_MIN) ** (i / 69)),
];
const MIN_INDEX = 0.03;
/** Distinct ratio pairs whose modulator EG is fitted (the best two by that fit become starts). */
const FITTED_PAIRS = 3;
/** The attack, fitted on shorter frames too (s × 44.1 kHz). */
const ATTACK_SAMPLES = 0.3 * 44100;
/** CMA-ES step from these starts: they are fitted, so refinement begins close by. */
const ANALYTIC_SIGMA = 0.05;

export interface FmPairFit {
  carrier: Ratio;
  modulator: Ratio;
  /** Mean spectral distance (dB) over the sweep frames, each at its best index. */
  error: number;
}

/** Frames used to choose ratios: up to `count`, spread over the frames within 30 dB of the loudest. */
function sweepFrames(sf: SpectralFrames, count: number): number[] {
  const loud: number[] = [];
  for (let t = 0; t < sf.frames; t++) if (sf.levelDb[t]! > sf.peakDb - 30) loud.push(t);
  if (loud.length <= count) return loud;
  return Array.from({ length: count }, (_, i) => loud[Math.round((i * (loud.length - 1)) / (count - 1))]!);
}

/** Ratio pairs ranked by how well an FM pair explains the frames (best first). */
export function rankFmPairs(model: FmPairModel, frames: number[]): FmPairFit[] {
  const best = new Float64Array(frames.length);
  const scorePair = (c: number, m: number) => {
    best.fill(Infinity);
    for (const index of SWEEP_INDEX) {
      model.predict(c, m, index);
      frames.forEach((t, i) => {
        const d = model.distance(t);
        if (d < best[i]!) best[i] = d;
      });
    }
    let acc = 0;
    for (const v of best) acc += v;
    return acc / Math.max(1, frames.length);
  };
  const all = allRatios();
  const coarseOnly = all.filter((r) => r.fine === 0);
  const out: FmPairFit[] = [];
  const one = all.find((r) => r.coarse === 1 && r.fine === 0)!;
  for (const m of all) out.push({ carrier: one, modulator: m, error: scorePair(1, m.ratio) });
  for (const c of coarseOnly) {
    if (c === one || c.ratio > 4) continue;
    for (const m of coarseOnly) out.push({ carrier: c, modulator: m, error: scorePair(c.ratio, m.ratio) });
  }
  return out.sort((a, b) => a.error - b.error);
}

/** The index (radians) that best explains each frame, for a pair, and the mean distance over loud frames. */
export function indexTrajectory(
  model: FmPairModel,
  c: number,
  m: number,
): { index: Float64Array; error: number } {
  const sf = model.frames;
  const out = new Float64Array(sf.frames);
  const best = new Float64Array(sf.frames).fill(Infinity);
  for (const index of TRAJECTORY_INDEX) {
    model.predict(c, m, index);
    for (let t = 0; t < sf.frames; t++) {
      const d = model.distance(t);
      if (d < best[t]!) {
        best[t] = d;
        out[t] = index;
      }
    }
  }
  let acc = 0;
  let n = 0;
  for (let t = 0; t < sf.frames; t++) {
    if (sf.levelDb[t]! < sf.peakDb - 30) continue;
    acc += best[t]!;
    n++;
  }
  return { index: out, error: acc / Math.max(1, n) };
}

/**
 * The sweep's best pairs re-ranked on every loud frame with the fine index grid, each also tried at the
 * DX7 ratios within ±4 % of its modulator's (the sweep's coarse index grid can favour a near miss).
 */
export function refineFmPairs(model: FmPairModel, ranked: FmPairFit[], top: number): FmPairFit[] {
  const out: FmPairFit[] = [];
  const tried = new Set<string>();
  for (const r of ranked.slice(0, top)) {
    for (const m of allRatios()) {
      if (Math.abs(Math.log(m.ratio / r.modulator.ratio)) > 0.04) continue;
      const key = `${r.carrier.ratio}:${m.ratio}`;
      if (tried.has(key)) continue;
      tried.add(key);
      const { error } = indexTrajectory(model, r.carrier.ratio, m.ratio);
      out.push({ carrier: r.carrier, modulator: m, error });
    }
  }
  return out.sort((a, b) => a.error - b.error);
}

function carrierCurve(target: MatchTarget): Curve {
  const env = target.envelopeDb;
  const n = env.length;
  const frameSeconds = 441 / 44100;
  return {
    times: Float64Array.from({ length: n }, (_, i) => (i + 0.5) * frameSeconds),
    log2: Float64Array.from(env, (v) => v / 6.0206),
    weights: new Float64Array(n).fill(1),
    floorLog2: (target.peakDb - 60) / 6.0206,
    freeOffset: true,
  };
}

function modulatorCurve(sf: SpectralFrames, index: Float64Array): Curve {
  // The first frame is centred at nFft/2: before it, the index is taken as the first frame's (an EG fitted
  // to the frames alone could put any burst there).
  const early = Array.from({ length: 4 }, (_, i) => ((i + 0.5) * sf.times[0]!) / 4);
  const times = Float64Array.from([...early, ...sf.times]);
  const log2 = Float64Array.from(times, (_, i) =>
    indexToLog2(Math.max(index[Math.max(0, i - early.length)]!, MIN_INDEX)),
  );
  // Frames where the sound has faded tell little about the index.
  const weights = Float64Array.from(times, (_, i) =>
    sf.levelDb[Math.max(0, i - early.length)]! > sf.peakDb - 45 ? 1 : 0,
  );
  return { times, log2, weights, floorLog2: indexToLog2(MIN_INDEX), freeOffset: false };
}

function setOperator(op: Dx7Operator, ratio: Ratio, eg: EgValues): void {
  op.oscMode = 0;
  op.coarse = ratio.coarse;
  op.fine = ratio.fine;
  op.detune = 7;
  op.egRate = [...eg.rates];
  op.egLevel = [...eg.levels];
  op.outputLevel = eg.outputLevel;
}

function fmPairPatch(carrier: Ratio, carrierEg: EgValues, modulator: Ratio, modulatorEg: EgValues): Dx7Patch {
  const p = initPatch();
  p.name = "ANALYT FM ";
  p.algorithm = 1;
  setOperator(p.operators[0], carrier, { ...carrierEg, outputLevel: 99 });
  setOperator(p.operators[1], modulator, modulatorEg);
  for (let k = 2; k < 6; k++) p.operators[k]!.outputLevel = 0;
  return p;
}

interface Partial {
  hz: number;
  /** Peak power over the frames (dB). */
  peakDb: number;
  /** Bin of the partial. */
  bin: number;
}

/** The strongest spectral peaks of the loudest frames (local maxima of the summed spectrum). */
function strongestPartials(sf: SpectralFrames, count: number, unitHz: number): Partial[] {
  const { bins, frames, db } = sf;
  const sum = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    if (sf.levelDb[t]! < sf.peakDb - 30) continue;
    for (let b = 0; b < bins; b++) sum[b]! += 10 ** (db[t * bins + b]! / 10);
  }
  const peaks: Partial[] = [];
  const minBin = Math.max(2, Math.floor((0.45 * unitHz) / sf.binHz));
  for (let b = minBin; b < bins - 1; b++) {
    if (sum[b]! > sum[b - 1]! && sum[b]! >= sum[b + 1]!) {
      // Parabolic interpolation of the peak's position on the dB spectrum.
      const a = 10 * Math.log10(sum[b - 1]! + 1e-30);
      const c = 10 * Math.log10(sum[b]! + 1e-30);
      const e = 10 * Math.log10(sum[b + 1]! + 1e-30);
      const den = a - 2 * c + e;
      const shift = den !== 0 ? (0.5 * (a - e)) / den : 0;
      peaks.push({ hz: (b + shift) * sf.binHz, peakDb: c, bin: b });
    }
  }
  peaks.sort((x, y) => y.peakDb - x.peakDb);
  const chosen: Partial[] = [];
  for (const p of peaks) {
    if (chosen.length >= count) break;
    if (p.peakDb < peaks[0]!.peakDb - 50) break;
    // Distinct DX7 ratios only.
    if (chosen.some((q) => Math.abs(Math.log(q.hz / p.hz)) < 0.02)) continue;
    chosen.push(p);
  }
  return chosen;
}

interface PartialFit {
  p: Partial;
  eg: EgValues;
  /** Peak of the partial's track (log2). */
  peak: number;
}

/** Each partial's amplitude track over the frames, with an EG fitted to it. */
function fitPartials(target: MatchTarget, sf: SpectralFrames, partials: Partial[]): PartialFit[] {
  return partials.map((p) => {
    const track = new Float64Array(sf.frames);
    for (let t = 0; t < sf.frames; t++) {
      let acc = 0;
      for (let b = Math.max(0, p.bin - 1); b <= Math.min(sf.bins - 1, p.bin + 1); b++)
        acc += 10 ** (sf.db[t * sf.bins + b]! / 10);
      track[t] = (10 * Math.log10(acc + 1e-30)) / 6.0206;
    }
    const peak = Math.max(...track);
    const curve: Curve = {
      times: sf.times,
      log2: track,
      weights: new Float64Array(sf.frames).fill(1),
      floorLog2: peak - 50 / 6.0206,
      freeOffset: true,
    };
    const { eg } = fitEg(curve, target.holdSeconds);
    return { p, eg, peak };
  });
}

/** A carrier playing one partial, its output level set by the partial's peak relative to `loudest` (log2). */
function setPartialCarrier(op: Dx7Operator, f: PartialFit, unitHz: number, loudest: number): void {
  // The EG's own peak sits at its L1..L3 maximum; the output level sets the partial's share (0.75 dB steps).
  const egPeak = Math.max(f.eg.levels[0], f.eg.levels[1], f.eg.levels[2]);
  const ol = Math.round(99 + ((f.peak - loudest) * 6.0206) / 0.75 + (99 - egPeak));
  setOperator(op, nearestDx7Ratio(f.p.hz / unitHz), { ...f.eg, outputLevel: Math.min(99, Math.max(0, ol)) });
}

/** Additive voice: algorithm 32, one carrier per strong partial, each with its own fitted EG and level. */
function additivePatch(target: MatchTarget, sf: SpectralFrames, unitHz: number): Dx7Patch | undefined {
  const partials = strongestPartials(sf, 6, unitHz);
  if (partials.length === 0) return undefined;
  const fits = fitPartials(target, sf, partials);
  const loudest = Math.max(...fits.map((f) => f.peak));
  const patch = initPatch();
  patch.name = "ANALYT ADD";
  patch.algorithm = 32;
  fits.forEach((f, k) => setPartialCarrier(patch.operators[k]!, f, unitHz, loudest));
  for (let k = fits.length; k < 6; k++) patch.operators[k]!.outputLevel = 0;
  return patch;
}

/**
 * The FM pair with the partials it does not explain added: algorithm 5 (three pairs 2→1, 4→3, 6→5), the pair
 * on OP1/OP2, the two strongest partials off the pair's lines (c + k·m, within 2 %) on carriers OP3 and OP5
 * with their own EGs and levels relative to the loudest partial, their modulators OP4 and OP6 silent (the
 * search can bring them in). Corpus voices mostly sum two or three carriers: a single pair misses a layer.
 */
function pairPlusPartialsPatch(
  pairPatch: Dx7Patch,
  pair: FmPairFit,
  target: MatchTarget,
  sf: SpectralFrames,
  unitHz: number,
): Dx7Patch | undefined {
  const c = pair.carrier.ratio;
  const m = pair.modulator.ratio;
  const onPair = (r: number) => {
    for (let k = -12; k <= 12; k++) {
      const line = Math.abs(c + k * m);
      if (line > 0 && Math.abs(Math.log(r / line)) < 0.02) return true;
    }
    return false;
  };
  const partials = strongestPartials(sf, 12, unitHz);
  const off = partials.filter((p) => !onPair(p.hz / unitHz)).slice(0, 2);
  if (off.length === 0 || partials.length === 0) return undefined;
  const fits = fitPartials(target, sf, off);
  const loudest = fitPartials(target, sf, partials.slice(0, 1))[0]!.peak;
  const patch = clonePatch(pairPatch);
  patch.name = "ANALYT PR+";
  patch.algorithm = 5;
  patch.feedback = 0;
  for (let k = 2; k < 6; k++) patch.operators[k]!.outputLevel = 0;
  fits.forEach((f, i) =>
    setPartialCarrier(patch.operators[2 + 2 * i]!, f, unitHz, Math.max(loudest, f.peak)),
  );
  return patch;
}

export function dx7AnalyticStarts(_synth: AnySynth, target: MatchTarget): StartPoint[] {
  const noteHz = 440 * 2 ** ((target.note - 69) / 12);
  const sf = spectralFrames(target.samples);
  // Ratios are relative to the note played; a sound tuned off its note is also tried relative to its f0
  // (an inharmonic sound's "f0" can be off too: the unit that explains the spectrum better wins).
  const units = [noteHz];
  if (target.pitched && Math.abs(target.fineTuneCents) > 5) units.push(target.f0Hz);
  let best: { model: FmPairModel; ranked: FmPairFit[] } | undefined;
  for (const unitHz of units) {
    const model = new FmPairModel(sf, unitHz);
    const ranked = refineFmPairs(model, rankFmPairs(model, sweepFrames(sf, 8)), 4);
    if (!best || ranked[0]!.error < best.ranked[0]!.error) best = { model, ranked };
  }
  const { model, ranked } = best!;
  const carrier = fitEg(carrierCurve(target), target.holdSeconds).eg;
  const starts: StartPoint[] = [];
  // The best pairs with distinct sounds (ratios that are not the same up to 2 %), each with its modulator EG
  // fitted to finer frames through the index table; ranked again by that fit.
  const pairs: FmPairFit[] = [];
  for (const r of ranked) {
    if (pairs.length >= FITTED_PAIRS) break;
    const same = pairs.some(
      (q) =>
        Math.abs(Math.log(q.modulator.ratio / r.modulator.ratio)) < 0.02 &&
        Math.abs(Math.log(q.carrier.ratio / r.carrier.ratio)) < 0.02,
    );
    if (!same) pairs.push(r);
  }
  // Two resolutions: 2048-sample frames over the whole sound, 1024-sample frames over the attack.
  const resolutions = [
    { frames: spectralFrames(target.samples, 2048, 256), until: Infinity },
    {
      frames: spectralFrames(target.samples.subarray(0, ATTACK_SAMPLES + 1024), 1024, 128),
      until: ATTACK_SAMPLES,
    },
  ].map(({ frames, until }) => ({
    frames,
    model: new FmPairModel(frames, model.unitHz),
    frameStart: Float64Array.from({ length: frames.frames }, (_, t) => t * frames.hop),
    weights: Float64Array.from(frames.levelDb, (l, t) =>
      l > frames.peakDb - 45 && t * frames.hop < until ? 1 : 0,
    ),
  }));
  const fitted = pairs.map((pair) => {
    const { index } = indexTrajectory(model, pair.carrier.ratio, pair.modulator.ratio);
    const fromTrack = fitEg(modulatorCurve(sf, index), target.holdSeconds).eg;
    const tables = resolutions.map((r) => ({
      distances: indexDistanceTable(r.model, pair.carrier.ratio, pair.modulator.ratio),
      columns: INDEX_GRID_STEPS + 1,
      position: indexGridPosition,
      frameStart: r.frameStart,
      nFft: r.frames.nFft,
      weights: r.weights,
    }));
    const fit = fitEgToSpectra(tables, target.holdSeconds, [fromTrack], { screened: 400, kept: 2 });
    return { pair, eg: fit.eg, error: fit.error, tables };
  });
  fitted.sort((a, b) => a.error - b.error);
  // The best pair's fit again with a wider screening (the fit is multimodal; its budget matters most there).
  if (fitted[0]) {
    const again = fitEgToSpectra(fitted[0].tables, target.holdSeconds, [fitted[0].eg], {
      screened: 4000,
      kept: 8,
      seed: 2,
    });
    if (again.error < fitted[0].error) Object.assign(fitted[0], { eg: again.eg, error: again.error });
  }
  for (const [k, { pair, eg }] of fitted.slice(0, 2).entries()) {
    const patch = fmPairPatch(pair.carrier, carrier, pair.modulator, eg);
    const name = `${pair.carrier.ratio.toFixed(2)}:${pair.modulator.ratio.toFixed(2)}`;
    starts.push({ patch, source: `analytic FM pair ${name}`, sigma: ANALYTIC_SIGMA });
    const plus = k === 0 ? pairPlusPartialsPatch(patch, pair, target, sf, model.unitHz) : undefined;
    if (plus)
      starts.push({ patch: plus, source: `analytic FM pair ${name} + partials`, sigma: ANALYTIC_SIGMA });
  }
  const add = additivePatch(target, sf, model.unitHz);
  if (add) starts.push({ patch: add, source: "analytic additive", sigma: ANALYTIC_SIGMA });
  return starts;
}
