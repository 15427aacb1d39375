// Worker-pool speed-up: a CPU-bound calibration render (src/jobs/spin-task.ts) run in the main thread and in
// the pool (one batch message per worker and round, as the matcher sends them). Prints items/s and speed-up.
// `npm run bench -- jobs [--items 64] [--rounds 5] [--threads N]`
import type { BenchResult } from "./run.ts";
import { batchRanges, defaultThreads, WorkerPool } from "../src/jobs/pool.ts";
import spin, { type SpinInput, type SpinOutput } from "../src/jobs/spin-task.ts";

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export default async function bench(args: string[], emit: (r: BenchResult) => void): Promise<void> {
  const items = arg(args, "--items", 64);
  const rounds = arg(args, "--rounds", 5);
  const threads = arg(args, "--threads", defaultThreads());
  const length = 44100; // one second of audio per item, like a short match render
  const reference = new Float32Array(new SharedArrayBuffer(length * 4));
  for (let i = 0; i < length; i++) reference[i] = Math.sin((2 * Math.PI * 220 * i) / 44100);
  const freqs = Float32Array.from({ length: items }, (_, i) => 100 + i);
  const input = (f: Float32Array): SpinInput => ({ contextId: "bench", reference, items: f, partials: 2 });

  spin(input(freqs));
  let t0 = performance.now();
  for (let r = 0; r < rounds; r++) spin(input(freqs));
  const serialMs = (performance.now() - t0) / rounds;

  const pool = new WorkerPool({ threads });
  const task = new URL("../src/jobs/spin-task.ts", import.meta.url).href;
  const tWarm = performance.now();
  await pool.warmUp(task, { warmUp: true });
  const warmMs = performance.now() - tWarm;
  const ranges = batchRanges(items, threads, 1);
  const runRound = () =>
    Promise.all(ranges.map(([a, b]) => pool.run<SpinInput, SpinOutput>(task, input(freqs.slice(a, b)))));
  await runRound();
  t0 = performance.now();
  for (let r = 0; r < rounds; r++) await runRound();
  const poolMs = (performance.now() - t0) / rounds;
  await pool.close();

  const extra = { items, threads, rounds, itemSeconds: 1 };
  emit({
    name: "jobs/serial",
    metric: "items-per-second",
    value: (items * 1000) / serialMs,
    unit: "1/s",
    ...extra,
  });
  emit({
    name: "jobs/pool",
    metric: "items-per-second",
    value: (items * 1000) / poolMs,
    unit: "1/s",
    ...extra,
  });
  emit({ name: "jobs/pool", metric: "speed-up", value: serialMs / poolMs, unit: "x", ...extra });
  emit({ name: "jobs/pool", metric: "warm-up", value: warmMs, unit: "ms", ...extra });
}
