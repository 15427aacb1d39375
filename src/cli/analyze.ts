import { analyzeSound, type SoundSummary } from "../audio/analyze.ts";
import { readAudioFile } from "../audio/decode.ts";
import { assertFiniteAudio } from "../audio/finite.ts";
import { resample } from "../audio/resample.ts";
import type { AudioData } from "../audio/types.ts";
import type { CommandSpec } from "./context.ts";

const ANALYSIS_RATE = 44100;

const fmt = (v: number | null, digits: number, unit = ""): string =>
  v === null || !Number.isFinite(v) ? "–" : `${v.toFixed(digits)}${unit}`;

export function formatSummary(file: string, s: SoundSummary): string {
  const pitch =
    s.f0Hz === null
      ? "none found"
      : s.pitched
        ? `${s.noteName} ${s.cents! >= 0 ? "+" : ""}${s.cents!.toFixed(1)} cents (${s.f0Hz.toFixed(2)} Hz, MIDI ${s.midi!.toFixed(2)})`
        : `none (the few voiced frames have a median f0 of ${s.f0Hz.toFixed(2)} Hz)`;
  const lines = [
    `${file}: ${s.channels === 1 ? "mono" : `${s.channels} channels`}, ${s.lengthSeconds.toFixed(3)} s at ${s.sampleRate} Hz`,
    `  pitched      ${s.pitched ? "yes" : "no"} (voiced ${(100 * s.voicedFraction).toFixed(0)} % of the sustained part, ${(100 * s.pitchStability).toFixed(0)} % stable)`,
    `  pitch        ${pitch}`,
    `  onset        ${fmt(s.onsetSeconds, 3, " s")}   peak at ${fmt(s.peakSeconds, 3, " s")}`,
    `  note-off     ${s.noteOffSeconds === null ? "no release detected" : fmt(s.noteOffSeconds, 3, " s")}`,
    `  end          ${fmt(s.endSeconds, 3, " s")} (−60 dB)   duration ${fmt(s.durationSeconds, 3, " s")}`,
    `  level        peak ${fmt(s.peakDbfs, 1, " dBFS")}, RMS ${fmt(s.rmsDbfs, 1, " dBFS")}, loudness ${fmt(s.loudnessLufs, 1, " LUFS")}`,
    `  spectrum     centroid ${fmt(s.spectralCentroidHz, 0, " Hz")}, roll-off ${fmt(s.spectralRolloffHz, 0, " Hz")}, flatness ${fmt(s.spectralFlatness, 3)}, flux ${fmt(s.spectralFlux, 2)}`,
    `  onsets       ${s.onsets.length} (${s.onsets
      .slice(0, 8)
      .map((t) => t.toFixed(3))
      .join(", ")}${s.onsets.length > 8 ? ", …" : ""})`,
  ];
  return lines.join("\n");
}

export const command: CommandSpec = {
  name: "analyze",
  summary: "analyse a sound: pitch, onset, note-off, level, loudness, spectral descriptors",
  configure(cmd) {
    cmd.argument(
      "<sound>",
      "audio file (WAV, AIFF, FLAC, MP3, Ogg Vorbis/Opus), any sample rate, mono or stereo",
    );
  },
  async run(args, _opts, ctx) {
    const file = args[0]!;
    const { audio, info, warnings } = await readAudioFile(file);
    for (const w of warnings) ctx.warn(w);
    for (const c of audio.channels) assertFiniteAudio(c, file);
    const at44: AudioData =
      audio.sampleRate === ANALYSIS_RATE
        ? audio
        : {
            sampleRate: ANALYSIS_RATE,
            channels: audio.channels.map((c) => resample(c, audio.sampleRate, ANALYSIS_RATE)),
          };
    const { summary } = analyzeSound(at44);
    const data = { file, format: info.format, originalSampleRate: info.sampleRate, ...summary };
    return { data, human: formatSummary(file, summary) };
  },
};
