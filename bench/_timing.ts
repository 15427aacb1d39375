// Shared timing helpers for benchmarks.

/** CPU seconds used by this process (user + system) since `start`. */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
}

/**
 * Run `fn` repeatedly for at least `minSeconds` (after `warmup` calls) and return the median wall time per
 * call in milliseconds over batches, plus the number of calls.
 */
export function timeIt(fn: () => void, minSeconds = 1, warmup = 3): { msPerCall: number; calls: number } {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < minSeconds * 1000 || samples.length < 5) {
    const s = performance.now();
    fn();
    samples.push(performance.now() - s);
    calls++;
  }
  samples.sort((a, b) => a - b);
  return { msPerCall: samples[Math.floor(samples.length / 2)]!, calls };
}
