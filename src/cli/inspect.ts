import type { CommandSpec } from "./context.ts";
import { numberIn } from "./options.ts";
import { loadPresetFile, selectVoice } from "../presets/load.ts";

export const command: CommandSpec = {
  name: "inspect",
  summary: "show what is in a preset file: voices, every parameter by name, unsupported features",
  configure(cmd) {
    cmd
      .argument("<preset>", "preset file (.syx, .vital)")
      .option("--voice <n>", "show one voice of a bank in full (1-based)", numberIn(1, 1e6, true))
      .option("--strict", "treat preset warnings as errors");
  },
  async run(args, opts, ctx) {
    const file = args[0]!;
    const { synth, patches, warnings } = await loadPresetFile(file, { strict: Boolean(opts.strict) });
    for (const w of warnings) ctx.warn(w);
    const voice = opts.voice as number | undefined;
    const chosen =
      voice !== undefined || patches.length === 1
        ? [selectVoice(patches, voice, file)]
        : patches.map((patch, index) => ({ index, patch }));
    const full = chosen.length === 1;
    const voices = chosen.map(({ index, patch }) => {
      const d = synth.describe(patch);
      return {
        voice: index + 1,
        name: d.name,
        unsupported: synth.unsupportedFeatures(patch),
        ...(full ? { ...d.data } : {}),
        text: d.text,
      };
    });
    let human: string;
    if (full) {
      const v = voices[0]!;
      human = `${file}: ${synth.displayName}, voice ${v.voice} of ${patches.length}\n${v.text}`;
      if (v.unsupported.length)
        human += `\nnot rendered exactly:\n${v.unsupported.map((u) => `  - ${u}`).join("\n")}`;
    } else {
      human =
        `${file}: ${synth.displayName}, ${patches.length} voices\n` +
        voices
          .map(
            (v) =>
              `${String(v.voice).padStart(3)}  ${v.name}${v.unsupported.length ? `  (${v.unsupported.length} unsupported)` : ""}`,
          )
          .join("\n");
    }
    const data = {
      file,
      synth: synth.id,
      voiceCount: patches.length,
      warnings,
      voices: voices.map(({ text: _t, ...rest }) =>
        full ? rest : { voice: rest.voice, name: rest.name, unsupported: rest.unsupported },
      ),
    };
    return { data, human };
  },
};
