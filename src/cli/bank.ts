import { PatchsmithError } from "../errors.ts";
import { buildBank, collectPresets, loadBank, proceduralPresets, saveBank, storeDir } from "../match/bank.ts";
import { loadSynths } from "../synths/index.ts";
import { getSynth, listSynths } from "../synths/synth.ts";
import type { CommandSpec } from "./context.ts";
import { numberIn } from "./options.ts";

export const command: CommandSpec = {
  name: "bank",
  summary:
    "the preset bank the matcher starts from: `bank build <folders…> --synth dx7`, `bank info --synth dx7`",
  configure(cmd) {
    cmd
      .argument("<action>", "build | info")
      .argument("[folders...]", "folders (or files) of presets to index, searched recursively (build)")
      .requiredOption("--synth <id>", "synth (dx7, vital)")
      .option("--procedural <n>", "procedural presets added to the bank", numberIn(0, 100000, true), 512)
      .option("--threads <n>", "worker threads", numberIn(1, 256, true))
      .option("--store <dir>", "patchsmith data folder (default ~/.patchsmith)");
  },
  async run(args, opts, ctx) {
    const [action, ...folders] = args;
    await loadSynths();
    const synth = getSynth(String(opts.synth));
    if (!synth)
      throw new PatchsmithError(
        "unknown-synth",
        `no synth "${opts.synth}" (have: ${listSynths()
          .map((s) => s.id)
          .join(", ")})`,
      );
    const store = opts.store as string | undefined;
    if (action === "info") {
      const bank = await loadBank(synth, store);
      if (!bank)
        return {
          data: { synth: synth.id, store: storeDir(store), entries: 0 },
          human: `no ${synth.id} bank in ${storeDir(store)} (the matcher uses procedural presets)`,
        };
      const procedural = bank.entries.filter((e) => e.source === "procedural").length;
      return {
        data: {
          synth: synth.id,
          store: storeDir(store),
          entries: bank.entries.length,
          procedural,
          notes: bank.notes,
        },
        human: `${synth.id} bank in ${storeDir(store)}: ${bank.entries.length} presets (${procedural} procedural), embedded at notes ${bank.notes.join(", ")}`,
      };
    }
    if (action !== "build")
      throw new PatchsmithError("bad-usage", `unknown action "${action}" (build, info)`);
    const user = await collectPresets(synth, folders, (w) => ctx.warn(w));
    const procedural = proceduralPresets(synth, opts.procedural as number);
    const entries = [...user, ...procedural];
    if (entries.length === 0)
      throw new PatchsmithError(
        "empty",
        `no ${synth.codec.extensions.join("/")} presets found and no procedural generator for ${synth.id}`,
      );
    ctx.info(
      `${user.length} distinct presets from ${folders.length} folder(s), ${procedural.length} procedural; rendering at 5 notes…`,
    );
    const bar = ctx.progress("bank", entries.length);
    let bank;
    try {
      bank = await buildBank(synth, entries, {
        threads: opts.threads as number | undefined,
        signal: ctx.signal,
        onProgress: (d) => bar.update(d),
      });
    } finally {
      bar.stop();
    }
    const dir = await saveBank(synth, bank, store);
    return {
      data: {
        synth: synth.id,
        store: dir,
        entries: entries.length,
        user: user.length,
        procedural: procedural.length,
      },
      human: `${synth.id} bank: ${entries.length} presets (${user.length} yours, ${procedural.length} procedural) in ${dir}`,
    };
  },
};
