/**
 * Match jobs for the web app: a queue with a concurrency limit (one match per core by default) over one shared
 * worker pool, each job streaming its events (queued, started, progress, candidate, done, error, cancelled) to
 * any number of listeners, replayed in full to late ones. Candidates appear while the search runs: the best
 * starting point first, then each clear improvement, then the final distinct candidates.
 */
import { randomUUID } from "node:crypto";
import { encodeWav } from "../audio/encode.ts";
import { errorBody } from "./http.ts";
import { PatchsmithError } from "../errors.ts";
import { defaultThreads, WorkerPool } from "../jobs/pool.ts";
import { startsFor } from "../match/bank.ts";
import { LocalEvaluator, PoolEvaluator, type Evaluator } from "../match/evaluator.ts";
import type { SearchSpace } from "../match/evaluate.ts";
import { Scorer } from "../match/evaluate.ts";
import { levelMatch } from "../match/loss.ts";
import { match, searchSpaceFor, type MatchCandidate } from "../match/pipeline.ts";
import { mss } from "../metrics/index.ts";
import { analyseTarget, type MatchTarget } from "../match/target.ts";
import type { AnySynth } from "../synths/synth.ts";
import type { AudioUpload } from "./uploads.ts";

export type JobEventType = "queued" | "started" | "progress" | "candidate" | "done" | "error" | "cancelled";

export interface JobEvent {
  type: JobEventType;
  data: Record<string, unknown>;
}

export interface MatchRequest {
  synth: AnySynth;
  seconds: number;
  candidates: number;
  seed: number;
  note?: number;
}

export interface StoredCandidate {
  id: number;
  name: string;
  patch: unknown;
  loss: number;
  source: string;
  /** Final ranked candidate (true) or one found on the way (false). */
  final: boolean;
  rank?: number;
  melLsdDb?: number;
  mss?: number;
  point: Float64Array;
  holdSeconds: number;
  space: SearchSpace;
  preview?: Uint8Array;
}

/** Patch names: the sound's name and a number, within the synth's name length (as the match CLI names them). */
function candidateName(base: string, n: number, maxLength: number): string {
  const suffix = ` ${n}`;
  const stem = base
    .replace(/\.[^.]*$/, "")
    .toUpperCase()
    .replace(/[^A-Z0-9 .-]/g, " ");
  return stem.slice(0, Math.max(1, maxLength - suffix.length)).trimEnd() + suffix;
}

/** An evaluator that also reports every scored point to `onScored` (to show improvements as they happen). */
class WatchingEvaluator implements Evaluator {
  readonly parallelism: number;
  readonly warmUp?: (space: SearchSpace, point: ArrayLike<number>) => Promise<void>;

  constructor(
    private readonly inner: Evaluator,
    private readonly onScored: (
      space: SearchSpace,
      points: ArrayLike<number>[],
      losses: Float64Array,
    ) => void,
  ) {
    this.parallelism = inner.parallelism;
    // warmUp is optional (and newer than the interface in some versions): pass it through when present.
    const warm = (inner as { warmUp?: (s: SearchSpace, p: ArrayLike<number>) => Promise<void> }).warmUp;
    if (warm) this.warmUp = (s, p) => warm.call(inner, s, p);
  }

  async evaluate(space: SearchSpace, points: ArrayLike<number>[]): Promise<Float64Array> {
    const losses = await this.inner.evaluate(space, points);
    this.onScored(space, points, losses);
    return losses;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export class MatchJob {
  readonly id = randomUUID();
  status: "queued" | "running" | "done" | "error" | "cancelled" = "queued";
  readonly events: JobEvent[] = [];
  readonly candidates: StoredCandidate[] = [];
  readonly controller = new AbortController();
  private readonly listeners = new Set<(e: JobEvent) => void>();

  constructor(
    readonly upload: AudioUpload,
    readonly request: MatchRequest,
    readonly target: MatchTarget,
  ) {}

  get finished(): boolean {
    return this.status === "done" || this.status === "error" || this.status === "cancelled";
  }

  /** Send an event to the listeners; nothing is sent once the job has finished (or was cancelled). */
  emit(type: JobEventType, data: Record<string, unknown>): void {
    if (this.finished) return;
    const e = { type, data };
    this.events.push(e);
    for (const l of this.listeners) l(e);
  }

  /** End the job with its last event. */
  finish(status: "done" | "error" | "cancelled", type: JobEventType, data: Record<string, unknown>): void {
    if (this.finished) return;
    this.emit(type, data);
    this.status = status;
  }

  /** Receive every past event now and every future one as it happens; returns the unsubscribe function. */
  subscribe(listener: (e: JobEvent) => void): () => void {
    for (const e of this.events) listener(e);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  candidate(id: number): StoredCandidate {
    const c = this.candidates.find((x) => x.id === id);
    if (!c) throw new PatchsmithError("not-found", `no candidate ${id} in this match`);
    return c;
  }

  /** The candidate's render, level-matched to the target, as a WAV (computed on first request). */
  preview(c: StoredCandidate): Uint8Array {
    if (!c.preview) {
      const { audio } = renderCandidate(this.request.synth, this.target, c.space, c.point);
      c.preview = encodeWav({ sampleRate: 44100, channels: [audio] }, "float32");
    }
    return c.preview;
  }

  targetWav(): Uint8Array {
    return encodeWav({ sampleRate: 44100, channels: [this.target.samples] }, "float32");
  }

  summary(): Record<string, unknown> {
    return {
      id: this.id,
      status: this.status,
      synth: this.request.synth.id,
      sound: this.upload.name,
      candidates: this.candidates.map(publicCandidate),
    };
  }
}

export function publicCandidate(c: StoredCandidate): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    loss: c.loss,
    source: c.source,
    final: c.final,
    rank: c.rank,
    melLsdDb: c.melLsdDb,
    mss: c.mss,
    holdSeconds: c.holdSeconds,
  };
}

export interface QueueOptions {
  /** Matches run at the same time. Default: one per core. */
  concurrency?: number;
  /** Worker threads shared by all matches (0: render in the server's thread). Default: one per core. */
  threads?: number;
  /** Matches waiting beyond the running ones before new ones are refused. Default 16. */
  maxQueued?: number;
  /** Finished jobs kept for listening and downloads. Default 50. */
  keepFinished?: number;
  /** patchsmith data folder holding the matcher's banks (default ~/.patchsmith). */
  store?: string;
}

export class MatchQueue {
  private readonly jobs = new Map<string, MatchJob>();
  private readonly waiting: MatchJob[] = [];
  private running = 0;
  private pool: WorkerPool | undefined;
  readonly concurrency: number;
  readonly threads: number;
  private readonly maxQueued: number;
  private readonly keepFinished: number;
  private readonly store: string | undefined;

  constructor(opts: QueueOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? defaultThreads());
    this.threads = Math.max(0, opts.threads ?? defaultThreads());
    this.maxQueued = opts.maxQueued ?? 16;
    this.keepFinished = opts.keepFinished ?? 50;
    this.store = opts.store;
  }

  /** Analyse the sound (bad sounds are refused here, before queueing) and queue the match. */
  submit(upload: AudioUpload, request: MatchRequest): MatchJob {
    if (this.waiting.length >= this.maxQueued) {
      throw new PatchsmithError(
        "queue-full",
        `${this.waiting.length} matches are already waiting; try again later`,
      );
    }
    const target = analyseTarget(upload.mono, {
      file: upload.name,
      note: request.note,
      velocity: 100,
      maxSeconds: 4,
    });
    const job = new MatchJob(upload, request, target);
    this.jobs.set(job.id, job);
    this.waiting.push(job);
    job.emit("queued", { position: this.waiting.length, target: targetInfo(target) });
    this.pump();
    this.forgetOld();
    return job;
  }

  get(id: string): MatchJob {
    const j = this.jobs.get(id);
    if (!j) throw new PatchsmithError("not-found", "no such match (the server may have restarted)", id);
    return j;
  }

  cancel(id: string): MatchJob {
    const job = this.get(id);
    if (job.finished) return job;
    const i = this.waiting.indexOf(job);
    if (i >= 0) this.waiting.splice(i, 1);
    // Cancelled for the listeners at once; a running search stops at its next check and then frees its place.
    job.finish("cancelled", "cancelled", {});
    job.controller.abort();
    return job;
  }

  async close(): Promise<void> {
    for (const j of this.jobs.values()) if (!j.finished) this.cancel(j.id);
    while (this.running > 0) await new Promise((r) => setTimeout(r, 20));
    await this.pool?.close();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((j) => j.finished);
    for (const j of finished.slice(0, Math.max(0, finished.length - this.keepFinished)))
      this.jobs.delete(j.id);
  }

  private async run(job: MatchJob): Promise<void> {
    const { synth, seconds, candidates: count, seed } = job.request;
    const { target } = job;
    const signal = job.controller.signal;
    if (job.finished) return;
    job.status = "running";
    job.emit("started", { seconds, threads: this.threads });
    const maxName = synth.id === "dx7" ? 10 : 32;
    let seq = 0;
    const addCandidate = (
      c: Omit<StoredCandidate, "id" | "name" | "patch"> & { patch: unknown },
      final: boolean,
    ) => {
      seq++;
      const name = candidateName(job.upload.name, final ? (c.rank ?? seq) : seq, maxName);
      const stored: StoredCandidate = { ...c, id: seq, name, patch: synth.withName(c.patch, name), final };
      job.candidates.push(stored);
      job.emit("candidate", publicCandidate(stored));
      return stored;
    };

    const local = new LocalEvaluator(synth, target.loss, signal);
    const inner: Evaluator =
      this.threads > 0
        ? new PoolEvaluator(target.samples, {
            pool: (this.pool ??= new WorkerPool({ threads: this.threads })),
            signal,
          })
        : local;
    const t0 = performance.now();
    let best = Infinity;
    let lastShown = Infinity;
    let lastShownAt = 0;
    const watching = new WatchingEvaluator(inner, (space, points, losses) => {
      for (let i = 0; i < losses.length; i++) {
        if (!(losses[i]! < best)) continue;
        best = losses[i]!;
        const now = performance.now();
        // Show an improvement when it is clear and not too soon after the last one.
        if (best < lastShown * 0.97 && now - lastShownAt > 1500) {
          lastShown = best;
          lastShownAt = now;
          const scorer = new Scorer(synth, space, target.loss);
          const point = Float64Array.from(points[i]!);
          addCandidate(
            {
              patch: scorer.patch(point),
              point,
              loss: best,
              source: "found during the search",
              holdSeconds: scorer.performance(point).noteOffSeconds,
              space,
              final: false,
            },
            false,
          );
        }
      }
    });
    // The first starts are scored in this thread while the workers start (where the pipeline supports it).
    const quickStarts = this.threads > 0 ? { startEvaluator: local } : {};
    try {
      // Warm starts: the nearest presets of the bank (or procedural ones), as the match command uses.
      const starts = await startsFor(synth, target, { store: this.store, signal });
      const result = await match({
        ...quickStarts,
        starts,
        synth,
        target,
        evaluator: watching,
        seconds,
        seed,
        candidates: count,
        signal,
        onFirstCandidate: (c: MatchCandidate) => {
          best = Math.min(best, c.loss);
          lastShown = c.loss;
          lastShownAt = performance.now();
          const firstSeconds = (performance.now() - t0) / 1000;
          const space = (c as { space?: SearchSpace }).space ?? searchSpaceFor(synth, target, { seed });
          addCandidate({ ...c, space, final: false }, false);
          job.emit("progress", {
            renders: 0,
            elapsedSeconds: firstSeconds,
            bestLoss: c.loss,
            firstCandidateSeconds: firstSeconds,
          });
        },
        onProgress: (p) => {
          job.emit("progress", {
            renders: p.renders,
            elapsedSeconds: p.elapsedSeconds,
            bestLoss: p.bestLoss,
            restarts: p.restarts,
          });
        },
      });
      const finals: Array<Record<string, unknown>> = [];
      result.candidates.forEach((c, k) => {
        if (signal.aborted) throw new PatchsmithError("interrupted", "interrupted");
        const space = (c as { space?: SearchSpace }).space ?? result.space;
        const rep = renderCandidate(synth, target, space, c.point);
        const stored = addCandidate(
          {
            patch: c.patch,
            point: c.point,
            loss: c.loss,
            source: c.source,
            holdSeconds: c.holdSeconds,
            space,
            rank: k + 1,
            melLsdDb: rep.melLsdDb,
            mss: rep.mss,
            preview: encodeWav({ sampleRate: 44100, channels: [rep.audio] }, "float32"),
            final: true,
          },
          true,
        );
        finals.push(publicCandidate(stored));
      });
      job.finish("done", "done", {
        renders: result.renders,
        seconds: result.seconds,
        restarts: result.restarts,
        bestStartLoss: result.bestStartLoss,
        candidates: finals,
      });
    } catch (e) {
      if (signal.aborted || (e instanceof PatchsmithError && e.code === "interrupted")) {
        job.finish("cancelled", "cancelled", {});
      } else {
        if (!(e instanceof PatchsmithError)) console.error(e);
        job.finish("error", "error", errorBody(e).body.error);
      }
    } finally {
      await watching.close().catch(() => {});
    }
  }
}

/** A candidate's render level-matched to the target, with its mel-LSD and MSS (DESIGN §5). */
export function renderCandidate(
  synth: AnySynth,
  target: MatchTarget,
  space: SearchSpace,
  point: ArrayLike<number>,
): { audio: Float32Array; melLsdDb: number; mss: number } {
  const scorer = new Scorer(synth, space, target.loss);
  const terms = scorer.terms(point);
  const audio = Float32Array.from(levelMatch(target.loss, scorer.render(point)).audio);
  return { audio, melLsdDb: terms.melLsd, mss: mss(target.samples, audio) };
}

export function targetInfo(t: MatchTarget): Record<string, unknown> {
  return {
    durationSeconds: t.durationSeconds,
    onsetSeconds: t.onsetSeconds,
    pitched: t.pitched,
    f0Hz: t.pitched ? t.f0Hz : null,
    note: t.note,
    fineTuneCents: t.fineTuneCents,
    holdSeconds: t.holdSeconds,
  };
}
