// Bridge from the codec's typed VitalPatch to the engine's program. Type-only import: the engine stays free
// of the codec's runtime code and of Node modules.

import type { VitalPatch, Wavetable as PatchWavetable, LineShape as PatchLine } from "../types.ts";
import { prepareProgram, type VitalProgram } from "./program.ts";

function line(l: PatchLine): Record<string, unknown> {
  return { points: l.points, powers: l.powers, smooth: l.smooth };
}

function wavetable(t: PatchWavetable): Record<string, unknown> {
  if (t.fromLine) return line(t.fromLine);
  return {
    remove_all_dc: t.removeAllDc,
    full_normalize: t.fullNormalize,
    groups: t.groups.map((g) => ({
      components: g.components.map((c) => {
        if (c.kind === "wave-source") {
          return {
            type: c.type,
            interpolation: c.interpolation,
            interpolation_style: c.interpolationStyle,
            keyframes: c.keyframes.map((k) => ({ position: k.position, wave: k.wave })),
          };
        }
        if (c.kind === "line-source") {
          return {
            type: c.type,
            interpolation_style: c.interpolationStyle,
            keyframes: c.keyframes.map((k) => ({ position: k.position, line: line(k.line) })),
          };
        }
        return { type: c.type, keyframes: c.keyframes.map((k) => ({ position: k.position })) };
      }),
    })),
  };
}

/** Prepare the engine program for a typed patch. */
export function programFromPatch(p: VitalPatch): VitalProgram {
  return prepareProgram({
    ...p.settings,
    modulations: p.modulations.map((m) => ({
      source: m.source,
      destination: m.destination,
      line_mapping: m.lineMapping ? line(m.lineMapping) : undefined,
    })),
    lfos: p.lfos.map(line),
    wavetables: p.wavetables.map(wavetable),
    sample: {
      samples: p.sample.samples,
      samples_stereo: p.sample.samplesStereo ?? undefined,
      sample_rate: p.sample.sampleRate,
    },
  });
}
