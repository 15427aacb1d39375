import { readAudioMono } from "../audio/decode.ts";
import { assertFiniteAudio } from "../audio/finite.ts";
import { firstOnsetSample } from "../audio/onsets.ts";
import { allMetrics, type MetricReport } from "../metrics/all.ts";
import { METRIC_SAMPLE_RATE, prepareTarget } from "../metrics/target.ts";
import type { CommandSpec } from "./context.ts";

/** key, label, unit (empty: shown without a unit), digits. */
const ROWS: Array<[keyof MetricReport, string, string, number]> = [
  ["melLsdDb", "mel-LSD", "dB", 3],
  ["mss", "MSS", "", 4],
  ["mfccMae", "MFCC-MAE", "dB", 3],
  ["mfccMaeSpiegelib", "MFCC-MAE (SpiegeLib)", "dB", 3],
  ["spectralConvergence", "spectral convergence", "", 4],
  ["pitchErrorCents", "pitch error", "cents", 2],
  ["envelopeErrorDb", "envelope error", "dB", 3],
  ["maxAbsError", "max abs error", "FS", 6],
];
const JSON_UNITS: Record<keyof MetricReport, string> = {
  melLsdDb: "dB",
  mss: "unitless",
  mfccMae: "dB (orthonormal DCT of dB values)",
  mfccMaeSpiegelib: "dB (orthonormal DCT of dB values)",
  spectralConvergence: "ratio",
  pitchErrorCents: "cents (candidate − target)",
  envelopeErrorDb: "dB",
  maxAbsError: "full scale (1.0 = 0 dBFS)",
};

export function formatReport(target: string, candidate: string, r: MetricReport, notes: string[]): string {
  const lines = [`${candidate} against ${target}:`];
  for (const [key, label, unit, digits] of ROWS) {
    const v = r[key];
    const shown = Number.isNaN(v)
      ? "n/a (only one of the sounds has a pitch)"
      : `${v.toFixed(digits)}${unit ? ` ${unit}` : ""}`;
    lines.push(`  ${label.padEnd(22)} ${shown}`);
  }
  for (const n of notes) lines.push(`  (${n})`);
  return lines.join("\n");
}

export const command: CommandSpec = {
  name: "compare",
  summary: "compare two sounds with every metric (mel-LSD, MSS, MFCC, SC, pitch, envelope, max abs error)",
  configure(cmd) {
    cmd
      .argument("<target>", "the reference sound")
      .argument("<candidate>", "the sound to score against it (cut or zero-padded to the target's length)")
      .option(
        "--align",
        "start both sounds at their detected onsets (default: compare from the first sample)",
      );
  },
  async run(args, opts, ctx) {
    const [targetFile, candidateFile] = [args[0]!, args[1]!];
    const a = await readAudioMono(targetFile, METRIC_SAMPLE_RATE);
    const b = await readAudioMono(candidateFile, METRIC_SAMPLE_RATE);
    for (const w of [...a.warnings, ...b.warnings]) ctx.warn(w);
    assertFiniteAudio(a.samples, targetFile);
    assertFiniteAudio(b.samples, candidateFile);
    let ta = a.samples;
    let tb = b.samples;
    const notes: string[] = [];
    let offsets = { target: 0, candidate: 0 };
    if (opts.align) {
      offsets = {
        target: firstOnsetSample(ta, METRIC_SAMPLE_RATE),
        candidate: firstOnsetSample(tb, METRIC_SAMPLE_RATE),
      };
      ta = ta.subarray(offsets.target);
      tb = tb.subarray(offsets.candidate);
      notes.push(
        `aligned at onsets: target ${(offsets.target / METRIC_SAMPLE_RATE).toFixed(3)} s, candidate ${(offsets.candidate / METRIC_SAMPLE_RATE).toFixed(3)} s`,
      );
    }
    if (a.info.sampleRate !== METRIC_SAMPLE_RATE || b.info.sampleRate !== METRIC_SAMPLE_RATE)
      notes.push(`resampled to ${METRIC_SAMPLE_RATE} Hz`);
    if (a.info.channelCount > 1 || b.info.channelCount > 1) notes.push("channels averaged to mono");
    if (tb.length !== ta.length)
      notes.push(
        `candidate ${tb.length > ta.length ? "cut" : "zero-padded"} to the target's ${(ta.length / METRIC_SAMPLE_RATE).toFixed(3)} s`,
      );
    const report = allMetrics(prepareTarget(ta), tb);
    const json: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(report)) json[k] = Number.isFinite(v) ? v : null;
    const data = {
      target: targetFile,
      candidate: candidateFile,
      sampleRate: METRIC_SAMPLE_RATE,
      targetSeconds: ta.length / METRIC_SAMPLE_RATE,
      candidateSeconds: tb.length / METRIC_SAMPLE_RATE,
      alignedOffsetsSeconds: opts.align
        ? { target: offsets.target / METRIC_SAMPLE_RATE, candidate: offsets.candidate / METRIC_SAMPLE_RATE }
        : null,
      metrics: json,
      units: JSON_UNITS,
    };
    return { data, human: formatReport(targetFile, candidateFile, report, notes) };
  },
};
