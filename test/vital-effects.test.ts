// Vital's effect chain (src/synths/vital/engine/effects): behaviour of each effect on made signals, the chain
// order, and fidelity against renders made by Vital itself (the fx_* feature refs: the committed subset in
// test/fixtures/vital-refs-fx, and every fx ref in ../shared/refs/vital when present), scored with the
// shared mel-LSD. Per-ref bounds are the measured values plus a margin (docs/vital-effects.md).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAudioFile } from "../src/audio/decode.ts";
import { toMono } from "../src/audio/types.ts";
import { melLsd } from "../src/metrics/index.ts";
import { synth } from "../src/synths/vital/index.ts";
import { defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { programFromSettings } from "../src/synths/vital/index.ts";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import {
  decodeEffectOrder,
  EffectChain,
  encodeEffectOrder,
} from "../src/synths/vital/engine/effects/chain.ts";
import { staysAtOrBelowZero } from "../src/synths/vital/engine/effects/modulation.ts";
import { pid } from "../src/synths/vital/engine/program.ts";

const repoRoot = path.resolve(import.meta.dirname, "..");
const SHARED_REFS = path.resolve(repoRoot, "../shared/refs/vital");
const FIXTURES = path.resolve(repoRoot, "test/fixtures/vital-refs-fx");
const hasShared = existsSync(path.join(SHARED_REFS, "manifest.json"));

const SR = 88200; // the chain runs at the internal (2×) rate
const BLOCK = 128;

interface Ref {
  id: string;
  preset: string;
  wav: string;
  note: number;
  velocity: number;
  note_off_s: number;
  dur_s: number;
  group: string;
}

/** mel-LSD bound per fx ref: measured (docs/vital-effects.md) plus a margin. */
const BOUNDS: Record<string, number> = {
  fx_chorus_n48: 0.2,
  fx_delay_mono_n48: 0.08,
  fx_delay_pingpong_n48: 0.08,
  fx_reverb_n48: 0.2,
  fx_distortion_softclip_n48: 0.1,
  fx_distortion_sinefold_n48: 0.1,
  fx_distortion_hardclip_lpf_n48: 0.1,
  fx_compressor_n48: 0.15,
  fx_eq_shelves_notch_n48: 0.1,
  fx_eq_hp_lp_n48: 0.1,
  fx_flanger_n48: 0.12,
  fx_phaser_n48: 0.1,
  fx_filter_fx_analog_n48: 0.1,
};

async function score(dir: string, e: Ref): Promise<number> {
  const preset = JSON.parse(readFileSync(path.join(dir, e.preset), "utf8")) as {
    settings: Record<string, unknown>;
  };
  const out = renderProgramNote(
    programFromSettings(preset.settings),
    { note: e.note, velocity: e.velocity, noteOffSeconds: e.note_off_s, durationSeconds: e.dur_s },
    { sampleRate: 44100, seed: 1, beatsPerSecond: 2 },
  );
  const ref = await readAudioFile(path.join(dir, e.wav));
  const mono = (ch: Float32Array[]) => toMono({ sampleRate: 44100, channels: ch });
  return melLsd(mono(ref.audio.channels), mono(out));
}

/** A chain over the init patch's defaults with `settings` on top, fed `L`/`R` in blocks; returns [L, R]. */
function runChain(settings: Record<string, unknown>, L: Float32Array, R = L): [Float32Array, Float32Array] {
  const program = programFromSettings(settings);
  const chain = new EffectChain(program, { sampleRate: SR, beatsPerSecond: 2, maxBlock: BLOCK });
  const outL = Float32Array.from(L);
  const outR = Float32Array.from(R);
  const bl = new Float32Array(BLOCK);
  const br = new Float32Array(BLOCK);
  for (let pos = 0; pos < L.length; pos += BLOCK) {
    const n = Math.min(BLOCK, L.length - pos);
    bl.set(outL.subarray(pos, pos + n));
    br.set(outR.subarray(pos, pos + n));
    chain.process(bl, br, n);
    outL.set(bl.subarray(0, n), pos);
    outR.set(br.subarray(0, n), pos);
  }
  return [outL, outR];
}

function impulse(seconds: number, at = 0): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  x[at] = 1;
  return x;
}

function sine(hz: number, seconds: number, amp = 0.5): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * hz * i) / SR);
  return x;
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
}

const db = (a: number, b: number) => 20 * Math.log10(a / b);

function argmaxAbs(x: Float32Array, from: number, to: number): number {
  let best = from;
  for (let i = from; i < to; i++) if (Math.abs(x[i]!) > Math.abs(x[best]!)) best = i;
  return best;
}

describe("effect chain order (effect_chain_order)", () => {
  it("decodes Vital's documented examples and round-trips every tested permutation", () => {
    expect(decodeEffectOrder(0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(decodeEffectOrder(1)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 7]);
    expect(decodeEffectOrder(8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0]);
    expect(decodeEffectOrder(362879)).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0]);
    for (const code of [0, 1, 2, 77, 5040, 123456, 362879]) {
      const order = decodeEffectOrder(code);
      expect([...order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(encodeEffectOrder(order)).toBe(code);
    }
  });

  it("processes in the preset's order: distortion then EQ differs from EQ then distortion", () => {
    const x = sine(220, 0.2, 0.8);
    const base = {
      distortion_on: 1,
      distortion_drive: 18,
      distortion_type: 1,
      eq_on: 1,
      eq_high_mode: 1,
      eq_high_cutoff: 70,
    };
    const distFirst = runChain({ ...base, effect_chain_order: 0 }, x)[0];
    // EQ (4) before distortion (3): swap them
    const eqFirst = runChain(
      { ...base, effect_chain_order: encodeEffectOrder([0, 1, 2, 4, 3, 5, 6, 7, 8]) },
      x,
    )[0];
    // low-pass after the clipper removes the clipping harmonics; clipping after the low-pass brings them back
    const tail = (y: Float32Array) => y.subarray(y.length / 2);
    expect(Math.abs(rms(tail(distFirst)) - rms(tail(eqFirst)))).toBeGreaterThan(0.05);
  });

  it("is transparent with every effect off, and ignores effects that are off", () => {
    const x = sine(330, 0.05);
    const [l] = runChain({}, x);
    expect(l).toEqual(x);
    const [l2] = runChain({ reverb_on: 0, reverb_dry_wet: 1, delay_on: 0 }, x);
    expect(l2).toEqual(x);
  });
});

describe("effects on made signals", () => {
  it("delay: echoes an impulse after 1/8 note at 120 BPM (0.25 s), each repeat about feedback × the last", () => {
    const [l] = runChain(
      { delay_on: 1, delay_dry_wet: 1, delay_feedback: 0.5, delay_filter_spread: 1 },
      impulse(0.8),
    );
    const p = 0.25 * SR;
    const first = argmaxAbs(l, 100, p + 200);
    expect(Math.abs(first - p)).toBeLessThan(8);
    const second = argmaxAbs(l, p + 200, 2 * p + 200);
    expect(Math.abs(second - 2 * p)).toBeLessThan(16);
    const e1 = rms(l, first - 400, first + 400);
    const e2 = rms(l, second - 400, second + 400);
    expect(db(e2, e1)).toBeGreaterThan(-9); // −6 dB of feedback plus the loop filter's loss
    expect(db(e2, e1)).toBeLessThan(-4);
    // fully wet: the dry impulse is gone
    expect(Math.abs(l[0]!)).toBeLessThan(1e-6);
  });

  it("ping-pong delay: a centred impulse comes back on the right first, then on the left", () => {
    const [l, r] = runChain({ delay_on: 1, delay_style: 2, delay_dry_wet: 1 }, impulse(0.6));
    const p = 0.25 * SR;
    const win = (x: Float32Array, c: number) => rms(x, c - 400, c + 400);
    expect(win(r, p)).toBeGreaterThan(10 * win(l, p));
    expect(win(l, 2 * p)).toBeGreaterThan(10 * win(r, 2 * p));
  });

  it("EQ: a +6 dB low shelf lifts 40 Hz by about 6 dB and leaves 5 kHz; high-pass mode cuts the lows", () => {
    const shelf = { eq_on: 1, eq_low_gain: 6, eq_low_cutoff: 40 };
    const gainAt = (settings: Record<string, number>, hz: number) => {
      const x = sine(hz, 0.4);
      const [y] = runChain(settings, x);
      return db(rms(y, y.length / 2), rms(x, x.length / 2));
    };
    expect(gainAt(shelf, 40)).toBeGreaterThan(4.5);
    expect(gainAt(shelf, 40)).toBeLessThan(7);
    expect(Math.abs(gainAt(shelf, 5000))).toBeLessThan(0.5);
    const hp = { eq_on: 1, eq_low_mode: 1, eq_low_cutoff: 72 }; // 523 Hz, 12 dB/oct
    expect(gainAt(hp, 65)).toBeLessThan(-30);
    expect(Math.abs(gainAt(hp, 5000))).toBeLessThan(0.5);
    const notch = { eq_on: 1, eq_band_mode: 1, eq_band_cutoff: 69 }; // 440 Hz
    expect(gainAt(notch, 440)).toBeLessThan(-20);
  });

  it("distortion: hard clip holds a driven sine at ±1; the mix is a linear blend with the dry signal", () => {
    const x = sine(200, 0.1, 0.5);
    const [y] = runChain({ distortion_on: 1, distortion_type: 1, distortion_drive: 12 }, x);
    let peak = 0;
    for (const v of y) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeCloseTo(1, 5);
    const [half] = runChain(
      { distortion_on: 1, distortion_type: 1, distortion_drive: 12, distortion_mix: 0.5 },
      x,
    );
    for (let i = 100; i < 2000; i += 37) expect(half[i]!).toBeCloseTo(0.5 * (x[i]! + y[i]!), 5);
  });

  it("compressor: 20 dB louder input comes out much less than 20 dB louder", () => {
    const settings = { compressor_on: 1, compressor_enabled_bands: 3 };
    const quiet = runChain(settings, sine(1000, 0.6, 0.05))[0];
    const loud = runChain(settings, sine(1000, 0.6, 0.5))[0];
    const span = db(rms(loud, loud.length / 2), rms(quiet, quiet.length / 2));
    expect(span).toBeLessThan(12);
    expect(span).toBeGreaterThan(0);
  });

  it("reverb: an impulse leaves a tail that falls about 60 dB over the decay time", () => {
    const [l, r] = runChain(
      { reverb_on: 1, reverb_dry_wet: 1, reverb_decay_time: 0, reverb_chorus_amount: 0 },
      impulse(1.2),
    );
    const early = rms(l, 0.15 * SR, 0.25 * SR) + rms(r, 0.15 * SR, 0.25 * SR);
    const late = rms(l, 0.65 * SR, 0.75 * SR) + rms(r, 0.65 * SR, 0.75 * SR);
    // 0.5 s apart with T60 = 1 s: about −30 dB (shelving and diffusion move it a little)
    expect(db(late, early)).toBeLessThan(-22);
    expect(db(late, early)).toBeGreaterThan(-40);
  });

  it("chorus, flanger and phaser make a centred signal stereo; the same input renders the same output", () => {
    const x = sine(300, 0.5);
    for (const fx of ["chorus", "flanger", "phaser"]) {
      const [l, r] = runChain({ [`${fx}_on`]: 1 }, x);
      let diff = 0;
      for (let i = 0; i < l.length; i++) diff = Math.max(diff, Math.abs(l[i]! - r[i]!));
      expect(diff, fx).toBeGreaterThan(0.01);
      expect(runChain({ [`${fx}_on`]: 1 }, x)[0], fx).toEqual(l);
    }
  });

  it("stays finite on extreme settings (full feedback, max drive, every distortion type)", () => {
    const x = sine(100, 0.3, 1.5);
    for (let type = 0; type <= 5; type++) {
      const [l, r] = runChain(
        {
          distortion_on: 1,
          distortion_type: type,
          distortion_drive: 30,
          delay_on: 1,
          delay_feedback: 1,
          chorus_on: 1,
          chorus_feedback: 0.95,
          flanger_on: 1,
          flanger_feedback: 1,
          phaser_on: 1,
          phaser_feedback: 1,
          reverb_on: 1,
          reverb_decay_time: 6,
          compressor_on: 1,
          compressor_low_lower_ratio: 1,
          eq_on: 1,
          eq_band_gain: 15,
        },
        x,
      );
      const bad = [...l, ...r].filter((v) => !Number.isFinite(v)).length;
      expect(bad, `distortion type ${type}`).toBe(0);
    }
  });
});

describe("modulation of effect parameters", () => {
  it("applies macro slots: macro 1 → delay mix brings the echo in; at macro 0 there is none", () => {
    const patch = (macro: number) => ({
      delay_on: 1,
      delay_dry_wet: 0,
      macro_control_1: macro,
      modulation_1_amount: 1,
      modulations: [{ source: "macro_control_1", destination: "delay_dry_wet" }],
    });
    const p = 0.25 * SR;
    const echo = (y: Float32Array) => rms(y, p - 400, p + 400);
    expect(echo(runChain(patch(1), impulse(0.4))[0])).toBeGreaterThan(1e-3);
    expect(echo(runChain(patch(0), impulse(0.4))[0])).toBeLessThan(1e-6);
  });
});

describe("effects whose mix stays at 0", () => {
  const MIXES: [string, string][] = [
    ["chorus", "chorus_dry_wet"],
    ["compressor", "compressor_mix"],
    ["delay", "delay_dry_wet"],
    ["distortion", "distortion_mix"],
    ["filter_fx", "filter_fx_mix"],
    ["flanger", "flanger_dry_wet"],
    ["phaser", "phaser_dry_wet"],
    ["reverb", "reverb_dry_wet"],
  ];
  const driven = (fx: string, mix: string, source: string, macro = 0) => ({
    [`${fx}_on`]: 1,
    [mix]: 0,
    macro_control_1: macro,
    modulation_1_amount: 0.5,
    modulations: [{ source, destination: mix }],
  });

  it("is known from the preset: a macro at 0 keeps it there; a moved macro or an envelope may not", () => {
    const held = (settings: Record<string, unknown>) =>
      staysAtOrBelowZero(programFromSettings(settings), pid("reverb_dry_wet"));
    expect(held(driven("reverb", "reverb_dry_wet", "macro_control_1"))).toBe(true);
    expect(held(driven("reverb", "reverb_dry_wet", "macro_control_1", 0.5))).toBe(false);
    expect(held(driven("reverb", "reverb_dry_wet", "env_2"))).toBe(false);
    expect(held({ reverb_on: 1, reverb_dry_wet: 0.3 })).toBe(false);
    expect(held({ reverb_on: 1, reverb_dry_wet: 0 })).toBe(true);
  });

  it("passes the input through bit for bit, whether the effect is skipped or runs at mix 0", () => {
    const x = sine(220, 0.1, 0.9);
    const firstDifference = (y: Float32Array) => y.findIndex((v, i) => v !== x[i]);
    for (const [fx, mix] of MIXES) {
      // macro at 0: the chain skips the effect; envelope (absent without a voice): it runs at mix 0
      for (const source of ["macro_control_1", "env_2"]) {
        const [l, r] = runChain(driven(fx, mix, source), x);
        expect([firstDifference(l), firstDifference(r)], `${fx} ${source}`).toEqual([-1, -1]);
      }
    }
  });
});

describe("per-voice modulation of effect parameters", () => {
  it("an envelope opening the FX filter's cutoff lets the note through", () => {
    const render = (amount: number) => {
      const p = defaultVitalPatch();
      p.settings = { ...p.settings, filter_fx_on: 1, filter_fx_cutoff: 20, modulation_1_amount: amount };
      p.modulations[0] = { ...p.modulations[0]!, source: "env_2", destination: "filter_fx_cutoff" };
      return synth.render(
        p,
        { note: 48, velocity: 89, noteOffSeconds: 0.3, durationSeconds: 0.3 },
        { sampleRate: 44100 },
      )[0]!;
    };
    const closed = rms(render(0), 4410);
    const opened = rms(render(0.5), 4410);
    expect(db(opened, closed)).toBeGreaterThan(20);
  });
});

describe("the Synth reports effects as rendered", () => {
  it("no longer lists an effect that is on as unsupported", () => {
    const p = defaultVitalPatch();
    p.settings = { ...p.settings, reverb_on: 1, delay_on: 1, chorus_on: 1 };
    expect(synth.unsupportedFeatures(p).filter((u) => u.startsWith("effects:"))).toEqual([]);
  });

  it("does not report modulation of effect parameters (the chain follows the newest voice's modulation)", () => {
    const p = defaultVitalPatch();
    p.settings = { ...p.settings, reverb_on: 1, modulation_1_amount: 0.5, modulation_2_amount: 0.5 };
    p.modulations[0] = { ...p.modulations[0]!, source: "env_2", destination: "reverb_dry_wet" };
    p.modulations[1] = { ...p.modulations[1]!, source: "macro_control_1", destination: "reverb_size" };
    expect(synth.unsupportedFeatures(p).some((x) => /reverb_(dry_wet|size)/.test(x))).toBe(false);
  });
});

describe("effect fidelity on the committed subset (test/fixtures/vital-refs-fx)", () => {
  const manifest = JSON.parse(readFileSync(path.join(FIXTURES, "manifest.json"), "utf8")) as Ref[];
  for (const e of manifest) {
    it(`${e.id} within its bound`, async () => {
      expect(await score(FIXTURES, e)).toBeLessThanOrEqual(BOUNDS[e.id]!);
    });
  }
});

describe.skipIf(!hasShared)("effect fidelity on every fx ref (../shared/refs/vital)", () => {
  it("every effect ref within its bound; median ≤ 0.1 dB, 90th percentile ≤ 0.2 dB", async () => {
    const all = JSON.parse(readFileSync(path.join(SHARED_REFS, "manifest.json"), "utf8")) as Ref[];
    const refs = all.filter((e) => e.group === "effect");
    expect(refs.map((e) => e.id).sort()).toEqual(Object.keys(BOUNDS).sort());
    const results: Array<{ id: string; lsd: number }> = [];
    for (const e of refs) results.push({ id: e.id, lsd: await score(SHARED_REFS, e) });
    expect(results.filter((r) => r.lsd > BOUNDS[r.id]!)).toEqual([]);
    const sorted = results.map((r) => r.lsd).sort((a, b) => a - b);
    expect(sorted[Math.floor((sorted.length - 1) / 2)]!).toBeLessThanOrEqual(0.1);
    expect(sorted[Math.ceil(0.9 * (sorted.length - 1))]!).toBeLessThanOrEqual(0.2);
  }, 60_000);
});
