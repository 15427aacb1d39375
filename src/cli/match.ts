import path from "node:path";
import { encodeWav } from "../audio/encode.ts";
import { readAudioMono } from "../audio/decode.ts";
import { PatchsmithError } from "../errors.ts";
import { checkWritable, ensureDir, writeFileAtomic } from "../io/files.ts";
import { defaultThreads } from "../jobs/pool.ts";
import { startsFor } from "../match/bank.ts";
import { patchToPoint, type SearchSpace } from "../match/evaluate.ts";
import { LocalEvaluator, PoolEvaluator, type Evaluator } from "../match/evaluator.ts";
import { match, reportCandidate, searchSpaceFor, type MatchCandidate } from "../match/pipeline.ts";
import { analyseTarget, DEFAULT_BPM } from "../match/target.ts";
import { loadSynths } from "../synths/index.ts";
import { getSynth, listSynths, type AnySynth } from "../synths/synth.ts";
import type { CommandSpec } from "./context.ts";
import { numberIn } from "./options.ts";

/** Warm starts scored (after the init patch) for the first candidate, before the search starts. */
const EARLY_STARTS = 3;

/** Patch names: the sound's name and the rank, within the synth's name length. */
function candidateName(base: string, rank: number, maxLength: number): string {
  const suffix = ` ${rank}`;
  return (
    base
      .toUpperCase()
      .replace(/[^A-Z0-9 .-]/g, " ")
      .slice(0, Math.max(1, maxLength - suffix.length))
      .trimEnd() + suffix
  );
}

/** Whether the synth's codec stores several patches in one file (a bank). */
function writesBanks(synth: AnySynth, patches: unknown[]): boolean {
  if (patches.length < 2) return true;
  try {
    const bytes = synth.codec.write(patches);
    // A bank format may pad (a DX7 VMEM bank always holds 32 voices).
    return synth.codec.read(bytes).patches.length >= patches.length;
  } catch {
    return false;
  }
}

/**
 * The worker pool, started only once `open()` is called (after the first candidate is written): on a
 * two-core machine, workers loading their modules and the synth compete with the main thread scoring the
 * first starting points, and the first candidate is what a user waits for.
 */
export class DeferredPoolEvaluator implements Evaluator {
  readonly parallelism: number;
  private pool: PoolEvaluator | undefined;
  private warming: Promise<void> | undefined;
  private release: () => void = () => {};
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));

  constructor(
    private readonly samples: Float32Array,
    private readonly opts: { threads: number; signal?: AbortSignal },
  ) {
    this.parallelism = opts.threads;
  }

  /** Start the workers; with a point, also load the synth and the target in each of them. */
  open(space?: SearchSpace, point?: ArrayLike<number>): void {
    if (!this.pool) {
      this.pool = new PoolEvaluator(this.samples, this.opts);
      if (space && point) {
        this.warming = this.pool.warmUp(space, point);
        this.warming.catch(() => {});
      }
    }
    this.release();
  }

  private async ready(): Promise<PoolEvaluator> {
    await this.gate;
    return this.pool!;
  }

  async warmUp(space: SearchSpace, point: ArrayLike<number>): Promise<void> {
    const pool = await this.ready();
    await (this.warming ?? pool.warmUp(space, point));
  }

  async evaluate(space: SearchSpace, points: ArrayLike<number>[]): Promise<Float64Array> {
    return (await this.ready()).evaluate(space, points);
  }

  async close(): Promise<void> {
    await this.warming?.catch(() => {});
    await this.pool?.close();
    this.release();
  }
}

export const command: CommandSpec = {
  name: "match",
  summary: "find presets that recreate a sound (top candidates, scores, previews)",
  configure(cmd) {
    cmd
      .argument(
        "<sound>",
        "the sound to recreate (wav, aiff, flac, mp3, ogg; mono or stereo; any sample rate)",
      )
      .requiredOption("--synth <id>", "synth to match with (dx7, vital)")
      .option(
        "-o, --output <path>",
        "output preset file (a bank for DX7; for Vital, <name>-<k>.vital per candidate)",
      )
      .option("--candidates <n>", "number of candidates", numberIn(1, 32, true), 5)
      .option("--time <seconds>", "time budget in seconds", numberIn(0.1, 86400))
      .option(
        "--renders <n>",
        "render budget (stops at whichever budget comes first)",
        numberIn(1, 1e9, true),
      )
      .option("--seed <n>", "random seed", numberIn(0, 2 ** 32 - 1, true), 1)
      .option("--preview <dir>", "write the target and each candidate's render (level-matched) as WAV here")
      .option("--note <midi>", "the note played (default: detected from the sound)", numberIn(0, 127, true))
      .option(
        "--hold <seconds>",
        "seconds from note-on to note-off (default: estimated and searched)",
        numberIn(0, 600),
      )
      .option("--velocity <v>", "MIDI velocity the candidates are played with", numberIn(1, 127, true), 100)
      .option(
        "--bpm <tempo>",
        "tempo the sound was played at, for tempo-synced LFOs and effects",
        numberIn(1, 999),
        DEFAULT_BPM,
      )
      .option(
        "--max-length <seconds>",
        "longest part of the sound matched, from its onset",
        numberIn(0.05, 60),
        4,
      )
      .option("--threads <n>", "worker threads (0: render in the main thread)", numberIn(0, 256, true))
      .option("--store <dir>", "patchsmith data folder holding the banks (default ~/.patchsmith)")
      .option("-f, --force", "overwrite existing files");
  },
  async run(args, opts, ctx) {
    // Time to the first candidate counts from here: decoding, analysis and start-up included.
    const t0 = performance.now();
    const file = args[0]!;
    await loadSynths();
    const synth = getSynth(String(opts.synth));
    if (!synth) {
      throw new PatchsmithError(
        "unknown-synth",
        `no synth "${opts.synth}" (have: ${listSynths()
          .map((s) => s.id)
          .join(", ")})`,
      );
    }
    const force = Boolean(opts.force);
    const stem = path.basename(file, path.extname(file));
    const count = opts.candidates as number;
    const output = (opts.output as string | undefined) ?? `${stem}-match${synth.codec.extensions[0]}`;
    const outExt = path.extname(output) || synth.codec.extensions[0]!;
    const outStem = output.slice(0, output.length - path.extname(output).length);
    const preview = opts.preview as string | undefined;

    const { samples, warnings } = await readAudioMono(file, 44100);
    for (const w of warnings) ctx.warn(w);
    const target = analyseTarget(samples, {
      file,
      note: opts.note as number | undefined,
      holdSeconds: opts.hold as number | undefined,
      velocity: opts.velocity as number,
      bpm: opts.bpm as number,
      maxSeconds: opts.maxLength as number,
    });
    ctx.info(
      `${file}: ${target.pitched ? `f0 ${target.f0Hz.toFixed(1)} Hz → note ${target.note} ${target.fineTuneCents >= 0 ? "+" : ""}${target.fineTuneCents.toFixed(0)} cents` : `unpitched, played at note ${target.note}`}, ` +
        `${target.durationSeconds.toFixed(2)} s from onset ${target.onsetSeconds.toFixed(3)} s, note-off ${target.holdKnown ? "" : "≈ "}${target.holdSeconds.toFixed(2)} s`,
    );

    // Decide every output name now and refuse before any work if one exists.
    const patchesOneFile = writesBanks(
      synth,
      Array.from({ length: Math.max(1, count) }, () => synth.defaultPatch()),
    );
    const outFiles = patchesOneFile
      ? [output]
      : Array.from({ length: count }, (_, k) => `${outStem}-${k + 1}${outExt}`);
    const previewFiles = preview
      ? [
          path.join(preview, "target.wav"),
          ...Array.from({ length: count }, (_, k) => path.join(preview, `candidate-${k + 1}.wav`)),
        ]
      : [];
    await checkWritable([...outFiles, ...previewFiles], { force });

    const threads = (opts.threads as number | undefined) ?? defaultThreads();
    const local = new LocalEvaluator(synth, target.loss, ctx.signal);
    const deferred =
      threads > 0 ? new DeferredPoolEvaluator(target.samples, { threads, signal: ctx.signal }) : undefined;
    const evaluator: Evaluator = deferred ?? local;
    const warmStarts = await startsFor(synth, target, {
      store: opts.store as string | undefined,
      signal: ctx.signal,
      analytic: false,
    });
    const named = (c: { patch: unknown }, k: number) =>
      synth.withName(c.patch, candidateName(stem, k + 1, synth.id === "dx7" ? 10 : 32));
    const writePatches = async (patches: unknown[], overwrite: boolean) => {
      if (patchesOneFile) await writeFileAtomic(output, synth.codec.write(patches), { force: overwrite });
      else
        for (const [k, p] of patches.entries())
          await writeFileAtomic(outFiles[k]!, synth.codec.write([p]), { force: overwrite });
    };

    // The first candidate: the best of the init patch and the first bank (or procedural) starts, scored in
    // this thread before the workers start and before the analytic starts are computed (seconds, for some
    // sounds). The search writes its own first candidate over it only if that one scores better.
    let firstAfter: number | undefined;
    /** CPU seconds of the whole process (every thread) when it was written: a load-independent measure. */
    let firstCpu: number | undefined;
    let firstLoss = Infinity;
    {
      let best: { patch: unknown; source: string; space: SearchSpace; point: Float64Array } | undefined;
      for (const s of [
        { patch: synth.defaultPatch(), source: "init" },
        ...warmStarts.slice(0, EARLY_STARTS),
      ]) {
        const space = searchSpaceFor(synth, target, { basePatch: s.patch, free: [] });
        const point = patchToPoint(synth, space, s.patch, target.holdSeconds);
        const [loss] = await local.evaluate(space, [point]);
        if (loss! < firstLoss || !best) {
          firstLoss = loss!;
          best = { ...s, space, point };
        }
      }
      await writePatches([named(best!, 0)], force);
      firstAfter = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage();
      firstCpu = (cpu.user + cpu.system) / 1e6;
      ctx.info(
        `first candidate written after ${firstAfter.toFixed(2)} s, ${(performance.now() / 1000).toFixed(2)} s after start-up (${best!.source})`,
      );
      deferred?.open(best!.space, best!.point);
    }
    const { analyticStarts } = await import("../match/analytic/index.ts");
    const starts = [...analyticStarts(synth, target), ...warmStarts];

    const seconds = opts.time as number | undefined;
    const renders = opts.renders as number | undefined;
    const budgetSeconds = seconds ?? (renders !== undefined ? undefined : 30);
    const bar = ctx.progress("match", renders ?? Math.round((budgetSeconds ?? 30) * 10));
    let result;
    try {
      result = await match({
        synth,
        target,
        evaluator,
        startEvaluator: local,
        seconds: budgetSeconds,
        renders,
        seed: opts.seed as number,
        candidates: count,
        starts,
        signal: ctx.signal,
        onFirstCandidate: async (c: MatchCandidate) => {
          // A usable result early: the best starting point, replaced by the final candidates at the end.
          if (c.loss < firstLoss) {
            await writePatches([named(c, 0)], true);
            firstLoss = c.loss;
          }
        },
        onProgress: (p) => {
          const done = renders !== undefined ? p.renders : Math.round(p.elapsedSeconds * 10);
          bar.update(done, `best ${p.bestLoss.toFixed(2)}  ${p.renders} renders`);
        },
      });
    } finally {
      bar.stop();
      await evaluator.close();
    }

    const reports = result.candidates.map((c) => reportCandidate(synth, target, c));
    const patches = reports.map((r, k) => named(r, k));
    // Our own first-candidate file may be replaced; anything else was checked above.
    await writePatches(patches, true);
    const written = patchesOneFile ? [output] : outFiles.slice(0, patches.length);
    if (preview) {
      await ensureDir(preview);
      await writeFileAtomic(
        previewFiles[0]!,
        encodeWav({ sampleRate: 44100, channels: [target.samples] }, "float32"),
        { force },
      );
      for (const [k, r] of reports.entries()) {
        await writeFileAtomic(
          previewFiles[k + 1]!,
          encodeWav({ sampleRate: 44100, channels: [r.audio] }, "float32"),
          { force },
        );
      }
    }
    for (const p of patches)
      for (const u of synth.unsupportedFeatures(p)) ctx.warn({ code: "approximated", message: u });

    const rows = reports.map((r, k) => ({
      rank: k + 1,
      name: synth.patchName(patches[k]),
      file: patchesOneFile ? output : outFiles[k],
      loss: r.loss,
      melLsdDb: r.terms.melLsd,
      mss: r.mss,
      sc: r.terms.sc,
      envelopeErrorDb: r.terms.envelope,
      pitchErrorCents: Number.isFinite(r.pitchErrorCents) ? r.pitchErrorCents : null,
      gainDb: r.terms.gainDb,
      holdSeconds: r.holdSeconds,
      source: r.source,
      preview: preview ? previewFiles[k + 1] : undefined,
    }));
    const human = [
      `${synth.displayName}: ${result.renders} renders in ${result.seconds.toFixed(1)} s (${result.restarts} restarts); best start ${result.bestStartLoss.toFixed(2)} → ${reports[0]?.loss.toFixed(2)}`,
      ...rows.map(
        (r) =>
          `${r.rank}. ${String(r.name).padEnd(12)} mel-LSD ${r.melLsdDb.toFixed(2)} dB  MSS ${r.mss.toFixed(2)}  SC ${r.sc.toFixed(3)}  pitch ${r.pitchErrorCents === null ? "n/a" : `${r.pitchErrorCents.toFixed(1)} c`}  gain ${r.gainDb.toFixed(1)} dB  (${r.source})`,
      ),
      `wrote ${written.join(", ")}${preview ? ` and previews in ${preview}` : ""}`,
    ].join("\n");
    return {
      data: {
        synth: synth.id,
        sound: file,
        target: {
          onsetSeconds: target.onsetSeconds,
          durationSeconds: target.durationSeconds,
          pitched: target.pitched,
          f0Hz: target.pitched ? target.f0Hz : null,
          note: target.note,
          fineTuneCents: target.fineTuneCents,
          velocity: target.velocity,
          bpm: target.bpm,
          holdSeconds: target.holdSeconds,
          holdKnown: target.holdKnown,
        },
        renders: result.renders,
        seconds: result.seconds,
        firstCandidateSeconds: firstAfter,
        firstCandidateSinceStartSeconds: firstAfter === undefined ? undefined : firstAfter + t0 / 1000,
        firstCandidateCpuSeconds: firstCpu,
        restarts: result.restarts,
        outputs: written,
        candidates: rows,
      },
      human,
    };
  },
};
