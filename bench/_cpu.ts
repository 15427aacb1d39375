// CPU time per call (user + system of this process), less sensitive than wall time when other processes
// compete for the cores. Runs `fn` `warmup` times, then until `minSeconds` of CPU time have passed.
export function cpuMsPerCall(
  fn: () => void,
  minSeconds = 1,
  warmup = 3,
): { cpuMsPerCall: number; calls: number } {
  for (let i = 0; i < warmup; i++) fn();
  const start = process.cpuUsage();
  let calls = 0;
  let used = 0;
  while (used < minSeconds * 1e6 || calls < 5) {
    fn();
    calls++;
    const u = process.cpuUsage(start);
    used = u.user + u.system;
  }
  return { cpuMsPerCall: used / 1000 / calls, calls };
}

/**
 * Fastest single call (wall time) over `minSeconds` of repeats: on a machine shared with other work, the
 * quickest call is the best estimate of the uncontended time.
 */
export function bestMsPerCall(fn: () => void, minSeconds = 1, warmup = 3): { bestMs: number; calls: number } {
  for (let i = 0; i < warmup; i++) fn();
  let best = Infinity;
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minSeconds * 1000 || calls < 5) {
    const s = performance.now();
    fn();
    const d = performance.now() - s;
    if (d < best) best = d;
    calls++;
  }
  return { bestMs: best, calls };
}
