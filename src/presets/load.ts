import path from "node:path";
import { PatchsmithError, type Warning } from "../errors.ts";
import { readInputFile } from "../io/files.ts";
import { loadSynths } from "../synths/index.ts";
import { listSynths, synthForExtension, type AnySynth } from "../synths/synth.ts";

export interface LoadedPresets {
  synth: AnySynth;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  patches: any[];
  warnings: Warning[];
}

/** Read a preset file of any supported synth, chosen by its extension. */
export async function loadPresetFile(file: string, opts: { strict?: boolean } = {}): Promise<LoadedPresets> {
  await loadSynths();
  const ext = path.extname(file).toLowerCase();
  const synth = synthForExtension(ext);
  if (!synth) {
    const known = listSynths().flatMap((s) => s.codec.extensions);
    throw new PatchsmithError(
      "unsupported-format",
      `not a preset format patchsmith reads (${known.join(", ") || "none registered"})`,
      file,
    );
  }
  const bytes = await readInputFile(file);
  let result;
  try {
    result = synth.codec.read(bytes, path.basename(file), { strict: opts.strict });
  } catch (e) {
    if (e instanceof PatchsmithError) {
      throw new PatchsmithError(e.code, e.message, e.file ?? file, { cause: e });
    }
    throw new PatchsmithError("bad-preset", (e as Error).message, file, { cause: e });
  }
  if (result.patches.length === 0) throw new PatchsmithError("empty", "no presets found in the file", file);
  const warnings = result.warnings.map((w) => ({ ...w, file: w.file ?? file }));
  return { synth, patches: result.patches, warnings };
}

/** Pick voices by 1-based number (as Dexed shows them). */
export function selectVoice<T>(
  patches: T[],
  voice: number | undefined,
  file: string,
): { index: number; patch: T } {
  const n = voice ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > patches.length) {
    throw new PatchsmithError("bad-voice", `voice ${voice} out of range 1–${patches.length}`, file);
  }
  return { index: n - 1, patch: patches[n - 1]! };
}
