import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { PatchsmithError } from "../errors.ts";
import { removePendingTempFiles } from "../io/files.ts";
import { commandLoaders, commandSummaries } from "./commands.ts";
import { makeContext } from "./context.ts";

const EXIT_ERROR = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

function printError(line: string): void {
  process.stderr.write(`patchsmith: ${line}\n`);
}

/**
 * Run the CLI with `argv` (as process.argv) and return the exit code. Only the named command's module is
 * loaded, so its options are complete in its `--help` while the top-level help stays cheap.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command("patchsmith")
    .description("Turn sounds into synthesizer patches and patches into sounds.")
    .version(version(), "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .showSuggestionAfterError(true);

  // `patchsmith help <command>` is `patchsmith <command> --help`.
  if (argv[2] === "help" && argv[3] && commandLoaders[argv[3]])
    argv = [argv[0]!, argv[1]!, argv[3], "--help"];
  const name = argv[2];
  const loader = name !== undefined ? commandLoaders[name] : undefined;

  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) {
      // Second Ctrl-C: leave now.
      removePendingTempFiles();
      process.exit(EXIT_INTERRUPTED);
    }
    interrupted = true;
    controller.abort(new PatchsmithError("interrupted", "interrupted"));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let exitCode = 0;
  try {
    if (loader) {
      const spec = await loader();
      const cmd = program.command(spec.name).description(spec.summary);
      cmd.addOption(new Option("--json", "print a machine-readable JSON result on stdout (nothing else)"));
      spec.configure(cmd);
      cmd.action(async (...actionArgs: unknown[]) => {
        const self = actionArgs[actionArgs.length - 1] as Command;
        const opts = self.opts() as Record<string, unknown>;
        const ctx = makeContext(Boolean(opts.json), controller.signal);
        const result = await spec.run(self.args, opts, ctx);
        if (ctx.json) process.stdout.write(JSON.stringify(result.data, null, 2) + "\n");
        else if (result.human)
          process.stdout.write(result.human.endsWith("\n") ? result.human : result.human + "\n");
      });
    } else {
      for (const [n, summary] of Object.entries(commandSummaries)) program.command(n).description(summary);
      program.addHelpText("after", "\nRun `patchsmith <command> --help` for a command's options.");
    }
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
    } else if (interrupted || (e instanceof PatchsmithError && e.code === "interrupted")) {
      printError("interrupted");
      exitCode = EXIT_INTERRUPTED;
    } else if (e instanceof PatchsmithError) {
      printError(e.toLine());
      exitCode = EXIT_ERROR;
    } else {
      const err = e as Error;
      printError(`internal-error: ${err?.message ?? String(e)}`);
      if (process.env.PATCHSMITH_DEBUG) process.stderr.write(String(err?.stack) + "\n");
      exitCode = EXIT_ERROR;
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    removePendingTempFiles();
  }
  if (interrupted && exitCode === 0) exitCode = EXIT_INTERRUPTED;
  return exitCode;
}
