// Fidelity of the Vital core-voice engine against renders made by Vital itself (../shared/refs/vital), scored
// with the shared mel-LSD (DESIGN §5). Scope: see test/fixtures/vital-refs/scope.ts. The bars of issue #4 are
// asserted on the whole covered set (median ≤ 0.5 dB, 90th percentile ≤ 1.5 dB); every ref also has an upper
// bound so a regression on one feature shows even when the aggregate still passes. Refs the engine does not
// match yet carry their own, measured bound and are listed in KNOWN_GAPS (see docs/vital-engine.md).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAudioFile } from "../src/audio/decode.ts";
import { toMono } from "../src/audio/types.ts";
import { melLsd } from "../src/metrics/index.ts";
import { programFromSettings } from "../src/synths/vital/index.ts";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import { coveredByCoreVoice, FIXTURE_IDS, type RefEntry } from "./fixtures/vital-refs/scope.ts";

const repoRoot = path.resolve(import.meta.dirname, "..");
const SHARED_REFS = path.resolve(repoRoot, "../shared/refs/vital");
const FIXTURES = path.resolve(repoRoot, "test/fixtures/vital-refs");
const hasShared = existsSync(path.join(SHARED_REFS, "manifest.json"));

/** Default per-ref bound (dB) for refs the engine matches. */
const DEFAULT_BOUND = 0.2;
/**
 * Refs with a known, documented gap (docs/vital-engine.md): measured value plus a small margin. These are
 * regression guards, not targets.
 */
const KNOWN_GAPS: Record<string, number> = {
  // Vital's render has a −66 dB spur at 6.6 kHz that the −80 dB mel floor still sees.
  shape_sin_n72: 0.9,
  // Spectral keyframe interpolation: our frames come out 1.7 % (0.15 dB) quieter after normalisation.
  wt_spectral_frame000_n48: 0.25,
  wt_spectral_frame064_n48: 0.25,
  wt_spectral_frame128_n48: 0.25,
  wt_spectral_frame128_n36: 0.25,
  wt_spectral_frame128_n72: 0.3,
  wt_spectral_frame192_n48: 0.25,
  wt_spectral_frame256_n48: 0.25,
  // LFO-driven refs: control-block timing differs slightly from Vital's (its blocks are not aligned to the
  // note-on); wave-frame modulation also depends on when the 7 ms cycle updates fall.
  mod_lfo_vibrato_n72: 0.3,
  mod_lfo_cutoff_tempo_n48: 0.25,
  mod_lfo_wave_frame_n48: 0.5,
  // Formant corners (1,0) and (0,1) of the AOIE style (vowels I and U): 1.12 and 0.61 dB where the other
  // corners and the centre are ≤ 0.04 dB; origin not found (the corner assignment itself is confirmed).
  filter_formant_aoie_x100_y000_n48: 1.2,
  filter_formant_aoie_x000_y100_n48: 0.7,
};

function mono(ch: Float32Array[]): Float32Array {
  return toMono({ sampleRate: 44100, channels: ch });
}

async function score(dir: string, e: RefEntry): Promise<number> {
  const preset = JSON.parse(readFileSync(path.join(dir, e.preset), "utf8")) as {
    settings: Record<string, unknown>;
  };
  const out = renderProgramNote(
    programFromSettings(preset.settings),
    { note: e.note, velocity: e.velocity, noteOffSeconds: e.note_off_s, durationSeconds: e.dur_s },
    { sampleRate: 44100, seed: 1, beatsPerSecond: 2 },
  );
  const ref = await readAudioFile(path.join(dir, e.wav));
  return melLsd(mono(ref.audio.channels), mono(out));
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

describe("Vital engine fidelity on the committed subset (test/fixtures/vital-refs)", () => {
  const manifest = JSON.parse(readFileSync(path.join(FIXTURES, "manifest.json"), "utf8")) as RefEntry[];

  it("holds the subset the scope names", () => {
    expect(manifest.map((e) => e.id).sort()).toEqual([...FIXTURE_IDS].sort());
    expect(manifest.every(coveredByCoreVoice)).toBe(true);
  });

  for (const e of manifest) {
    it(`${e.id} within its bound`, async () => {
      const lsd = await score(FIXTURES, e);
      expect(lsd).toBeLessThanOrEqual(KNOWN_GAPS[e.id] ?? DEFAULT_BOUND);
    });
  }
});

describe.skipIf(!hasShared)("Vital engine fidelity on every covered ref (../shared/refs/vital)", () => {
  it("meets the issue's bars and every per-ref bound", async () => {
    const all = JSON.parse(readFileSync(path.join(SHARED_REFS, "manifest.json"), "utf8")) as RefEntry[];
    const covered = all.filter(coveredByCoreVoice);
    expect(covered.length).toBeGreaterThan(100);
    const results: Array<{ id: string; lsd: number }> = [];
    for (const e of covered) results.push({ id: e.id, lsd: await score(SHARED_REFS, e) });
    const over = results.filter((r) => r.lsd > (KNOWN_GAPS[r.id] ?? DEFAULT_BOUND));
    expect(over).toEqual([]);
    const values = results.map((r) => r.lsd);
    expect(quantile(values, 0.5)).toBeLessThanOrEqual(0.5);
    expect(quantile(values, 0.9)).toBeLessThanOrEqual(1.5);
  }, 240_000);
});
