// The polyphonic instrument (live play: noteOn/noteOff/process) and the offline single-note render, sharing
// the same voice code. Voices run at the internal oversampled rate and are decimated to the host rate;
// master volume (dB = √v − 80) and Vital's ±2.1 output clamp are applied at the host rate.

import { Decimator2, OFFLINE_DROP } from "./decimator.ts";
import { DOUBLE_ZERO } from "./double-field.ts";
import { EffectChain } from "./effects/chain.ts";
import { KernelScope } from "./effects/wasm.ts";
import { PARAM_MAX, pid, type VitalProgram } from "./program.ts";
import { VoicePairRandom } from "./random.ts";
import { MAX_BLOCK, Voice, volumeGain, type VoiceContext } from "./voice.ts";

const HOST_BLOCK = 64;
const VOLUME = pid("volume");
const VOLUME_MAX = PARAM_MAX[VOLUME]!;
const POLYPHONY = pid("polyphony");
const OVERSAMPLING = pid("oversampling");
const BPM = pid("beats_per_minute");
const LEGATO = pid("legato");
const PORTAMENTO_FORCE = pid("portamento_force");
/** Oscillator/sample destination "Direct Out" (bypasses the effect chain). */
const DIRECT_OUT = 4;
const DESTINATIONS = ["osc_1", "osc_2", "osc_3", "sample"].map((s) => [
  pid(`${s}_on`),
  pid(`${s}_destination`),
]);

/** Internal oversampling factor Vital uses at a host rate (1 or 2 here; 4× and 8× run at 2×). */
export function oversamplingFactor(program: VitalProgram, hostRate: number): number {
  const o = Math.max(0, Math.min(3, Math.round(program.values[OVERSAMPLING]!)));
  let factor = 1 << o;
  for (let r = hostRate; r >= 88200 && factor > 1; r /= 2) factor >>= 1;
  return factor >= 2 ? 2 : 1;
}

export interface InstrumentOptions {
  sampleRate: number;
  seed: number;
  /** Override the preset's tempo (beats per second). */
  beatsPerSecond?: number;
  /** Seconds the effect chain has run before the first note (free-running effect LFO phases; default 0). */
  prerollSeconds?: number;
  /** Transport time (s) of the first processed sample: LFOs in Sync mode take their phase from it (default 0). */
  transportSeconds?: number;
  /** Render the oscillators with the JavaScript loops only, never the SIMD unison kernel (for tests). */
  scalarOscillators?: boolean;
}

export class VitalInstrument {
  readonly sampleRate: number;
  readonly factor: number;
  /** Voices made so far (made on demand, in index order, up to the patch's polyphony). */
  private readonly voices: Voice[] = [];
  private readonly polyphony: number;
  private readonly voiceContext: VoiceContext;
  private readonly seed: number;
  /** The random generators of the newest voice pair (each pair shares one). */
  private pairRandom: VoicePairRandom | undefined;
  private readonly mixL = new Float32Array(MAX_BLOCK);
  private readonly mixR = new Float32Array(MAX_BLOCK);
  /** Some sounding oscillator or the sample goes to Direct Out: mixed in after the effect chain. */
  private readonly directOut: boolean;
  private readonly directL = new Float32Array(MAX_BLOCK);
  private readonly directR = new Float32Array(MAX_BLOCK);
  private readonly decL: Decimator2;
  private readonly decR: Decimator2;
  private readonly volumeGain: number;
  /** Some slot modulates `volume`: the gain follows the newest voice's modulation (held when none sounds). */
  private readonly volumeModulated: boolean;
  private volumeModulation = DOUBLE_ZERO;
  private lastGain = DOUBLE_ZERO;
  private gainStarted = false;
  /** The right decimator's state equals the left's (both channels have been identical so far). */
  private rMirrorsL = true;
  /** Host time processed so far (the transport for LFOs in Sync mode). */
  private seconds = 0;
  private lastNote: number | undefined;
  private readonly heldNotes: number[] = [];
  private readonly program: VitalProgram;
  private readonly effects: EffectChain;
  private readonly effectsOn: boolean;

  constructor(program: VitalProgram, opts: InstrumentOptions) {
    this.program = program;
    this.sampleRate = opts.sampleRate;
    this.factor = oversamplingFactor(program, opts.sampleRate);
    // made with the instrument (as Vital allocates everything up front), not at the first block
    [this.decL, this.decR] = this.factor === 2 ? Decimator2.stereo() : [new Decimator2(), new Decimator2()];
    const internal = opts.sampleRate * this.factor;
    const bps = opts.beatsPerSecond ?? program.values[BPM]!;
    this.polyphony = Math.max(1, Math.min(32, Math.round(program.values[POLYPHONY]!)));
    this.voiceContext = {
      sampleRate: internal,
      harmonicLimit: 0.5 / this.factor,
      beatsPerSecond: bps,
      scalarOscillators: opts.scalarOscillators,
    };
    this.seed = opts.seed;
    this.effects = new EffectChain(program, {
      sampleRate: internal,
      beatsPerSecond: bps,
      maxBlock: MAX_BLOCK,
      prerollSeconds: opts.prerollSeconds ?? 0,
    });
    this.effectsOn = this.effects.active;
    this.directOut = DESTINATIONS.some(
      ([on, dest]) => program.values[on!]! >= 0.5 && Math.round(program.values[dest!]!) === DIRECT_OUT,
    );
    const db = Math.sqrt(Math.max(0, program.values[VOLUME]!)) - 80;
    this.volumeGain = Math.pow(10, db / 20);
    this.volumeModulated = program.modulated.includes(VOLUME);
    this.seconds = opts.transportSeconds ?? 0;
  }

  /** Extra host-rate output latency of `process` (the decimator); renderNote removes it. */
  get latencySamples(): number {
    return this.factor === 2 ? OFFLINE_DROP : 0;
  }

  /** velocity is Vital's normalised 0 … 1. */
  noteOn(note: number, velocity: number): void {
    const legatoHeld = this.heldNotes.length > 0;
    const glideFrom =
      this.lastNote !== undefined && (legatoHeld || this.program.values[PORTAMENTO_FORCE]! >= 0.5)
        ? this.lastNote
        : undefined;
    this.heldNotes.push(note);
    this.lastNote = note;
    this.effects.setNote(note);
    if (this.program.values[LEGATO]! >= 0.5 && legatoHeld) {
      const v = this.voices.find((x) => x.held);
      if (v) {
        v.noteOn(note, velocity, glideFrom, this.seconds);
        return;
      }
    }
    let voice = this.voices.find((v) => !v.active);
    if (!voice && this.voices.length < this.polyphony) voice = this.newVoice();
    if (!voice) {
      voice = this.voices.reduce((a, b) => (b.age > a.age ? b : a));
      voice.kill();
    }
    voice.noteOn(note, velocity, glideFrom, this.seconds);
  }

  /**
   * The next voice. Making voices on demand gives the same voices as making them all up front: voice i's
   * generators depend only on the seed and its pair number, and a voice never made would never have sounded
   * (notes take the first free voice in index order).
   */
  private newVoice(): Voice {
    const i = this.voices.length;
    if (i % 2 === 0) {
      this.pairRandom = new VoicePairRandom(this.seed, i / 2, this.program.generatorPositions);
    }
    const voice = new Voice(this.program, this.voiceContext, this.pairRandom!, i % 2);
    this.voices.push(voice);
    return voice;
  }

  /** Make the first `count` voices now (up to the polyphony) rather than at the notes that need them. */
  reserveVoices(count: number): void {
    while (this.voices.length < Math.min(count, this.polyphony)) this.newVoice();
  }

  noteOff(note: number, liftVelocity = 0.5): void {
    const i = this.heldNotes.lastIndexOf(note);
    if (i >= 0) this.heldNotes.splice(i, 1);
    if (this.heldNotes.includes(note)) return; // the same note is still held by another key press
    for (const v of this.voices) if (v.held && v.playingNote === note) v.noteOff(liftVelocity);
  }

  allNotesOff(): void {
    this.heldNotes.length = 0;
    for (const v of this.voices) v.noteOff();
  }

  get activeVoices(): number {
    let n = 0;
    for (const v of this.voices) if (v.active) n++;
    return n;
  }

  private newestActiveVoice(): Voice | undefined {
    let newest: Voice | undefined;
    for (let i = 0; i < this.voices.length; i++) {
      const v = this.voices[i]!;
      if (v.active && (!newest || v.age < newest.age)) newest = v;
    }
    return newest;
  }

  /** Whether both channels of the mix are identical this block (centred patches: decimate once). */
  private sameChannels(m: number): boolean {
    const l = this.mixL;
    const r = this.mixR;
    for (let i = 0; i < m; i++) if (l[i] !== r[i]) return false;
    return true;
  }

  /** Render `n` host-rate samples into outL/outR starting at `offset` (overwrites). */
  process(outL: Float32Array, outR: Float32Array, offset: number, n: number): void {
    let done = 0;
    const f = this.factor;
    while (done < n) {
      const hostN = Math.min(HOST_BLOCK, n - done);
      const m = hostN * f;
      this.mixL.fill(0, 0, m);
      this.mixR.fill(0, 0, m);
      const direct = this.directOut;
      if (direct) {
        this.directL.fill(0, 0, m);
        this.directR.fill(0, 0, m);
      }
      const voices = this.voices;
      for (let i = 0; i < voices.length; i++) {
        const v = voices[i]!;
        if (v.active) v.process(this.mixL, this.mixR, m, this.directL, this.directR);
      }
      if (this.effectsOn) {
        // effect parameters follow the newest sounding voice's modulation (its right-channel values too)
        const newest = this.newestActiveVoice();
        this.effects.setVoiceModulation(newest?.modulation, newest?.modulationR);
        this.effects.process(this.mixL, this.mixR, m);
      }
      if (direct) {
        for (let i = 0; i < m; i++) {
          this.mixL[i] = this.mixL[i]! + this.directL[i]!;
          this.mixR[i] = this.mixR[i]! + this.directR[i]!;
        }
      }
      const at = offset + done;
      if (f === 2) {
        // While both channels have been identical the right decimator is not run (its state is the left's).
        const same = this.sameChannels(m);
        if (!same && this.rMirrorsL) {
          this.decR.copyFrom(this.decL);
          this.rMirrorsL = false;
        }
        this.decL.process(this.mixL, m, outL, at);
        if (same && this.rMirrorsL) for (let i = at; i < at + hostN; i++) outR[i] = outL[i]!;
        else this.decR.process(this.mixR, m, outR, at);
      } else {
        // copied by loop: subarray() would allocate a view per block
        for (let i = 0; i < m; i++) {
          outL[at + i] = this.mixL[i]!;
          outR[at + i] = this.mixR[i]!;
        }
      }
      // Vital applies the master volume after the effect chain; a modulated one (mono: the newest voice's
      // value, kept when no voice sounds) is ramped across the block and mutes at −80 dB.
      let g0 = this.volumeGain;
      let g1 = this.volumeGain;
      if (this.volumeModulated) {
        const newest = this.newestActiveVoice();
        if (newest) this.volumeModulation = newest.modulation[VOLUME]!;
        const raw = Math.max(0, Math.min(VOLUME_MAX, this.program.values[VOLUME]! + this.volumeModulation));
        g1 = raw > 0 ? volumeGain(raw) : 0;
        g0 = this.gainStarted ? this.lastGain : g1;
        this.lastGain = g1;
        this.gainStarted = true;
      }
      const dg = (g1 - g0) / hostN;
      for (let i = at; i < at + hostN; i++) {
        const g = g0 + dg * (i - at + 1);
        const l = outL[i]! * g;
        const r = outR[i]! * g;
        outL[i] = l > 2.1 ? 2.1 : l < -2.1 ? -2.1 : l;
        outR[i] = r > 2.1 ? 2.1 : r < -2.1 ? -2.1 : r;
      }
      done += hostN;
      this.seconds += hostN / this.sampleRate;
    }
  }
}

export interface NotePerformance {
  note: number;
  /** Vital's normalised velocity 0 … 1. */
  velocity: number;
  noteOffSeconds: number;
  durationSeconds: number;
}

/** An offline one-note render that is set up (instrument built, output allocated) but not yet run. */
export interface PreparedNote {
  readonly instrument: VitalInstrument;
  /**
   * Run the note (note-on at sample 0, note-off at noteOffSeconds); stereo [L, R]. Call once: afterwards the
   * instrument's kernels belong to later renders, so it must not be processed any more.
   */
  run(): Float32Array[];
}

/**
 * Set up an offline render of one note: the instrument, the voice the note takes and the pre-roll state
 * (effect LFO phases, the transport) are built here, so `run()` does only the note's own processing (what
 * bench/vital.ts times, as Vital's speed figures do).
 */
export function prepareProgramNote(
  program: VitalProgram,
  perf: NotePerformance,
  opts: InstrumentOptions,
): PreparedNote {
  // Offline renders follow the reference renders' convention: 1 s of processing before the note-on, run in
  // whole 64-sample blocks from transport time −1 s, so the note-on falls a fraction of a block after time 0.
  const preroll = opts.prerollSeconds ?? 1;
  const prerollBlocks = Math.ceil((preroll * opts.sampleRate) / HOST_BLOCK);
  // the instrument's WebAssembly kernels are leased for this render and given back when it ends (reused by the
  // next render in this thread: no fresh memories to map and account for per render)
  const kernels = new KernelScope();
  const inst = kernels.run(() => {
    const instrument = new VitalInstrument(program, {
      ...opts,
      prerollSeconds: preroll,
      transportSeconds: opts.transportSeconds ?? (prerollBlocks * HOST_BLOCK) / opts.sampleRate - preroll,
    });
    instrument.reserveVoices(1); // the voice the note takes: Vital's voices exist before the note too
    return instrument;
  });
  const sr = opts.sampleRate;
  const total = Math.max(0, Math.round(perf.durationSeconds * sr));
  const drop = inst.latencySamples;
  // written now, so that their pages are mapped before the note runs (as Vital's buffers exist before its note)
  const L = new Float32Array(total).fill(0);
  const R = new Float32Array(total).fill(0);
  // the first `drop` outputs (the decimator's extra latency) go to a scratch block, not into the result
  const headL = new Float32Array(HOST_BLOCK);
  const headR = new Float32Array(HOST_BLOCK);
  const len = total + drop;
  const off = Math.max(0, Math.min(len, Math.round(perf.noteOffSeconds * sr)));
  const play = (): void => {
    inst.noteOn(perf.note, perf.velocity);
    let pos = 0;
    // blocks run on a fixed 64-sample grid; the note-off splits the block it falls into
    while (pos < len) {
      let n = Math.min(HOST_BLOCK - (pos % HOST_BLOCK), len - pos);
      if (pos < off && pos + n > off) n = off - pos;
      if (pos === off) inst.noteOff(perf.note);
      if (pos >= drop) inst.process(L, R, pos - drop, n);
      else {
        inst.process(headL, headR, 0, n);
        for (let i = drop - pos; i < n; i++) {
          L[pos + i - drop] = headL[i]!;
          R[pos + i - drop] = headR[i]!;
        }
      }
      pos += n;
    }
  };
  return {
    instrument: inst,
    run() {
      kernels.run(play); // throws if run twice: the kernels are given back below
      kernels.release();
      return [L, R];
    },
  };
}

/** Render one note offline: note-on at sample 0, note-off at noteOffSeconds, stereo [L, R]. */
export function renderProgramNote(
  program: VitalProgram,
  perf: NotePerformance,
  opts: InstrumentOptions,
): Float32Array[] {
  return prepareProgramNote(program, perf, opts).run();
}
