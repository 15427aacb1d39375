// A small polyphonic DX7 for live play (web app, AudioWorklet): voice allocation and stealing, one shared LFO,
// events applied at 64-sample block boundaries, each voice quantised to 16 bits before voices are summed
// (as in Dexed). No Node imports; no allocation while playing.
import type { Dx7Patch } from "../params.ts";
import { VCED_SIZE } from "../vced.ts";
import { createKernels, N, type FmKernels, type KernelPreference } from "./fm-kernels.ts";
import { Lfo } from "./lfo.ts";
import { engineParams } from "./params.ts";
import { rateConstants } from "./render.ts";
import type { RateConstants } from "./tables.ts";
import { Dx7Voice } from "./voice.ts";

export class Dx7Instrument {
  readonly sampleRate: number;
  private readonly rc: RateConstants;
  private readonly voices: Dx7Voice[];
  private readonly used: Uint8Array;
  private readonly params = new Uint8Array(VCED_SIZE);
  private readonly lfo = new Lfo();
  private readonly k: FmKernels;
  private readonly block = new Float32Array(N);
  /** Samples of `block` already handed out (N = none left). */
  private readPos = N;

  constructor(
    patch: Dx7Patch,
    opts: { sampleRate?: number; polyphony?: number; kernels?: KernelPreference } = {},
  ) {
    this.sampleRate = opts.sampleRate ?? 44100;
    this.rc = rateConstants(this.sampleRate);
    const polyphony = Math.max(1, Math.floor(opts.polyphony ?? 16));
    this.k = createKernels(polyphony, 1, opts.kernels ?? "wasm");
    this.voices = Array.from({ length: polyphony }, () => new Dx7Voice(this.k, 1));
    this.used = new Uint8Array(this.voices.length);
    this.setPatch(patch);
  }

  /** Change the voice: notes started from now on use it (sounding notes keep theirs). */
  setPatch(patch: Dx7Patch): void {
    engineParams(patch, this.params);
    this.lfo.setup(this.params, this.rc);
  }

  /** Number of voices currently sounding. */
  activeVoices(): number {
    let n = 0;
    for (let i = 0; i < this.voices.length; i++) if (this.used[i] && this.voices[i]!.isSounding()) n++;
    return n;
  }

  noteOn(note: number, velocity: number): void {
    let anyHeld = false;
    for (let i = 0; i < this.voices.length; i++) if (this.used[i] && this.voices[i]!.keyDown) anyHeld = true;
    if (!anyHeld) this.lfo.keyDown();
    let pick = -1;
    // A voice never used, else a silent one, else steal the oldest (released notes first).
    for (let i = 0; i < this.voices.length && pick < 0; i++) if (!this.used[i]) pick = i;
    if (pick < 0) {
      for (let i = 0; i < this.voices.length; i++) {
        if (!this.voices[i]!.isSounding() && (pick < 0 || this.voices[i]!.age > this.voices[pick]!.age))
          pick = i;
      }
    }
    let stolen = false;
    if (pick < 0) {
      stolen = true;
      for (let pass = 0; pass < 2 && pick < 0; pass++) {
        for (let i = 0; i < this.voices.length; i++) {
          const v = this.voices[i]!;
          if (pass === 0 && v.keyDown) continue;
          if (pick < 0 || v.age > this.voices[pick]!.age) pick = i;
        }
      }
    }
    const voice = this.voices[pick]!;
    if (!this.used[pick]) voice.clear();
    this.used[pick] = 1;
    voice.noteOn(this.params, note, velocity, this.rc, !stolen);
  }

  /** Release every held voice playing `note`. */
  noteOff(note: number): void {
    for (let i = 0; i < this.voices.length; i++) {
      const v = this.voices[i]!;
      if (this.used[i] && v.keyDown && v.note === note) v.noteOff();
    }
  }

  allNotesOff(): void {
    for (let i = 0; i < this.voices.length; i++)
      if (this.used[i] && this.voices[i]!.keyDown) this.voices[i]!.noteOff();
  }

  /** Compute the next 64-sample block into the internal buffer. */
  private computeBlock(): void {
    const out = this.block;
    out.fill(0);
    const lv = this.lfo.value();
    const ld = this.lfo.delay();
    for (let i = 0; i < this.voices.length; i++) {
      if (!this.used[i]) continue;
      const v = this.voices[i]!;
      if (!v.isSounding()) continue;
      v.prepareBlock(0, lv, ld);
      v.render(1);
      const q = this.k.mem16;
      for (let j = 0; j < N; j++) out[j]! += q[v.q + j]! / 32768;
    }
    this.readPos = 0;
  }

  /**
   * Fill `out` (any length) with the next samples. Events given between calls act at the next 64-sample block
   * boundary, as in Dexed.
   */
  process(out: Float32Array): void {
    let k = 0;
    while (k < out.length) {
      if (this.readPos >= N) this.computeBlock();
      const n = Math.min(N - this.readPos, out.length - k);
      const block = this.block;
      for (let j = 0; j < n; j++) out[k + j] = block[this.readPos + j]!;
      this.readPos += n;
      k += n;
    }
  }
}
