// Offline renders lease their WebAssembly kernel instances (effects/wasm.ts KernelScope) and give them back when
// they end, for the next render in the thread to reuse. A render's output must depend only on its own inputs:
// the same bits whichever render ran before it, and a leased instance must be as good as a fresh one.
import { describe, expect, it } from "vitest";
import { cloneVitalPatch, defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { prepareProgramNote, renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import { assemble, FunctionBuilder, I32, KernelScope } from "../src/synths/vital/engine/effects/wasm.ts";
import { vitalProgram } from "../src/synths/vital/index.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";

/** A patch whose render runs every pooled kernel: unison, filter pair, decimator and the kernel effects. */
function patch(settings: Record<string, number>): VitalPatch {
  const p = cloneVitalPatch(defaultVitalPatch());
  Object.assign(p.settings, {
    oversampling: 1, // 2× internally at 44.1 kHz: the decimator runs
    osc_1_unison_voices: 8,
    filter_1_on: 1,
    filter_1_model: 0,
    filter_1_resonance: 0.8,
    chorus_on: 1,
    compressor_on: 1,
    delay_on: 1,
    flanger_on: 1,
    reverb_on: 1,
    reverb_dry_wet: 0.6,
    ...settings,
  });
  return p;
}

const perf = { note: 48, velocity: 0.8, noteOffSeconds: 0.25, durationSeconds: 0.4 };
const opts = { sampleRate: 44100, seed: 5, beatsPerSecond: 2 };
const bright = vitalProgram(patch({ filter_1_cutoff: 110, reverb_decay_time: 2, delay_feedback: 0.9 }));
const dark = vitalProgram(
  patch({ filter_1_cutoff: 40, reverb_size: 0.9, delay_frequency: 5, osc_1_unison_voices: 5 }),
);

function bits(out: Float32Array[]): Uint32Array[] {
  return out.map((ch) => new Uint32Array(ch.buffer.slice(0)));
}

describe("kernel instances reused across renders", () => {
  it("gives the same bits whichever render ran before", () => {
    const render = (p: typeof bright) => bits(renderProgramNote(p, perf, opts));
    const brightFirst = render(bright);
    const darkAfterBright = render(dark);
    const darkAgain = render(dark);
    const brightAfterDark = render(bright);
    expect(darkAgain).toEqual(darkAfterBright);
    expect(brightAfterDark).toEqual(brightFirst);
    // the two programs do sound different (the comparison above can fail)
    expect(brightFirst).not.toEqual(darkAfterBright);
    // and the effects have tails by the end: state that a reused instance must not carry over
    const tail = renderProgramNote(bright, perf, opts)[0]!;
    expect(Math.max(...tail.subarray(tail.length - 100).map(Math.abs))).toBeGreaterThan(1e-4);
  });

  it("renders prepared side by side apart from each other (instances leased twice are not shared)", () => {
    const a = prepareProgramNote(bright, perf, opts);
    const b = prepareProgramNote(bright, perf, opts);
    const first = bits(a.run());
    expect(bits(b.run())).toEqual(first);
    expect(() => a.run()).toThrow(/after release/);
  });

  it("leases a released instance again, zeroed, the smallest that fits", () => {
    // a module of its own (an empty `run`), so that no render's instances are in its free list
    const mod = new WebAssembly.Module(
      assemble([{ name: "run", fn: new FunctionBuilder([I32, I32]), body: [] }], 1),
    );
    const scope = new KernelScope();
    const small = scope.lease(mod, 100_000);
    const large = scope.lease(mod, 300_000);
    small.f.fill(0.5, 1000, 20_000);
    large.f.fill(0.25);
    scope.release();
    const next = new KernelScope();
    const again = next.lease(mod, 150_000);
    expect(again.run).toBe(large.run);
    expect(again.f.some((x) => x !== 0)).toBe(false);
    const fits = next.lease(mod, 50_000);
    expect(fits.run).toBe(small.run);
    expect(fits.f.some((x) => x !== 0)).toBe(false);
    // none left: a fresh instance
    expect(next.lease(mod, 50_000).run).not.toBe(small.run);
    next.release();
  });
});
