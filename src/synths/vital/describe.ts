// What `inspect` shows for a Vital preset: non-default parameters in display units, modulations, wavetables,
// LFO shapes and the sample — as JSON-ready data and as lines for a terminal.

import type { PatchDescription } from "../synth.ts";
import { displayValue, modulationSlots, VITAL_PARAMS, type DisplayValue } from "./params.ts";
import type { LineShape, VitalPatch, Wavetable } from "./types.ts";
import { vitalAudibility } from "./unsupported.ts";

export interface NonDefaultParam {
  name: string;
  group: string;
  /** Raw stored value and default. */
  value: number;
  default: number;
  display: DisplayValue;
  defaultDisplay: string;
}

export interface WavetableSummary {
  oscillator: number;
  name: string;
  author: string;
  /** Frames the table holds (last keyframe position + 1). */
  frames: number;
  groups: number;
  /** Source components by type, with their keyframe counts. */
  sources: Array<{ type: string; keyframes: number; interpolation: string }>;
  /** Modifier component types (kept in the file; see unsupported features). */
  modifiers: string[];
  removeAllDc: boolean;
  fullNormalize: boolean;
}

export interface LfoSummary {
  lfo: number;
  name: string;
  points: number;
  smooth: boolean;
  /** True when it is the init shape (Triangle). */
  isDefault: boolean;
}

const INTERPOLATION_STYLE = ["step", "linear", "cubic"];

function frameCount(t: Wavetable): number {
  let last = 0;
  for (const g of t.groups)
    for (const c of g.components) for (const k of c.keyframes) last = Math.max(last, k.position);
  return last + 1;
}

export function summariseWavetable(t: Wavetable, oscillator: number): WavetableSummary {
  const sources: WavetableSummary["sources"] = [];
  const modifiers: string[] = [];
  if (t.fromLine)
    sources.push({ type: "Line Source (stored as a bare line)", keyframes: 1, interpolation: "none" });
  for (const g of t.groups) {
    for (const c of g.components) {
      if (c.kind === "modifier") modifiers.push(c.type);
      else {
        const style = INTERPOLATION_STYLE[c.interpolationStyle] ?? `style ${c.interpolationStyle}`;
        const domain =
          c.kind === "wave-source" ? (c.interpolation === 0 ? ", time domain" : ", spectral") : "";
        sources.push({ type: c.type, keyframes: c.keyframes.length, interpolation: style + domain });
      }
    }
  }
  return {
    oscillator,
    name: t.name,
    author: t.author,
    frames: frameCount(t),
    groups: t.groups.length,
    sources,
    modifiers,
    removeAllDc: t.removeAllDc,
    fullNormalize: t.fullNormalize,
  };
}

function isTriangle(l: LineShape): boolean {
  const t = [0, 1, 0.5, 0, 1, 1];
  return (
    l.points.length === 6 &&
    l.points.every((x, i) => x === t[i]) &&
    l.powers.every((x) => x === 0) &&
    !l.smooth
  );
}

const GROUP_ORDER = [
  /^global$/,
  /^macro/,
  /^osc_/,
  /^sample$/,
  /^filter_\d/,
  /^env_/,
  /^lfo_/,
  /^random_/,
  /^modulation_/,
  /^filter_fx$/,
  /./,
];

function groupRank(group: string): [number, number] {
  const rank = GROUP_ORDER.findIndex((re) => re.test(group));
  const n = /_(\d+)$/.exec(group);
  return [rank, n ? Number(n[1]) : 0];
}

/** Parameters whose stored value differs from Vital's default, with display units, grouped (osc, filter, env …). */
export function nonDefaultParams(p: VitalPatch): NonDefaultParam[] {
  const out: NonDefaultParam[] = [];
  for (const info of VITAL_PARAMS) {
    const v = p.settings[info.name];
    if (v === undefined || v === info.default || Math.fround(v) === info.default) continue;
    if (info.role === "legacy") continue;
    out.push({
      name: info.name,
      group: info.group,
      value: v,
      default: info.default,
      display: displayValue(info.name, v, p.settings),
      defaultDisplay: displayValue(info.name, info.default, p.settings).text,
    });
  }
  return out
    .map((x, i) => ({ x, i, r: groupRank(x.group) }))
    .sort(
      (a, b) =>
        a.r[0] - b.r[0] ||
        a.r[1] - b.r[1] ||
        (a.x.group < b.x.group ? -1 : a.x.group > b.x.group ? 1 : a.i - b.i),
    )
    .map((e) => e.x);
}

function modulationText(m: ReturnType<typeof modulationSlots>[number]): string {
  const flags = [
    `amount ${+m.amount.toFixed(3)}`,
    m.bipolar ? "bipolar" : "",
    m.power !== 0 ? `power ${+m.power.toFixed(2)}` : "",
    m.stereo ? "stereo" : "",
    m.bypass ? "bypassed" : "",
    m.lineMapping ? `remap "${m.lineMapping.name}" (${m.lineMapping.points.length / 2} points)` : "",
  ].filter(Boolean);
  return `${String(m.slot).padStart(4)}. ${m.source || "(none)"} → ${m.destination || "(none)"}: ${flags.join(", ")}`;
}

export function describeVital(p: VitalPatch): PatchDescription {
  const changed = nonDefaultParams(p);
  const mods = modulationSlots(p);
  const tables = p.wavetables.map((t, i) => summariseWavetable(t, i + 1));
  const lfos: LfoSummary[] = p.lfos.map((l, i) => ({
    lfo: i + 1,
    name: l.name,
    points: l.points.length / 2,
    smooth: l.smooth,
    isDefault: isTriangle(l),
  }));
  const sampleLength = p.sample.samples.length;
  const sample = {
    name: p.sample.name,
    sampleRate: p.sample.sampleRate,
    length: sampleLength,
    seconds: p.sample.sampleRate > 0 ? sampleLength / p.sample.sampleRate : 0,
    stereo: p.sample.samplesStereo !== null,
  };
  const audible = vitalAudibility(p);
  const settings: Record<string, number> = {};
  for (const info of VITAL_PARAMS) settings[info.name] = p.settings[info.name] ?? info.default;

  const data = {
    name: p.name,
    author: p.author,
    comments: p.comments,
    style: p.style,
    synthVersion: p.synthVersion,
    macros: p.macros,
    audible: { oscillators: audible.oscillators, sample: audible.sample, filters: audible.filters },
    nonDefault: changed.map((c) => ({
      name: c.name,
      value: c.value,
      default: c.default,
      display: c.display.value,
      unit: c.display.unit,
      text: c.display.text,
    })),
    modulations: mods.map((m) => ({
      ...m,
      lineMapping: m.lineMapping
        ? { name: m.lineMapping.name, points: m.lineMapping.points.length / 2 }
        : null,
    })),
    wavetables: tables,
    lfos,
    sample,
    keptSettings: Object.keys(p.extraSettings),
    settings,
  };

  const lines: string[] = [];
  const by = p.author ? ` by ${p.author}` : "";
  const style = p.style ? ` (${p.style})` : "";
  lines.push(`"${p.name || "(unnamed)"}"${by}${style}, saved by Vital ${p.synthVersion}`);
  if (p.comments) lines.push(`  ${p.comments.replace(/\s*\n\s*/g, " / ")}`);
  const macros = p.macros.filter((m, i) => m !== `MACRO ${i + 1}`);
  if (macros.length) lines.push(`macros: ${p.macros.join(", ")}`);
  const sounding = [
    ...audible.oscillators.map((n) => `osc ${n}`),
    ...(audible.sample ? ["sample"] : []),
    ...audible.filters.map((f) => `filter ${f}`),
  ];
  lines.push(`sounding: ${sounding.join(", ") || "nothing"}`);

  lines.push(`non-default parameters (${changed.length}):`);
  const width = Math.max(0, ...changed.map((c) => c.name.length));
  let group = "";
  for (const c of changed) {
    if (c.group !== group) {
      group = c.group;
      lines.push(`  [${group}]`);
    }
    lines.push(`    ${c.name.padEnd(width)}  ${c.display.text}   (default ${c.defaultDisplay})`);
  }

  lines.push(`modulations (${mods.length}):`);
  for (const m of mods) lines.push(modulationText(m));

  lines.push("wavetables:");
  for (const t of tables) {
    const src = t.sources
      .map((s) => `${s.type} ×${s.keyframes} keyframe${s.keyframes === 1 ? "" : "s"} (${s.interpolation})`)
      .join("; ");
    const mod = t.modifiers.length ? `; modifiers: ${t.modifiers.join(", ")}` : "";
    lines.push(
      `  osc ${t.oscillator}: ${t.name ? `"${t.name}"` : "(unnamed)"}, ${t.frames} frame${t.frames === 1 ? "" : "s"}, ${t.groups} group${t.groups === 1 ? "" : "s"}: ${src || "no sources"}${mod}`,
    );
  }

  const shaped = lfos.filter((l) => !l.isDefault);
  lines.push(
    `LFO shapes: ${shaped.length ? shaped.map((l) => `lfo ${l.lfo} "${l.name}" (${l.points} points${l.smooth ? ", smooth" : ""})`).join("; ") + "; others Triangle" : "all Triangle"}`,
  );
  lines.push(
    `sample: "${sample.name}", ${sample.length} samples at ${sample.sampleRate} Hz (${sample.seconds.toFixed(2)} s), ${sample.stereo ? "stereo" : "mono"}${audible.sample ? "" : " (sample oscillator silent)"}`,
  );
  if (data.keptSettings.length)
    lines.push(`kept, not used by the 1.0 engine: ${data.keptSettings.join(", ")}`);
  return { name: p.name, data, text: lines.join("\n") };
}
