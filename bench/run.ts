// Benchmark runner: `npm run bench -- <name> [args…]` runs bench/<name>.ts and prints one JSON object per
// result line on stdout (name, metric, value, unit, machine info). Progress and notes go to stderr.
import { readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface BenchResult {
  /** What was measured, e.g. "analysis/3s-mono" or "dx7/corpus-sample". */
  name: string;
  /** e.g. "ms-per-call", "realtime-factor", "mel-lsd-median". */
  metric: string;
  value: number;
  unit: string;
  [extra: string]: unknown;
}

/** A benchmark module exports `default (args, emit) => Promise<void>`. */
export type Benchmark = (args: string[], emit: (r: BenchResult) => void) => Promise<void>;

const here = path.dirname(fileURLToPath(import.meta.url));

export function machineInfo() {
  return {
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

function available(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.startsWith("_"))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function main() {
  const [name, ...args] = process.argv.slice(2);
  const names = available();
  if (!name || name === "--help" || name === "-h") {
    process.stderr.write(`usage: npm run bench -- <name|all> [args…]\nbenchmarks: ${names.join(", ")}\n`);
    process.exitCode = name ? 0 : 2;
    return;
  }
  const todo = name === "all" ? names : [name];
  const machine = machineInfo();
  for (const n of todo) {
    if (!names.includes(n)) {
      process.stderr.write(`bench: unknown benchmark "${n}" (have: ${names.join(", ")})\n`);
      process.exitCode = 2;
      return;
    }
    const mod = (await import(pathToFileURL(path.join(here, `${n}.ts`)).href)) as { default: Benchmark };
    await mod.default(args, (r) => {
      process.stdout.write(
        JSON.stringify({ bench: n, ...r, machine, date: new Date().toISOString() }) + "\n",
      );
    });
  }
}

await main();
