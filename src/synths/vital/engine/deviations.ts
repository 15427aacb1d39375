// What this engine renders differently from Vital beyond the codec-level checks in ../unsupported.ts
// (effects, filter models, oscillator distortions, spectral morphs, wavetable components, destinations).
// Only audible uses are reported; keep this list truthful to voice.ts.

import type { VitalPatch } from "../types.ts";
import { paramIndex, sourceId } from "./program.ts";

/** Modulation destinations the voice reads per block (or at note-on where noted in the docs). */
const HONOURED = [
  /^osc_[123]_(level|pan|transpose|tune|wave_frame|unison_detune|detune_power|detune_range|unison_blend|stereo_spread|frame_spread|phase|random_phase|distortion_amount|distortion_phase|distortion_spread)$/,
  /^osc_[123]_spectral_morph_(amount|spread)$/,
  /^filter_[12]_(cutoff|resonance|drive|blend|blend_transpose|keytrack|mix|formant_(x|y|transpose|resonance|spread))$/,
  /^env_[1-6]_(delay|attack|hold|decay|sustain|release)$/,
  /^lfo_[1-8]_(frequency|phase|fade_time|delay_time|smooth_time|tempo|keytrack_transpose|keytrack_tune)$/,
  /^random_[1-4]_(frequency|tempo|keytrack_transpose|keytrack_tune)$/,
  /^sample_(level|pan|transpose|tune)$/,
  /^(velocity_track|voice_amplitude|voice_transpose|voice_tune|volume|portamento_time|portamento_slope)$/,
  /^modulation_\d+_(amount|power)$/,
];

/**
 * Destinations whose left and right values the voice keeps apart (stereo slots, LFO stereo offsets); an
 * oscillator's transpose, tune and phase per unison lane (voice.ts, per-sample path).
 */
const STEREO_DESTINATIONS =
  /^(distortion_filter_cutoff|osc_[123]_(level|pan|transpose|tune|phase|distortion_(amount|spread|phase))|sample_(level|pan)|filter_[12]_(cutoff|resonance|drive|blend|blend_transpose|keytrack|mix|formant_(x|y|transpose|resonance|spread))|lfo_[1-8]_(frequency|tempo|keytrack_transpose|keytrack_tune))$/;

/**
 * Whether the voice keeps this destination's left and right values apart. A wave frame is per lane when every
 * unison voice is one lane (even count) and no spectral morph picks the cycle.
 */
function stereoRendered(p: VitalPatch, destination: string): boolean {
  if (STEREO_DESTINATIONS.test(destination)) return true;
  const frame = /^osc_([123])_wave_frame$/.exec(destination);
  if (!frame) return false;
  const s = p.settings;
  const voices = Math.round(s[`osc_${frame[1]}_unison_voices`] ?? 1);
  return voices % 2 === 0 && Math.round(s[`osc_${frame[1]}_spectral_morph_type`] ?? 0) === 0;
}

export function engineDeviations(p: VitalPatch): string[] {
  const s = p.settings;
  const out: string[] = [];
  const on = (k: string) => (s[k] ?? 0) >= 0.5;
  const usedSources = new Set<string>();
  p.modulations.forEach((m, i) => {
    if (!m.source || !m.destination) return;
    const n = i + 1;
    if (on(`modulation_${n}_bypass`) || (s[`modulation_${n}_amount`] ?? 0) === 0) return;
    usedSources.add(m.source);
    if (sourceId(m.source) === undefined || paramIndex(m.destination) === undefined) {
      out.push(`modulation ${n}: ${m.source} → ${m.destination} (unknown source or destination, skipped)`);
      return;
    }
    const effectParam = /^(chorus|compressor|delay|distortion|eq|filter_fx|flanger|phaser|reverb)_/.test(
      m.destination,
    );
    // effect parameters follow the newest voice's modulation (effects/chain.ts setVoiceModulation)
    if (!effectParam && !HONOURED.some((r) => r.test(m.destination))) {
      out.push(`modulation ${n}: destination ${m.destination} is not modulated by this engine`);
    }
    if (on(`modulation_${n}_stereo`) && !stereoRendered(p, m.destination))
      out.push(`modulation ${n}: stereo modulation of ${m.destination} (rendered the same on both channels)`);
    if (/^(aftertouch|slide|stereo)$/.test(m.source))
      out.push(`modulation ${n}: source ${m.source} is held at 0`);
  });
  for (let k = 1; k <= 8; k++) {
    if (!usedSources.has(`lfo_${k}`)) continue;
    if ((s[`lfo_${k}_stereo`] ?? 0) !== 0) {
      const missed = p.modulations
        .filter(
          (m, i) =>
            m.source === `lfo_${k}` &&
            (s[`modulation_${i + 1}_amount`] ?? 0) !== 0 &&
            !stereoRendered(p, m.destination),
        )
        .map((m) => m.destination);
      if (missed.length > 0)
        out.push(`LFO ${k}: stereo phase offset does not reach ${missed.join(", ")} (same on both channels)`);
    }
  }
  for (let k = 1; k <= 4; k++) {
    if (!usedSources.has(`random_${k}`) || (s[`random_${k}_stereo`] ?? 0) < 0.5) continue;
    const missed = p.modulations
      .filter(
        (m, i) =>
          m.source === `random_${k}` &&
          (s[`modulation_${i + 1}_amount`] ?? 0) !== 0 &&
          !stereoRendered(p, m.destination),
      )
      .map((m) => m.destination);
    if (missed.length > 0)
      out.push(`random ${k}: stereo values do not reach ${missed.join(", ")} (same on both channels)`);
  }
  for (let f = 1; f <= 2; f++) {
    if (!on(`filter_${f}_on`)) continue;
    const model = Math.round(s[`filter_${f}_model`] ?? 0);
    const style = Math.round(s[`filter_${f}_style`] ?? 0);
    // notch spread (style 3) on analog/digital: Vital spaces the notches by blend alone (blend_transpose
    // reaches only the comb, phaser and formant filters), which filters.ts renders
    if (model === 5 && style >= 2)
      out.push(`filter ${f}: formant vocal-tract style (approximated as analog)`);
  }
  if (
    on("filter_fx_on") &&
    Math.round(s.filter_fx_model ?? 0) === 5 &&
    Math.round(s.filter_fx_style ?? 0) >= 2
  ) {
    out.push("filter FX: formant vocal-tract style (approximated as analog)");
  }
  for (let o = 1; o <= 3; o++) {
    if (!on(`osc_${o}_on`)) continue;
    const cubic = p.wavetables[o - 1]?.groups.some((g) =>
      g.components.some(
        (c) =>
          (c.kind === "wave-source" || c.kind === "line-source") &&
          c.interpolationStyle === 2 &&
          c.keyframes.length > 1,
      ),
    );
    if (cubic) out.push(`oscillator ${o}: cubic keyframe interpolation (rendered linear)`);
  }
  if (Math.round(s.oversampling ?? 1) >= 2) out.push("oversampling 4×/8× (rendered at 2×)");
  if ((s.stereo_routing ?? 1) !== 1) out.push("stereo routing width (not rendered)");
  return out;
}
