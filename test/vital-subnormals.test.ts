// Effects decaying in silence reach exact silence without passing through subnormal floats. Vital runs with
// flush-to-zero; WebAssembly and JavaScript cannot, and on x86 every operation on a subnormal float is a slow
// microcode assist: a feedback loop whose memory decays through 1e-30 … 1e-38 ran 20–30 times slower for
// most of a second. The effects flush what enters their loops below 1e-20 (−400 dB) instead.
import { describe, expect, it } from "vitest";
import { defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { renderLine } from "../src/synths/vital/engine/curves.ts";
import { EffectChain } from "../src/synths/vital/engine/effects/chain.ts";
import { Lfo, SYNC_TRIGGER } from "../src/synths/vital/engine/lfo.ts";
import { pid } from "../src/synths/vital/engine/program.ts";
import { vitalProgram } from "../src/synths/vital/index.ts";

const FLT_MIN = 1.1754943508222875e-38;
const SAMPLE_RATE = 88200;
const BLOCK = 128;

/** A 0.3 s noise burst (different on each side), then silence; the chain's output over `seconds`. */
function tail(settings: Record<string, number>, kernels: "wasm" | "js", seconds: number) {
  const prog = vitalProgram(defaultVitalPatch());
  for (const [k, v] of Object.entries(settings)) prog.values[pid(k)] = v;
  const chain = new EffectChain(prog, {
    sampleRate: SAMPLE_RATE,
    beatsPerSecond: 2,
    maxBlock: BLOCK,
    kernels,
  });
  const total = Math.round(seconds * SAMPLE_RATE);
  const out = [new Float32Array(total), new Float32Array(total)] as const;
  const L = new Float32Array(BLOCK);
  const R = new Float32Array(BLOCK);
  let seed = 7;
  for (let p = 0; p < total; p += BLOCK) {
    const n = Math.min(BLOCK, total - p);
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const x = p + i < 0.3 * SAMPLE_RATE ? (seed / 2 ** 32 - 0.5) * 0.5 : 0;
      L[i] = x;
      R[i] = -0.7 * x;
    }
    chain.process(L, R, n);
    out[0].set(L.subarray(0, n), p);
    out[1].set(R.subarray(0, n), p);
  }
  let subnormal = 0;
  let lastSound = 0;
  let peak = 0;
  for (const ch of out)
    for (let i = 0; i < total; i++) {
      const a = Math.abs(ch[i]!);
      peak = Math.max(peak, a);
      if (a > 0 && a < FLT_MIN) subnormal++;
      if (a > 0) lastSound = Math.max(lastSound, i / SAMPLE_RATE);
    }
  return { subnormal, lastSound, peak };
}

describe("Vital effects decaying in silence reach exact silence, never subnormal", () => {
  const cases: [string, Record<string, number>, number][] = [
    // a four-unit chorus with feedback: its loops used to decay through the subnormal range for ~2 s
    ["chorus", { chorus_on: 1, chorus_dry_wet: 1, chorus_feedback: 0.5, chorus_voices: 4 }, 4.5],
    ["delay", { delay_on: 1, delay_dry_wet: 0.5, delay_feedback: 0.5, delay_sync: 0, delay_frequency: 5 }, 5],
    ["flanger", { flanger_on: 1, flanger_dry_wet: 1, flanger_feedback: 0.5 }, 2.5],
  ];
  for (const [name, settings, seconds] of cases)
    for (const kernels of ["wasm", "js"] as const)
      it(`${name} (kernels: ${kernels})`, () => {
        const { subnormal, lastSound, peak } = tail(settings, kernels, seconds);
        expect(peak).toBeGreaterThan(0.1);
        expect(subnormal).toBe(0);
        expect(lastSound).toBeLessThan(seconds - 1);
      });
});

describe("Vital's audio-rate LFO smoothed towards zero reaches zero, never subnormal", () => {
  it("a smoothed pulse LFO (1 for a tenth of its cycle, then 0) over 2 s", () => {
    // IceRain's LFO 1: its smoothing halves the value every ~0.2 ms through the zero part of the cycle
    const lfo = new Lfo(
      renderLine({ points: [0, 0, 0.1, 0, 0.1, 1, 1, 1], powers: [0, 0, 0], smooth: false }),
    );
    lfo.trigger();
    const block = { hz: 1, syncType: SYNC_TRIGGER, phaseOffset: 0, fadeSeconds: 0, delaySeconds: 0 };
    const b = {
      ...block,
      smooth: true,
      smoothSeconds: 2 ** -9.93,
      blockSeconds: BLOCK / SAMPLE_RATE,
      released: false,
    };
    const out = new Float32Array(BLOCK);
    let subnormal = 0;
    let zeros = 0;
    let peak = 0;
    for (let p = 0; p < 2 * SAMPLE_RATE; p += BLOCK) {
      lfo.renderAudio(out, BLOCK, b, 1 / SAMPLE_RATE);
      for (const x of out) {
        const a = Math.abs(x);
        peak = Math.max(peak, a);
        if (a > 0 && a < FLT_MIN) subnormal++;
        if (a === 0) zeros++;
      }
    }
    expect(peak).toBeGreaterThan(0.9);
    expect(subnormal).toBe(0);
    expect(zeros).toBeGreaterThan(SAMPLE_RATE); // most of each cycle's zero part is exact silence
  });
});
