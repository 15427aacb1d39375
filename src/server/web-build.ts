/**
 * The browser app is built with Vite into web/dist. `patchsmith serve` builds it when it is missing or older
 * than its sources (the app, or the engine code its AudioWorklet bundles), so a fresh clone just works.
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PatchsmithError } from "../errors.ts";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const webDir = path.join(repoRoot, "web");
export const distDir = path.join(webDir, "dist");

async function newestMtime(dir: string, skip: Set<string>): Promise<number> {
  let newest = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (skip.has(full) || e.name === "node_modules") continue;
    if (e.isDirectory()) newest = Math.max(newest, await newestMtime(full, skip));
    else if (e.isFile()) newest = Math.max(newest, (await fs.stat(full)).mtimeMs);
  }
  return newest;
}

/** Whether web/dist is missing or older than the sources it is built from. */
export async function webBuildIsStale(): Promise<boolean> {
  const built = await fs.stat(path.join(distDir, "index.html")).catch(() => undefined);
  if (!built) return true;
  const skip = new Set([distDir]);
  const sources = Math.max(
    await newestMtime(webDir, skip),
    await newestMtime(path.join(repoRoot, "src", "synths"), skip),
  );
  return sources > built.mtimeMs;
}

/** Build the app with Vite (in a child process) and resolve when done. */
export async function buildWeb(log: (line: string) => void = () => {}): Promise<void> {
  let viteBin: string;
  try {
    const require = createRequire(path.join(repoRoot, "package.json"));
    viteBin = path.join(path.dirname(require.resolve("vite/package.json")), "bin", "vite.js");
  } catch {
    throw new PatchsmithError(
      "not-built",
      "the web app is not built and Vite is not installed (run npm ci, then npm run build:web)",
    );
  }
  const output: string[] = [];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      [viteBin, "build", "--config", path.join(webDir, "vite.config.ts"), "--logLevel", "warn"],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout.on("data", (d: Buffer) => output.push(d.toString()));
    child.stderr.on("data", (d: Buffer) => output.push(d.toString()));
    child.on("error", () => resolve(-1));
    child.on("close", (c) => resolve(c ?? -1));
  });
  if (code !== 0) {
    log(output.join(""));
    throw new PatchsmithError(
      "build-failed",
      "building the web app failed (see above; npm run build:web shows the same)",
    );
  }
}

/** Build web/dist when it is missing or stale. Returns whether it built. */
export async function ensureWebBuilt(log: (line: string) => void = () => {}): Promise<boolean> {
  if (!(await webBuildIsStale())) return false;
  const built = await fs.stat(path.join(distDir, "index.html")).catch(() => undefined);
  try {
    createRequire(path.join(repoRoot, "package.json")).resolve("vite/package.json");
  } catch {
    // An install without the build tools (npm ci --omit=dev) still serves the app it has.
    if (built) {
      log(
        "the web app is older than its sources, but Vite is not installed to rebuild it; serving it as it is",
      );
      return false;
    }
  }
  log("building the web app (once; takes a few seconds)…");
  await buildWeb(log);
  return true;
}
