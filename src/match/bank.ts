/**
 * The bank index per synth: presets rendered at reference notes and embedded (src/match/embed.ts), so the
 * nearest presets to a target become the matcher's warm starts (played at the target's note, i.e.
 * transposed to it). Built by `patchsmith bank build <folders…> --synth <id>` from the user's presets plus
 * the project's procedural presets, stored in the patchsmith data folder (never next to the presets):
 *   <store>/banks/<synth>/bank.json       entries: name, source file, the preset in the synth's own format
 *   <store>/banks/<synth>/embeddings.f32  entries × reference notes × EMBED_DIMS float32 (little-endian)
 * Without a built bank, the procedural presets are the warm starts (scored directly at the target's note).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ENVELOPE_FRAME } from "../audio/envelope.ts";
import { PatchsmithError, type Warning } from "../errors.ts";
import { ensureDir, writeFileAtomic } from "../io/files.ts";
import { cancelFlagFor } from "../jobs/cancel.ts";
import { batchRanges, WorkerPool } from "../jobs/pool.ts";
import type { AnySynth } from "../synths/synth.ts";
import { embedSound, EMBED_DIMS } from "./embed.ts";
import { embeddingMask, maskedDistance } from "./embed-mask.ts";
import { EMBED_HOLD_SECONDS, type EmbedBatch, type EmbedBatchResult } from "./embed-task.ts";
import type { StartPoint } from "./pipeline.ts";
import { proceduralDx7Voices } from "./procedural/dx7.ts";
import { bankStartCount } from "./profile.ts";
import { proceduralVitalPresets } from "./procedural/vital.ts";
import type { MatchTarget } from "./target.ts";

export const REF_NOTES = [36, 48, 60, 72, 84];
const BANK_VERSION = 1;

export interface BankEntry {
  name: string;
  /** Where it came from: a file path (with #voice for banks) or "procedural". */
  source: string;
  patch: unknown;
}

export interface Bank {
  synthId: string;
  notes: number[];
  entries: BankEntry[];
  /** entries × notes × EMBED_DIMS. */
  embeddings: Float32Array;
}

/** The patchsmith data folder: --store, else $PATCHSMITH_STORE, else ~/.patchsmith. */
export function storeDir(store?: string): string {
  return store ?? process.env.PATCHSMITH_STORE ?? path.join(os.homedir(), ".patchsmith");
}

function bankDir(store: string | undefined, synthId: string): string {
  return path.join(storeDir(store), "banks", synthId);
}

/**
 * The project's own presets for a synth (empty for synths without a generator yet); only the drum
 * archetypes with `drums`.
 */
export function proceduralPresets(
  synth: AnySynth,
  count: number,
  seed = 1,
  opts: { drums?: boolean } = {},
): BankEntry[] {
  const patches: unknown[] =
    synth.id === "dx7"
      ? proceduralDx7Voices(count, seed, opts)
      : synth.id === "vital"
        ? proceduralVitalPresets(synth, count, seed, opts)
        : [];
  return patches.map((patch) => ({ name: synth.patchName(patch), source: "procedural", patch }));
}

/** Every preset file of the synth's formats under `folders` (recursively), read leniently. */
export async function collectPresets(
  synth: AnySynth,
  folders: string[],
  warn: (w: Warning) => void = () => {},
): Promise<BankEntry[]> {
  const files: string[] = [];
  const walk = async (p: string): Promise<void> => {
    let s;
    try {
      s = await stat(p);
    } catch {
      throw new PatchsmithError("not-found", "no such file or folder", p);
    }
    if (s.isDirectory()) {
      for (const name of (await readdir(p)).sort())
        await walk(path.join(p, name)).catch((e) =>
          warn({ code: "unreadable", message: (e as Error).message, file: path.join(p, name) }),
        );
    } else if (synth.codec.extensions.includes(path.extname(p).toLowerCase())) files.push(p);
  };
  for (const f of folders) await walk(f);
  const entries: BankEntry[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    try {
      const { patches, warnings } = synth.codec.read(
        new Uint8Array(await readFile(file)),
        path.basename(file),
      );
      for (const w of warnings) warn({ ...w, file: w.file ?? file });
      patches.forEach((patch, i) => {
        const key = patchKey(synth, patch);
        if (seen.has(key)) return;
        seen.add(key);
        entries.push({
          name: synth.patchName(patch),
          source: patches.length > 1 ? `${file}#${i + 1}` : file,
          patch,
        });
      });
    } catch (e) {
      warn({ code: (e as PatchsmithError).code ?? "bad-preset", message: (e as Error).message, file });
    }
  }
  return entries;
}

/** Identity of a preset's sound: its normalised parameter vector (names and non-sound bytes ignored). */
export function patchKey(synth: AnySynth, patch: unknown): string {
  return Array.from(synth.toVector(patch), (v) => v.toFixed(4)).join(",");
}

/** Render and embed every entry at the reference notes, in worker threads. */
export async function buildBank(
  synth: AnySynth,
  entries: BankEntry[],
  opts: {
    threads?: number;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
    synthModule?: string;
    notes?: number[];
  } = {},
): Promise<Bank> {
  const notes = opts.notes ?? REF_NOTES;
  const per = notes.length * EMBED_DIMS;
  const embeddings = new Float32Array(entries.length * per);
  const pool = new WorkerPool({ threads: opts.threads });
  const cancel = cancelFlagFor(opts.signal);
  const task = new URL("./embed-task.ts", import.meta.url).href;
  let done = 0;
  try {
    // Chunks of ~32 presets keep progress moving and messages small.
    const chunks = batchRanges(entries.length, Math.max(1, Math.ceil(entries.length / 32)), 1);
    await Promise.all(
      chunks.map(async ([a, b]) => {
        const res = await pool.run<EmbedBatch, EmbedBatchResult>(task, {
          synthId: synth.id,
          synthModule: opts.synthModule,
          patches: entries.slice(a, b).map((e) => e.patch),
          notes,
          cancel,
        });
        if (res.done < b - a) throw new PatchsmithError("interrupted", "interrupted");
        embeddings.set(res.embeddings, a * per);
        done += b - a;
        opts.onProgress?.(done, entries.length);
      }),
    );
  } finally {
    await pool.close();
  }
  return { synthId: synth.id, notes: [...notes], entries, embeddings };
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

export async function saveBank(synth: AnySynth, bank: Bank, store?: string): Promise<string> {
  const dir = bankDir(store, synth.id);
  await ensureDir(dir);
  const meta = {
    version: BANK_VERSION,
    synthId: bank.synthId,
    notes: bank.notes,
    dims: EMBED_DIMS,
    entries: bank.entries.map((e) => ({
      name: e.name,
      source: e.source,
      preset: toBase64(synth.codec.write([e.patch])),
    })),
  };
  // The bank is patchsmith's own index: rebuilding replaces it.
  const emb = bank.embeddings;
  await writeFileAtomic(
    path.join(dir, "embeddings.f32"),
    new Uint8Array(emb.buffer, emb.byteOffset, emb.byteLength),
    { force: true },
  );
  await writeFileAtomic(path.join(dir, "bank.json"), JSON.stringify(meta), { force: true });
  return dir;
}

/** The stored bank of a synth, or undefined when none was built. */
export async function loadBank(synth: AnySynth, store?: string): Promise<Bank | undefined> {
  const dir = bankDir(store, synth.id);
  let metaText: string;
  try {
    metaText = await readFile(path.join(dir, "bank.json"), "utf8");
  } catch {
    return undefined;
  }
  const file = path.join(dir, "bank.json");
  let meta: {
    version: number;
    synthId: string;
    notes: number[];
    dims: number;
    entries: Array<{ name: string; source: string; preset: string }>;
  };
  try {
    meta = JSON.parse(metaText);
  } catch {
    throw new PatchsmithError(
      "bad-bank",
      "the bank index is not valid JSON; rebuild it with `patchsmith bank build`",
      file,
    );
  }
  if (meta.version !== BANK_VERSION || meta.dims !== EMBED_DIMS || meta.synthId !== synth.id) {
    throw new PatchsmithError(
      "bad-bank",
      "the bank index was built by another version; rebuild it with `patchsmith bank build`",
      file,
    );
  }
  const raw = await readFile(path.join(dir, "embeddings.f32"));
  const embeddings = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  if (embeddings.length !== meta.entries.length * meta.notes.length * EMBED_DIMS) {
    throw new PatchsmithError(
      "bad-bank",
      "the bank's embeddings do not match its entries; rebuild it",
      path.join(dir, "embeddings.f32"),
    );
  }
  const entries = meta.entries.map((e) => {
    const patch = synth.codec.read(new Uint8Array(Buffer.from(e.preset, "base64"))).patches[0];
    return { name: e.name, source: e.source, patch };
  });
  return { synthId: meta.synthId, notes: meta.notes, entries, embeddings };
}

/**
 * The `k` entries nearest to a sound (embedded at the reference note nearest to `note`), nearest first. A
 * sound held past the bank renders' note-off (`holdSeconds`) is compared both ways, on the part before it
 * (src/match/embed-mask.ts: a near-copy differs after it only by the performance) and on the whole second
 * (the later spectrum still tells sustained timbres apart), the two rankings taken in turn, masked first.
 */
export function nearestEntries(
  bank: Bank,
  samples: Float32Array,
  note: number,
  k: number,
  exclude?: (e: BankEntry) => boolean,
  holdSeconds?: number,
): BankEntry[] {
  const q = embedSound(samples);
  const mask = holdSeconds === undefined ? undefined : embeddingMask(holdSeconds, EMBED_HOLD_SECONDS);
  let j = 0;
  bank.notes.forEach((n, i) => {
    if (Math.abs(n - note) < Math.abs(bank.notes[j]! - note)) j = i;
  });
  const per = bank.notes.length * EMBED_DIMS;
  const ranking = (m: Float32Array | undefined) => {
    const scored: Array<{ d: number; i: number }> = [];
    for (let i = 0; i < bank.entries.length; i++) {
      const d = maskedDistance(bank.embeddings, i * per + j * EMBED_DIMS, q, m);
      if (!Number.isFinite(d) || exclude?.(bank.entries[i]!)) continue;
      scored.push({ d, i });
    }
    return scored.sort((a, b) => a.d - b.d).slice(0, k);
  };
  const orders = mask ? [ranking(mask), ranking(undefined)] : [ranking(undefined)];
  const chosen = new Set<number>();
  for (let r = 0; r < k && chosen.size < k; r++)
    for (const order of orders) if (r < order.length && chosen.size < k) chosen.add(order[r]!.i);
  return [...chosen].map((i) => bank.entries[i]!);
}

/** Warm starts for a target: the bank's nearest presets, or the procedural presets when no bank is built. */
export async function startsFor(
  synth: AnySynth,
  target: MatchTarget,
  opts: {
    store?: string;
    neighbours?: number;
    bank?: Bank;
    exclude?: (e: BankEntry) => boolean;
    signal?: AbortSignal;
    /** Include the analytic starts (first). Default true. */
    analytic?: boolean;
  } = {},
): Promise<StartPoint[]> {
  // Loaded on demand: the CLI asks for the bank's starts first and computes the analytic ones after writing
  // its first candidate.
  const analytic =
    opts.analytic === false ? [] : (await import("./analytic/index.ts")).analyticStarts(synth, target);
  const bank = opts.bank ?? (await loadBank(synth, opts.store));
  if (bank) {
    return [
      ...analytic,
      ...nearestEntries(
        bank,
        target.samples,
        target.note,
        opts.neighbours ?? bankStartCount(synth),
        opts.exclude,
        target.holdSeconds,
      ).map((e) => ({
        patch: e.patch,
        source:
          e.source === "procedural"
            ? `procedural ${e.name.trim()}`
            : `bank ${e.name.trim()} (${path.basename(e.source)})`,
      })),
    ];
  }
  // Vital renders are ~10× slower than DX7 ones: fewer procedural starts.
  const count = synth.id === "vital" ? 12 : 32;
  // Drum voices first for a drum-like target (the first starts also make the first candidate): half of the
  // starts when it is unpitched (then every archetype), a quarter when it is pitched but decays like a hit
  // (then the tonal ones); a sustained pitched sound gets the tonal archetypes only.
  const drums = !target.pitched ? count / 2 : isPercussive(target) ? count / 4 : 0;
  const rest = proceduralPresets(synth, count, 1, target.pitched ? { drums: false } : {});
  const ordered = [
    ...(drums > 0 ? proceduralPresets(synth, Math.ceil(drums), 1, { drums: true }) : []),
    ...rest,
  ].slice(0, count);
  return [...analytic, ...ordered.map((e) => ({ patch: e.patch, source: `procedural ${e.name.trim()}` }))];
}

/**
 * Whether a target sounds like a drum hit: unpitched, or falling 30 dB below its peak within 0.6 s of it
 * (kicks and toms often have a pitch the tracker finds).
 */
export function isPercussive(target: MatchTarget): boolean {
  if (!target.pitched) return true;
  const env = target.envelopeDb;
  let peakAt = 0;
  for (let i = 1; i < env.length; i++) if (env[i]! > env[peakAt]!) peakAt = i;
  const frameSeconds = ENVELOPE_FRAME / target.sampleRate;
  for (let i = peakAt; i < env.length; i++)
    if (env[i]! < env[peakAt]! - 30) return (i - peakAt) * frameSeconds < 0.6;
  return false;
}
