// The engine's tables, built from their formulas, against the reference values in dx7-tables.json.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as data from "../src/synths/dx7/engine/tables-data.ts";
import {
  buildRateConstants,
  detuneOffset,
  EXP2_TD,
  exp2Lookup,
  SIN_TD,
  sinLookup,
} from "../src/synths/dx7/engine/tables.ts";
import { sharedDir } from "./helpers.ts";

const file = path.join(sharedDir, "reference/dx7-tables.json");

describe("dx7 tables (built in code)", () => {
  it("have the documented landmarks", () => {
    expect(sinLookup(0)).toBe(0);
    expect(sinLookup(1 << 22)).toBe(1 << 24); // a quarter cycle
    expect(sinLookup(3 << 22)).toBe(-(1 << 24));
    expect(exp2Lookup(0)).toBe(1 << 24);
    expect(exp2Lookup(1 << 24)).toBe(1 << 25);
    expect(detuneOffset(60, 0)).toBe(-117063);
    expect(detuneOffset(60, 14)).toBe(117062);
    const rc = buildRateConstants(44100);
    expect(rc.egMultiplier).toBe(1 << 24);
    expect(rc.pitchEgUnit).toBe(1143);
  });
});

describe.skipIf(!existsSync(file))("dx7 tables against dx7-tables.json", () => {
  const ref = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  it("sine and exp2 tables", () => {
    expect(Array.from({ length: 1024 }, (_, i) => SIN_TD[2 * i])).toEqual(ref.sin.table);
    expect(Array.from({ length: 1024 }, (_, i) => EXP2_TD[2 * i])).toEqual(ref.exp2.table);
  });

  it("rate-dependent constants at 44.1 and 48 kHz", () => {
    for (const sr of [44100, 48000]) {
      const rc = buildRateConstants(sr);
      const r = ref[`rate_dependent_${sr}`];
      expect([...rc.freqQ]).toEqual(ref.freqlut[String(sr)]);
      expect(rc.egMultiplier).toBe(r.eg_sr_multiplier);
      expect(rc.pitchEgUnit).toBe(r.pitch_eg_unit);
      expect(rc.lfoUnit).toBe(r.lfo_unit);
      expect(rc.lfoRatio).toBe(r.lfo_ratio);
      expect([...rc.lfoPhaseInc]).toEqual(r.lfo_phase_inc_per_block);
      expect([...rc.lfoDelayInc1.subarray(0, 100)]).toEqual(r.lfo_delay_inc1);
      expect([...rc.lfoDelayInc2.subarray(0, 100)]).toEqual(r.lfo_delay_inc2);
    }
  });

  it("detune offsets for every note and detune", () => {
    const got = Array.from({ length: 128 }, (_, n) =>
      Array.from({ length: 16 }, (_, d) => detuneOffset(n, d)),
    );
    expect(got).toEqual(ref.detune_logfreq_offset.note_0_to_127_by_detune_0_to_15);
  });

  it("the small tables copied into tables-data.ts", () => {
    expect(data.VELOCITY_DATA).toEqual(ref.velocity_data);
    expect(data.EXP_SCALE_DATA).toEqual(ref.exp_scale_data);
    expect(data.OUTPUT_LEVEL_BELOW_20).toEqual(ref.output_level_lut_below_20);
    expect(data.EG_STATIC_HOLD_44K1).toEqual(ref.eg_static_hold_samples_44k1);
    expect(data.PITCH_EG_RATE).toEqual(ref.pitch_eg_rate);
    expect(data.PITCH_EG_LEVEL).toEqual(ref.pitch_eg_level);
    expect(data.PITCH_MOD_SENS).toEqual(ref.pitch_mod_sens);
    expect(data.AMP_MOD_SENS).toEqual(ref.amp_mod_sens);
    expect(data.COARSE_LOGFREQ).toEqual(ref.coarse_logfreq);
    expect(data.FINE_LOGFREQ).toEqual(ref.fine_logfreq);
    expect(data.LFO_SPEED_SOURCE_HZ).toEqual(ref.lfo_speed_source_hz);
    expect(data.ALGORITHM_FLAGS).toEqual(ref.algorithms_op6_to_op1);
  });
});
