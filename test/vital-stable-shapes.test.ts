// The instrument's and the voice's block-rate records keep their hidden classes (V8 maps) whatever a later patch
// writes to them: a number field that receives its first fraction late (a modulated volume, an envelope hold, an
// LFO delay …) would otherwise give every later object a new map and deoptimise the code compiled for the old one
// (double-field.ts). Checked with V8's %HaveSameMap between a plain render's objects and a busy render's.
import v8 from "node:v8";
import { describe, expect, it } from "vitest";
import { cloneVitalPatch, defaultVitalPatch } from "../src/synths/vital/codec.ts";
import { prepareProgramNote } from "../src/synths/vital/engine/instrument.ts";
import { vitalProgram } from "../src/synths/vital/index.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";

v8.setFlagsFromString("--allow-natives-syntax");
const haveSameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: object, b: object) => boolean;

/** The objects whose maps must not change, reached through the instrument's private fields. */
interface Internals {
  voices: {
    envTimes: object[];
    lfoBlock: object;
    rate: object;
    filters: object[][];
    lfos: { start: object }[];
  }[];
}

function renderedObjects(p: VitalPatch): Record<string, object> {
  const prepared = prepareProgramNote(
    vitalProgram(p),
    { note: 50, velocity: 0.8, noteOffSeconds: 0.1, durationSeconds: 0.15 },
    { sampleRate: 44100, seed: 1, beatsPerSecond: 2 },
  );
  prepared.run();
  const voice = (prepared.instrument as unknown as Internals).voices[0]!;
  return {
    instrument: prepared.instrument,
    voice,
    envTimes: voice.envTimes[0]!,
    lfoBlock: voice.lfoBlock,
    rate: voice.rate,
    filter: voice.filters[0]![0]!,
    lfo: voice.lfos[0]!,
    lfoBlockStart: voice.lfos[0]!.start,
  };
}

/**
 * Fractions where the init patch has integers (or nothing running): volume, envelope delay and hold, LFO timing, the
 * sample's tune, filter 1.
 */
const FRACTIONS = {
  volume: 3000.5,
  macro_control_1: 0.37,
  modulation_1_amount: 0.21,
  modulation_2_amount: 0.3,
  env_1_hold: 0.13,
  env_1_delay: 0.07,
  lfo_1_delay_time: 0.031,
  lfo_1_fade_time: 0.052,
  lfo_1_phase: 0.3,
  lfo_1_keytrack_transpose: 0.5,
  lfo_1_keytrack_tune: 0.25,
  sample_on: 1,
  sample_tune: 0.37,
  filter_1_on: 1,
  filter_1_drive: 7.3,
  filter_1_resonance: 0.61,
};

/** The init patch with FRACTIONS, its volume modulated by a macro and lfo_1 on osc 1's tune. */
function busyPatch(): VitalPatch {
  const p = cloneVitalPatch(defaultVitalPatch());
  p.settings = { ...p.settings, ...FRACTIONS };
  p.modulations[0] = { source: "macro_control_1", destination: "volume", lineMapping: null, extra: {} };
  p.modulations[1] = { source: "lfo_1", destination: "osc_1_tune", lineMapping: null, extra: {} };
  return p;
}

describe("hidden classes stay the same across patches", () => {
  it("keeps the maps of a plain render's objects after a render that writes fractions everywhere", () => {
    const plain = renderedObjects(defaultVitalPatch());
    const busy = renderedObjects(busyPatch());
    for (const key of Object.keys(plain))
      expect([key, haveSameMap(plain[key]!, busy[key]!)]).toEqual([key, true]);
  });
});
