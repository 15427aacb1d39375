// The global effect chain: the nine effects in `effect_chain_order`, each only while its `*_on` is set,
// processing the summed voices in place (stereo, at the internal oversampled rate, allocation-free per
// block). Pure: no I/O, no Node modules — it runs in worker threads and in an AudioWorklet.

import { PARAM_MAX, PARAM_MIN, pid, type ModSlot, type VitalProgram } from "../program.ts";
import { Chorus } from "./chorus.ts";
import type { BlockContext, Effect } from "./common.ts";
import { Compressor } from "./compressor.ts";
import { Delay } from "./delay.ts";
import { Distortion } from "./distortion.ts";
import { Eq } from "./eq.ts";
import { FilterFx } from "./filter-fx.ts";
import { Flanger } from "./flanger.ts";
import { effectDestinations, effectSlots, modulateEffectParams, staysAtOrBelowZero } from "./modulation.ts";
import { Phaser } from "./phaser.ts";
import { Reverb } from "./reverb.ts";

/** Effect numbers as Vital orders them (`effect_chain_order` 0). */
export const EFFECT_NAMES = [
  "chorus",
  "compressor",
  "delay",
  "distortion",
  "eq",
  "filter_fx",
  "flanger",
  "phaser",
  "reverb",
] as const;
const COUNT = EFFECT_NAMES.length;
const ON_IDS = [
  "chorus_on",
  "compressor_on",
  "delay_on",
  "distortion_on",
  "eq_on",
  "filter_fx_on",
  "flanger_on",
  "phaser_on",
  "reverb_on",
].map(pid);
/** Each effect's dry/wet (the EQ has none). */
const MIX_IDS = [
  "chorus_dry_wet",
  "compressor_mix",
  "delay_dry_wet",
  "distortion_mix",
  undefined,
  "filter_fx_mix",
  "flanger_dry_wet",
  "phaser_dry_wet",
  "reverb_dry_wet",
].map((name) => (name === undefined ? -1 : pid(name)));
const ORDER = pid("effect_chain_order");

/** Decode `effect_chain_order` into effect numbers in processing order (vital.md §2.5). */
export function decodeEffectOrder(value: number): number[] {
  const order = Array.from({ length: COUNT }, (_, i) => i);
  let code = Math.max(0, Math.round(value));
  for (let i = 0; i < COUNT; i++) {
    const r = COUNT - i;
    const last = r - 1;
    const k = code % r;
    code = Math.floor(code / r);
    const [moved] = order.splice(last - k, 1);
    order.splice(last, 0, moved!);
  }
  return order;
}

/** Inverse of decodeEffectOrder. */
export function encodeEffectOrder(order: readonly number[]): number {
  let code = 0;
  for (let i = 1; i < order.length; i++) {
    let c = 0;
    for (let j = 0; j < i; j++) if (order[j]! > order[i]!) c++;
    code = code * (i + 1) + c;
  }
  return code;
}

export interface ChainOptions {
  /** Internal (oversampled) sample rate. */
  sampleRate: number;
  beatsPerSecond: number;
  maxBlock: number;
  /**
   * Seconds the effects have been running before transport time 0 (the reference renders' pre-roll). Only
   * free-running phases depend on it (the reverb's chorus LFO); processing silence changes nothing else.
   */
  prerollSeconds?: number;
  /** "wasm" (default): the WebAssembly SIMD kernels where available; "js": the JavaScript loops only. */
  kernels?: "wasm" | "js";
}

export class EffectChain {
  private readonly effects: (Effect | undefined)[] = [];
  private readonly order: number[];
  private readonly wasOn: boolean[] = new Array<boolean>(COUNT).fill(false);
  /** Effects whose mix stays at 0 for the whole render: their output is their input, so they do not run. */
  private readonly dry: boolean[];
  private readonly ctx: BlockContext;
  private samples = 0;
  /** The program the effects read: its values carry the global-source modulation of effect parameters. */
  private readonly program: VitalProgram;
  /** The right channel's parameter values (differ from program.values only under stereo modulation). */
  private readonly valuesR: Float64Array;
  private readonly slots: ModSlot[];
  /** Effect parameters any slot modulates (from any source). */
  private readonly fxDests: Int32Array;
  private followingVoice = false;

  constructor(
    private readonly source: VitalProgram,
    private readonly opts: ChainOptions,
  ) {
    this.slots = effectSlots(source);
    this.fxDests = effectDestinations(source);
    this.program = { ...source, values: new Float64Array(source.values.length) };
    modulateEffectParams(source, this.slots, 60, this.program.values);
    this.valuesR = new Float64Array(source.values.length);
    modulateEffectParams(source, this.slots, 60, this.valuesR, true);
    this.order = decodeEffectOrder(source.values[ORDER]!);
    this.ctx = { sampleRate: opts.sampleRate, timeSeconds: 0, beatsPerSecond: opts.beatsPerSecond, note: 60 };
    this.dry = MIX_IDS.map((id) => id >= 0 && staysAtOrBelowZero(source, id));
    for (let e = 0; e < COUNT; e++) {
      const on = this.isOn(e) && !this.dry[e];
      this.effects.push(on ? this.create(e) : undefined);
      this.wasOn[e] = on; // a new effect is already silent: no reset on the first block
    }
  }

  /** Whether any effect is on and heard (otherwise the chain is a no-op). */
  get active(): boolean {
    for (let e = 0; e < COUNT; e++) if (this.isOn(e) && !this.dry[e]) return true;
    return false;
  }

  setNote(note: number): void {
    this.ctx.note = note;
    if (this.slots.length > 0) {
      modulateEffectParams(this.source, this.slots, note, this.program.values);
      modulateEffectParams(this.source, this.slots, note, this.valuesR, true);
    }
  }

  /**
   * Take effect-parameter modulation from a voice's per-parameter offsets (all sources, per block), or, with
   * no voice sounding, keep the global-source modulation. `modsR`: the voice's right-channel offsets when it
   * modulates in stereo.
   */
  setVoiceModulation(mods: Float64Array | undefined, modsR?: Float64Array): void {
    const d = this.fxDests;
    if (d.length === 0) return;
    const out = this.program.values;
    const outR = this.valuesR;
    const base = this.source.values;
    if (!mods) {
      if (this.followingVoice) {
        modulateEffectParams(this.source, this.slots, this.ctx.note, out);
        modulateEffectParams(this.source, this.slots, this.ctx.note, outR, true);
      }
      this.followingVoice = false;
      return;
    }
    const right = modsR ?? mods;
    for (let i = 0; i < d.length; i++) {
      const k = d[i]!;
      const x = base[k]! + mods[k]!;
      out[k] = x < PARAM_MIN[k]! ? PARAM_MIN[k]! : x > PARAM_MAX[k]! ? PARAM_MAX[k]! : x;
      const y = base[k]! + right[k]!;
      outR[k] = y < PARAM_MIN[k]! ? PARAM_MIN[k]! : y > PARAM_MAX[k]! ? PARAM_MAX[k]! : y;
    }
    this.followingVoice = true;
  }

  private isOn(e: number): boolean {
    return this.program.values[ON_IDS[e]!]! >= 0.5;
  }

  private create(e: number): Effect {
    const p = this.program;
    const { sampleRate, maxBlock } = this.opts;
    switch (EFFECT_NAMES[e]) {
      case "chorus":
        return new Chorus(p, sampleRate, maxBlock, this.opts.kernels !== "js");
      case "compressor":
        return new Compressor(p, sampleRate, maxBlock, this.opts.kernels !== "js");
      case "delay":
        return new Delay(p, sampleRate, this.opts.beatsPerSecond, maxBlock, this.opts.kernels !== "js");
      case "distortion":
        return new Distortion(p, maxBlock, this.valuesR);
      case "eq":
        return new Eq(p);
      case "filter_fx":
        return new FilterFx(p, sampleRate, maxBlock);
      case "flanger":
        return new Flanger(p, sampleRate, maxBlock, this.opts.kernels !== "js");
      case "phaser":
        return new Phaser(p);
      default:
        return new Reverb(p, sampleRate, this.opts.prerollSeconds ?? 0, maxBlock, this.opts.kernels !== "js");
    }
  }

  /** Process `n` ≤ maxBlock samples of the summed voices in place. */
  process(L: Float32Array, R: Float32Array, n: number): void {
    this.ctx.timeSeconds = this.samples / this.opts.sampleRate;
    for (let i = 0; i < COUNT; i++) {
      const e = this.order[i]!;
      if (this.dry[e]) continue;
      const on = this.isOn(e);
      if (on && !this.wasOn[e]) {
        // switching an effect on starts it from silence, as Vital resets it
        if (!this.effects[e]) this.effects[e] = this.create(e);
        else this.effects[e]!.reset();
      }
      this.wasOn[e] = on;
      if (on) this.effects[e]!.process(L, R, n, this.ctx);
    }
    this.samples += n;
  }
}
