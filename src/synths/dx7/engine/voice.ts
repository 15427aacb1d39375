// One DX7 voice: note-on set-up (levels, scaling, velocity, frequencies) and the per-block computation
// (pitch, amplitude modulation, envelopes, operators routed by the algorithm). Integer behaviour of msfa's
// dx7note.cc and fm_core.cc (Google, Apache-2.0) as used in Dexed; see ../shared/reference/dx7.md §2.3–2.13.
import { OperatorEnvelope, PitchEnvelope, scaleOutputLevel } from "./envelopes.ts";
import {
  BLOCK_CMD_WORDS,
  CMD_WORDS,
  K_FEEDBACK,
  K_MODULATED,
  K_PLAIN,
  N,
  type FmKernels,
} from "./fm-kernels.ts";
import {
  ALGORITHM_FLAGS,
  AMP_MOD_SENS,
  COARSE_LOGFREQ,
  EXP_SCALE_DATA,
  FINE_LOGFREQ,
  PITCH_MOD_SENS,
  VELOCITY_DATA,
} from "./tables-data.ts";
import { detuneOffset, exp2Lookup, freqLookup, keyLogFreq, type RateConstants } from "./tables.ts";

/** Below this gain (≈ −83.5 dB re. one operator's full scale) an operator is not rendered. */
const SILENT_GAIN = 1120;
const ALGORITHMS: Uint8Array[] = ALGORITHM_FLAGS.map((a) => Uint8Array.from(a));

function keyboardLevelScaling(
  note: number,
  bp: number,
  leftDepth: number,
  rightDepth: number,
  leftCurve: number,
  rightCurve: number,
): number {
  const offset = note - bp - 17;
  const right = offset >= 0;
  const group = Math.floor(((right ? offset : -offset) + 1) / 3);
  const depth = right ? rightDepth : leftDepth;
  const curve = right ? rightCurve : leftCurve;
  const m =
    curve === 0 || curve === 3
      ? (group * depth * 329) >> 12
      : (EXP_SCALE_DATA[Math.min(group, 32)]! * depth * 329) >> 15;
  return curve < 2 ? -m : m;
}

function velocityOffset(velocity: number, sens: number): number {
  const w = VELOCITY_DATA[Math.min(Math.max(velocity, 0), 127) >> 1]! - 239;
  return ((sens * w + 7) >> 3) * 16;
}

/** floor(a · b / 2^shift) for 0 ≤ a < 2^32, |b| < 2^31, exactly (the product may exceed 2^53). */
function mulShiftWide(a: number, b: number, shift: number): number {
  const ah = Math.floor(a / 65536);
  const al = a - ah * 65536;
  return Math.floor((ah * b + Math.floor((al * b) / 65536)) / 2 ** (shift - 16));
}

export class Dx7Voice {
  readonly env: OperatorEnvelope[] = Array.from({ length: 6 }, () => new OperatorEnvelope());
  readonly pitchEnv = new PitchEnvelope();
  /** Per operator in processing order (index 0 = OP6 … 5 = OP1). */
  readonly phase = new Int32Array(6);
  readonly gainOut = new Int32Array(6);
  readonly baseLogFreq = new Int32Array(6);
  readonly fixed = new Uint8Array(6);
  readonly ampModSens = new Int32Array(6);
  readonly freq = new Int32Array(6);
  /** The log frequency `freq` was computed from (NaN: none yet). */
  private readonly freqFor = new Float64Array(6);
  /** Memos of the last amplitude-modulation factor and gain per operator (both pure functions of their input). */
  private readonly ptFor = new Float64Array(6);
  private readonly ptValue = new Float64Array(6);
  private readonly gainFor = new Float64Array(6);
  private readonly gainValue = new Int32Array(6);
  /** Word offsets in the kernels' memory: the voice's accumulator (bus 0), buses 1 and 2, feedback history. */
  readonly out: number;
  private readonly bus1: number;
  private readonly bus2: number;
  private readonly fb: number;
  private readonly cmd: number;
  private readonly counts: number;
  /** Halfword offset in `k.mem16` of the 16-bit output of the last `render` (64 samples per block). */
  readonly q: number;
  private flags: Uint8Array = ALGORITHMS[0]!;
  private fbShift = 16;
  private pmd = 0;
  private amd = 0;
  private pms = 0;
  rc: RateConstants | undefined;
  /** MIDI note as requested (before transpose), for note-off matching. */
  note = -1;
  keyDown = false;
  /** Block counter since note-on, for voice stealing (oldest first). */
  age = 0;

  /** `blocks`: how many blocks one `render` call may hold. */
  constructor(
    readonly k: FmKernels,
    readonly blocks = 1,
  ) {
    this.out = k.alloc(N);
    this.bus1 = k.alloc(N);
    this.bus2 = k.alloc(N);
    this.fb = k.alloc(2);
    this.cmd = k.alloc(blocks * BLOCK_CMD_WORDS);
    this.counts = k.alloc(blocks);
    this.q = k.alloc((blocks * N) / 2) * 2;
  }

  /**
   * Note-on with VCED parameters `p` (155 bytes, engine-safe values). `resetPhases` applies oscillator key
   * sync (phases and gains to 0) — pass false when a sounding voice is stolen.
   */
  noteOn(p: Uint8Array, midiNote: number, velocity: number, rc: RateConstants, resetPhases: boolean): void {
    this.rc = rc;
    this.note = midiNote;
    this.keyDown = true;
    this.age = 0;
    let n = midiNote + p[144]! - 24;
    n = n < 0 ? 0 : n > 127 ? 127 : n;
    const rsGroup = Math.min(31, Math.max(0, Math.floor(n / 3) - 7));
    for (let op = 0; op < 6; op++) {
      const b = op * 21;
      const outputLevel = scaleOutputLevel(p[b + 16]!);
      let a = outputLevel + keyboardLevelScaling(n, p[b + 8]!, p[b + 9]!, p[b + 10]!, p[b + 11]!, p[b + 12]!);
      if (a > 127) a = 127;
      let o = a * 32 + velocityOffset(velocity, p[b + 15]!);
      if (o < 0) o = 0;
      const rsd = (p[b + 13]! * rsGroup) >> 3;
      this.env[op]!.start(p, b, o, rsd, rc);
      const coarse = p[b + 18]!;
      const fine = p[b + 19]!;
      const detune = p[b + 20]!;
      if (p[b + 17] === 0) {
        this.fixed[op] = 0;
        this.baseLogFreq[op] =
          keyLogFreq(n) + detuneOffset(n, detune) + COARSE_LOGFREQ[coarse & 31]! + FINE_LOGFREQ[fine]!;
      } else {
        this.fixed[op] = 1;
        this.baseLogFreq[op] =
          ((4458616 * ((coarse & 3) * 100 + fine)) >> 3) + (detune > 7 ? 13457 * (detune - 7) : 0);
      }
      this.ampModSens[op] = AMP_MOD_SENS[p[b + 14]! & 3]!;
    }
    this.freqFor.fill(NaN);
    this.ptFor.fill(NaN);
    this.gainFor.fill(NaN);
    this.pitchEnv.start(p, 126, rc);
    this.flags = ALGORITHMS[p[134]!]!;
    const fb = p[135]!;
    this.fbShift = fb !== 0 ? 8 - fb : 16;
    this.pmd = (p[139]! * 165) >> 6;
    this.amd = (p[140]! * 165) >> 6;
    this.pms = PITCH_MOD_SENS[p[143]! & 7]!;
    if (p[136] !== 0 && resetPhases) {
      this.phase.fill(0);
      this.gainOut.fill(0);
    }
  }

  /** Start from silence: phases, gains and feedback history 0 (a fresh voice). */
  clear(): void {
    this.phase.fill(0);
    this.gainOut.fill(0);
    this.k.mem[this.fb] = 0;
    this.k.mem[this.fb + 1] = 0;
  }

  noteOff(): void {
    this.keyDown = false;
    for (let op = 0; op < 6; op++) this.env[op]!.keyOff();
    this.pitchEnv.keyOff();
  }

  /** True while the voice can still be heard (used for voice allocation only). */
  isSounding(): boolean {
    if (this.keyDown) return true;
    for (let op = 0; op < 6; op++) {
      if ((this.flags[op]! & 3) === 0 && (this.env[op]!.stage < 4 || this.gainOut[op]! >= SILENT_GAIN))
        return true;
    }
    return false;
  }

  /**
   * Advance the control state by one block (LFO value and delay value of that block given) and record the
   * block's operator commands in batch slot `slot`; `render` then computes the audio of the recorded blocks.
   */
  prepareBlock(slot: number, lfoValue: number, lfoDelay: number): void {
    const rc = this.rc!;
    const mem = this.k.mem;
    const out = this.out;
    let cmd = this.cmd + slot * BLOCK_CMD_WORDS;
    let count = 0;
    this.age++;

    // Pitch: pitch EG plus LFO pitch modulation (no pitch bend, master tune 0).
    let pitchMod = this.pitchEnv.step();
    if (this.pmd !== 0 && this.pms !== 0) {
      const pmd = (this.pmd * lfoDelay) >>> 0;
      const sl = (this.pms * (lfoValue - (1 << 23))) | 0;
      let pm = mulShiftWide(pmd, sl, 39);
      if (pm < 0) pm = -pm;
      pitchMod = (pitchMod + (sl < 0 ? -pm : pm)) | 0;
    }

    // Amplitude modulation depth for this block.
    let am = 0;
    if (this.amd !== 0) {
      am = Math.floor((this.amd * lfoDelay) / 256) >>> 0;
      am = Math.floor((am * ((1 << 24) - lfoValue)) / 16777216) >>> 0;
    }

    const flags = this.flags;
    let has0 = true;
    let has1 = false;
    let has2 = false;
    for (let op = 0; op < 6; op++) {
      const lf = this.fixed[op] ? this.baseLogFreq[op]! : (this.baseLogFreq[op]! + pitchMod) | 0;
      if (lf !== this.freqFor[op]) {
        this.freqFor[op] = lf;
        this.freq[op] = freqLookup(rc, lf) | 0;
      }
      const freq = this.freq[op]!;
      let level = this.env[op]!.step();
      const ams = this.ampModSens[op]!;
      if (ams !== 0) {
        const sa = Math.floor((am * ams) / 16777216) >>> 0;
        if (sa !== this.ptFor[op]) {
          this.ptFor[op] = sa;
          this.ptValue[op] = Math.trunc(Math.exp((sa / 262144) * 0.07 + 12.2));
        }
        level = level - mulShiftLevel(level, this.ptValue[op]!);
      }
      const g1 = this.gainOut[op]!;
      if (level !== this.gainFor[op]) {
        this.gainFor[op] = level;
        this.gainValue[op] = exp2Lookup(level - (14 << 24));
      }
      const g2 = this.gainValue[op]!;
      this.gainOut[op] = g2;
      const f = flags[op]!;
      const outBus = f & 3;
      const addFlag = (f & 4) !== 0;
      if (g1 >= SILENT_GAIN || g2 >= SILENT_GAIN) {
        const hasOut = outBus === 0 ? has0 : outBus === 1 ? has1 : has2;
        const add = addFlag && hasOut ? 1 : 0;
        const inBus = (f >> 4) & 3;
        const dest = outBus === 0 ? out : outBus === 1 ? this.bus1 : this.bus2;
        const hasIn = inBus === 1 ? has1 : inBus === 2 ? has2 : false;
        let kernel: number;
        let input = 0;
        if (hasIn) {
          kernel = K_MODULATED;
          input = inBus === 1 ? this.bus1 : this.bus2;
        } else if ((f & 0xc0) === 0xc0 && this.fbShift < 16) {
          kernel = K_FEEDBACK;
          input = this.fb;
        } else kernel = K_PLAIN;
        mem[cmd] = kernel + add;
        mem[cmd + 1] = dest * 4;
        mem[cmd + 2] = input * 4;
        mem[cmd + 3] = this.fbShift + 1;
        mem[cmd + 4] = this.phase[op]!;
        mem[cmd + 5] = freq;
        mem[cmd + 6] = g1;
        mem[cmd + 7] = (g2 - g1 + 32) >> 6;
        cmd += CMD_WORDS;
        count++;
        if (outBus === 0) has0 = true;
        else if (outBus === 1) has1 = true;
        else has2 = true;
      } else if (!addFlag) {
        if (outBus === 0) has0 = false;
        else if (outBus === 1) has1 = false;
        else has2 = false;
      }
      this.phase[op] = (this.phase[op]! + Math.imul(freq, N)) | 0;
    }
    mem[this.counts + slot] = count;
  }

  /** Compute the audio of batch slots 0 … blocks−1: 16-bit samples at halfword `q` of `k.mem16`. */
  render(blocks: number): void {
    this.k.run(blocks, this.cmd, this.counts, this.out, this.q);
  }
}

/** (ℓ · pt) ≫ 24 for ℓ, pt ≥ 0 (the product can reach 2^56). */
function mulShiftLevel(level: number, pt: number): number {
  if (level < 0) level = level >>> 0;
  const lh = Math.floor(level / 4096);
  const ll = level - lh * 4096;
  return Math.floor((lh * pt + Math.floor((ll * pt) / 4096)) / 4096);
}
