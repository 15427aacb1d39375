// Fidelity of the whole Vital engine (voice, modulation, effects) on real presets: the 71 CC BY presets of
// ../shared/data/vital-presets rendered by Vital itself at MIDI 48 and 60 (../shared/refs/vital, group "ccby").
// To keep the test short (≈ 18 s of CPU) it scores the MIDI 48 renders only, and their first second (the held
// part, effects running); both notes and the release tails are scored by `npm run bench -- vital-fidelity`. The bounds are regression guards at the
// values measured when they were set (docs/vital-engine.md, "Fidelity on real presets"), not targets.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAudioFile } from "../src/audio/decode.ts";
import { monoAsStoredPcm16 } from "../src/audio/pcm16.ts";
import { toMono } from "../src/audio/types.ts";
import { melLsd } from "../src/metrics/index.ts";
import { readVital } from "../src/synths/vital/codec.ts";
import { vitalProgram } from "../src/synths/vital/index.ts";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";

const repoRoot = path.resolve(import.meta.dirname, "..");
const REFS = path.resolve(repoRoot, "../shared/refs/vital");
const hasShared = existsSync(path.join(REFS, "manifest.json"));
const SECONDS = 1;

// Measured (MIDI 48, first second, seed 1): median 1.06 dB, p90 8.6 dB, 35 of 71 renders ≤ 1 dB.
const MEDIAN_BOUND = 1.2;
const P90_BOUND = 9.5;
const CLOSE_COUNT = 33;
/**
 * Renders that are close only because Vital's random generators are reproduced (random start phases of
 * detuned unison voices and layered oscillators; random LFOs for BullfrogsOnNeptune): measured with seed 1
 * (Vital's run) → with seed 7 (other draws): D50Fantasia 0.05 → 4.6, SweetestStrings 0.04 → 4.5,
 * SoutheastDemonsPad 0.11 → 6.1, UmbraLead 0.15 → 7.1, ArcadeKeysFM84 0.17 → 4.5, PlaystationSweep
 * 0.09 → 4.4, NavigatorSynthBrass 0.07 → 3.3, JX300P 0.22 → 5.1; random LFOs seeded in Vital's clone order
 * (random.ts): BullfrogsOnNeptune 3.2 → 19.0, Desolate 1.54 → 3.18, MajorLazerBamBamLead 0.22 → 4.2.
 */
const RANDOM_DEPENDENT: Record<string, number> = {
  ccby_D50Fantasia_n48: 0.3,
  ccby_SweetestStrings_n48: 0.3,
  ccby_SoutheastDemonsPad_n48: 0.3,
  ccby_UmbraLead_n48: 0.35,
  ccby_ArcadeKeysFM84_n48: 0.35,
  ccby_PlaystationSweep_n48: 0.3,
  ccby_NavigatorSynthBrass_n48: 0.3,
  ccby_JX300P_n48: 0.45,
  ccby_BullfrogsOnNeptune_n48: 3.5,
  ccby_Desolate_n48: 1.7,
  ccby_MajorLazerBamBamLead_n48: 0.35,
};

/**
 * Renders a specific mechanism brought close (bound ≈ measured + margin): Direct Out (VintageElectro 1.86,
 * OrganicKick 0.28), audio-rate LFO timing (VintageElectro), the 16-bit reference storage (NierBassLayerTwo
 * 1.49), Vocode on an Audio File Source table (FunkyTown 2.76), the Down Sample distortion's period
 * (NierBassLayerOne 0.88), the generators' seed order (Desolate, BullfrogsOnNeptune: bounded above).
 */
const MECHANISM_BOUNDS: Record<string, number> = {
  ccby_VintageElectro_n48: 2.1,
  ccby_OrganicKick_n48: 0.4,
  ccby_NierBassLayerTwo_n48: 1.7,
  ccby_FunkyTown_n48: 3,
  ccby_NierBassLayerOne_n48: 1.1,
};

/**
 * Renders that rely on per-sample (audio-rate) oscillator modulation and per-lane stereo modulation (voice.ts);
 * measured (first second): FakeFullTines 12.7 → 1.55 (keytracked LFOs phase-modulating three oscillators),
 * Superdark → 0.38, KingKruleBleeps → 1.63, MOS65818580 → 2.95 (per-lane distortion amount).
 */
const PER_SAMPLE_MODULATION: Record<string, number> = {
  ccby_FakeFullTines_n48: 1.8,
  ccby_Superdark_n48: 0.5,
  ccby_KingKruleBleeps_n48: 1.85,
  ccby_MOS65818580_n48: 3.2,
};

/**
 * Renders fixed by the sample oscillator's playback levels, keytracking from the bent note and the Down Sample
 * period; measured (first second) before → after: YelloMinorFall 2.44 → 0.46 (filter keytrack follows the
 * LFO-modulated voice transpose), WorldOneIntro 5.24 → 2.42 (Down Sample at −16.5 dB), NierBassLayerOne
 * 3.66 → 0.88, LexaproPad 1.06 → 0.04 and Panflute 0.93 → 0.42 (noise samples read as Vital reads them).
 */
const SAMPLE_AND_KEYTRACK: Record<string, number> = {
  ccby_YelloMinorFall_n48: 0.6,
  ccby_WorldOneIntro_n48: 2.6,
  ccby_NierBassLayerOne_n48: 1.0,
  ccby_LexaproPad_n48: 0.15,
  ccby_Panflute_n48: 0.5,
};

interface Entry {
  id: string;
  preset: string;
  note: number;
  velocity: number;
  wav: string;
  group: string;
  format: string;
  channels: number;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

async function scores(filter: (e: Entry) => boolean): Promise<Map<string, number>> {
  const manifest = JSON.parse(readFileSync(path.join(REFS, "manifest.json"), "utf8")) as Entry[];
  const out = new Map<string, number>();
  for (const e of manifest.filter((x) => x.group === "ccby" && filter(x))) {
    const file = path.join(REFS, e.preset);
    const patch = readVital(readFileSync(file), path.basename(file)).patches[0]!;
    const ours = renderProgramNote(
      vitalProgram(patch),
      { note: e.note, velocity: e.velocity, noteOffSeconds: 1, durationSeconds: SECONDS },
      { sampleRate: 44100, seed: 1, beatsPerSecond: 2 },
    );
    const ref = toMono((await readAudioFile(path.join(REFS, e.wav))).audio);
    const n = Math.round(SECONDS * 44100);
    const mono =
      e.format === "s16"
        ? monoAsStoredPcm16(ours, e.channels, 44100)
        : toMono({ sampleRate: 44100, channels: ours });
    out.set(e.id, melLsd(ref.subarray(0, n), mono));
  }
  return out;
}

describe.skipIf(!hasShared)("Vital engine fidelity on the CC BY presets (MIDI 48, first second)", () => {
  it("holds the measured median, 90th percentile and the count of close renders", async () => {
    const all = await scores((e) => e.note === 48);
    expect(all.size).toBe(71);
    const values = [...all.values()];
    expect(quantile(values, 0.5)).toBeLessThanOrEqual(MEDIAN_BOUND);
    expect(quantile(values, 0.9)).toBeLessThanOrEqual(P90_BOUND);
    expect(values.filter((v) => v <= 1).length).toBeGreaterThanOrEqual(CLOSE_COUNT);
    for (const [id, bound] of Object.entries({
      ...RANDOM_DEPENDENT,
      ...PER_SAMPLE_MODULATION,
      ...SAMPLE_AND_KEYTRACK,
    }))
      expect(all.get(id), id).toBeLessThanOrEqual(bound);
    for (const [id, bound] of Object.entries(MECHANISM_BOUNDS))
      expect(all.get(id), id).toBeLessThanOrEqual(bound);
  }, 600_000);
});
