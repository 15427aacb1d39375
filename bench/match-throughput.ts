// Matcher throughput (issue #6): how much CPU one scored point costs in a real match, and where it goes.
//   npm run bench -- match-throughput [--set dx7-refs|vital-refs-ccby] [--limit N] [--offset K] [--renders N]
//                                     [--threads N] [--procedural N] [--seed S]
// Per target (the sets of bench/match.ts, read from ../shared; nothing copied):
//   1. In this thread, on CMA-ES generations around the first analytic start: CPU ms per point for the patch
//      (point → patch, unsupported-feature check), the render and the loss, and their spread (a generation
//      waits for its slowest batch).
//   2. match() in the worker pool with --renders (default DX7 2000, Vital 500) from the analytic starts and
//      --procedural presets (default DX7 200, Vital 16: the bank's start counts; no bank is loaded, quality is
//      bench/match.ts's job), the workers warmed up first: CPU ms per render of the whole process (main thread
//      and workers), wall renders per second, and the final loss (a pure speed change must leave it unchanged).
// CPU figures hold on a loaded machine; wall figures only on a quiet one. `rendersPer30sAtFullUse` is
// 30 s × threads / (CPU ms per render): what 30 s gives when every core scores all the time.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./run.ts";
import { readAudioMono } from "../src/audio/decode.ts";
import { WorkerPool } from "../src/jobs/pool.ts";
import { analyticStarts } from "../src/match/analytic/index.ts";
import { proceduralPresets } from "../src/match/bank.ts";
import { Cmaes } from "../src/match/cmaes.ts";
import { patchToPoint, Scorer } from "../src/match/evaluate.ts";
import { PoolEvaluator } from "../src/match/evaluator.ts";
import { lossTerms, mixToMono } from "../src/match/loss.ts";
import { match, searchSpaceFor } from "../src/match/pipeline.ts";
import { defaultFreeParams } from "../src/match/profile.ts";
import { analyseTarget } from "../src/match/target.ts";
import { loadSynths } from "../src/synths/index.ts";
import { getSynth } from "../src/synths/synth.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const shared = path.resolve(repoRoot, "../shared");

const arg = (args: string[], name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Target {
  id: string;
  wav: string;
  note: number;
  hold: number;
  velocity: number;
}

function targets(set: string, limit: number, offset: number): Target[] {
  const dir = path.join(shared, set === "dx7-refs" ? "refs/dx7" : "refs/vital");
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as Array<
    Record<string, unknown>
  >;
  const rows =
    set === "dx7-refs"
      ? manifest.filter((m) => m.group === "corpus" && m.note === 60)
      : manifest.filter((m) => m.group === "ccby" && Number(m.dur_s) <= 4);
  return rows.slice(offset, offset + limit).map((m) => ({
    id: String(m.id),
    wav: path.join(dir, String(m.wav)),
    note: Number(m.note),
    hold: Number(set === "dx7-refs" ? m.hold_s : m.note_off_s),
    velocity: set === "dx7-refs" ? Number(m.velocity) : Math.max(1, Math.round(Number(m.velocity) * 127)),
  }));
}

const quantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? NaN;

export default async function run(args: string[], emit: (r: BenchResult) => void): Promise<void> {
  const set = arg(args, "--set") ?? "dx7-refs";
  if (set !== "dx7-refs" && set !== "vital-refs-ccby") throw new Error(`unknown set ${set}`);
  const synthId = set === "dx7-refs" ? "dx7" : "vital";
  const renders = Number(arg(args, "--renders") ?? (synthId === "dx7" ? 2000 : 500));
  const procedural = Number(arg(args, "--procedural") ?? (synthId === "dx7" ? 200 : 16));
  const threads = Number(arg(args, "--threads") ?? 2);
  const seed = Number(arg(args, "--seed") ?? 1);
  await loadSynths();
  const synth = getSynth(synthId)!;
  const pool = new WorkerPool({ threads });
  try {
    for (const t of targets(set, Number(arg(args, "--limit") ?? 2), Number(arg(args, "--offset") ?? 0))) {
      const { samples } = await readAudioMono(t.wav, 44100);
      const target = analyseTarget(samples, { note: t.note, holdSeconds: t.hold, velocity: t.velocity });
      const analytic = analyticStarts(synth, target);
      const starts = [
        ...analytic,
        ...proceduralPresets(synth, procedural).map((e) => ({
          patch: e.patch,
          source: `procedural ${e.name}`,
        })),
      ];

      // 1. One thread: the parts of a point's cost.
      const base = analytic[0]?.patch ?? synth.defaultPatch();
      const space = searchSpaceFor(synth, target, { basePatch: base, free: defaultFreeParams(synth), seed });
      const scorer = new Scorer(synth, space, target.loss);
      const cma = new Cmaes({ x0: patchToPoint(synth, space, base, target.holdSeconds), sigma0: 0.12, seed });
      const parts = { patch: 0, render: 0, loss: 0 };
      const perPoint: number[] = [];
      for (let g = 0; g < 4; g++) {
        const xs = cma.ask();
        const f: number[] = [];
        for (const x of xs) {
          const a = cpuMs();
          const patch = scorer.patch(x);
          synth.unsupportedFeatures(patch);
          const b = cpuMs();
          const audio = mixToMono(
            synth.render(patch, scorer.performance(x), { sampleRate: 44100, seed: space.seed }),
          );
          const c = cpuMs();
          f.push(lossTerms(target.loss, audio).loss);
          const d = cpuMs();
          // The first generation warms the JIT and the engine's caches.
          if (g > 0) {
            parts.patch += b - a;
            parts.render += c - b;
            parts.loss += d - c;
            perPoint.push(d - a);
          }
        }
        cma.tell(f);
      }
      const n = perPoint.length;
      perPoint.sort((a, b) => a - b);
      const seconds = target.samples.length / 44100;
      emit({
        name: `match-throughput/${set}/${t.id}/point`,
        metric: "cpu-ms-per-point",
        value: (parts.patch + parts.render + parts.loss) / n,
        unit: "ms",
        patchMs: parts.patch / n,
        renderMs: parts.render / n,
        lossMs: parts.loss / n,
        p10: quantile(perPoint, 0.1),
        median: quantile(perPoint, 0.5),
        p90: quantile(perPoint, 0.9),
        max: quantile(perPoint, 1),
        targetSeconds: seconds,
      });

      // 2. A match in the pool.
      const evaluator = new PoolEvaluator(target.samples, { pool });
      try {
        // Workers load their modules and the synth first (a CLI run pays that once, before its search).
        await evaluator.warmUp(space, patchToPoint(synth, space, base, target.holdSeconds));
        const c0 = cpuMs();
        const t0 = performance.now();
        const res = await match({ synth, target, evaluator, renders, seed, candidates: 1, starts });
        const wall = (performance.now() - t0) / 1000;
        const cpu = cpuMs() - c0;
        emit({
          name: `match-throughput/${set}/${t.id}/match`,
          metric: "cpu-ms-per-render",
          value: cpu / res.renders,
          unit: "ms",
          renders: res.renders,
          wallSeconds: wall,
          wallRendersPerSecond: res.renders / wall,
          rendersPer30sAtFullUse: (30_000 * threads) / (cpu / res.renders),
          loss: res.candidates[0]!.loss,
          starts: starts.length,
          threads,
          targetSeconds: seconds,
        });
      } finally {
        await evaluator.close();
      }
    }
  } finally {
    await pool.close();
  }
}
