import type { CommandSpec } from "./context.ts";

/**
 * Every CLI command, one file each. Imported lazily so that `patchsmith --help` stays fast and a
 * command's heavy dependencies (wasm, engines) load only when it runs.
 */
export const commandLoaders: Record<string, () => Promise<CommandSpec>> = {
  analyze: async () => (await import("./analyze.ts")).command,
  compare: async () => (await import("./compare.ts")).command,
  render: async () => (await import("./render.ts")).command,
  inspect: async () => (await import("./inspect.ts")).command,
  match: async () => (await import("./match.ts")).command,
  bank: async () => (await import("./bank.ts")).command,
  serve: async () => (await import("./serve.ts")).command,
};

/** One-line summaries for the top-level help, without loading the commands. */
export const commandSummaries: Record<string, string> = {
  analyze: "analyse a sound: pitch, onset, envelope, loudness, spectral descriptors",
  compare: "compare two sounds with every metric (mel-LSD, MSS, MFCC, SC, pitch, envelope)",
  render: "render a preset to audio (WAV), headless and deterministic",
  inspect: "show what is in a preset file: voices, parameters, unsupported features",
  match: "find presets that recreate a sound: top candidates, scores, previews",
  bank: "build the bank of presets the matcher starts from (bank build <folders…> --synth dx7)",
  serve: "start the local web app: match sounds, listen, play patches live, open presets",
};
