import type { Command } from "commander";
import type { Warning } from "../errors.ts";
import { createProgress, type Progress } from "./progress.ts";

/** What a command gets to talk to the user: everything else about the terminal is handled here. */
export interface CommandContext {
  /** --json was given: stdout carries only the JSON result. */
  json: boolean;
  /** Aborted on Ctrl-C: long work checks it and stops cleanly. */
  signal: AbortSignal;
  /** Human-readable message on stderr (silent with --json). */
  info(message: string): void;
  /** A warning on stderr (always shown, also with --json; it never goes to stdout). */
  warn(w: Warning | string): void;
  /** A progress bar on a TTY; nothing when piped or with --json. */
  progress(label: string, total: number): Progress;
}

/** What a command returns: the JSON form (for --json) and the human form (printed otherwise). */
export interface CommandResult {
  data: unknown;
  human: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Add arguments and options to the commander command. */
  configure(cmd: Command): void;
  run(args: string[], opts: Record<string, unknown>, ctx: CommandContext): Promise<CommandResult>;
}

export function makeContext(json: boolean, signal: AbortSignal): CommandContext {
  const quiet = json;
  return {
    json,
    signal,
    info(message) {
      if (!quiet) process.stderr.write(message + "\n");
    },
    warn(w) {
      const line =
        typeof w === "string" ? w : w.file ? `${w.code}: ${w.file}: ${w.message}` : `${w.code}: ${w.message}`;
      process.stderr.write(`patchsmith: warning: ${line}\n`);
    },
    progress(label, total) {
      return createProgress(label, total, !quiet && Boolean(process.stderr.isTTY));
    },
  };
}
