import { spawn } from "node:child_process";
import { startServer } from "../server/app.ts";
import { existsSync } from "node:fs";
import path from "node:path";
import { PatchsmithError } from "../errors.ts";
import { distDir, ensureWebBuilt, repoRoot } from "../server/web-build.ts";
import type { CommandSpec } from "./context.ts";
import { numberIn } from "./options.ts";

function openBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "cmd" : "xdg-open";
  const args = process.platform === "win32" ? ["/c", "start", "", url] : [url];
  try {
    const child = spawn(cmd, args, { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    /* no browser to open: the URL is printed anyway */
  }
}

export const command: CommandSpec = {
  name: "serve",
  summary: "start the local web app: match sounds, listen, play patches live, open presets",
  configure(cmd) {
    cmd
      .option("--port <n>", "port (0: any free port)", numberIn(0, 65535, true), 5174)
      .option("--host <address>", "address to listen on (default 127.0.0.1: this computer only)", "127.0.0.1")
      .option("--open", "open the app in the default browser")
      .option(
        "--example <file>",
        "open this bundled example (from examples/) when the page loads, e.g. pluck.wav",
      )
      .option(
        "--threads <n>",
        "worker threads for matching (default: one per core; 0: none)",
        numberIn(0, 256, true),
      )
      .option(
        "--concurrency <n>",
        "matches run at the same time (default: one per core)",
        numberIn(1, 256, true),
      )
      .option("--store <dir>", "patchsmith data folder holding the matcher's banks (default ~/.patchsmith)")
      .option("--max-upload <MB>", "largest upload accepted, in MB", numberIn(0.001, 4096), 50)
      .option(
        "--no-build",
        "do not build the web app even if it is missing or stale (serve the API only if absent)",
      );
  },
  async run(_args, opts, ctx) {
    if (opts.build !== false) await ensureWebBuilt((line) => ctx.info(line));
    const running = await startServer({
      host: opts.host as string,
      port: opts.port as number,
      staticDir: distDir,
      maxUploadBytes: Math.round((opts.maxUpload as number) * 1024 * 1024),
      threads: opts.threads as number | undefined,
      concurrency: opts.concurrency as number | undefined,
      store: opts.store as string | undefined,
      examplesDir: path.join(repoRoot, "examples"),
    });
    const example = opts.example as string | undefined;
    if (example && !existsSync(path.join(repoRoot, "examples", path.basename(example)))) {
      await running.close();
      throw new PatchsmithError("not-found", "no such bundled example (see the examples/ folder)", example);
    }
    const pageUrl = example ? `${running.url}?example=${encodeURIComponent(example)}` : running.url;
    // The URL goes to stdout in both modes so scripts can read it; the rest is human talk on stderr.
    if (ctx.json) process.stdout.write(JSON.stringify({ url: pageUrl }) + "\n");
    else process.stdout.write(`patchsmith is running at ${pageUrl}  (Ctrl-C to stop)\n`);
    if (opts.open) openBrowser(pageUrl);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    ctx.info("stopping…");
    await running.close();
    return { data: { url: running.url, stopped: true }, human: "" };
  },
};
