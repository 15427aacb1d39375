import path from "node:path";
import { Option } from "commander";
import { encodeWav, type WavEncoding } from "../audio/encode.ts";
import { PatchsmithError } from "../errors.ts";
import { checkWritable, ensureDir, writeFileAtomic } from "../io/files.ts";
import { loadPresetFile, selectVoice } from "../presets/load.ts";
import type { Performance } from "../synths/synth.ts";
import type { CommandSpec } from "./context.ts";
import { numberIn } from "./options.ts";

function safeFileName(s: string): string {
  return (
    s
      .trim()
      .replace(/[^A-Za-z0-9._-]+/g, "_")
      .replace(/^_+|_+$/g, "") || "voice"
  );
}

export const command: CommandSpec = {
  name: "render",
  summary: "render a preset to audio, headless and deterministic",
  configure(cmd) {
    cmd
      .argument("<preset>", "preset file (.syx bank or voice, .vital)")
      .option("--voice <n>", "voice number in a bank, 1-based as Dexed shows it", numberIn(1, 1e6, true))
      .option("--all", "render every voice of a bank (-o names a folder)")
      .option("--note <midi>", "MIDI note", numberIn(0, 127, true), 60)
      .option("--velocity <v>", "MIDI velocity 1–127", numberIn(1, 127, true), 100)
      .option("--hold <seconds>", "seconds from note-on to note-off", numberIn(0, 600), 1)
      .option("--length <seconds>", "length of the render in seconds", numberIn(0.01, 600), 2)
      .option("--sample-rate <hz>", "output sample rate", numberIn(8000, 192000, true), 44100)
      .option("--seed <n>", "seed for anything random in the engine", numberIn(0, 2 ** 32 - 1, true), 1)
      .option(
        "--bpm <tempo>",
        "host tempo for tempo-synced parts (default: the preset's own)",
        numberIn(1, 999),
      )
      .addOption(
        new Option("--format <f>", "WAV sample format (default: the synth's native)").choices([
          "pcm16",
          "pcm24",
          "float32",
        ]),
      )
      .option("-o, --output <path>", "output WAV (or folder with --all)")
      .option("--strict", "treat preset warnings as errors")
      .option("-f, --force", "overwrite existing files");
  },
  async run(args, opts, ctx) {
    const file = args[0]!;
    const { synth, patches, warnings } = await loadPresetFile(file, { strict: Boolean(opts.strict) });
    for (const w of warnings) ctx.warn(w);
    const perf: Performance = {
      note: opts.note as number,
      velocity: opts.velocity as number,
      noteOffSeconds: opts.hold as number,
      durationSeconds: opts.length as number,
    };
    const encoding = (opts.format as WavEncoding | undefined) ?? synth.defaultWavEncoding;
    const base = path.basename(file, path.extname(file));

    let jobs: Array<{ index: number; patch: unknown; out: string }>;
    if (opts.all) {
      const dir = (opts.output as string | undefined) ?? `${base}-renders`;
      await ensureDir(dir);
      jobs = patches.map((patch, index) => ({
        index,
        patch,
        out: path.join(
          dir,
          `${String(index + 1).padStart(2, "0")}-${safeFileName(synth.patchName(patch))}.wav`,
        ),
      }));
    } else {
      if (opts.voice === undefined && patches.length > 1) {
        ctx.info(`${file} holds ${patches.length} voices; rendering voice 1 (use --voice N or --all)`);
      }
      const { index, patch } = selectVoice(patches, opts.voice as number | undefined, file);
      const suffix = patches.length > 1 ? `-v${index + 1}` : "";
      jobs = [
        { index, patch, out: (opts.output as string | undefined) ?? `${base}${suffix}-n${perf.note}.wav` },
      ];
    }
    // Refuse before rendering anything, so a refused job writes nothing.
    await checkWritable(
      jobs.map((j) => j.out),
      { force: Boolean(opts.force) },
    );

    const results: Array<Record<string, unknown>> = [];
    const bar = ctx.progress("render", jobs.length);
    for (const [i, job] of jobs.entries()) {
      if (ctx.signal.aborted) throw new PatchsmithError("interrupted", "interrupted");
      const unsupported = synth.unsupportedFeatures(job.patch);
      for (const u of unsupported) ctx.warn({ code: "approximated", message: u, file });
      const channels = synth.render(job.patch, perf, {
        sampleRate: opts.sampleRate as number,
        seed: opts.seed as number,
        bpm: opts.bpm as number | undefined,
      });
      const peak = channels.reduce((m, ch) => {
        for (let k = 0; k < ch.length; k++) m = Math.max(m, Math.abs(ch[k]!));
        return m;
      }, 0);
      await writeFileAtomic(
        job.out,
        encodeWav({ sampleRate: opts.sampleRate as number, channels }, encoding),
        {
          force: Boolean(opts.force),
        },
      );
      results.push({
        voice: job.index + 1,
        name: synth.patchName(job.patch),
        output: job.out,
        channels: channels.length,
        frames: channels[0]?.length ?? 0,
        peak,
        unsupported,
      });
      bar.update(i + 1);
    }
    bar.stop();
    const human = results
      .map(
        (r) =>
          `${r.output}  voice ${r.voice} "${String(r.name).trim()}"  peak ${(20 * Math.log10(Math.max(r.peak as number, 1e-12))).toFixed(1)} dBFS`,
      )
      .join("\n");
    return {
      data: {
        synth: synth.id,
        file,
        performance: perf,
        sampleRate: opts.sampleRate,
        encoding,
        renders: results,
      },
      human,
    };
  },
};
