// Vital engine fidelity against every render made by Vital itself (../shared/refs/vital): mel-LSD (DESIGN §5)
// per render, aggregates per manifest group, for the feature refs as a whole and for the CC BY presets, and a
// per-feature table (the renders that use an unsupported feature, by that feature).
//   npm run bench -- vital-fidelity [--group G] [--filter <regexp on id>] [--quiet]
// Renders go through the same path as `patchsmith render` (codec → prepared program → one note with 1 s of
// pre-roll, 120 BPM), at the manifest's note, velocity and timing; metrics mix both sides to mono.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./run.ts";
import { readAudioFile } from "../src/audio/decode.ts";
import { monoAsStoredPcm16 } from "../src/audio/pcm16.ts";
import { toMono } from "../src/audio/types.ts";
import { melLsd } from "../src/metrics/index.ts";
import { readVital } from "../src/synths/vital/codec.ts";
import { ENGINE_SUPPORT, vitalProgram } from "../src/synths/vital/index.ts";
import { renderProgramNote } from "../src/synths/vital/engine/instrument.ts";
import { engineDeviations } from "../src/synths/vital/engine/deviations.ts";
import { vitalUnsupportedFeatures } from "../src/synths/vital/unsupported.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const refsDir = path.resolve(repoRoot, "../shared/refs/vital");

interface Entry {
  id: string;
  preset: string;
  note: number;
  velocity: number;
  note_off_s: number;
  dur_s: number;
  wav: string;
  group: string;
  format: string;
  channels: number;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** One line per unsupported feature kind, numbers and quoted names generalised ("oscillator N: … distortion"). */
function featureKind(message: string): string {
  return message.replace(/\d+(\.\d+)?/g, "N").slice(0, 100);
}

export default async function (args: string[], emit: (r: BenchResult) => void): Promise<void> {
  if (!existsSync(path.join(refsDir, "manifest.json"))) {
    process.stderr.write("bench vital-fidelity: ../shared/refs/vital not found\n");
    return;
  }
  const gi = args.indexOf("--group");
  const group = gi >= 0 ? args[gi + 1] : undefined;
  const fi = args.indexOf("--filter");
  const filter = fi >= 0 ? new RegExp(args[fi + 1] ?? ".") : undefined;
  const quiet = args.includes("--quiet");
  const manifest = JSON.parse(readFileSync(path.join(refsDir, "manifest.json"), "utf8")) as Entry[];
  const patches = new Map<string, VitalPatch>();
  const byGroup = new Map<string, number[]>();
  const byFeature = new Map<string, number[]>();
  const clean: number[] = [];
  for (const e of manifest) {
    if ((group && e.group !== group) || (filter && !filter.test(e.id))) continue;
    let patch = patches.get(e.preset);
    if (!patch) {
      const file = path.join(refsDir, e.preset);
      patch = readVital(readFileSync(file), path.basename(file)).patches[0]!;
      patches.set(e.preset, patch);
    }
    const out = renderProgramNote(
      vitalProgram(patch),
      { note: e.note, velocity: e.velocity, noteOffSeconds: e.note_off_s, durationSeconds: e.dur_s },
      { sampleRate: 44100, seed: 1, beatsPerSecond: 2 },
    );
    const ref = await readAudioFile(path.join(refsDir, e.wav));
    // a 16-bit reference holds Vital's render quantised: ours is quantised the same way (near-silent presets)
    const ours =
      e.format === "s16"
        ? monoAsStoredPcm16(out, e.channels, 44100)
        : toMono({ sampleRate: 44100, channels: out });
    const lsd = melLsd(toMono(ref.audio), ours);
    const unsupported = [...vitalUnsupportedFeatures(patch, ENGINE_SUPPORT), ...engineDeviations(patch)];
    const key = e.group === "ccby" ? "ccby" : "feature";
    for (const k of [e.group, key === "feature" && e.group !== "feature" ? "all-feature" : ""]) {
      if (!k) continue;
      if (!byGroup.has(k)) byGroup.set(k, []);
      byGroup.get(k)!.push(lsd);
    }
    for (const kind of new Set(unsupported.map(featureKind))) {
      if (!byFeature.has(kind)) byFeature.set(kind, []);
      byFeature.get(kind)!.push(lsd);
    }
    if (unsupported.length === 0 && e.group === "ccby") clean.push(lsd);
    if (!quiet) {
      emit({
        name: `vital-fidelity/${e.id}`,
        metric: "mel-lsd",
        value: round(lsd),
        unit: "dB",
        group: e.group,
        unsupported,
      });
    }
  }
  for (const [k, xs] of byGroup) {
    emit({
      name: `vital-fidelity/group/${k}`,
      metric: "mel-lsd-median",
      value: round(quantile(xs, 0.5)),
      unit: "dB",
      p90: round(quantile(xs, 0.9)),
      max: round(Math.max(...xs)),
      renders: xs.length,
    });
  }
  if (clean.length > 0) {
    emit({
      name: "vital-fidelity/ccby-fully-supported",
      metric: "mel-lsd-median",
      value: round(quantile(clean, 0.5)),
      unit: "dB",
      p90: round(quantile(clean, 0.9)),
      renders: clean.length,
    });
  }
  for (const [k, xs] of [...byFeature].sort((a, b) => b[1].length - a[1].length)) {
    emit({
      name: `vital-fidelity/unsupported/${k}`,
      metric: "mel-lsd-median",
      value: round(quantile(xs, 0.5)),
      unit: "dB",
      renders: xs.length,
    });
  }
}
