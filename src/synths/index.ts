// Registers every synth patchsmith ships. Import this module (not a synth's folder) to get them all.
import { registerSynth } from "./synth.ts";

const builtins: Array<() => Promise<{ synth: Parameters<typeof registerSynth>[0] }>> = [
  // Each synth folder's index.ts exports `synth`. Added as the engines land.
  () => import("./dx7/index.ts"),
  () => import("./vital/index.ts"),
];

let loaded: Promise<void> | undefined;

/** Load and register the built-in synths once. */
export function loadSynths(): Promise<void> {
  loaded ??= (async () => {
    for (const load of builtins) registerSynth((await load()).synth);
  })();
  return loaded;
}
