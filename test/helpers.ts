import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloneVitalPatch, defaultVitalPatch } from "../src/synths/vital/codec.ts";
import type { VitalPatch } from "../src/synths/vital/types.ts";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** ../shared beside the project root: reference data, present on developer machines and CI. */
export const sharedDir = path.resolve(repoRoot, "../shared");
export const hasShared = existsSync(path.join(sharedDir, "DESIGN.md"));

/** The default Vital patch with `settings` changed and the modulations [source, destination] (amounts in settings). */
export function vitalPatchWith(
  settings: Record<string, number>,
  modulations: [string, string][] = [],
): VitalPatch {
  const p = cloneVitalPatch(defaultVitalPatch());
  Object.assign(p.settings, settings);
  modulations.forEach(([source, destination], i) => {
    p.modulations[i] = { source, destination, lineMapping: null, extra: {} };
  });
  return p;
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI (bin/patchsmith.js) as a user would. */
export function runCli(args: string[], opts: { cwd?: string; input?: string } = {}): CliRun {
  const r = spawnSync(process.execPath, [path.join(repoRoot, "bin/patchsmith.js"), ...args], {
    cwd: opts.cwd ?? repoRoot,
    encoding: "utf8",
    input: opts.input,
    env: { ...process.env, FORCE_COLOR: "0" },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
