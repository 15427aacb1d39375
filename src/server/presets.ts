/** What the API says about uploads and preset voices: summaries, grouped parameters, renders and downloads. */
import { encodeWav } from "../audio/encode.ts";
import { PatchsmithError } from "../errors.ts";
import { selectVoice } from "../presets/load.ts";
import { denormalise, type AnySynth, type Performance } from "../synths/synth.ts";
import type { Upload } from "./uploads.ts";

export interface ParamView {
  name: string;
  value: number;
  /** The value as people read it: a choice's label, or the number with its unit. */
  display: string;
}

export interface ParamGroup {
  group: string;
  params: ParamView[];
}

export function uploadSummary(u: Upload): Record<string, unknown> {
  const base = { id: u.id, name: u.name, kind: u.kind, size: u.bytes.length, warnings: u.warnings };
  if (u.kind === "audio") {
    return {
      ...base,
      format: u.format,
      sampleRate: u.sampleRate,
      channels: u.channels,
      durationSeconds: u.durationSeconds,
    };
  }
  return {
    ...base,
    synth: u.synth.id,
    synthName: u.synth.displayName,
    extension: u.synth.codec.extensions[0],
    voices: u.patches.map((p, i) => ({
      voice: i + 1,
      name: u.synth.patchName(p).trim(),
      unsupported: u.synth.unsupportedFeatures(p).length,
    })),
  };
}

function formatValue(v: number, unit?: string): string {
  const s = Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3);
  return unit ? `${s} ${unit}` : s;
}

/** Every schema parameter of a patch by group, in schema order, with its natural value. */
export function groupedParams(synth: AnySynth, patch: unknown): ParamGroup[] {
  const vec = synth.toVector(patch);
  const groups = new Map<string, ParamView[]>();
  synth.params.forEach((spec, i) => {
    const value = denormalise(spec, vec[i]!);
    const display =
      spec.kind === "choice" && spec.options
        ? (spec.options[Math.round(value - spec.min)] ?? String(value))
        : formatValue(value, spec.unit);
    const g = spec.group ?? "global";
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push({ name: spec.name, value, display });
  });
  return [...groups].map(([group, params]) => ({ group, params }));
}

export function presetOf(u: Upload): Extract<Upload, { kind: "preset" }> {
  if (u.kind !== "preset")
    throw new PatchsmithError("not-a-preset", "this upload is a sound, not a preset", u.name);
  return u;
}

export function voiceDetail(u: Upload, voice: number): Record<string, unknown> {
  const p = presetOf(u);
  const { index, patch } = selectVoice(p.patches, voice, p.name);
  const d = p.synth.describe(patch);
  return {
    voice: index + 1,
    name: d.name.trim(),
    synth: p.synth.id,
    unsupported: p.synth.unsupportedFeatures(patch),
    groups: groupedParams(p.synth, patch),
    text: d.text,
  };
}

export function renderVoice(u: Upload, voice: number, perf: Performance, sampleRate: number): Uint8Array {
  const p = presetOf(u);
  const { patch } = selectVoice(p.patches, voice, p.name);
  const channels = p.synth.render(patch, perf, { sampleRate, seed: 1 });
  return encodeWav({ sampleRate, channels }, "float32");
}

/** One voice as a file of its synth's format (a single-voice .syx, a .vital). */
export function voiceFile(u: Upload, voice: number): { bytes: Uint8Array; fileName: string } {
  const p = presetOf(u);
  const { index, patch } = selectVoice(p.patches, voice, p.name);
  const stem =
    p.synth
      .patchName(patch)
      .trim()
      .replace(/[^A-Za-z0-9._-]+/g, "_")
      .replace(/^_+|_+$/g, "") || `voice-${index + 1}`;
  return { bytes: p.synth.codec.write([patch]), fileName: `${stem}${p.synth.codec.extensions[0]}` };
}
