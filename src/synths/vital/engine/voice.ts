// One Vital voice at the internal (oversampled) rate: three wavetable oscillators with unison, the sample
// oscillator, filters 1 and 2, six envelopes, eight LFOs, four random LFOs and the modulation matrix.
// Signal flow and gain structure as described in ../shared/reference/vital.md §3–§7 (facts from Vital,
// GPL-3.0, Matt Tytel). Everything is preallocated in the constructor; `process` allocates nothing.

import { POWER_LINEAR, powerCurve, readLine } from "./curves.ts";
import { DOUBLE_ZERO } from "./double-field.ts";
import { Envelope, type EnvelopeTimes } from "./envelope.ts";
import {
  defaultFilterSettings,
  VoiceFilter,
  type FilterSettings,
  MODEL_ANALOG,
  MODEL_PHASER,
} from "./filters.ts";
import {
  AudioBlockStart,
  Lfo,
  RandomLfo,
  rateHz,
  SYNC_SYNC,
  type LfoBlock,
  type RateSettings,
} from "./lfo.ts";
import {
  DistortedVoiceReader,
  frequencyMult,
  MODULATOR_SAMPLE,
  modulatorOf,
  OscDistortionState,
  processingOrder,
} from "./osc-distortion.ts";
import {
  PARAM_COUNT,
  PARAM_MAX,
  PARAM_MIN,
  PARAM_NAMES,
  pid,
  SOURCE_COUNT,
  SRC_AFTERTOUCH,
  SRC_ENV,
  SRC_LFO,
  SRC_LIFT,
  SRC_MACRO,
  SRC_MOD_WHEEL,
  SRC_NOTE,
  SRC_NOTE_IN_OCTAVE,
  SRC_PITCH_WHEEL,
  SRC_RANDOM,
  SRC_RANDOM_LFO,
  SRC_SLIDE,
  SRC_STEREO,
  SRC_VELOCITY,
  type ModSlot,
  type VitalProgram,
} from "./program.ts";
import { vitalRandomPhase, type VoicePairRandom } from "./random.ts";
import { sampleLevelIndex } from "./sample-levels.ts";
import { OscMorph, unisonFrameIndex } from "./spectral-morph.ts";
import { isTransposeSnapping, snappedPitch, snapTable } from "./transpose-snap.ts";
import {
  MULT_LANES_DIFFER,
  MULT_OUT_OF_RANGE,
  READ_FADING,
  READ_OFFSETS,
  READ_SINGLE,
  SLOT_BIPOLAR,
  SLOT_FRESH,
} from "./lane-pair-kernel.ts";
import { PHASE_SCALE, UnisonKernel, unisonKernelModule } from "./unison-kernel.ts";
import { FRAME_SIZE, Wavetable } from "./wavetable.ts";

export const MAX_BLOCK = 128;
const MAX_UNISON = 16;
/** Where the right lane of an odd unison count's centre voice keeps its phase (a slot odd counts never use). */
const CENTRE_R = MAX_UNISON - 1;
/** Destinations Vital sums per sample (ModulationSum) and the voice reads per sample. */
const PER_SAMPLE_DESTINATION = /^osc_[123]_(transpose|tune|phase|level)$/;
/** Of those, the ones whose left and right values need the oscillator's lanes rendered apart. */
const LANE_DESTINATION = /^osc_[123]_(transpose|tune|phase)$/;

/** `perSampleLanes` flags: no per-sample path, per-sample pitch, left and right lanes differ. */
const LANES_NONE = 0;
const LANES_ON = 1;
const LANES_PITCH = 2;
const LANES_SPLIT = 4;

/** Envelopes, LFOs and random LFOs: Vital runs them per sample when they reach a per-sample destination. */
function isAudioRateSource(source: number): boolean {
  return source >= SRC_ENV && source < SRC_RANDOM_LFO + 4;
}

/**
 * One destination's per-sample modulation (offset from the parameter's value) for the left and right lane:
 * the control-rate slots' sum ramped across the block, plus every per-sample slot.
 */
class PerSampleDestination {
  /** Per lane (in the voice's kernel memory when it has one: Voice.homeInKernel). */
  L: Float32Array = new Float32Array(MAX_BLOCK);
  R: Float32Array = new Float32Array(MAX_BLOCK);
  ctrlL = 0;
  ctrlR = 0;
  /** This block's right lane differs from the left (else `R` is stale and `right` is `L`). */
  split = false;
  /** This block's control-rate ramp of each lane (from, to), written by the lane's first slot or on its own. */
  fromL = 0;
  toL = 0;
  fromR = 0;
  toR = 0;
  /** The lane's ramp is not written yet. */
  pendingL = false;
  pendingR = false;
  constructor(readonly param: number) {}
  get right(): Float32Array {
    return this.split ? this.R : this.L;
  }
}
/** Unison counts from which an undistorted oscillator runs in the SIMD kernel (unison-kernel.ts). */
const KERNEL_MIN_VOICES = 3;

/** How often an oscillator rebuilds its band-limited cycle (and the length of the cross-fade), as Vital. */
const CYCLE_UPDATE_SECONDS = 0.007;
const STACK_RATIOS: number[][] = (() => {
  const F = Math.pow(2, 7 / 12);
  const M3 = Math.pow(2, 4 / 12);
  const m3 = Math.pow(2, 3 / 12);
  return [
    [1, 1, 1, 1, 1, 1, 1, 1],
    [0.5, 1, 1, 1, 1, 1, 1, 1],
    [0.25, 1, 1, 1, 1, 1, 1, 1],
    [1, 2, 1, 2, 1, 2, 1, 2],
    [1, 2, 3, 1, 2, 3, 1, 2],
    [1, F, 2, 1, F, 2, 1, F],
    [1, F, 2, 2 * F, 4, 1, F, 2],
    [1, M3, F, 2, 1, M3, F, 2],
    [1, m3, F, 2, 1, m3, F, 2],
    [1, 2, 3, 4, 5, 6, 7, 8],
    [1, 3, 5, 7, 9, 11, 13, 15],
  ];
})();

function oscIds(n: number) {
  const p = (s: string) => pid(`osc_${n}_${s}`);
  return {
    on: p("on"),
    level: p("level"),
    pan: p("pan"),
    transpose: p("transpose"),
    transposeQuantize: p("transpose_quantize"),
    tune: p("tune"),
    phase: p("phase"),
    randomPhase: p("random_phase"),
    waveFrame: p("wave_frame"),
    midiTrack: p("midi_track"),
    voices: p("unison_voices"),
    detune: p("unison_detune"),
    detunePower: p("detune_power"),
    detuneRange: p("detune_range"),
    blend: p("unison_blend"),
    spread: p("stereo_spread"),
    stack: p("stack_style"),
    frameSpread: p("frame_spread"),
    morphType: p("spectral_morph_type"),
    morphAmount: p("spectral_morph_amount"),
    morphSpread: p("spectral_morph_spread"),
    spectralUnison: p("spectral_unison"),
    destination: p("destination"),
    distortionType: p("distortion_type"),
    distortionAmount: p("distortion_amount"),
    distortionPhase: p("distortion_phase"),
    distortionSpread: p("distortion_spread"),
  };
}

function filterIds(n: number) {
  const p = (s: string) => pid(`filter_${n}_${s}`);
  return {
    on: p("on"),
    model: p("model"),
    style: p("style"),
    cutoff: p("cutoff"),
    resonance: p("resonance"),
    drive: p("drive"),
    blend: p("blend"),
    blendTranspose: p("blend_transpose"),
    formantX: p("formant_x"),
    formantY: p("formant_y"),
    formantSpread: p("formant_spread"),
    formantTranspose: p("formant_transpose"),
    formantResonance: p("formant_resonance"),
    keytrack: p("keytrack"),
    mix: p("mix"),
    serial: p("filter_input"),
  };
}

function envIds(n: number) {
  const p = (s: string) => pid(`env_${n}_${s}`);
  return {
    delay: p("delay"),
    attack: p("attack"),
    hold: p("hold"),
    decay: p("decay"),
    sustain: p("sustain"),
    release: p("release"),
    attackPower: p("attack_power"),
    decayPower: p("decay_power"),
    releasePower: p("release_power"),
  };
}

function lfoIds(n: number) {
  const p = (s: string) => pid(`lfo_${n}_${s}`);
  return {
    frequency: p("frequency"),
    sync: p("sync"),
    syncType: p("sync_type"),
    tempo: p("tempo"),
    phase: p("phase"),
    fade: p("fade_time"),
    delay: p("delay_time"),
    smoothMode: p("smooth_mode"),
    smoothTime: p("smooth_time"),
    keytrackTranspose: p("keytrack_transpose"),
    keytrackTune: p("keytrack_tune"),
    stereo: p("stereo"),
  };
}

function randomIds(n: number) {
  const p = (s: string) => pid(`random_${n}_${s}`);
  return {
    frequency: p("frequency"),
    sync: p("sync"),
    tempo: p("tempo"),
    style: p("style"),
    stereo: p("stereo"),
    syncType: p("sync_type"),
    keytrackTranspose: p("keytrack_transpose"),
    keytrackTune: p("keytrack_tune"),
  };
}

const OSC = [oscIds(1), oscIds(2), oscIds(3)];
const FILTER = [filterIds(1), filterIds(2)];
const ENV = [1, 2, 3, 4, 5, 6].map(envIds);
const LFO = [1, 2, 3, 4, 5, 6, 7, 8].map(lfoIds);
const RANDOM_LFO = [1, 2, 3, 4].map(randomIds);
const G = {
  sampleOn: pid("sample_on"),
  sampleLevel: pid("sample_level"),
  samplePan: pid("sample_pan"),
  sampleTranspose: pid("sample_transpose"),
  sampleTune: pid("sample_tune"),
  sampleKeytrack: pid("sample_keytrack"),
  sampleLoop: pid("sample_loop"),
  sampleBounce: pid("sample_bounce"),
  sampleRandomPhase: pid("sample_random_phase"),
  sampleDestination: pid("sample_destination"),
  velocityTrack: pid("velocity_track"),
  voiceAmplitude: pid("voice_amplitude"),
  voiceTranspose: pid("voice_transpose"),
  voiceTune: pid("voice_tune"),
  bpm: pid("beats_per_minute"),
  pitchWheel: pid("pitch_wheel"),
  pitchBendRange: pid("pitch_bend_range"),
  modWheel: pid("mod_wheel"),
  portamentoTime: pid("portamento_time"),
  portamentoSlope: pid("portamento_slope"),
  portamentoScale: pid("portamento_scale"),
  macros: [1, 2, 3, 4].map((i) => pid(`macro_control_${i}`)),
  volume: pid("volume"),
};

/** Per-oscillator playback state for up to 16 unison voices. */
class OscState {
  readonly phase = new Float64Array(MAX_UNISON);
  readonly inc = new Float64Array(MAX_UNISON);
  readonly gainL = new Float64Array(MAX_UNISON);
  readonly gainR = new Float64Array(MAX_UNISON);
  readonly ratio = new Float64Array(MAX_UNISON);
  readonly cents = new Float64Array(MAX_UNISON);
  /** 2^(cents/1200) of each voice, and the cents it was computed for (detune is rarely modulated). */
  readonly detune = new Float64Array(MAX_UNISON).fill(1);
  readonly detunedCents = new Float64Array(MAX_UNISON);
  /** Each unison pair's detune curve value P(t, power), for `curvePower` (NaN: none yet). */
  readonly curve = new Float64Array(MAX_UNISON);
  curvePower = NaN;
  /** Per-sample path: the voice's increment relative to the oscillator's base (stack ratio · detune). */
  readonly mult = new Float64Array(MAX_UNISON);
  readonly cycle: (Float32Array | null)[] = new Array(MAX_UNISON).fill(null);
  readonly prev: (Float32Array | null)[] = new Array(MAX_UNISON).fill(null);
  /** Cross-fade position from `prev` to `cycle`, 0 … 1. */
  readonly fade = new Float64Array(MAX_UNISON).fill(1);
  sinceUpdate = 0;
  /** Phase offset (cycles) applied at the end of the previous block, when the phase is modulated. */
  phaseOffset = 0;
  count = 0;
  started = false;
  levelL = 0;
  levelR = 0;
  /** Level applied at the end of the previous block, for the per-block ramp. */
  lastL = 0;
  lastR = 0;
  /** Pan gains of the previous block (per-sample level path). */
  panL = 0;
  panR = 0;
}

function sameSignal(a: Float32Array, b: Float32Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameSignal64(a: Float64Array, b: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Vital's master volume: dB = √v − 80. */
export function volumeGain(raw: number): number {
  return Math.pow(10, (Math.sqrt(Math.max(0, raw)) - 80) / 20);
}

/** 2^k for whole k in [-EXP2_RANGE, EXP2_RANGE]. */
const EXP2_RANGE = 64;
const EXP2_WHOLE = Float64Array.from({ length: 2 * EXP2_RANGE + 1 }, (_, i) => Math.pow(2, i - EXP2_RANGE));

/**
 * 2^x as Vital's per-sample pitch takes it (futils::exp2): 2 to the nearest whole power times a fifth-order
 * polynomial of the remainder, within 6.2e-6 of the exact value (coefficients from Vital, GPL-3.0, Matt Tytel).
 */
export function exp2Fast(x: number): number {
  const whole = Math.round(x);
  if (whole < -EXP2_RANGE || whole > EXP2_RANGE) return Math.pow(2, x);
  const t = x - whole;
  const cubic = t * (t * (t * (32 / 24483) + 80 / 8161) + 1360 / 24483) + 1960 / 8161;
  return EXP2_WHOLE[whole + EXP2_RANGE]! * (t * (t * cubic + 16970 / 24483) + 1);
}

/**
 * perSampleLanes' loop for a per-sample transpose with a block-rate tune and no transpose snapping (the same
 * arithmetic as snappedPitch without a table): increment multipliers relative to `pitchEnd`, and minus 1 for
 * the unison kernel when given.
 */
function transposeMultipliers(
  midi: number,
  trBase: number,
  tr: Float32Array,
  tune: number,
  pitchEnd: number,
  out: Float64Array,
  outKernel: Float32Array | null,
  n: number,
): void {
  if (outKernel === null)
    for (let i = 0; i < n; i++) out[i] = exp2Fast((midi + (trBase + tr[i]!) + tune - pitchEnd) / 12);
  else
    for (let i = 0; i < n; i++) {
      const mult = exp2Fast((midi + (trBase + tr[i]!) + tune - pitchEnd) / 12);
      out[i] = mult;
      outKernel[i] = mult - 1;
    }
}

/** Phase offsets in cycles as 32-bit phases (the kernel's units), wrapped into one cycle. */
function toPhaseUnits(off: Float64Array, out: Uint32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = off[i]!;
    out[i] = (x - Math.floor(x)) * PHASE_SCALE;
  }
}

/** off[i] = base + mod[i] in cycles, and (when given) the same in the kernel's units, in one pass. */
function phaseOffsets(
  base: number,
  mod: Float32Array,
  off: Float64Array,
  units: Uint32Array | null,
  n: number,
): void {
  for (let i = 0; i < n; i++) {
    const x = base + mod[i]!;
    off[i] = x;
    if (units !== null) units[i] = (x - Math.floor(x)) * PHASE_SCALE;
  }
}

/** A block-rate phase offset ramped per sample (from `start`, `step` per sample), as phaseOffsets writes it. */
function rampOffsets(
  start: number,
  step: number,
  off: Float64Array,
  units: Uint32Array | null,
  n: number,
): void {
  if (units === null) for (let i = 0; i < n; i++) off[i] = start + step * (i + 1);
  else
    for (let i = 0; i < n; i++) {
      const x = start + step * (i + 1);
      off[i] = x;
      units[i] = (x - Math.floor(x)) * PHASE_SCALE;
    }
}

/**
 * The voice's output pass: the bus times the amplitude squared (A = amp · scale), added into the output; `amp`
 * keeps A², single precision, for the Direct Out pass and lastAmp.
 */
function addAmplified(
  amp: Float32Array,
  scale: number,
  busL: Float32Array,
  busR: Float32Array,
  outL: Float32Array,
  outR: Float32Array,
  n: number,
): void {
  for (let i = 0; i < n; i++) {
    const e = amp[i]! * scale;
    const a = Math.fround(e * e);
    amp[i] = a;
    outL[i] = outL[i]! + busL[i]! * a;
    outR[i] = outR[i]! + busR[i]! * a;
  }
}

function copyLfoBlock(from: LfoBlock, to: LfoBlock): void {
  to.hz = from.hz;
  to.syncType = from.syncType;
  to.phaseOffset = from.phaseOffset;
  to.fadeSeconds = from.fadeSeconds;
  to.delaySeconds = from.delaySeconds;
  to.smooth = from.smooth;
  to.smoothSeconds = from.smoothSeconds;
  to.blockSeconds = from.blockSeconds;
  to.released = from.released;
}

/** dst[0 … n) = src[0 … n), by loop: `set(subarray())` would allocate a view per block. */
function copyInto(dst: Float32Array, src: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) dst[i] = src[i]!;
}

/** out = dry + mix · (out − dry): a filter's dry/wet mix. */
function mixDry(out: Float32Array, dry: Float32Array, mix: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = dry[i]! + mix * (out[i]! - dry[i]!);
}

function rampInto(out: Float32Array, from: number, to: number, n: number): void {
  const step = (to - from) / n;
  for (let i = 0; i < n; i++) out[i] = from + step * (i + 1);
}

/** Whether addSlot shapes a slot with this power by its curve (else linearly). */
function isCurved(power: number): boolean {
  return power !== 0 && Math.abs(-power) >= POWER_LINEAR;
}

function quartic(x: number): number {
  const y = x > 0 ? x : 0;
  const y2 = y * y;
  return y2 * y2;
}

function clampUnit(x: number): number {
  return x < -1 ? -1 : x > 1 ? 1 : x;
}

/**
 * Adds one per-sample slot into `out`: the source shaped as `Voice.modulate` does (remap, power, bipolar)
 * times the amount ramped from `from` to `to` (amount × destination range, right lane negated for a stereo slot).
 * With `fresh`, `out` holds nothing yet: the slot is added to the destination's ramp from `base` to `baseTo`
 * (rampInto's values) in the same pass.
 */
function addSlot(
  slot: ModSlot,
  src: Float32Array,
  out: Float32Array,
  from: number,
  to: number,
  power: number,
  n: number,
  fresh: boolean,
  base: number,
  baseTo: number,
): void {
  const baseStep = (baseTo - base) / n;
  const step = (to - from) / n;
  const mapping = slot.mapping;
  const bipolar = slot.bipolar;
  // powerCurve(|s|, -power) with its denominator taken once per block
  const k = -power;
  const curved = power !== 0 && Math.abs(k) >= POWER_LINEAR;
  const denominator = Math.exp(k) - 1;
  if (!mapping && !curved) {
    // the common case, its branches taken out of the loop (the same arithmetic)
    if (bipolar && fresh)
      for (let i = 0; i < n; i++)
        out[i] = Math.fround(base + baseStep * (i + 1)) + (2 * src[i]! - 1) * 0.5 * (from + step * (i + 1));
    else if (bipolar)
      for (let i = 0; i < n; i++) out[i] = out[i]! + (2 * src[i]! - 1) * 0.5 * (from + step * (i + 1));
    else if (fresh)
      for (let i = 0; i < n; i++)
        out[i] = Math.fround(base + baseStep * (i + 1)) + src[i]! * (from + step * (i + 1));
    else for (let i = 0; i < n; i++) out[i] = out[i]! + src[i]! * (from + step * (i + 1));
    return;
  }
  if (fresh) rampInto(out, base, baseTo, n);
  for (let i = 0; i < n; i++) {
    let s = src[i]!;
    if (mapping) s = readLine(mapping, s);
    if (bipolar) s = 2 * s - 1;
    let x = curved ? (Math.sign(s) * (Math.exp(k * Math.abs(s)) - 1)) / denominator : s;
    if (bipolar) x *= 0.5;
    out[i] = out[i]! + x * (from + step * (i + 1));
  }
}

const ROUTE_F1 = 0;
const ROUTE_F2 = 1;
const ROUTE_BOTH = 2;
const ROUTE_BUS = 3;
/** Destination "Direct Out": past the effect chain, straight to the master output (still × amplitude). */
const ROUTE_DIRECT = 4;

export interface VoiceContext {
  /** Internal (oversampled) rate. */
  sampleRate: number;
  /** Highest oscillator harmonic frequency in cycles per internal sample (the host Nyquist). */
  harmonicLimit: number;
  beatsPerSecond: number;
  /** Render every oscillator with the JavaScript loops, never the SIMD unison kernel (tests compare the two). */
  scalarOscillators?: boolean;
}

export class Voice {
  readonly program: VitalProgram;
  private readonly sr: number;
  // modulation
  private readonly mods = new Float64Array(PARAM_COUNT);
  /** Right-channel modulation when the patch modulates in stereo (stereo slots, LFO stereo offsets). */
  private readonly modsR: Float64Array;
  private readonly sourcesR = new Float64Array(SOURCE_COUNT);
  /** `sources` / `sourcesR` with the LFOs read at the block's end phase (for audio-rate destinations). */
  private readonly sourcesAhead = new Float64Array(SOURCE_COUNT);
  private readonly sourcesAheadR = new Float64Array(SOURCE_COUNT);
  private readonly lfosR: Lfo[] = [];
  private readonly stereo: boolean;
  private readonly filterSettingsR: FilterSettings = defaultFilterSettings();
  private readonly sources = new Float64Array(SOURCE_COUNT);
  // generators
  private readonly envs: Envelope[] = [];
  private readonly envTimes: EnvelopeTimes[] = [];
  private readonly lfos: Lfo[] = [];
  // settings records (this one, `rate`, `envTimes`), filled before each use
  private readonly lfoBlock: LfoBlock = {
    hz: DOUBLE_ZERO,
    syncType: 0,
    phaseOffset: DOUBLE_ZERO,
    fadeSeconds: DOUBLE_ZERO,
    delaySeconds: DOUBLE_ZERO,
    smooth: false,
    smoothSeconds: DOUBLE_ZERO,
    blockSeconds: DOUBLE_ZERO,
    released: false,
  };
  /** The right lane's LFO block values where both lanes render together (renderLfoPair). */
  private readonly lfoBlockR: LfoBlock = { ...this.lfoBlock };
  private readonly lfoStartL = new AudioBlockStart();
  /** slotSumInKernel's per-lane values (left, right). */
  private readonly slotLanes = {
    from: new Float64Array(2),
    step: new Float64Array(2),
    base: new Float64Array(2),
    baseStep: new Float64Array(2),
  };
  private readonly lfoStartR = new AudioBlockStart();
  private readonly rate: RateSettings = {
    frequency: DOUBLE_ZERO,
    sync: 0,
    tempo: DOUBLE_ZERO,
    beatsPerSecond: DOUBLE_ZERO,
    keytrackTranspose: DOUBLE_ZERO,
    keytrackTune: DOUBLE_ZERO,
    note: DOUBLE_ZERO,
  };
  private readonly randomLfos: RandomLfo[] = [];
  private readonly osc: OscState[] = [new OscState(), new OscState(), new OscState()];
  private readonly filters: VoiceFilter[][];
  /** Per filter: the right channel's state is held by the left filter (both channels were identical). */
  private readonly filterMirrored = [false, false];
  private readonly filterSettings: FilterSettings = defaultFilterSettings();
  /** Vital's generators of this voice's pair, and which voice of the pair this is (0 or 1). */
  private readonly random: VoicePairRandom;
  private readonly lane: number;
  /** The 16 start-phase draws of one oscillator reset (Vital's eight lane pairs). */
  private readonly phaseDraws = new Float64Array(MAX_UNISON);
  // buffers (L, R per route)
  private readonly f1L = new Float32Array(MAX_BLOCK);
  private readonly f1R = new Float32Array(MAX_BLOCK);
  private readonly f2L = new Float32Array(MAX_BLOCK);
  private readonly f2R = new Float32Array(MAX_BLOCK);
  private readonly busL = new Float32Array(MAX_BLOCK);
  private readonly busR = new Float32Array(MAX_BLOCK);
  private readonly directL = new Float32Array(MAX_BLOCK);
  private readonly directR = new Float32Array(MAX_BLOCK);
  private directUsed = false;
  private readonly dryL = new Float32Array(MAX_BLOCK);
  private readonly dryR = new Float32Array(MAX_BLOCK);
  private readonly amp = new Float32Array(MAX_BLOCK);
  /** Each oscillator's output before level and pan (Vital's "raw" output, which FM/RM read). */
  private readonly oscRawL = [0, 1, 2].map(() => new Float32Array(MAX_BLOCK));
  private readonly oscRawR = [0, 1, 2].map(() => new Float32Array(MAX_BLOCK));
  private readonly sampleRawL = new Float32Array(MAX_BLOCK);
  private readonly sampleRawR = new Float32Array(MAX_BLOCK);
  // oscillator distortions (osc-distortion.ts)
  private readonly distTypes: number[];
  private readonly transposeQuantize: number[];
  private readonly snapTables: (Float32Array | null)[];
  /** Oscillators in the order they run (a modulator before the oscillator it modulates). */
  private readonly oscOrder: number[];
  /** Some oscillator reads the sample: render the sample first, as Vital does. */
  private readonly sampleFirst: boolean;
  private readonly distStates = [0, 1, 2].map(() => new OscDistortionState());
  private readonly distReader = new DistortedVoiceReader(MAX_BLOCK);
  // note state
  note = 60;
  private startNote = 60;
  private targetNote = 60;
  /** Glide length in units of the (modulated) portamento time: 0 without glide, |Δnote|/12 with scaling. */
  private glideScale = 0;
  private glideElapsed = 0;
  velocity = 0.7;
  private liftVelocity = 0.5;
  private randomValue = 0;
  private seconds = 0;
  /** Host time of the note-on (transport-synced random LFOs). */
  private noteOnTransport = 0;
  /** Sample read position in level-0 (2× upsampled) samples: whole part, fraction, and the reversed half of a bounce. */
  private sampleIndex = 0;
  private sampleFraction = DOUBLE_ZERO;
  private sampleBounced = false;
  /** Level-0 samples per voice sample at the end of the last block (0: none yet, take the first block's). */
  private sampleInc = DOUBLE_ZERO;
  private lastAmp = 0;
  held = false;
  age = 0;
  private readonly phaseModulated: boolean[];
  // Per-sample modulation (Vital's audio-rate connections): slots from an envelope, LFO or random LFO to an
  // oscillator's transpose, tune, phase or level. Empty for most patches, which then pay nothing.
  private readonly audioSlot: Uint8Array;
  private readonly audioSlots: number[] = [];
  private readonly slotAmountL: Float64Array;
  private readonly slotAmountR: Float64Array;
  /** This block's per-sample slot amounts and powers (left; right), before they become the `slotAmount*`. */
  private readonly slotAmount: Float64Array;
  private readonly slotAmountNextR: Float64Array;
  private readonly slotPower: Float64Array;
  private readonly slotPowerR: Float64Array;
  private readonly perSample: (PerSampleDestination | null)[];
  private readonly perSampleDests: PerSampleDestination[] = [];
  private readonly srcL: (Float32Array | null)[] = new Array<Float32Array | null>(SOURCE_COUNT).fill(null);
  private readonly srcR: (Float32Array | null)[] = new Array<Float32Array | null>(SOURCE_COUNT).fill(null);
  private perSampleStarted = false;
  // per-oscillator scratch for the per-sample path
  private readonly incMultL = new Float64Array(MAX_BLOCK);
  private readonly incMultR = new Float64Array(MAX_BLOCK);
  private readonly phaseOffL = new Float64Array(MAX_BLOCK);
  private readonly phaseOffR = new Float64Array(MAX_BLOCK);
  /** Per oscillator: its spectral morph state (spectral-morph.ts), null without a morph. */
  private readonly morphs: (OscMorph | null)[];
  private readonly ctx: VoiceContext;
  /** The SIMD unison kernel (null: not needed, not available or not wanted), and its staging. */
  private readonly unison: UnisonKernel | null;
  /**
   * Per oscillator: one or two undistorted voices whose pitch is modulated per sample by transpose alone run
   * in the unison kernel's lane-pair functions (lane-pair-kernel.ts) when the kernel exists (one voice: in a
   * patch that modulates in stereo, when its lanes differ).
   */
  private readonly pairOsc: boolean[];
  private readonly kernelCycles: Float32Array[] = [];
  private readonly kernelAddr = new Int32Array(2 * MAX_UNISON);

  constructor(program: VitalProgram, ctx: VoiceContext, random: VoicePairRandom, lane: number) {
    this.program = program;
    this.ctx = ctx;
    this.sr = ctx.sampleRate;
    this.random = random;
    this.lane = lane;
    this.phaseModulated = OSC.map((ids) => program.modulated.includes(ids.phase));
    this.morphs = OSC.map((ids, o) => {
      const type = Math.round(program.values[ids.morphType]!);
      return type >= 1 && type <= 11 ? new OscMorph(type, this.sr, program.wavetables[o]!) : null;
    });
    this.distTypes = OSC.map((ids) => Math.round(program.values[ids.distortionType]!));
    this.transposeQuantize = OSC.map((ids) => Math.round(program.values[ids.transposeQuantize]!));
    this.snapTables = this.transposeQuantize.map((q) => (isTransposeSnapping(q) ? snapTable(q) : null));
    this.oscOrder = processingOrder(this.distTypes);
    this.sampleFirst = this.distTypes.some((t, o) => modulatorOf(o, t) === MODULATOR_SAMPLE);
    for (let i = 0; i < 6; i++) {
      this.envs.push(new Envelope());
      this.envTimes.push({
        delay: DOUBLE_ZERO,
        attack: DOUBLE_ZERO,
        hold: DOUBLE_ZERO,
        decay: DOUBLE_ZERO,
        release: DOUBLE_ZERO,
        sustain: DOUBLE_ZERO,
        attackPower: DOUBLE_ZERO,
        decayPower: DOUBLE_ZERO,
        releasePower: DOUBLE_ZERO,
      });
    }
    for (let i = 0; i < 8; i++) this.lfos.push(new Lfo(program.lfoTables[i]!));
    this.stereo =
      program.slots.some((sl) => sl.stereo) ||
      RANDOM_LFO.some(
        (ids, i) => program.usedSources[SRC_RANDOM_LFO + i] === 1 && program.values[ids.stereo]! >= 0.5,
      ) ||
      LFO.some(
        (ids, i) =>
          program.usedSources[SRC_LFO + i] === 1 &&
          (program.values[ids.stereo]! !== 0 || program.modulated.includes(ids.stereo)),
      );
    this.modsR = new Float64Array(this.stereo ? PARAM_COUNT : 0);
    if (this.stereo) for (let i = 0; i < 8; i++) this.lfosR.push(new Lfo(program.lfoTables[i]!));
    for (let i = 0; i < 4; i++) this.randomLfos.push(new RandomLfo(random.randomLfos[i]!, lane));
    this.filters = [
      [new VoiceFilter(this.sr), new VoiceFilter(this.sr)],
      [new VoiceFilter(this.sr), new VoiceFilter(this.sr)],
    ];
    const slots = program.slots;
    this.audioSlot = new Uint8Array(slots.length);
    this.slotAmountL = new Float64Array(slots.length);
    this.slotAmountR = new Float64Array(slots.length);
    this.slotAmount = new Float64Array(slots.length);
    this.slotAmountNextR = new Float64Array(slots.length);
    this.slotPower = new Float64Array(slots.length);
    this.slotPowerR = new Float64Array(slots.length);
    this.perSample = new Array<PerSampleDestination | null>(PARAM_COUNT).fill(null);
    const perSampleDest = (param: number) => {
      if (this.perSample[param] === null) {
        const d = new PerSampleDestination(param);
        this.perSample[param] = d;
        this.perSampleDests.push(d);
      }
    };
    slots.forEach((slot, i) => {
      const name = PARAM_NAMES[slot.dest]!;
      if (isAudioRateSource(slot.source) && PER_SAMPLE_DESTINATION.test(name)) {
        this.audioSlot[i] = 1;
        this.audioSlots.push(i);
        perSampleDest(slot.dest);
        const src = slot.source;
        if (this.srcL[src] === null) {
          this.srcL[src] = new Float32Array(MAX_BLOCK);
          // a mono random LFO gives both lanes the same values: its left buffer serves both
          const monoRandom =
            src >= SRC_RANDOM_LFO && program.values[RANDOM_LFO[src - SRC_RANDOM_LFO]!.stereo]! < 0.5;
          if (this.stereo && src >= SRC_LFO && !monoRandom) this.srcR[src] = new Float32Array(MAX_BLOCK);
        }
      } else if (this.stereo && LANE_DESTINATION.test(name) && this.slotDiffersByChannel(slot)) {
        perSampleDest(slot.dest);
      }
    });
    this.pairOsc = OSC.map((ids, o) => {
      const count = Math.round(program.values[ids.voices]!);
      return (
        program.values[ids.on]! >= 0.5 &&
        this.distTypes[o] === 0 &&
        count < KERNEL_MIN_VOICES &&
        (count === 2 || this.stereo) &&
        this.perSample[ids.transpose] !== null &&
        this.perSample[ids.tune] === null &&
        this.perSample[ids.phase] === null &&
        this.snapTables[o] === null
      );
    });
    this.unison = this.makeUnisonKernel();
    for (let i = 0; i < 4; i++) {
      this.randomLfos[i]!.audioL = this.srcL[SRC_RANDOM_LFO + i];
      this.randomLfos[i]!.audioR = this.srcR[SRC_RANDOM_LFO + i];
    }
  }

  /** Whether a slot can give the left and right channel different values (stereo slot or stereo source). */
  private slotDiffersByChannel(slot: ModSlot): boolean {
    if (slot.stereo) return true;
    const v = this.program.values;
    if (slot.source >= SRC_LFO && slot.source < SRC_LFO + 8) {
      const ids = LFO[slot.source - SRC_LFO]!;
      return v[ids.stereo]! !== 0 || this.program.modulated.includes(ids.stereo);
    }
    if (slot.source >= SRC_RANDOM_LFO && slot.source < SRC_RANDOM_LFO + 4)
      return v[RANDOM_LFO[slot.source - SRC_RANDOM_LFO]!.stereo]! >= 0.5;
    return false;
  }

  get active(): boolean {
    return this.envs[0]!.active;
  }

  /** This block's modulation offsets per parameter (raw units); the effect chain reads the newest voice's. */
  get modulation(): Float64Array {
    return this.mods;
  }

  /** This block's right-channel offsets, when the patch modulates in stereo. */
  get modulationR(): Float64Array | undefined {
    return this.stereo ? this.modsR : undefined;
  }

  /** The note this voice plays (its glide target). */
  get playingNote(): number {
    return this.targetNote;
  }

  /** Raw value of a parameter after modulation, clamped to its range. */
  private v(i: number): number {
    const x = this.program.values[i]! + this.mods[i]!;
    return x < PARAM_MIN[i]! ? PARAM_MIN[i]! : x > PARAM_MAX[i]! ? PARAM_MAX[i]! : x;
  }

  /** Value after modulation without the range clamp (Vital's modulation sum does not clamp; a processor may). */
  private vFree(i: number): number {
    return this.program.values[i]! + this.mods[i]!;
  }

  /** Right-channel value (equals `v` unless the patch modulates in stereo). */
  private vR(i: number): number {
    if (!this.stereo) return this.v(i);
    const x = this.program.values[i]! + this.modsR[i]!;
    return x < PARAM_MIN[i]! ? PARAM_MIN[i]! : x > PARAM_MAX[i]! ? PARAM_MAX[i]! : x;
  }

  /** `transportSeconds`: host time of the note-on (LFOs in Sync mode take their phase from it). */
  noteOn(note: number, velocity: number, fromNote: number | undefined, transportSeconds = 0): void {
    const wasActive = this.active;
    this.targetNote = note;
    const portamento = Math.pow(2, this.program.values[G.portamentoTime]!);
    if (fromNote !== undefined && portamento > 0.0011) {
      this.startNote = fromNote;
      this.glideScale = this.program.values[G.portamentoScale]! >= 0.5 ? Math.abs(note - fromNote) / 12 : 1;
    } else {
      this.startNote = note;
      this.glideScale = 0;
    }
    this.glideElapsed = 0;
    this.note = this.startNote;
    this.velocity = velocity;
    this.held = true;
    this.age = 0;
    this.seconds = 0;
    this.noteOnTransport = transportSeconds;
    this.randomValue = this.random.trigger.next();
    this.perSampleStarted = false;
    this.mods.fill(0);
    this.updateSources();
    this.applyModulation();
    for (let i = 0; i < 6; i++) {
      this.updateEnvTimes(i);
      if (!wasActive) this.envs[i]!.kill();
      this.envs[i]!.trigger(this.envTimes[i]!);
    }
    for (let i = 0; i < 8; i++) {
      const sync = Math.round(this.program.values[LFO[i]!.syncType]!) === SYNC_SYNC;
      this.lfos[i]!.trigger(sync ? this.lfoHz(i) * transportSeconds : 0);
      if (this.stereo) this.lfosR[i]!.trigger(sync ? this.lfoHz(i) * transportSeconds : 0);
    }
    for (const r of this.randomLfos) r.trigger();
    this.sampleIndex = 0;
    this.sampleFraction = 0;
    this.sampleBounced = false;
    this.sampleInc = 0;
    if (this.program.values[G.sampleRandomPhase]! >= 0.5) {
      // Vital draws two values per block while random phase is on (voice 1's lanes, then voice 0's); at the
      // note's first block each voice takes its own (facts from Vital's sample source).
      const first = this.random.sample.next();
      const second = this.random.sample.next();
      const u = this.lane === 0 ? second : first;
      const start = Math.fround(u * 2 * this.program.sample.length);
      this.sampleIndex = Math.floor(start);
      this.sampleFraction = start - this.sampleIndex;
    }
    if (!wasActive) {
      for (const fs of this.filters) for (const f of fs) f.reset();
      this.filterMirrored[0] = false;
      this.filterMirrored[1] = false;
      this.lastAmp = 0;
    }
    for (let o = 0; o < 3; o++) this.startOsc(o, !wasActive);
  }

  noteOff(lift = 0.5): void {
    if (!this.held) return;
    this.held = false;
    this.liftVelocity = lift;
    for (const e of this.envs) e.release();
  }

  kill(): void {
    for (const e of this.envs) e.kill();
    this.held = false;
  }

  private startOsc(o: number, resetPhase: boolean): void {
    const ids = OSC[o]!;
    const st = this.osc[o]!;
    st.started = false;
    if (this.program.values[ids.on]! < 0.5) return;
    const n = Math.max(1, Math.min(MAX_UNISON, Math.round(this.program.values[ids.voices]!)));
    st.count = n;
    st.curvePower = NaN;
    if (resetPhase) {
      // a modulated phase is added while reading (below); otherwise it is folded into the start phase
      const phase = this.phaseModulated[o] ? 0 : this.v(ids.phase) - 0.5;
      st.phaseOffset = this.v(ids.phase) - 0.5;
      const rp = this.v(ids.randomPhase);
      // Vital draws 16 values per reset (left and right lane of 8 voice pairs), whatever the voice count;
      // with an odd count the centre voice takes the first pair's right-lane draw.
      const gen = this.random.osc[o]!;
      const d = this.phaseDraws;
      for (let k = 0; k < MAX_UNISON; k++) d[k] = gen.next();
      const odd = (n & 1) === 1;
      for (let i = 0; i < n; i++) st.phase[i] = phase + vitalRandomPhase(d[odd ? i + 1 : i]!, rp);
      for (let i = 0; i < n; i++) st.phase[i] = st.phase[i]! - Math.floor(st.phase[i]!);
      if (odd) st.phase[CENTRE_R] = st.phase[0]!;
      st.cycle.fill(null);
      st.prev.fill(null);
    }
  }

  /**
   * The voice's note as Vital's keytracking, LFO rates and the `note` source see it: the (gliding) note plus
   * pitch bend, voice tune and voice transpose, with their current modulation.
   */
  private bentNote(right = false): number {
    const bend = this.program.values[G.pitchWheel]! * this.program.values[G.pitchBendRange]!;
    if (right) return this.note + bend + this.vR(G.voiceTranspose) + this.vR(G.voiceTune);
    return this.note + bend + this.v(G.voiceTranspose) + this.v(G.voiceTune);
  }

  /** An LFO's rate from its (modulated) frequency, tempo or keytrack settings; `right`: the right channel's. */
  private lfoHz(i: number, right = false): number {
    const ids = LFO[i]!;
    const r = this.rate;
    r.frequency = right ? this.vR(ids.frequency) : this.v(ids.frequency);
    r.sync = Math.round(this.program.values[ids.sync]!);
    r.tempo = right ? this.vR(ids.tempo) : this.v(ids.tempo);
    r.beatsPerSecond = this.ctx.beatsPerSecond;
    r.keytrackTranspose = right ? this.vR(ids.keytrackTranspose) : this.v(ids.keytrackTranspose);
    r.keytrackTune = right ? this.vR(ids.keytrackTune) : this.v(ids.keytrackTune);
    r.note = this.bentNote(right);
    return rateHz(r);
  }

  private updateEnvTimes(i: number): void {
    const ids = ENV[i]!;
    const t = this.envTimes[i]!;
    const s = this.sr;
    t.delay = quartic(this.v(ids.delay)) * s;
    t.attack = quartic(this.v(ids.attack)) * s;
    t.hold = quartic(this.v(ids.hold)) * s;
    t.decay = quartic(this.v(ids.decay)) * s;
    t.release = quartic(this.v(ids.release)) * s;
    t.sustain = this.v(ids.sustain);
    t.attackPower = this.v(ids.attackPower);
    t.decayPower = this.v(ids.decayPower);
    t.releasePower = this.v(ids.releasePower);
  }

  private updateSources(): void {
    const s = this.sources;
    for (let i = 0; i < 6; i++) s[SRC_ENV + i] = this.envs[i]!.value;
    for (let i = 0; i < 8; i++) s[SRC_LFO + i] = this.lfos[i]!.value;
    for (let i = 0; i < 4; i++) s[SRC_RANDOM_LFO + i] = this.randomLfos[i]!.value;
    s[SRC_VELOCITY] = this.velocity;
    s[SRC_NOTE] = this.bentNote() / 127;
    s[SRC_NOTE_IN_OCTAVE] = (((this.note % 12) + 12) % 12) / 12;
    s[SRC_RANDOM] = this.randomValue;
    for (let i = 0; i < 4; i++) s[SRC_MACRO + i] = this.program.values[G.macros[i]!]!;
    s[SRC_MOD_WHEEL] = this.program.values[G.modWheel]!;
    s[SRC_PITCH_WHEEL] = this.program.values[G.pitchWheel]!;
    s[SRC_AFTERTOUCH] = 0;
    s[SRC_SLIDE] = 0;
    s[SRC_LIFT] = this.liftVelocity;
    s[SRC_STEREO] = 0;
  }

  private applyModulation(): void {
    this.sourcesAhead.set(this.sources);
    for (let i = 0; i < 8; i++) this.sourcesAhead[SRC_LFO + i] = this.lfos[i]!.valueAhead;
    this.modulate(this.mods, this.sources, this.sourcesAhead, false);
    if (this.stereo) {
      this.sourcesR.set(this.sources);
      for (let i = 0; i < 8; i++) this.sourcesR[SRC_LFO + i] = this.lfosR[i]!.value;
      for (let i = 0; i < 4; i++) this.sourcesR[SRC_RANDOM_LFO + i] = this.randomLfos[i]!.valueR;
      this.sourcesAheadR.set(this.sourcesR);
      for (let i = 0; i < 8; i++) this.sourcesAheadR[SRC_LFO + i] = this.lfosR[i]!.valueAhead;
      this.modulate(this.modsR, this.sourcesR, this.sourcesAheadR, true);
    }
  }

  private modulate(mods: Float64Array, sources: Float64Array, ahead: Float64Array, right: boolean): void {
    const p = this.program;
    for (let i = 0; i < p.modulated.length; i++) mods[p.modulated[i]!] = 0;
    const audio = this.audioSlot;
    for (let i = 0; i < p.slots.length; i++) {
      if (audio[i] === 1) continue; // summed per sample (renderPerSample)
      const slot = p.slots[i]!;
      let s = slot.audioRate ? ahead[slot.source]! : sources[slot.source]!;
      if (slot.mapping) s = readLine(slot.mapping, s);
      const amount = Math.max(-1, Math.min(1, p.values[slot.amountIndex]! + mods[slot.amountIndex]!));
      const power = p.values[slot.powerIndex]! + mods[slot.powerIndex]!;
      let x: number;
      if (slot.bipolar) {
        const b = 2 * s - 1;
        x = 0.5 * (power !== 0 ? Math.sign(b) * powerCurve(Math.abs(b), -power) : b);
      } else x = power !== 0 ? Math.sign(s) * powerCurve(Math.abs(s), -power) : s;
      const sign = right && slot.stereo ? -1 : 1;
      mods[slot.dest] = mods[slot.dest]! + sign * x * amount * slot.range;
    }
  }

  /**
   * The per-sample destinations of this block: the control-rate sum (already in mods/modsR) ramped from the
   * previous block's, plus each per-sample slot (source per sample, amount ramped as Vital's connection does).
   * Leaves each destination's last value in mods/modsR for the block-rate readers.
   */
  private renderPerSample(n: number): void {
    const first = !this.perSampleStarted;
    this.perSampleStarted = true;
    const stereo = this.stereo;
    const p = this.program;
    const slots = this.audioSlots;
    for (const d of this.perSampleDests) {
      const cL = this.mods[d.param]!;
      const cR = stereo ? this.modsR[d.param]! : cL;
      if (first) d.ctrlL = d.ctrlR = 0;
      d.split = stereo && (cR !== cL || (!first && d.ctrlR !== d.ctrlL));
    }
    // this block's amounts and powers (right lane: negated for a stereo slot); a right lane is computed only
    // when one of its inputs differs from the left lane's
    for (let k = 0; k < slots.length; k++) {
      const si = slots[k]!;
      const slot = p.slots[si]!;
      const amount = clampUnit(p.values[slot.amountIndex]! + this.mods[slot.amountIndex]!) * slot.range;
      this.slotAmount[si] = amount;
      this.slotPower[si] = p.values[slot.powerIndex]! + this.mods[slot.powerIndex]!;
      if (!stereo) continue;
      const sign = slot.stereo ? -1 : 1;
      const amountR =
        sign * clampUnit(p.values[slot.amountIndex]! + this.modsR[slot.amountIndex]!) * slot.range;
      this.slotAmountNextR[si] = amountR;
      this.slotPowerR[si] = p.values[slot.powerIndex]! + this.modsR[slot.powerIndex]!;
      const d = this.perSample[slot.dest]!;
      if (d.split) continue;
      const srcR = this.srcR[slot.source];
      d.split =
        amountR !== amount ||
        this.slotPowerR[si] !== this.slotPower[si] ||
        (!first && this.slotAmountR[si] !== this.slotAmountL[si]) ||
        (srcR !== null && !sameSignal(this.srcL[slot.source]!, srcR, n));
    }
    // each lane starts at its control-rate ramp, written by its first slot in the same pass
    for (const d of this.perSampleDests) {
      const cL = this.mods[d.param]!;
      d.fromL = first ? cL : d.ctrlL;
      d.toL = cL;
      d.pendingL = true;
      d.ctrlL = cL;
      const cR = stereo ? this.modsR[d.param]! : cL;
      d.fromR = first ? cR : d.ctrlR;
      d.toR = cR;
      d.pendingR = d.split;
      d.ctrlR = cR;
    }
    const kernel = this.unison;
    for (let k = 0; k < slots.length; k++) {
      const si = slots[k]!;
      const slot = p.slots[si]!;
      const d = this.perSample[slot.dest]!;
      const srcL = this.srcL[slot.source]!;
      const amount = this.slotAmount[si]!;
      const fromL = first ? amount : this.slotAmountL[si]!;
      if (kernel !== null && this.slotSumInKernel(kernel, si, n, first)) {
        this.slotAmountL[si] = amount;
        if (stereo) this.slotAmountR[si] = this.slotAmountNextR[si]!;
        continue;
      }
      addSlot(slot, srcL, d.L, fromL, amount, this.slotPower[si]!, n, d.pendingL, d.fromL, d.toL);
      d.pendingL = false;
      this.slotAmountL[si] = amount;
      if (!stereo) continue;
      const amountR = this.slotAmountNextR[si]!;
      if (d.split) {
        const srcR = this.srcR[slot.source] ?? srcL;
        const from = first ? amountR : this.slotAmountR[si]!;
        addSlot(slot, srcR, d.R, from, amountR, this.slotPowerR[si]!, n, d.pendingR, d.fromR, d.toR);
        d.pendingR = false;
      }
      this.slotAmountR[si] = amountR;
    }
    for (const d of this.perSampleDests) {
      if (d.pendingL) rampInto(d.L, d.fromL, d.toL, n);
      if (d.pendingR) rampInto(d.R, d.fromR, d.toR, n);
      this.mods[d.param] = d.L[n - 1]!;
      if (stereo) this.modsR[d.param] = d.right[n - 1]!;
    }
  }

  /**
   * renderPerSample's step for slot si in the kernel, both lanes at once (a lane not apart gets the left
   * lane's inputs): when it has no remap or power curve and its buffers lie in the kernel's memory. Returns
   * whether it ran.
   */
  private slotSumInKernel(kernel: UnisonKernel, si: number, n: number, first: boolean): boolean {
    const slot = this.program.slots[si]!;
    const d = this.perSample[slot.dest]!;
    const split = this.stereo && d.split;
    if (slot.mapping || isCurved(this.slotPower[si]!) || (split && isCurved(this.slotPowerR[si]!)))
      return false;
    const srcL = this.srcL[slot.source]!;
    const srcR = split ? (this.srcR[slot.source] ?? srcL) : srcL;
    if (!kernel.holds(srcL) || !kernel.holds(srcR)) return false;
    const amount = this.slotAmount[si]!;
    const fromL = first ? amount : this.slotAmountL[si]!;
    const amountR = split ? this.slotAmountNextR[si]! : amount;
    const fromR = split ? (first ? amountR : this.slotAmountR[si]!) : fromL;
    const { from, step, base, baseStep } = this.slotLanes;
    from[0] = fromL;
    step[0] = (amount - fromL) / n;
    base[0] = d.fromL;
    baseStep[0] = (d.toL - d.fromL) / n;
    from[1] = fromR;
    step[1] = (amountR - fromR) / n;
    base[1] = split ? d.fromR : d.fromL;
    baseStep[1] = split ? (d.toR - d.fromR) / n : baseStep[0];
    const flags = (slot.bipolar ? SLOT_BIPOLAR : 0) | (d.pendingL ? SLOT_FRESH : 0);
    kernel.slotSum(srcL, srcR, d.L, d.R, n, flags, from, step, base, baseStep);
    d.pendingL = false;
    if (split) d.pendingR = false;
    return true;
  }

  /** Render `n` (≤ MAX_BLOCK) internal samples, adding the voice's output to outL/outR. */
  /** Adds this voice's effects-bound output to outL/outR and its Direct Out output to directL/directR. */
  process(
    outL: Float32Array,
    outR: Float32Array,
    n: number,
    directL?: Float32Array,
    directR?: Float32Array,
  ): void {
    const blockSeconds = n / this.sr;
    this.age++;
    // Portamento (time and slope follow their modulation, block by block)
    const glideSeconds = this.glideScale * Math.pow(2, this.v(G.portamentoTime));
    if (glideSeconds > 0 && this.glideElapsed < glideSeconds) {
      this.glideElapsed += blockSeconds;
      const t = Math.min(1, this.glideElapsed / glideSeconds);
      const shaped = powerCurve(t, this.v(G.portamentoSlope));
      this.note = this.startNote + (this.targetNote - this.startNote) * shaped;
    } else this.note = this.targetNote;
    const blockStartTransport = this.noteOnTransport + this.seconds;
    this.seconds += blockSeconds;

    // Control-rate generators (their own parameters use the previous block's modulation).
    const used = this.program.usedSources;
    for (let i = 1; i < 6; i++) {
      if (used[SRC_ENV + i] === 0) continue;
      this.updateEnvTimes(i);
      const audio = this.srcL[SRC_ENV + i]!;
      if (audio !== null) this.envs[i]!.render(audio, n, this.envTimes[i]!);
      else this.envs[i]!.advance(n, this.envTimes[i]!);
    }
    const bps = this.ctx.beatsPerSecond;
    const released = !this.held;
    for (let i = 0; i < 8; i++) {
      if (used[SRC_LFO + i] === 0) continue;
      const ids = LFO[i]!;
      const b = this.lfoBlock;
      b.hz = this.lfoHz(i);
      b.syncType = Math.round(this.program.values[ids.syncType]!);
      const stereoPhase = this.v(ids.stereo);
      b.phaseOffset = this.v(ids.phase) + 0.5 * stereoPhase;
      b.fadeSeconds = this.v(ids.fade);
      b.delaySeconds = this.v(ids.delay);
      b.smooth = this.program.values[ids.smoothMode]! >= 0.5;
      b.smoothSeconds = Math.pow(2, this.v(ids.smoothTime));
      b.blockSeconds = blockSeconds;
      b.released = released;
      this.lfos[i]!.advance(b);
      const kernel = this.unison;
      if (kernel !== null && kernel.lfoOutL[i] != null) {
        const bR = this.lfoBlockR;
        copyLfoBlock(b, bR);
        bR.phaseOffset = b.phaseOffset - stereoPhase;
        bR.hz = this.lfoHz(i, true);
        this.lfosR[i]!.advance(bR);
        this.renderLfoPair(kernel, i, n, b, bR);
        continue;
      }
      const audioL = this.srcL[SRC_LFO + i]!;
      if (audioL !== null) this.lfos[i]!.renderAudio(audioL, n, b, 1 / this.sr);
      if (this.stereo) {
        b.phaseOffset -= stereoPhase;
        b.hz = this.lfoHz(i, true);
        this.lfosR[i]!.advance(b);
        const audioR = this.srcR[SRC_LFO + i]!;
        if (audioR !== null) this.lfosR[i]!.renderAudio(audioR, n, b, 1 / this.sr);
      }
    }
    for (let i = 0; i < 4; i++) {
      if (used[SRC_RANDOM_LFO + i] === 0) continue;
      const ids = RANDOM_LFO[i]!;
      const r = this.rate;
      r.frequency = this.v(ids.frequency);
      r.sync = Math.round(this.program.values[ids.sync]!);
      r.tempo = this.v(ids.tempo);
      r.beatsPerSecond = bps;
      r.keytrackTranspose = this.v(ids.keytrackTranspose);
      r.keytrackTune = this.v(ids.keytrackTune);
      r.note = this.bentNote();
      this.randomLfos[i]!.advance(
        rateHz(r),
        n,
        this.sr,
        Math.round(this.program.values[ids.style]!),
        this.program.values[ids.stereo]! >= 0.5,
        this.program.values[ids.syncType]! >= 0.5,
        blockStartTransport,
      );
    }
    this.updateSources();
    // an envelope running per sample hands its block's first value to control-rate readers, as in Vital
    for (let i = 1; i < 6; i++) {
      const audio = this.srcL[SRC_ENV + i]!;
      if (audio !== null) this.sources[SRC_ENV + i] = audio[0]!;
    }
    this.applyModulation();

    // Amplitude envelope at audio rate: A² with A = env_1 · lerp(1, velocity, track) · voice_amplitude.
    this.updateEnvTimes(0);
    const amp = this.amp;
    this.envs[0]!.render(amp, n, this.envTimes[0]!);
    if (this.perSampleDests.length > 0) {
      const env1 = this.srcL[SRC_ENV]!;
      if (env1 !== null) copyInto(env1, amp, n);
      this.renderPerSample(n);
    }
    const track = this.v(G.velocityTrack);
    const scale = (1 + (this.velocity - 1) * track) * this.v(G.voiceAmplitude);

    const f1On = this.program.values[FILTER[0]!.on]! >= 0.5;
    const f2On = this.program.values[FILTER[1]!.on]! >= 0.5;
    // a filter's input buffers are written and read only while it is on
    if (f1On) {
      this.f1L.fill(0, 0, n);
      this.f1R.fill(0, 0, n);
    }
    if (f2On) {
      this.f2L.fill(0, 0, n);
      this.f2R.fill(0, 0, n);
    }
    this.busL.fill(0, 0, n);
    this.busR.fill(0, 0, n);
    if (this.directUsed) {
      // cleared whole so that an unused buffer is always all zero
      this.directL.fill(0);
      this.directR.fill(0);
      this.directUsed = false;
    }

    const pitchBase =
      this.program.values[G.pitchWheel]! * this.program.values[G.pitchBendRange]! +
      this.v(G.voiceTranspose) +
      this.v(G.voiceTune);
    const sampleOn = this.program.values[G.sampleOn]! >= 0.5;
    if (sampleOn && this.sampleFirst) this.renderSampleRouted(n, pitchBase, f1On, f2On);
    for (let k = 0; k < this.oscOrder.length; k++) {
      const o = this.oscOrder[k]!;
      const ids = OSC[o]!;
      if (this.program.values[ids.on]! < 0.5) continue;
      const route = this.route(Math.round(this.program.values[ids.destination]!), f1On, f2On);
      if (route === ROUTE_BOTH) {
        this.dryL.fill(0, 0, n);
        this.dryR.fill(0, 0, n);
        this.renderOsc(o, this.dryL, this.dryR, n, pitchBase);
        this.addToBoth(n);
      } else {
        this.renderOsc(o, this.routeL(route), this.routeR(route), n, pitchBase);
      }
    }
    if (sampleOn && !this.sampleFirst) this.renderSampleRouted(n, pitchBase, f1On, f2On);

    // Filters.
    const serial1 = f1On && f2On && this.program.values[FILTER[0]!.serial]! >= 0.5;
    const serial2 = f1On && f2On && !serial1 && this.program.values[FILTER[1]!.serial]! >= 0.5;
    if (serial1) {
      this.runFilter(1, this.f2L, this.f2R, n);
      for (let i = 0; i < n; i++) {
        this.f1L[i] = this.f1L[i]! + this.f2L[i]!;
        this.f1R[i] = this.f1R[i]! + this.f2R[i]!;
      }
      this.runFilter(0, this.f1L, this.f1R, n);
      this.mixInto(this.f1L, this.f1R, n);
    } else if (serial2) {
      this.runFilter(0, this.f1L, this.f1R, n);
      for (let i = 0; i < n; i++) {
        this.f2L[i] = this.f2L[i]! + this.f1L[i]!;
        this.f2R[i] = this.f2R[i]! + this.f1R[i]!;
      }
      this.runFilter(1, this.f2L, this.f2R, n);
      this.mixInto(this.f2L, this.f2R, n);
    } else {
      if (f1On) {
        this.runFilter(0, this.f1L, this.f1R, n);
        this.mixInto(this.f1L, this.f1R, n);
      }
      if (f2On) {
        this.runFilter(1, this.f2L, this.f2R, n);
        this.mixInto(this.f2L, this.f2R, n);
      }
    }

    addAmplified(amp, scale, this.busL, this.busR, outL, outR, n);
    if (this.directUsed && directL && directR) {
      const dL = this.directL;
      const dR = this.directR;
      for (let i = 0; i < n; i++) {
        const a = amp[i]!;
        directL[i] = directL[i]! + dL[i]! * a;
        directR[i] = directR[i]! + dR[i]! * a;
      }
    }
    this.lastAmp = amp[n - 1]!;
  }

  private renderSampleRouted(n: number, pitchBase: number, f1On: boolean, f2On: boolean): void {
    const route = this.route(Math.round(this.program.values[G.sampleDestination]!), f1On, f2On);
    if (route === ROUTE_BOTH) {
      this.dryL.fill(0, 0, n);
      this.dryR.fill(0, 0, n);
      this.renderSample(this.dryL, this.dryR, n, pitchBase);
      this.addToBoth(n);
    } else {
      this.renderSample(this.routeL(route), this.routeR(route), n, pitchBase);
    }
  }

  private addToBoth(n: number): void {
    for (let i = 0; i < n; i++) {
      this.f1L[i] = this.f1L[i]! + this.dryL[i]!;
      this.f1R[i] = this.f1R[i]! + this.dryR[i]!;
      this.f2L[i] = this.f2L[i]! + this.dryL[i]!;
      this.f2R[i] = this.f2R[i]! + this.dryR[i]!;
    }
  }

  private mixInto(L: Float32Array, R: Float32Array, n: number): void {
    for (let i = 0; i < n; i++) {
      this.busL[i] = this.busL[i]! + L[i]!;
      this.busR[i] = this.busR[i]! + R[i]!;
    }
  }

  private route(dest: number, f1On: boolean, f2On: boolean): number {
    if (dest === 0) return f1On ? ROUTE_F1 : ROUTE_BUS;
    if (dest === 1) return f2On ? ROUTE_F2 : ROUTE_BUS;
    if (dest === 2) return f1On && f2On ? ROUTE_BOTH : f1On ? ROUTE_F1 : f2On ? ROUTE_F2 : ROUTE_BUS;
    if (dest === ROUTE_DIRECT) {
      this.directUsed = true;
      return ROUTE_DIRECT;
    }
    return ROUTE_BUS;
  }

  private routeL(route: number): Float32Array {
    return route === ROUTE_F1
      ? this.f1L
      : route === ROUTE_F2
        ? this.f2L
        : route === ROUTE_DIRECT
          ? this.directL
          : this.busL;
  }

  private routeR(route: number): Float32Array {
    return route === ROUTE_F1
      ? this.f1R
      : route === ROUTE_F2
        ? this.f2R
        : route === ROUTE_DIRECT
          ? this.directR
          : this.busR;
  }

  private runFilter(k: number, L: Float32Array, R: Float32Array, n: number): void {
    const ids = FILTER[k]!;
    const s = this.filterSettings;
    s.model = Math.round(this.program.values[ids.model]!);
    s.style = Math.round(this.program.values[ids.style]!);
    s.cutoffNote = this.v(ids.cutoff) + this.v(ids.keytrack) * (this.bentNote() - 60);
    s.resonance = this.v(ids.resonance);
    s.driveDb = this.v(ids.drive);
    s.blend = this.v(ids.blend);
    s.blendTranspose = this.v(ids.blendTranspose);
    s.formantX = this.v(ids.formantX);
    s.formantY = this.v(ids.formantY);
    s.formantSpread = this.v(ids.formantSpread);
    s.formantTranspose = this.v(ids.formantTranspose);
    s.formantResonance = this.v(ids.formantResonance);
    let sR = s;
    if (this.stereo) {
      sR = this.filterSettingsR;
      sR.model = s.model;
      sR.style = s.style;
      sR.cutoffNote = this.vR(ids.cutoff) + this.vR(ids.keytrack) * (this.bentNote(true) - 60);
      sR.resonance = this.vR(ids.resonance);
      sR.driveDb = this.vR(ids.drive);
      sR.blend = this.vR(ids.blend);
      sR.blendTranspose = this.vR(ids.blendTranspose);
      sR.formantX = this.vR(ids.formantX);
      sR.formantY = this.vR(ids.formantY);
      sR.formantSpread = this.vR(ids.formantSpread);
      sR.formantTranspose = this.vR(ids.formantTranspose);
      sR.formantResonance = this.vR(ids.formantResonance);
    }
    const mix = this.v(ids.mix);
    const mixR = this.vR(ids.mix);
    const wet = mix < 1 || mixR < 1;
    const dl = this.dryL;
    const dr = this.dryR;
    const fl = this.filters[k]![0]!;
    const fr = this.filters[k]![1]!;
    // While both channels carry the same signal (centred patches) the right filter is not run: its state is
    // the left one's, copied over as soon as the channels differ; the dry/wet mix then runs on the left only.
    if (!this.stereo && sameSignal(L, R, n)) {
      if (wet) copyInto(dl, L, n);
      fl.process(L, n, s);
      if (wet) mixDry(L, dl, mix, n);
      copyInto(R, L, n);
      this.filterMirrored[k] = true;
      return;
    }
    if (wet) {
      copyInto(dl, L, n);
      copyInto(dr, R, n);
    }
    if (this.filterMirrored[k]) {
      fr.copyStateFrom(fl);
      this.filterMirrored[k] = false;
    }
    fl.processPair(L, R, n, s, sR, fr);
    if (wet) {
      mixDry(L, dl, mix, n);
      mixDry(R, dr, mixR, n);
    }
  }

  private renderOsc(o: number, outL: Float32Array, outR: Float32Array, n: number, pitchBase: number): void {
    const ids = OSC[o]!;
    const st = this.osc[o]!;
    const table: Wavetable = this.program.wavetables[o]!;
    const count = st.count;
    const midi = this.program.values[ids.midiTrack]! >= 0.5 ? this.note : 48;
    const pitch =
      snappedPitch(
        midi + pitchBase,
        this.vFree(ids.transpose),
        this.transposeQuantize[o]!,
        this.snapTables[o]!,
      ) + this.vFree(ids.tune);
    const baseHz = 8.1757989156 * Math.pow(2, pitch / 12);

    // Unison layout.
    const pairs = (count + 1) >> 1;
    const even = (count & 1) === 0;
    const detune = Math.max(0, this.v(ids.detune));
    const maxCents = this.v(ids.detuneRange) * detune * detune;
    const power = this.v(ids.detunePower);
    const stack = STACK_RATIOS[Math.max(0, Math.min(10, Math.round(this.program.values[ids.stack]!)))]!;
    const blend = this.v(ids.blend);
    let centreGain = 1;
    let detunedGain = 1;
    if (count > 2) {
      const c = 1 - 0.6 * blend;
      const d = 0.6 * (1 - (1 - blend) * (1 - blend));
      const norm = 1 / Math.sqrt(c * c + d * d * (pairs - 1));
      centreGain = c * norm;
      detunedGain = d * norm;
    }
    const theta = ((1 - this.v(ids.spread)) * Math.PI) / 4;
    const cs = Math.cos(theta);
    const sn = Math.sin(theta);
    if (power !== st.curvePower) {
      // each pair's place on the detune curve (count is fixed for the note, the power rarely modulated)
      st.curvePower = power;
      for (let pIdx = 0; pIdx < pairs; pIdx++)
        st.curve[pIdx] = powerCurve((2 * pIdx + (even ? 1 : 0)) / Math.max(1, count - 1), power);
    }
    let v = 0;
    for (let pIdx = 0; pIdx < pairs; pIdx++) {
      const cents = st.curve[pIdx]! * maxCents;
      const ratio = stack[pIdx % 8]!;
      const g = count > 2 ? (pIdx === 0 ? centreGain : detunedGain) : 1;
      if (!even && pIdx === 0) {
        st.cents[v] = 0;
        st.ratio[v] = ratio;
        st.gainL[v] = g * (cs + sn);
        st.gainR[v] = g * (cs + sn);
        v++;
        continue;
      }
      // left lane flat on even pairs, sharp on odd pairs
      const leftSign = pIdx % 2 === 0 ? -1 : 1;
      st.cents[v] = leftSign * cents;
      st.ratio[v] = ratio;
      st.gainL[v] = g * cs;
      st.gainR[v] = g * sn;
      v++;
      if (v < count) {
        st.cents[v] = -leftSign * cents;
        st.ratio[v] = ratio;
        st.gainL[v] = g * sn;
        st.gainR[v] = g * cs;
        v++;
      }
    }

    // Level and pan (level is squared; pan law √2·sin).
    const level = Math.max(0, this.v(ids.level));
    const levelR = Math.max(0, this.vR(ids.level));
    const panL = Math.SQRT2 * Math.sin(2 * Math.PI * (1 / 8 - this.v(ids.pan) / 8));
    const panR = Math.SQRT2 * Math.sin(2 * Math.PI * (1 / 8 + this.vR(ids.pan) / 8));
    const targetL = level * level * panL;
    const targetR = levelR * levelR * panR;
    if (!st.started) {
      st.lastL = targetL;
      st.lastR = targetR;
    }
    const startL = st.lastL;
    const startR = st.lastR;
    const stepL = (targetL - startL) / n;
    const stepR = (targetR - startR) / n;

    const distType = this.distTypes[o]!;
    let syncMult = 1;
    if (distType !== 0) {
      const ds = this.distStates[o]!;
      const amount = this.v(ids.distortionAmount);
      const spread = this.v(ids.distortionSpread);
      ds.update(distType, amount, spread, this.v(ids.distortionPhase), pairs, !st.started);
      if (this.stereo) {
        const amountR = this.vR(ids.distortionAmount);
        const spreadR = this.vR(ids.distortionSpread);
        ds.updateRight(distType, amountR, spreadR, this.vR(ids.distortionPhase), pairs, !st.started);
      }
      syncMult = frequencyMult(distType, ds.to[0]!);
    }

    const frame = this.v(ids.waveFrame);
    // Stereo-modulated frame: with an even unison count every voice here is one lane of Vital's stereo pair
    // (odd u: right lane), which reads the right channel's frame (odd counts: deviations.ts reports it).
    const frameR = this.stereo && (count & 1) === 0 ? this.vR(ids.waveFrame) : frame;
    const frameSpread = this.v(ids.frameSpread);
    const frames = table.frameCount;
    const unisonFrames = frameSpread !== 0 && this.program.values[ids.spectralUnison]! >= 0.5;
    const sr = this.sr;
    // Like Vital, pick a fresh band-limited cycle only every ~7 ms and cross-fade to it over that time.
    const fadeLength = Math.max(n, Math.round(CYCLE_UPDATE_SECONDS * sr));
    const update = !st.started || st.sinceUpdate >= fadeLength;
    if (update) st.sinceUpdate = 0;
    st.sinceUpdate += n;
    const morph = this.morphs[o]!;
    if (morph !== null) {
      const spectralUnison = this.program.values[ids.spectralUnison]! >= 0.5;
      const amount = this.v(ids.morphAmount);
      const spread = this.v(ids.morphSpread);
      morph.beginBlock(amount, spread, spectralUnison, count, frame, frameSpread, update, !st.started);
    }
    const fadeStep = 1 / fadeLength;
    const phaseMod = this.phaseModulated[o]!;
    const offTarget = phaseMod ? this.v(ids.phase) - 0.5 : 0;
    const offStart = phaseMod && st.started ? st.phaseOffset : offTarget;
    const offStep = (offTarget - offStart) / n;
    st.phaseOffset = offTarget;
    const accL = this.oscRawL[o]!;
    const accR = this.oscRawR[o]!;
    const kernel = distType === 0 && count >= KERNEL_MIN_VOICES ? this.unison : null;
    /** The kernel holding copies of this oscillator's cycles (a morph's rewrite drops them). */
    const copies = kernel ?? (this.pairOsc[o]! ? this.unison : null);
    let pair = this.pairOsc[o]! && this.lanePairPays(o, count) ? this.unison : null;
    let lanes = pair === null ? LANES_NONE : this.lanePairMultipliers(o, n, midi + pitchBase, pitch, pair);
    // beyond the kernel's exp2 range (never in practice) the JavaScript loops take the block
    if (lanes === LANES_NONE) pair = null;
    if (kernel === null && pair === null) {
      accL.fill(0, 0, n);
      accR.fill(0, 0, n);
    }
    if (pair === null) lanes = this.perSampleLanes(o, n, midi + pitchBase, pitch, offStart, offStep, kernel);
    for (let u = 0; u < count; u++) {
      if (st.cents[u] !== st.detunedCents[u]) {
        st.detunedCents[u] = st.cents[u]!;
        st.detune[u] = Math.pow(2, st.cents[u]! / 1200);
      }
      let mult = st.ratio[u]! * st.detune[u]!;
      if (morph !== null) mult *= morph.pitchMult(u);
      const hz = baseHz * mult;
      // beyond the internal Nyquist the pitch folds; keep the increment below one cycle per sample
      const inc = Math.min(hz / sr, 0.999);
      let cyc = st.cycle[u]!;
      let prev = st.prev[u]!;
      if (update || cyc === null) {
        const f = unisonFrameIndex(u & 1 ? frameR : frame, frameSpread, unisonFrames, u, count, frames);
        const limit = Wavetable.harmonicLimit(inc * syncMult, this.ctx.harmonicLimit);
        const next =
          morph === null || morph.isIdentity(u)
            ? table.cycle(f, limit)
            : morph.cycle(u, table, inc * syncMult, limit);
        // a morph rewrites its cycles in place: the kernel's copy of a cycle new to this voice may be stale
        if (copies !== null && morph !== null && next !== cyc) copies.forget(o, next);
        if (!st.started || cyc === null) {
          prev = next;
          st.fade[u] = 1;
        } else if (next !== cyc) {
          prev = cyc;
          st.fade[u] = 0;
        }
        cyc = next;
        st.cycle[u] = cyc;
        st.prev[u] = prev;
        if (morph !== null && morph.handOver(u, st.phase, st.inc, st.prev)) {
          prev = st.prev[u]!;
          if (copies !== null) copies.forget(o, prev);
        }
      }
      const prevInc = st.started ? st.inc[u]! : inc;
      st.inc[u] = inc;
      const gl = st.gainL[u]!;
      const gr = st.gainR[u]!;
      let ph = st.phase[u]!;
      const dInc = (inc - prevInc) / n;
      let curInc = prevInc;
      let fade = st.fade[u]!;
      if (kernel !== null) {
        // staged here, rendered together after the loop (the phase is written back then)
        if ((lanes & LANES_PITCH) !== 0) {
          const base = baseHz / sr;
          const prevMult = st.started ? st.mult[u]! : mult;
          st.mult[u] = mult;
          kernel.incFrom[u] = base * prevMult;
          kernel.incStep[u] = (base * mult - base * prevMult) / n;
        } else {
          kernel.incFrom[u] = prevInc;
          kernel.incStep[u] = dInc;
        }
        continue;
      }
      if (pair !== null) {
        // as the per-sample path below, staged and rendered together after the loop
        const base = baseHz / sr;
        const prevMult = st.started ? st.mult[u]! : mult;
        st.mult[u] = mult;
        pair.incFrom[u] = base * prevMult;
        pair.incStep[u] = (base * mult - base * prevMult) / n;
        continue;
      }
      if (lanes !== LANES_NONE) {
        // per-sample pitch/phase: the increment's pitch part comes from the lane's buffer, only the unison
        // ratio ramps (Vital's phase_inc_mult)
        const base = baseHz / sr;
        const prevMult = st.started ? st.mult[u]! : mult;
        st.mult[u] = mult;
        const pitched = (lanes & LANES_PITCH) !== 0;
        const from = pitched ? base * prevMult : prevInc;
        const step = pitched ? (base * mult - from) / n : dInc;
        ph = this.renderLaneVoice(o, u, ph, from, step, pitched, lanes, n, cyc, prev, fadeStep, cs, sn);
      } else if (distType !== 0) {
        const off = phaseMod ? offStart : 0;
        const step = phaseMod ? offStep : 0;
        ph = this.renderDistortedVoice(o, u, ph, curInc, dInc, off, step, n, cyc, prev, fadeStep, cs, sn);
      } else if (phaseMod) {
        // phase modulated at audio rate: the offset is ramped across the block and added while reading
        let off = offStart;
        for (let i = 0; i < n; i++) {
          curInc += dInc;
          ph += curInc;
          if (ph >= 1) ph -= 1;
          off += offStep;
          let q = ph + off;
          q -= Math.floor(q);
          const pos = q * FRAME_SIZE;
          const idx = pos | 0;
          const fr = pos - idx;
          let x0 = cyc[idx]!;
          let x1 = cyc[idx + 1]!;
          let x2 = cyc[idx + 2]!;
          let x3 = cyc[idx + 3]!;
          let y =
            x1 + 0.5 * fr * (x2 - x0 + fr * (2 * x0 - 5 * x1 + 4 * x2 - x3 + fr * (3 * (x1 - x2) + x3 - x0)));
          if (fade < 1) {
            x0 = prev[idx]!;
            x1 = prev[idx + 1]!;
            x2 = prev[idx + 2]!;
            x3 = prev[idx + 3]!;
            const yOld =
              x1 +
              0.5 * fr * (x2 - x0 + fr * (2 * x0 - 5 * x1 + 4 * x2 - x3 + fr * (3 * (x1 - x2) + x3 - x0)));
            fade = fade + fadeStep < 1 ? fade + fadeStep : 1;
            y = yOld + (y - yOld) * fade;
          }
          accL[i] = accL[i]! + y * gl;
          accR[i] = accR[i]! + y * gr;
        }
        st.fade[u] = fade;
      } else if (fade >= 1) {
        for (let i = 0; i < n; i++) {
          curInc += dInc;
          ph += curInc;
          if (ph >= 1) ph -= 1;
          const pos = ph * FRAME_SIZE;
          const idx = pos | 0;
          const fr = pos - idx;
          const x0 = cyc[idx]!;
          const x1 = cyc[idx + 1]!;
          const x2 = cyc[idx + 2]!;
          const x3 = cyc[idx + 3]!;
          const y =
            x1 + 0.5 * fr * (x2 - x0 + fr * (2 * x0 - 5 * x1 + 4 * x2 - x3 + fr * (3 * (x1 - x2) + x3 - x0)));
          accL[i] = accL[i]! + y * gl;
          accR[i] = accR[i]! + y * gr;
        }
      } else {
        for (let i = 0; i < n; i++) {
          curInc += dInc;
          ph += curInc;
          if (ph >= 1) ph -= 1;
          const pos = ph * FRAME_SIZE;
          const idx = pos | 0;
          const fr = pos - idx;
          let x0 = cyc[idx]!;
          let x1 = cyc[idx + 1]!;
          let x2 = cyc[idx + 2]!;
          let x3 = cyc[idx + 3]!;
          const yNew =
            x1 + 0.5 * fr * (x2 - x0 + fr * (2 * x0 - 5 * x1 + 4 * x2 - x3 + fr * (3 * (x1 - x2) + x3 - x0)));
          x0 = prev[idx]!;
          x1 = prev[idx + 1]!;
          x2 = prev[idx + 2]!;
          x3 = prev[idx + 3]!;
          const yOld =
            x1 + 0.5 * fr * (x2 - x0 + fr * (2 * x0 - 5 * x1 + 4 * x2 - x3 + fr * (3 * (x1 - x2) + x3 - x0)));
          fade = fade + fadeStep < 1 ? fade + fadeStep : 1;
          const y = yOld + (yNew - yOld) * fade;
          accL[i] = accL[i]! + y * gl;
          accR[i] = accR[i]! + y * gr;
        }
        st.fade[u] = fade;
      }
      st.phase[u] = ph;
    }
    if (kernel !== null)
      this.runUnisonKernel(kernel, o, n, lanes, phaseMod, offStart, offStep, fadeStep, cs, sn);
    if (pair !== null) this.runLanePair(pair, o, n, lanes, offStart, offStep, fadeStep, cs, sn);
    // the kernel's output is read where it lies and kept as the raw output in the same pass
    const simd = kernel ?? pair;
    const rawL = simd !== null ? simd.accL : accL;
    const rawR = simd !== null ? simd.accR : accR;
    const levelMod = this.perSample[ids.level]!;
    if (levelMod !== null) {
      // level per sample (squared, floored at 0), pan ramped per block
      const base = this.program.values[ids.level]!;
      const fromPanL = st.started ? st.panL : panL;
      const fromPanR = st.started ? st.panR : panR;
      const dPanL = (panL - fromPanL) / n;
      const dPanR = (panR - fromPanR) / n;
      const mR = levelMod.right;
      for (let i = 0; i < n; i++) {
        const k = i + 1;
        const a = Math.max(0, base + levelMod.L[i]!);
        const b = Math.max(0, base + mR[i]!);
        const l = rawL[i]!;
        const r = rawR[i]!;
        accL[i] = l;
        accR[i] = r;
        outL[i] = outL[i]! + l * a * a * (fromPanL + dPanL * k);
        outR[i] = outR[i]! + r * b * b * (fromPanR + dPanR * k);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const k = i + 1;
        const l = rawL[i]!;
        const r = rawR[i]!;
        accL[i] = l;
        accR[i] = r;
        outL[i] = outL[i]! + l * (startL + stepL * k);
        outR[i] = outR[i]! + r * (startR + stepR * k);
      }
    }
    st.lastL = targetL;
    st.lastR = targetR;
    st.panL = panL;
    st.panR = panR;
    st.started = true;
  }

  /**
   * The SIMD unison kernel when some oscillator runs in it (undistorted, from KERNEL_MIN_VOICES voices), made
   * with the voice and sized to those oscillators' voices; null otherwise or where WebAssembly SIMD is missing.
   */
  private makeUnisonKernel(): UnisonKernel | null {
    const voices = OSC.map((ids, o) => {
      const v = this.program.values;
      const count = Math.max(1, Math.min(MAX_UNISON, Math.round(v[ids.voices]!)));
      const on = v[ids.on]! >= 0.5 && this.distTypes[o] === 0 && count >= KERNEL_MIN_VOICES;
      return on || this.pairOsc[o] ? count : 0;
    });
    // an LFO running per sample in both lanes runs in the kernel too (its output buffers in its memory)
    const lfoTables = LFO.map((_, i) =>
      this.srcL[SRC_LFO + i] !== null && this.srcR[SRC_LFO + i] !== null ? this.program.lfoTables[i]! : null,
    );
    if (voices.every((c) => c === 0) && lfoTables.every((t) => t === null)) return null;
    const mod = this.ctx.scalarOscillators ? null : unisonKernelModule();
    if (mod === null) return null;
    const homed = (buffers: (Float32Array | null)[]) =>
      buffers.filter(
        (b, src) => b !== null && !(src >= SRC_LFO && src < SRC_LFO + 8 && lfoTables[src - SRC_LFO]),
      );
    const blockCount = homed(this.srcL).length + homed(this.srcR).length + 2 * this.perSampleDests.length;
    const kernel = new UnisonKernel(mod, voices, lfoTables, blockCount);
    this.homeInKernel(kernel, lfoTables);
    return kernel;
  }

  /**
   * The per-sample signals moved into the kernel's memory, where its functions read and write them: the
   * kernel-run LFOs' outputs, then every other per-sample source's buffers and each destination's lanes.
   */
  private homeInKernel(kernel: UnisonKernel, lfoTables: readonly (Float32Array | null)[]): void {
    for (let i = 0; i < LFO.length; i++) {
      if (lfoTables[i] === null) continue;
      this.srcL[SRC_LFO + i] = kernel.lfoOutL[i]!;
      this.srcR[SRC_LFO + i] = kernel.lfoOutR[i]!;
    }
    let next = 0;
    for (const buffers of [this.srcL, this.srcR])
      for (let src = 0; src < buffers.length; src++)
        if (buffers[src] !== null && !kernel.holds(buffers[src]!)) buffers[src] = kernel.blocks[next++]!;
    for (const d of this.perSampleDests) {
      d.L = kernel.blocks[next++]!;
      d.R = kernel.blocks[next++]!;
    }
  }

  /**
   * LFO i's per-sample block in both lanes (`b`, `bR`: each lane's block values, after `advance`): in the
   * kernel when both lanes run free, else lane by lane in JavaScript.
   */
  private renderLfoPair(kernel: UnisonKernel, i: number, n: number, b: LfoBlock, bR: LfoBlock): void {
    const tick = 1 / this.sr;
    const left = this.lfos[i]!;
    const right = this.lfosR[i]!;
    const sL = this.lfoStartL;
    const sR = this.lfoStartR;
    left.audioStart(n, b, tick, sL);
    right.audioStart(n, bR, tick, sR);
    if (sL.free && sR.free) {
      kernel.lfoPair(i, n, tick, sL, sR);
      left.endFreeRunning(n, b, sL);
      right.endFreeRunning(n, bR, sR);
    } else {
      left.renderAudio(this.srcL[SRC_LFO + i]!, n, b, tick);
      right.renderAudio(this.srcR[SRC_LFO + i]!, n, bR, tick);
    }
  }

  /**
   * Oscillator o's unison voices, staged by renderOsc, in the SIMD kernel: the same lanes, gains and phases as
   * the JavaScript paths (renderLaneVoice for the per-sample path; the centre voice of an odd count, when its
   * lanes differ, is one more kernel voice reading the right lane from CENTRE_R's phase).
   */
  private runUnisonKernel(
    kernel: UnisonKernel,
    o: number,
    n: number,
    lanes: number,
    phaseMod: boolean,
    offStart: number,
    offStep: number,
    fadeStep: number,
    cs: number,
    sn: number,
  ): void {
    const st = this.osc[o]!;
    const count = st.count;
    const even = (count & 1) === 0;
    const split = (lanes & LANES_SPLIT) !== 0;
    const pitched = (lanes & LANES_PITCH) !== 0;
    const centreSplit = !even && split;
    const addr = this.resolveCycles(kernel, o);
    const offsets = lanes !== LANES_NONE || phaseMod;
    kernel.begin(pitched, offsets, split, fadeStep);
    // on the per-sample path perSampleLanes has filled the kernel's multipliers and offsets
    if (lanes === LANES_NONE && phaseMod) {
      const off = this.phaseOffL;
      for (let i = 0; i < n; i++) off[i] = offStart + offStep * (i + 1);
      toPhaseUnits(off, kernel.offL, n);
    }
    for (let u = 0; u < count; u++) {
      // left lane flat on even pairs: even counts' odd voices and odd counts' even voices (but the centre)
      const right = split && (even ? (u & 1) === 1 : (u & 1) === 0 && u !== 0);
      let gl = st.gainL[u]!;
      let gr = st.gainR[u]!;
      if (centreSplit && u === 0) {
        const g = gl / (cs + sn);
        gl = g * cs;
        gr = g * sn;
      }
      kernel.phase[u] = st.phase[u]!;
      kernel.fade[u] = st.fade[u]!;
      kernel.gainL[u] = gl;
      kernel.gainR[u] = gr;
      kernel.cycle[u] = addr[2 * u]!;
      kernel.prev[u] = addr[2 * u + 1]!;
      kernel.right[u] = right ? 1 : 0;
    }
    if (centreSplit) {
      const g = st.gainL[0]! / (cs + sn);
      kernel.phase[count] = st.phase[CENTRE_R]!;
      kernel.incFrom[count] = kernel.incFrom[0]!;
      kernel.incStep[count] = kernel.incStep[0]!;
      kernel.fade[count] = st.fade[0]!;
      kernel.gainL[count] = g * sn;
      kernel.gainR[count] = g * cs;
      kernel.cycle[count] = addr[0]!;
      kernel.prev[count] = addr[1]!;
      kernel.right[count] = 1;
    }
    kernel.run(n, centreSplit ? count + 1 : count);
    for (let u = 0; u < count; u++) {
      st.phase[u] = kernel.phase[u]!;
      st.fade[u] = kernel.fade[u]!;
    }
    if (!even && lanes !== LANES_NONE) st.phase[CENTRE_R] = centreSplit ? kernel.phase[count]! : st.phase[0]!;
  }

  /** The kernel's addresses of oscillator o's voices' cycles: voice u's at 2u, the one it fades from at 2u + 1. */
  private resolveCycles(kernel: UnisonKernel, o: number): Int32Array {
    const st = this.osc[o]!;
    const cycles = this.kernelCycles;
    for (let u = 0; u < st.count; u++) {
      cycles[2 * u] = st.cycle[u]!;
      cycles[2 * u + 1] = st.prev[u]!;
    }
    kernel.resolve(o, cycles, 2 * st.count, this.kernelAddr);
    return this.kernelAddr;
  }

  /**
   * Whether the lane-pair kernel beats the JavaScript loops this block: with two voices, or one voice whose
   * lanes' inputs differ (one lane alone reads faster in JavaScript than in half a vector).
   */
  private lanePairPays(o: number, count: number): boolean {
    if (count === 2) return true;
    const ids = OSC[o]!;
    return (
      this.perSample[ids.transpose]!.split || (this.stereo && this.modsR[ids.tune] !== this.mods[ids.tune])
    );
  }

  /**
   * perSampleLanes for a lane-pair oscillator (pairOsc): the lanes' transposes into the kernel, their
   * increment multipliers computed there; LANES_NONE when a pitch is beyond the kernel's exp2 range.
   */
  private lanePairMultipliers(
    o: number,
    n: number,
    midi: number,
    pitchEnd: number,
    pair: UnisonKernel,
  ): number {
    const ids = OSC[o]!;
    const tr = this.perSample[ids.transpose]!;
    const v = this.program.values;
    const tuneL = v[ids.tune]! + this.mods[ids.tune]!;
    const tuneR = this.stereo ? v[ids.tune]! + this.modsR[ids.tune]! : tuneL;
    // the destination's lanes lie in the kernel's memory (homeInKernel)
    const bits = pair.pairMultipliers(n, midi, v[ids.transpose]!, tuneL, tuneR, pitchEnd, tr.L, tr.right);
    if ((bits & MULT_OUT_OF_RANGE) !== 0) return LANES_NONE;
    return LANES_ON | LANES_PITCH | ((bits & MULT_LANES_DIFFER) !== 0 ? LANES_SPLIT : 0);
  }

  /**
   * Oscillator o's one or two voices, staged by renderOsc, in the lane-pair kernel: the voices renderLaneVoice
   * renders, as the kernel's two lanes — two voices side by side, or one voice's left and right lanes (apart:
   * each panned by its share of the centre's gain, the right lane from CENTRE_R's phase), or one voice alone.
   */
  private runLanePair(
    pair: UnisonKernel,
    o: number,
    n: number,
    lanes: number,
    offStart: number,
    offStep: number,
    fadeStep: number,
    cs: number,
    sn: number,
  ): void {
    const st = this.osc[o]!;
    const count = st.count;
    const addr = this.resolveCycles(pair, o);
    let flags = offStart !== 0 || offStep !== 0 ? READ_OFFSETS : 0;
    if (count === 2) {
      for (let u = 0; u < 2; u++) {
        const fade = st.fade[u]!;
        if (fade < 1) flags |= READ_FADING;
        const from = pair.incFrom[u]!;
        const step = pair.incStep[u]!;
        const gl = st.gainL[u]!;
        const gr = st.gainR[u]!;
        pair.pairVoice(u, st.phase[u]!, from, step, fade, gl, gr, addr[2 * u]!, addr[2 * u + 1]!);
      }
    } else {
      const fade = st.fade[0]!;
      if (fade < 1) flags |= READ_FADING;
      const split = (lanes & LANES_SPLIT) !== 0;
      const g = st.gainL[0]! / (cs + sn);
      const from = pair.incFrom[0]!;
      const step = pair.incStep[0]!;
      const c = addr[0]!;
      const p = addr[1]!;
      if (split) {
        pair.pairVoice(0, st.phase[0]!, from, step, fade, g * cs, g * sn, c, p);
        pair.pairVoice(1, st.phase[CENTRE_R]!, from, step, fade, g * sn, g * cs, c, p);
      } else {
        pair.pairVoice(0, st.phase[0]!, from, step, fade, st.gainL[0]!, st.gainR[0]!, c, p);
        pair.pairVoice(1, st.phase[0]!, from, step, fade, 0, 0, c, p);
        flags |= READ_SINGLE;
      }
    }
    pair.pairRead(n, offStart, offStep, fadeStep, flags);
    for (let u = 0; u < count; u++) {
      st.phase[u] = pair.pairPhase(u);
      st.fade[u] = pair.pairFade(u);
    }
    if (count === 1) st.phase[CENTRE_R] = pair.pairPhase((flags & READ_SINGLE) !== 0 ? 0 : 1);
  }

  /**
   * Fills the per-sample increment multipliers (relative to `pitchEnd`, the block's last pitch) and phase
   * offsets of oscillator `o` for both lanes when its transpose, tune or phase is modulated per sample or apart
   * per channel — also in the unison kernel's units when `kernel` renders the oscillator (multipliers minus 1
   * in single precision, 32-bit phases), in the same pass; returns LANES_* flags (LANES_NONE: the block-rate
   * path serves).
   */
  private perSampleLanes(
    o: number,
    n: number,
    midi: number,
    pitchEnd: number,
    offStart: number,
    offStep: number,
    kernel: UnisonKernel | null,
  ): number {
    const ids = OSC[o]!;
    const tr = this.perSample[ids.transpose]!;
    const tu = this.perSample[ids.tune]!;
    const phase = this.perSample[ids.phase]!;
    if (tr === null && tu === null && phase === null) return LANES_NONE;
    const v = this.program.values;
    const stereo = this.stereo;
    let flags = LANES_ON;
    // a right lane is computed only when its inputs differ from the left lane's
    let pitchSplit = false;
    if (tr !== null || tu !== null) {
      flags |= LANES_PITCH;
      const q = this.transposeQuantize[o]!;
      const table = this.snapTables[o]!;
      const trBase = v[ids.transpose]!;
      const tuBase = v[ids.tune]!;
      pitchSplit =
        stereo && (this.laneInputsDiffer(tr, ids.transpose) || this.laneInputsDiffer(tu, ids.tune));
      for (let lane = 0; lane < (pitchSplit ? 2 : 1); lane++) {
        const mods = lane === 0 ? this.mods : this.modsR;
        const out = lane === 0 ? this.incMultL : this.incMultR;
        const outKernel = kernel === null ? null : lane === 0 ? kernel.incL : kernel.incR;
        const trBuf = tr === null ? null : lane === 0 ? tr.L : tr.right;
        const tuBuf = tu === null ? null : lane === 0 ? tu.L : tu.right;
        const trFixed = trBase + mods[ids.transpose]!;
        const tuFixed = tuBase + mods[ids.tune]!;
        if (trBuf !== null && tuBuf === null && table === null) {
          transposeMultipliers(midi, trBase, trBuf, tuFixed, pitchEnd, out, outKernel, n);
          continue;
        }
        for (let i = 0; i < n; i++) {
          const t = trBuf === null ? trFixed : trBase + trBuf[i]!;
          const c = tuBuf === null ? tuFixed : tuBase + tuBuf[i]!;
          const mult = exp2Fast((snappedPitch(midi, t, q, table) + c - pitchEnd) / 12);
          out[i] = mult;
          if (outKernel !== null) outKernel[i] = mult - 1;
        }
      }
      pitchSplit = pitchSplit && !sameSignal64(this.incMultL, this.incMultR, n);
    }
    const offL = this.phaseOffL;
    const offR = this.phaseOffR;
    const unitsL = kernel === null ? null : kernel.offL;
    let phaseSplit = false;
    if (phase !== null) {
      const base = v[ids.phase]! - 0.5;
      phaseOffsets(base, phase.L, offL, unitsL, n);
      if (phase.split) {
        phaseOffsets(base, phase.R, offR, kernel === null ? null : kernel.offR, n);
        phaseSplit = !sameSignal64(offL, offR, n);
      }
    } else rampOffsets(offStart, offStep, offL, unitsL, n);
    const split = pitchSplit || phaseSplit;
    // split lanes read both lanes' buffers; a lane that was not computed apart equals the left one
    if (split && !pitchSplit && (flags & LANES_PITCH) !== 0) {
      this.incMultR.set(this.incMultL);
      if (kernel !== null) kernel.incR.set(kernel.incL);
    }
    if (split && !phaseSplit) {
      offR.set(offL);
      if (kernel !== null) kernel.offR.set(kernel.offL);
    }
    return split ? flags | LANES_SPLIT : flags;
  }

  /** Whether a per-sample destination (or, without one, the parameter's block value) differs by lane. */
  private laneInputsDiffer(d: PerSampleDestination | null, param: number): boolean {
    return d === null ? this.modsR[param] !== this.mods[param] : d.split;
  }

  /**
   * One unison voice on the per-sample path (any distortion included): the voice reads its lane's increment
   * multipliers and phase offsets — left lane flat on even pairs, as the unison layout — and the centre voice
   * of an odd count, in both lanes, is rendered once per lane when they differ (its right lane keeps its own
   * phase in CENTRE_R, starting from the left lane's, as Vital's reset copies it).
   */
  private renderLaneVoice(
    o: number,
    u: number,
    ph: number,
    curInc: number,
    dInc: number,
    pitched: boolean,
    lanes: number,
    n: number,
    cyc: Float32Array,
    prev: Float32Array,
    fadeStep: number,
    cs: number,
    sn: number,
  ): number {
    const st = this.osc[o]!;
    const type = this.distTypes[o]!;
    const ds = this.distStates[o]!;
    const reader = this.distReader;
    const accL = this.oscRawL[o]!;
    const accR = this.oscRawR[o]!;
    const even = (st.count & 1) === 0;
    const pair = even ? u >> 1 : (u + 1) >> 1;
    const gl = st.gainL[u]!;
    const gr = st.gainR[u]!;
    const fade = st.fade[u]!;
    const split = (lanes & LANES_SPLIT) !== 0;
    const right = type !== 0 && ds.split ? ds.right : ds;
    const incL = pitched ? this.incMultL : null;
    const incR = pitched ? (split ? this.incMultR : this.incMultL) : null;
    const offL = this.phaseOffL;
    const offR = split ? this.phaseOffR : offL;
    const src = type === 0 ? -1 : modulatorOf(o, type);
    let modL: Float32Array | null = null;
    let modR: Float32Array | null = null;
    if (src === MODULATOR_SAMPLE) {
      modL = this.sampleRawL;
      modR = this.sampleRawR;
    } else if (src >= 0) {
      modL = this.oscRawL[src]!;
      modR = this.oscRawR[src]!;
    }
    const centre = !even && u === 0;
    if (type === 0) {
      // a centre voice whose lanes differ is read once per lane, each panned by its share of the centre's gain
      const bothLanes = centre && split;
      const g = gl / (cs + sn);
      let end = ph;
      for (let lane = 0; lane < (bothLanes ? 2 : 1); lane++) {
        const leftLane = bothLanes ? lane === 0 : !split || (even ? (u & 1) === 0 : (u & 1) === 1);
        const laneEnd = reader.readPlain(
          lane === 0 ? ph : st.phase[CENTRE_R]!,
          curInc,
          dInc,
          leftLane ? incL : incR,
          leftLane ? offL : offR,
          n,
          cyc,
          prev,
          fade,
          fadeStep,
          FRAME_SIZE,
          bothLanes ? g * (leftLane ? cs : sn) : gl,
          bothLanes ? g * (leftLane ? sn : cs) : gr,
          accL,
          accR,
        );
        if (lane === 0) end = laneEnd;
        if (centre && (lane === 1 || !bothLanes)) st.phase[CENTRE_R] = laneEnd;
      }
      st.fade[u] = reader.fadeOut;
      return end;
    }
    const differs = split || right !== ds || (modL !== null && modR !== null && !sameSignal(modL, modR, n));
    if (centre && differs) {
      const g = gl / (cs + sn);
      const end = reader.advanceBuffers(ph, curInc, dInc, incL, offL, n);
      reader.warp(type, n, ds.from[pair]!, ds.to[pair]!, ds.phaseFrom, ds.phaseTo, modL);
      reader.read(cyc, prev, fade, fadeStep, n, FRAME_SIZE, g * cs, g * sn, accL, accR);
      const endR = reader.advanceBuffers(split ? st.phase[CENTRE_R]! : ph, curInc, dInc, incR, offR, n);
      reader.warp(type, n, right.from[pair]!, right.to[pair]!, right.phaseFrom, right.phaseTo, modR);
      st.fade[u] = reader.read(cyc, prev, fade, fadeStep, n, FRAME_SIZE, g * sn, g * cs, accL, accR);
      st.phase[CENTRE_R] = endR;
      return end;
    }
    const leftLane = even ? (u & 1) === 0 : (u & 1) === 1 || u === 0;
    const end = reader.advanceBuffers(ph, curInc, dInc, leftLane ? incL : incR, leftLane ? offL : offR, n);
    const lane = leftLane ? ds : right;
    reader.warp(
      type,
      n,
      lane.from[pair]!,
      lane.to[pair]!,
      lane.phaseFrom,
      lane.phaseTo,
      leftLane ? modL : modR,
    );
    st.fade[u] = reader.read(cyc, prev, fade, fadeStep, n, FRAME_SIZE, gl, gr, accL, accR);
    if (centre) st.phase[CENTRE_R] = end;
    return end;
  }

  /**
   * One unison voice of an oscillator with a distortion (osc-distortion.ts), added into its raw output. FM/RM
   * read the modulator's raw output of this block, left side for the voices of Vital's left lane, right side
   * for the right lane; the centre voice of an odd count sits in both lanes.
   */
  private renderDistortedVoice(
    o: number,
    u: number,
    ph: number,
    curInc: number,
    dInc: number,
    off: number,
    offStep: number,
    n: number,
    cyc: Float32Array,
    prev: Float32Array,
    fadeStep: number,
    cs: number,
    sn: number,
  ): number {
    const st = this.osc[o]!;
    const type = this.distTypes[o]!;
    const ds = this.distStates[o]!;
    const reader = this.distReader;
    const accL = this.oscRawL[o]!;
    const accR = this.oscRawR[o]!;
    const even = (st.count & 1) === 0;
    const pair = even ? u >> 1 : (u + 1) >> 1;
    const right = ds.split ? ds.right : ds;
    const gl = st.gainL[u]!;
    const gr = st.gainR[u]!;
    const fade = st.fade[u]!;
    const end = reader.advance(ph, curInc, dInc, off, offStep, n);
    const src = modulatorOf(o, type);
    let modL: Float32Array | null = null;
    let modR: Float32Array | null = null;
    if (src === MODULATOR_SAMPLE) {
      modL = this.sampleRawL;
      modR = this.sampleRawR;
    } else if (src >= 0) {
      modL = this.oscRawL[src]!;
      modR = this.oscRawR[src]!;
    }
    const centreSplit =
      !even && u === 0 && (ds.split || (modL !== null && modR !== null && !sameSignal(modL, modR, n)));
    if (centreSplit) {
      const g = gl / (cs + sn);
      reader.warp(type, n, ds.from[pair]!, ds.to[pair]!, ds.phaseFrom, ds.phaseTo, modL);
      reader.read(cyc, prev, fade, fadeStep, n, FRAME_SIZE, g * cs, g * sn, accL, accR);
      reader.warp(type, n, right.from[pair]!, right.to[pair]!, right.phaseFrom, right.phaseTo, modR);
      st.fade[u] = reader.read(cyc, prev, fade, fadeStep, n, FRAME_SIZE, g * sn, g * cs, accL, accR);
    } else {
      const leftLane = even ? (u & 1) === 0 : (u & 1) === 1 || u === 0;
      const lane = leftLane ? ds : right;
      reader.warp(
        type,
        n,
        lane.from[pair]!,
        lane.to[pair]!,
        lane.phaseFrom,
        lane.phaseTo,
        leftLane ? modL : modR,
      );
      st.fade[u] = reader.read(cyc, prev, fade, fadeStep, n, FRAME_SIZE, gl, gr, accL, accR);
    }
    return end;
  }

  private renderSample(outL: Float32Array, outR: Float32Array, n: number, pitchBase: number): void {
    const smp = this.program.sample;
    const rawL = this.sampleRawL;
    const rawR = this.sampleRawR;
    if (smp.length < 1) {
      rawL.fill(0, 0, n);
      rawR.fill(0, 0, n);
      return;
    }
    const keytrack = this.program.values[G.sampleKeytrack]! >= 0.5;
    const semis = Math.max(
      -96,
      Math.min(
        96,
        (keytrack ? this.note - 60 : 0) + pitchBase + this.v(G.sampleTranspose) + this.v(G.sampleTune),
      ),
    );
    // Vital reads a 2× upsampled sample (level 0) or a halved one when that would skip samples.
    const inc = Math.fround(Math.pow(2, semis / 12) * ((2 * smp.sampleRate) / this.sr));
    const startInc = this.sampleInc > 0 ? this.sampleInc : inc;
    this.sampleInc = inc;
    const dInc = (inc - startInc) / n;
    const mip = sampleLevelIndex(inc, smp.channels[0]!.play.length);
    const mult = 1 / (1 << mip);
    const loop = this.program.values[G.sampleLoop]! >= 0.5;
    const bounce = this.program.values[G.sampleBounce]! >= 0.5;
    const bufL = (loop && !bounce ? smp.channels[0]!.loop : smp.channels[0]!.play)[mip]!;
    const bufR = (loop && !bounce ? smp.channels[1]!.loop : smp.channels[1]!.play)[mip]!;
    const level = Math.max(0, this.v(G.sampleLevel));
    const levelR = Math.max(0, this.vR(G.sampleLevel));
    const gL = level * level * Math.SQRT2 * Math.sin(2 * Math.PI * (1 / 8 - this.v(G.samplePan) / 8));
    const gR = levelR * levelR * Math.SQRT2 * Math.sin(2 * Math.PI * (1 / 8 + this.vR(G.samplePan) / 8));
    const length = 2 * smp.length;
    let index = this.sampleIndex;
    let fraction = this.sampleFraction;
    let bounced = this.sampleBounced;
    let curInc = startInc;
    const stereo = bufR !== bufL;
    for (let i = 0; i < n; i++) {
      curInc += dInc;
      const adjusted = bounced ? length - index : index;
      const indexPhase = Math.max(adjusted, 0) * mult;
      const s = Math.floor(indexPhase);
      let t = indexPhase - s + fraction * mult;
      if (bounced) t = 1 - t;
      const ht = 0.5 * t;
      const ht2 = t * ht;
      const ht3 = ht2 * t;
      const w0 = 2 * ht2 - ht3 - ht;
      const w1 = 3 * ht3 - 5 * ht2 + 1;
      const w2 = ht + 4 * ht2 - 3 * ht3;
      const w3 = ht3 - ht2;
      const l = w0 * bufL[s]! + w1 * bufL[s + 1]! + w2 * bufL[s + 2]! + w3 * bufL[s + 3]!;
      const r = stereo ? w0 * bufR[s]! + w1 * bufR[s + 1]! + w2 * bufR[s + 2]! + w3 * bufR[s + 3]! : l;
      rawL[i] = l;
      rawR[i] = r;
      outL[i] = outL[i]! + l * gL;
      outR[i] = outR[i]! + r * gR;
      fraction += curInc;
      const whole = Math.floor(fraction);
      fraction -= whole;
      index += whole;
      if (index >= length) {
        if (!bounced && bounce) {
          bounced = true;
          index -= length;
        } else if (loop) {
          bounced = false;
          index -= length;
        }
        if (index > length) index = length;
        fraction = 0;
      }
    }
    this.sampleIndex = index;
    this.sampleFraction = fraction;
    this.sampleBounced = bounced;
  }

  /** Digital-model check used by `unsupported`: whether a filter model is one this engine renders. */
  static rendersFilterModel(model: number): boolean {
    return model >= MODEL_ANALOG && model <= MODEL_PHASER;
  }
}
