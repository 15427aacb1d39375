// The lane-pair kernel (lane-pair-kernel.ts: one- and two-voice oscillators whose transpose is modulated per
// sample, Vital's left and right lanes side by side in double precision) against the JavaScript loops it
// replaces: the same bits, function by function (exp2Fast, readPlain) and in whole renders.
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import {
  MULT_LANES_DIFFER,
  MULT_OUT_OF_RANGE,
  READ_FADING,
  READ_OFFSETS,
  READ_SINGLE,
} from "../src/synths/vital/engine/lane-pair-kernel.ts";
import { AudioBlockStart, Lfo, type LfoBlock } from "../src/synths/vital/engine/lfo.ts";
import { DistortedVoiceReader } from "../src/synths/vital/engine/osc-distortion.ts";
import { UnisonKernel, unisonKernelModule } from "../src/synths/vital/engine/unison-kernel.ts";
import { exp2Fast } from "../src/synths/vital/engine/voice.ts";
import { CYCLE_LENGTH, FRAME_SIZE } from "../src/synths/vital/engine/wavetable.ts";
import { vitalProgram } from "../src/synths/vital/index.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";
import { vitalPatchWith } from "./helpers.ts";

const mod = unisonKernelModule();

/** A deterministic pseudo-random sequence in [0, 1). */
function sequence(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function cycle(rand: () => number): Float32Array {
  const c = new Float32Array(CYCLE_LENGTH);
  for (let i = 0; i < c.length; i++) c[i] = Math.sin((2 * Math.PI * i) / FRAME_SIZE) + 0.3 * (rand() - 0.5);
  return c;
}

describe.skipIf(mod === null)("lane-pair kernel", () => {
  it("computes exp2Fast's increment multipliers bit for bit, and tells when the lanes differ", () => {
    const rand = sequence(7);
    const k = new UnisonKernel(mod!, [1, 0, 0], [], 2);
    const [trL, trR] = k.blocks as [Float32Array, Float32Array];
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(rand() * 128);
      const apart = trial % 3 !== 0;
      // ties of Math.round (x/12 = k + 0.5) included
      for (let i = 0; i < n; i++) {
        trL[i] = i % 17 === 0 ? 6 : Math.fround((rand() - 0.5) * 96);
        trR[i] = apart ? Math.fround((rand() - 0.5) * 96) : trL[i]!;
      }
      const [midi, trBase, tuneL, pitchEnd] = [30 + rand() * 60, (rand() - 0.5) * 48, rand() - 0.5, 60];
      const tuneR = apart ? tuneL + 0.25 : tuneL;
      const bits = k.pairMultipliers(n, midi, trBase, tuneL, tuneR, pitchEnd, trL, apart ? trR : trL);
      expect(bits & MULT_OUT_OF_RANGE).toBe(0);
      expect((bits & MULT_LANES_DIFFER) !== 0).toBe(apart);
      for (let i = 0; i < n; i++) {
        const l = exp2Fast((midi + (trBase + trL[i]!) + tuneL - pitchEnd) / 12);
        const r = exp2Fast((midi + (trBase + (apart ? trR[i]! : trL[i]!)) + tuneR - pitchEnd) / 12);
        expect(k.pairMultiplier(i, 0)).toBe(l);
        expect(k.pairMultiplier(i, 1)).toBe(r);
      }
    }
  });

  it("reports pitches beyond exp2Fast's table (the JavaScript loop takes them)", () => {
    const k = new UnisonKernel(mod!, [1, 0, 0], [], 1);
    const tr = k.blocks[0]!;
    tr[5] = 900;
    expect(k.pairMultipliers(16, 60, 0, 0, 0, 60, tr, tr) & MULT_OUT_OF_RANGE).not.toBe(0);
  });

  it("reads as readPlain does, lane by lane: phases, cross-fades, offsets and the summed output", () => {
    const rand = sequence(11);
    const k = new UnisonKernel(mod!, [2, 0, 0], [], 2);
    const [trL, trR] = k.blocks as [Float32Array, Float32Array];
    const reader = new DistortedVoiceReader(128);
    const cycles = [cycle(rand), cycle(rand), cycle(rand), cycle(rand)];
    const addr = new Int32Array(4);
    k.resolve(0, cycles, 4, addr);
    for (let trial = 0; trial < 48; trial++) {
      const n = 1 + Math.floor(rand() * 128);
      const single = trial % 4 === 0;
      for (let i = 0; i < n; i++) {
        trL[i] = Math.fround((rand() - 0.5) * 24);
        trR[i] = Math.fround((rand() - 0.5) * 24);
      }
      k.pairMultipliers(n, 48, 10, 0, 0.1, 60, trL, trR);
      const mults = [0, 1].map((lane) =>
        Float64Array.from({ length: n }, (_, i) => k.pairMultiplier(i, lane)),
      );
      const offsets = trial % 2 === 1;
      const offStart = offsets ? rand() * 3 - 1 : 0;
      const offStep = offsets ? (rand() - 0.5) * 0.01 : 0;
      const fadeStep = 1 / (64 + Math.floor(rand() * 600));
      const lanes = [0, 1].map((lane) => ({
        phase: rand(),
        inc: rand() * 0.2,
        step: (rand() - 0.5) * 1e-4,
        fade: trial % 3 === 0 ? 1 : rand(),
        gl: rand(),
        gr: single && lane === 1 ? 0 : rand(),
      }));
      let flags = (offsets ? READ_OFFSETS : 0) | (single ? READ_SINGLE : 0);
      lanes.forEach((v, lane) => {
        if (v.fade < 1) flags |= READ_FADING;
        k.pairVoice(lane, v.phase, v.inc, v.step, v.fade, v.gl, v.gr, addr[2 * lane]!, addr[2 * lane + 1]!);
      });
      k.pairRead(n, offStart, offStep, fadeStep, flags);
      const accL = new Float32Array(128);
      const accR = new Float32Array(128);
      const off = Float64Array.from({ length: n }, (_, i) => offStart + offStep * (i + 1));
      for (let lane = 0; lane < (single ? 1 : 2); lane++) {
        const v = lanes[lane]!;
        const c = cycles[2 * lane]!;
        const p = cycles[2 * lane + 1]!;
        const end = reader.readPlain(
          v.phase,
          v.inc,
          v.step,
          mults[lane]!,
          off,
          n,
          c,
          p,
          v.fade,
          fadeStep,
          FRAME_SIZE,
          v.gl,
          v.gr,
          accL,
          accR,
        );
        expect(k.pairPhase(lane)).toBe(end);
        expect(k.pairFade(lane)).toBe(reader.fadeOut);
      }
      expect(Array.from(k.accL.subarray(0, n))).toEqual(Array.from(accL.subarray(0, n)));
      expect(Array.from(k.accR.subarray(0, n))).toEqual(Array.from(accR.subarray(0, n)));
    }
  });
});

const patch = vitalPatchWith;

function render(p: VitalPatch, scalarOscillators: boolean): Float32Array[] {
  return renderProgramNote(
    vitalProgram(p),
    { note: 50, velocity: 0.7, noteOffSeconds: 0.3, durationSeconds: 0.4 },
    { sampleRate: 44100, seed: 3, scalarOscillators },
  );
}

/** [name, settings, modulations, whether the kernel renders it] */
const CASES: [string, Record<string, number>, [string, string][], boolean][] = [
  [
    "one voice, envelope to transpose (one lane: the JavaScript loops read it)",
    { modulation_1_amount: 0.4, env_2_decay: -2 },
    [["env_2", "osc_1_transpose"]],
    false,
  ],
  [
    "one voice, stereo LFO to transpose (lanes apart), phase ramped by a macro",
    {
      modulation_1_amount: 0.3,
      lfo_1_stereo: 0.2,
      lfo_1_frequency: 5,
      modulation_2_amount: 0.5,
      macro_control_1: 0.7,
    },
    [
      ["lfo_1", "osc_1_transpose"],
      ["macro_control_1", "osc_1_phase"],
    ],
    true,
  ],
  [
    "two voices, stereo slot to transpose, frame cross-fades",
    {
      osc_1_unison_voices: 2,
      osc_1_unison_detune: 3,
      modulation_1_amount: 0.5,
      modulation_1_stereo: 1,
      modulation_2_amount: 1,
    },
    [
      ["lfo_1", "osc_1_transpose"],
      ["lfo_2", "osc_1_wave_frame"],
    ],
    true,
  ],
  [
    "two voices, lanes together",
    { osc_1_unison_voices: 2, osc_1_unison_detune: 3, modulation_1_amount: 0.3 },
    [["env_2", "osc_1_transpose"]],
    true,
  ],
  [
    "one voice, as SynthBubbles: envelope and bipolar stereo LFO to transpose, amount from a macro",
    {
      modulation_1_amount: -0.4,
      modulation_2_bipolar: 1,
      modulation_3_amount: 0.2,
      lfo_1_stereo: 0.16,
      lfo_1_frequency: 5.9,
      lfo_1_sync: 0,
      lfo_1_smooth_mode: 1,
      lfo_1_smooth_time: -6,
      macro_control_1: 0.8,
      env_2_decay: -1,
    },
    [
      ["env_2", "osc_1_transpose"],
      ["lfo_1", "osc_1_transpose"],
      ["macro_control_1", "modulation_2_amount"],
    ],
    true,
  ],
];

describe.skipIf(mod === null)("lane-pair kernel: audio-rate LFO", () => {
  it("runs a free-running LFO's two lanes as renderAudio does, block after block", () => {
    const rand = sequence(5);
    const table = new Float32Array(2049);
    for (let i = 0; i < table.length; i++)
      table[i] = Math.fround(Math.sin(i / 300) * 0.5 + 0.5 + rand() * 0.01);
    const k = new UnisonKernel(mod!, [0, 0, 0], [null, null, table]);
    const js = [new Lfo(table), new Lfo(table)];
    const simd = [new Lfo(table), new Lfo(table)];
    const starts = [new AudioBlockStart(), new AudioBlockStart()];
    const out = [new Float32Array(128), new Float32Array(128)];
    for (const l of [...js, ...simd]) l.trigger(0.3);
    const block = (): LfoBlock => ({
      hz: 0.5 + rand() * 200,
      syncType: 1,
      phaseOffset: rand(),
      fadeSeconds: 0,
      delaySeconds: 0,
      smooth: rand() < 0.5,
      smoothSeconds: rand() * 0.02,
      blockSeconds: 128 / 88200,
      released: false,
    });
    const tick = 1 / 88200;
    let kernelBlocks = 0;
    for (let blk = 0; blk < 60; blk++) {
      const n = 1 + Math.floor(rand() * 128);
      const b = [block(), block()];
      for (let lane = 0; lane < 2; lane++) {
        js[lane]!.renderAudio(out[lane]!, n, b[lane]!, tick);
        simd[lane]!.audioStart(n, b[lane]!, tick, starts[lane]!);
      }
      if (starts[0]!.free && starts[1]!.free) {
        kernelBlocks++;
        k.lfoPair(2, n, tick, starts[0]!, starts[1]!);
        for (let lane = 0; lane < 2; lane++) simd[lane]!.endFreeRunning(n, b[lane]!, starts[lane]!);
      } else {
        simd[0]!.renderAudio(k.lfoOutL[2]!, n, b[0]!, tick);
        simd[1]!.renderAudio(k.lfoOutR[2]!, n, b[1]!, tick);
      }
      expect(Array.from(k.lfoOutL[2]!.subarray(0, n))).toEqual(Array.from(out[0]!.subarray(0, n)));
      expect(Array.from(k.lfoOutR[2]!.subarray(0, n))).toEqual(Array.from(out[1]!.subarray(0, n)));
    }
    expect(kernelBlocks).toBeGreaterThan(50);
    expect(k.lfoOutL[0]).toBeNull();
  });
});

describe.skipIf(mod === null)("lane-pair kernel in renders", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  for (const [name, settings, mods, used] of CASES) {
    it(`renders the JavaScript loops' bits: ${name}`, () => {
      const p = patch(settings, mods);
      const scalar = render(p, true);
      const read = vi.spyOn(UnisonKernel.prototype, "pairRead");
      const slots = vi.spyOn(UnisonKernel.prototype, "slotSum");
      const kernel = render(p, false);
      expect(read.mock.calls.length > 0).toBe(used);
      expect(slots.mock.calls.length > 0).toBe(used);
      let rms = 0;
      for (let i = 0; i < scalar[0]!.length; i++) rms += scalar[0]![i]! ** 2;
      expect(Math.sqrt(rms / scalar[0]!.length)).toBeGreaterThan(0.01);
      for (let c = 0; c < 2; c++) expect(kernel[c]!).toEqual(scalar[c]!);
    });
  }
});
