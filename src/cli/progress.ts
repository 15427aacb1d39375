import cliProgress from "cli-progress";

export interface Progress {
  /** Set the amount done; `status` is shown after the bar (e.g. "best 2.31 dB"). */
  update(done: number, status?: string): void;
  setTotal(total: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, setTotal() {}, stop() {} };

/** A progress bar on stderr when `enabled` (a TTY and not --json); otherwise does nothing. */
export function createProgress(label: string, total: number, enabled: boolean): Progress {
  if (!enabled) return silent;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {value}/{total} {status}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { status: "" });
  let stopped = false;
  return {
    update(done, status) {
      if (!stopped) bar.update(done, { status: status ?? "" });
    },
    setTotal(t) {
      if (!stopped) bar.setTotal(t);
    },
    stop() {
      if (!stopped) {
        stopped = true;
        bar.stop();
      }
    },
  };
}
