// The matcher against its baselines at equal render budget, in the same run (DESIGN §6, issue #6):
//   npm run bench -- match [--set dx7-refs|vital-refs|vital-refs-ccby|sounds|spiegelib|first-candidate|all]
//                          [--synth dx7|vital|both] [--quick] [--limit N] [--offset K] [--time S | --renders N]
//                          [--per-class N] [--class kick,snare] [--id a,b] [--group G] [--bank-corpus BANKS]
//                          [--bank-notes 60,…] [--neighbours K] [--threads N] [--seed S] [--no-random] [--no-bank]
//                          [--bank-cache DIR | --no-bank-cache] [--near-db D] [--exclude-near]
//                          [--explore F] [--portfolio F] [--portfolio-runs N]
// Sets (read from ../shared at run time; nothing is copied into the repo):
//   dx7-refs        corpus voices rendered by msfa at note 60 (refs/dx7, group "corpus"); the target's own
//                   voice is excluded from the bank.
//   vital-refs      renders by Vital itself of the feature presets (refs/vital, every group but ccby; --group G
//                   for one group); vital-refs-ccby: the CC BY presets' renders (their own preset excluded).
//   sounds          real recorded one-shots (data/sounds), out of domain; note from the manifest when known;
//                   --per-class N takes N targets of every class (--class to choose classes; --id keeps the
//                   picked targets whose path contains one of the given strings). Default synth
//                   "both": best of DX7 and Vital (below).
//   spiegelib       SpiegeLib-style replica: DX7 algorithm 1, OP1 a flat sine carrier, OP2 with 9 free
//                   parameters (coarse, fine, output level, EG rates 1–3, EG levels 1–3 — our reading of
//                   "pitch and envelope"), OPs 3–6 off, note 48, velocity 127, 1 s; 25 random targets; scored
//                   with MFCC-MAE (SpiegeLib).
//   first-candidate the CLI started cold (`node bin/patchsmith.js match`, a new process per run, an empty store)
//                   on a few sounds per synth: wall time from spawning it to its first output file.
//   all             every set above, one after another (with --quick: the lead's smoke run).
// Baselines, each given the renders the matcher used on that target with that synth: the init patch, the
// nearest bank preset (top embedding neighbour), and random search (uniform points, best by the same loss).
// Best of DX7/Vital (--synth both): each synth gets half the budget (time or renders), so the pair costs what
// one synth's run costs; the target's result is the synth whose final loss is lower (the matcher's own
// loss, not the benchmark's metric); it must beat every baseline of both synths to count as a win.
// Metrics are computed on level-matched renders (src/match/loss.ts levelMatch), except MFCC-MAE (SpiegeLib).
// --no-bank: start as the CLI does without a built bank (analytic, then procedural starts), no bank baseline.
// Banks are built at run time: DX7 from ../shared/data/dx7/factory (+ --bank-corpus N banks of the corpus, or
// "all": its 970 banks, ~30,700 distinct voices) and 256 procedural voices; Vital from the CC BY presets
// (data/vital-presets) and 48 procedural presets. The embeddings are cached between runs outside the repo
// (--bank-cache, default <tmp>/patchsmith-bench-banks), keyed by the entries' parameters, notes and embedding code.
// The bank holds one entry per distinct sound parameter set (names and don't-care bits ignored), so excluding
// the target's voice excludes every copy of it. In-domain DX7 targets also report how many bank voices sound
// nearly identical (mel-LSD < --near-db, default 1 dB, at the target's note, among its 300 nearest embeddings)
// and the closest one's distance; --exclude-near removes those voices from the bank too.
// --explore, --portfolio, --portfolio-runs: the pipeline's exploration share, portfolio share and size.
// Every set ends with one summary line per bar of the issue: {name: "match/<set>/summary", metric, value,
// bar, met}. --quick: 2 targets per set (3 SpiegeLib), small render budgets, banks at note 60 only.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./run.ts";
import {
  aggregates,
  barsFor,
  bestBaseline,
  bestOf,
  beatsEveryBaseline,
  keyOf,
  losses,
  median,
  mean,
  meets,
  primaryMethod,
  type Row,
  type Scores,
} from "./_match-summary.ts";
import { readAudioMono } from "../src/audio/decode.ts";
import { ensureDir, writeFileAtomic } from "../src/io/files.ts";
import { WorkerPool } from "../src/jobs/pool.ts";
import {
  buildBank,
  nearestEntries,
  patchKey,
  proceduralPresets,
  REF_NOTES,
  startsFor,
  type Bank,
  type BankEntry,
} from "../src/match/bank.ts";
import { analyticStarts } from "../src/match/analytic/index.ts";
import { EMBED_DIMS } from "../src/match/embed.ts";
import { patchToPoint, Scorer } from "../src/match/evaluate.ts";
import { PoolEvaluator } from "../src/match/evaluator.ts";
import { levelMatch, mixToMono } from "../src/match/loss.ts";
import { match, searchSpaceFor } from "../src/match/pipeline.ts";
import { bankStartCount, defaultFreeParams } from "../src/match/profile.ts";
import { analyseTarget, type MatchTarget } from "../src/match/target.ts";
import { melLsd, mfccMaeSpiegelib, mss, spectralConvergence } from "../src/metrics/index.ts";
import { loadSynths } from "../src/synths/index.ts";
import { getSynth, type AnySynth } from "../src/synths/synth.ts";
import { Random } from "../src/util/random.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const shared = path.resolve(repoRoot, "../shared");

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
const num = (args: string[], name: string, fallback: number) => Number(arg(args, name) ?? fallback);

interface BenchTarget {
  id: string;
  /** Class label (sounds: the manifest's class), "" when none. */
  cls: string;
  samples: Float32Array;
  note?: number;
  hold?: number;
  velocity?: number;
  /** Tempo it was rendered at (BPM; the Vital refs' manifest), else the matcher's default. */
  bpm?: number;
  /** The patch that made it (in-domain sets) and its synth: excluded from that synth's bank. */
  truth?: unknown;
  truthSynth?: string;
}

function scoreAudio(t: MatchTarget, audio: Float32Array, levelMatched: boolean): Scores {
  const raw = Float32Array.from(audio.subarray(0, t.samples.length));
  const x = levelMatched ? Float32Array.from(levelMatch(t.loss, audio).audio) : raw;
  return {
    melLsd: melLsd(t.samples, x),
    sc: spectralConvergence(t.samples, x),
    mss: mss(t.samples, x),
    mfccSpiegelib: mfccMaeSpiegelib(t.samples, raw),
  };
}

function renderMono(synth: AnySynth, patch: unknown, t: MatchTarget, hold: number): Float32Array {
  return mixToMono(
    synth.render(
      patch,
      { note: t.note, velocity: t.velocity, noteOffSeconds: hold, durationSeconds: t.durationSeconds },
      { sampleRate: 44100, seed: 1, bpm: t.bpm },
    ),
  );
}

async function dx7RefTargets(synth: AnySynth, limit: number, offset: number): Promise<BenchTarget[]> {
  const dir = path.join(shared, "refs/dx7");
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as Array<
    Record<string, unknown>
  >;
  const voices = synth.codec.read(new Uint8Array(readFileSync(path.join(dir, "voices.syx")))).patches;
  const chosen = manifest.filter((m) => m.group === "corpus" && m.note === 60).slice(offset, offset + limit);
  const out: BenchTarget[] = [];
  for (const m of chosen) {
    const { samples } = await readAudioMono(path.join(dir, String(m.wav)), 44100);
    out.push({
      id: String(m.id),
      cls: "",
      samples,
      note: 60,
      hold: Number(m.hold_s),
      velocity: Number(m.velocity),
      truth: voices[Number(m.voice_index)],
      truthSynth: "dx7",
    });
  }
  return out;
}

/** Vital's own renders: `group` "feature" (every group but ccby), "ccby", or one manifest group. */
async function vitalRefTargets(
  vital: AnySynth | undefined,
  limit: number,
  offset: number,
  group: string,
): Promise<BenchTarget[]> {
  const dir = path.join(shared, "refs/vital");
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as Array<
    Record<string, unknown>
  >;
  const inGroup = (g: unknown) => (group === "feature" ? g !== "ccby" : g === group);
  const pool = manifest.filter((m) => inGroup(m.group) && Number(m.dur_s) <= 4);
  const step = Math.max(1, Math.floor(pool.length / Math.max(1, limit)));
  const chosen = pool.filter((_, i) => i % step === offset % step).slice(0, limit);
  const out: BenchTarget[] = [];
  for (const m of chosen) {
    const { samples } = await readAudioMono(path.join(dir, String(m.wav)), 44100);
    let truth: unknown;
    try {
      if (vital)
        truth = vital.codec.read(new Uint8Array(readFileSync(path.join(dir, String(m.preset))))).patches[0];
    } catch {
      truth = undefined;
    }
    // Vital's velocity is 0–1 in the manifest; MIDI velocity at our interface.
    out.push({
      id: String(m.id),
      cls: String(m.group),
      samples,
      note: Number(m.note),
      hold: Number(m.note_off_s),
      velocity: Math.max(1, Math.round(Number(m.velocity) * 127)),
      bpm: m.bpm === undefined ? undefined : Number(m.bpm),
      truth,
      truthSynth: "vital",
    });
  }
  return out;
}

/** RFC 4180 CSV (quoted fields may hold commas, quotes doubled). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      field = "";
      if (row.some((f) => f !== "")) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== "")) rows.push(row);
  return rows;
}

interface SoundRow {
  path: string;
  cls: string;
  note?: number;
}

function soundManifest(): SoundRow[] {
  const [header, ...rows] = parseCsv(readFileSync(path.join(shared, "data/sounds/manifest.csv"), "utf8"));
  const col = (name: string) => header!.indexOf(name);
  return rows.map((r) => {
    const note = r[col("midi_note")] ? Number(r[col("midi_note")]) : NaN;
    return { path: r[col("path")]!, cls: r[col("class")]!, note: Number.isFinite(note) ? note : undefined };
  });
}

/**
 * Every k-th row (spread over the classes), or with `perClass` N rows of each class spread evenly within it,
 * optionally only the classes listed.
 */
export function pickSounds(
  rows: SoundRow[],
  opts: { limit: number; offset: number; perClass?: number; classes?: string[] },
): SoundRow[] {
  const pool = opts.classes ? rows.filter((r) => opts.classes!.includes(r.cls)) : rows;
  if (opts.perClass) {
    const out: SoundRow[] = [];
    for (const cls of [...new Set(pool.map((r) => r.cls))]) {
      const mine = pool.filter((r) => r.cls === cls);
      const n = Math.min(opts.perClass, mine.length);
      for (let k = 0; k < n; k++)
        out.push(mine[(Math.floor(((k + 0.5) * mine.length) / n) + opts.offset) % mine.length]!);
    }
    return out;
  }
  const step = Math.max(1, Math.floor(pool.length / Math.max(1, opts.limit)));
  return pool.filter((_, i) => i % step === opts.offset % step).slice(0, opts.limit);
}

async function soundTargets(picked: SoundRow[]): Promise<BenchTarget[]> {
  const out: BenchTarget[] = [];
  for (const r of picked) {
    const { samples } = await readAudioMono(path.join(shared, "data/sounds", r.path), 44100);
    out.push({ id: r.path, cls: r.cls, samples, note: r.note });
  }
  return out;
}

const SPIEGELIB_FREE = [
  "op2_coarse",
  "op2_fine",
  "op2_output_level",
  "op2_eg_rate_1",
  "op2_eg_rate_2",
  "op2_eg_rate_3",
  "op2_eg_level_1",
  "op2_eg_level_2",
  "op2_eg_level_3",
];

function spiegelibTargets(
  synth: AnySynth,
  count: number,
  seed: number,
): { targets: BenchTarget[]; free: number[] } {
  const free = SPIEGELIB_FREE.map((n) => synth.params.findIndex((p) => p.name === n));
  if (free.some((i) => i < 0))
    throw new Error("spiegelib: DX7 schema lacks one of " + SPIEGELIB_FREE.join(", "));
  const r = new Random(seed);
  const targets: BenchTarget[] = [];
  for (let k = 0; k < count; k++) {
    const v = synth.toVector(synth.defaultPatch());
    for (const i of free) v[i] = r.next();
    const truth = synth.fromVector(v);
    const samples = mixToMono(
      synth.render(
        truth,
        { note: 48, velocity: 127, noteOffSeconds: 1, durationSeconds: 1 },
        { sampleRate: 44100, seed: 1 },
      ),
    );
    targets.push({ id: `spiegelib-${k + 1}`, cls: "", samples, note: 48, hold: 1, velocity: 127, truth });
  }
  return { targets, free };
}

function readPresetFiles(synth: AnySynth, files: string[], into: BankEntry[], seen: Set<string>): void {
  for (const file of files) {
    let patches: unknown[];
    try {
      patches = synth.codec.read(new Uint8Array(readFileSync(file)), path.basename(file)).patches;
    } catch (e) {
      process.stderr.write(`bank: skipped ${file}: ${(e as Error).message}\n`);
      continue;
    }
    patches.forEach((patch, i) => {
      const key = patchKey(synth, patch);
      if (seen.has(key)) return;
      seen.add(key);
      into.push({
        name: synth.patchName(patch),
        source: patches.length > 1 ? `${path.basename(file)}#${i + 1}` : path.basename(file),
        patch,
      });
    });
  }
}

function filesUnder(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.toLowerCase().endsWith(ext))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * The embeddings of a bank's entries, cached outside the repo between bench runs (the whole DX7 corpus takes
 * minutes to embed): keyed by the entries' sound parameters, the reference notes and the embedding's code.
 */
function bankCacheFile(synth: AnySynth, entries: BankEntry[], notes: number[], dir: string): string {
  const h = createHash("sha1");
  h.update(JSON.stringify({ synth: synth.id, notes, dims: EMBED_DIMS }));
  for (const f of ["src/match/embed.ts", "src/match/embed-task.ts"])
    h.update(readFileSync(path.join(repoRoot, f)));
  for (const e of entries) h.update(patchKey(synth, e.patch) + "\n");
  return path.join(dir, `${synth.id}-${entries.length}-${h.digest("hex").slice(0, 16)}.f32`);
}

/** The bench's bank for a synth (see the header), built at run time. */
async function benchBank(
  synth: AnySynth,
  opts: { corpusBanks: number; threads: number; notes?: number[]; quick: boolean; cacheDir?: string },
): Promise<Bank | undefined> {
  const entries: BankEntry[] = [];
  const seen = new Set<string>();
  if (synth.id === "dx7") {
    readPresetFiles(synth, filesUnder(path.join(shared, "data/dx7/factory"), ".syx"), entries, seen);
    const corpus = filesUnder(path.join(shared, "data/dx7/corpus"), ".syx").slice(0, opts.corpusBanks);
    readPresetFiles(synth, corpus, entries, seen);
    entries.push(...proceduralPresets(synth, opts.quick ? 64 : 256));
  } else if (synth.id === "vital") {
    if (!opts.quick)
      readPresetFiles(synth, filesUnder(path.join(shared, "data/vital-presets"), ".vital"), entries, seen);
    entries.push(...proceduralPresets(synth, opts.quick ? 24 : 48));
  } else return undefined;
  const t0 = performance.now();
  const notes = opts.notes ?? REF_NOTES;
  const cache = opts.cacheDir ? bankCacheFile(synth, entries, notes, opts.cacheDir) : undefined;
  if (cache && existsSync(cache)) {
    const raw = readFileSync(cache);
    const embeddings = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    if (embeddings.length === entries.length * notes.length * EMBED_DIMS) {
      process.stderr.write(`bank ${synth.id}: ${entries.length} presets, embeddings from ${cache}\n`);
      return { synthId: synth.id, notes, entries, embeddings };
    }
  }
  const bank = await buildBank(synth, entries, { threads: opts.threads, notes });
  process.stderr.write(
    `bank ${synth.id}: ${entries.length} presets embedded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  if (cache) {
    await ensureDir(path.dirname(cache));
    const e = bank.embeddings;
    await writeFileAtomic(cache, new Uint8Array(e.buffer, e.byteOffset, e.byteLength), { force: true });
  }
  return bank;
}

interface RunConfig {
  quick: boolean;
  threads: number;
  seed: number;
  /** Bank starts per target (default: the synth's, src/match/profile.ts bankStartCount). */
  neighbours?: number;
  random: boolean;
  /** Start from what the CLI uses without a built bank (analytic + procedural starts); no bank baseline. */
  noBank: boolean;
  /** The pipeline's shares and portfolio size (undefined: its defaults). */
  exploreFraction?: number;
  portfolioFraction?: number;
  portfolioRuns?: number;
  /** Bank voices within this mel-LSD of an in-domain target are counted (0: not checked) … */
  nearDb: number;
  /** … and excluded from its bank. */
  excludeNear: boolean;
  /** Budget per synth and target. */
  budget: (synthId: string, nSynths: number) => { seconds?: number; renders?: number };
  bank: (synth: AnySynth) => Promise<Bank | undefined>;
}

/** Embedding neighbours checked for near-identical sounds (a sound that close is also close in the embedding). */
const NEAR_CHECKED = 300;

/**
 * The bank voices (among the target's NEAR_CHECKED nearest embeddings) whose render at the target's note,
 * velocity and hold is within `db` mel-LSD of the target (level-matched), and the closest such distance.
 */
function nearIdentical(
  synth: AnySynth,
  bank: Bank,
  target: MatchTarget,
  exclude: (e: BankEntry) => boolean,
  db: number,
): { voices: Set<BankEntry>; closestDb: number } {
  const voices = new Set<BankEntry>();
  let closestDb = Infinity;
  for (const e of nearestEntries(
    bank,
    target.samples,
    target.note,
    NEAR_CHECKED,
    exclude,
    target.holdSeconds,
  )) {
    const audio = Float32Array.from(
      levelMatch(target.loss, renderMono(synth, e.patch, target, target.holdSeconds)).audio,
    );
    const d = melLsd(target.samples, audio);
    closestDb = Math.min(closestDb, d);
    if (d < db) voices.add(e);
  }
  return { voices, closestDb };
}

/** One synth's matcher and baselines on one target. */
async function runOne(
  synth: AnySynth,
  bt: BenchTarget,
  target: MatchTarget,
  pool: WorkerPool,
  cfg: RunConfig,
  opts: {
    bank?: Bank;
    free?: number[];
    levelMatched: boolean;
    seconds?: number;
    renders?: number;
  },
): Promise<{ rows: Row[]; first: number; near?: { count: number; closestDb: number } }> {
  const rows: Row[] = [];
  const base = { id: bt.id, cls: bt.cls, synth: synth.id };
  const evaluator = new PoolEvaluator(target.samples, { pool });
  const truthKey =
    bt.truth !== undefined && bt.truthSynth === synth.id ? patchKey(synth, bt.truth) : undefined;
  const sameVoice = (e: BankEntry) => truthKey !== undefined && patchKey(synth, e.patch) === truthKey;
  // Bank voices that sound nearly like the target (another voice with other parameters, or a copy with a
  // tiny edit): counted for honesty, excluded with --exclude-near.
  const near =
    opts.bank && truthKey !== undefined && synth.id === "dx7" && cfg.nearDb > 0
      ? nearIdentical(synth, opts.bank, target, sameVoice, cfg.nearDb)
      : undefined;
  const exclude = (e: BankEntry) =>
    sameVoice(e) || (cfg.excludeNear && near !== undefined && near.voices.has(e));
  const starts = cfg.noBank
    ? // What the CLI does without a built bank: analytic starts, then the procedural presets.
      await startsFor(synth, target, { store: path.join(os.tmpdir(), "patchsmith-bench-no-bank") })
    : [
        ...analyticStarts(synth, target),
        ...(opts.bank
          ? nearestEntries(
              opts.bank,
              target.samples,
              target.note,
              cfg.neighbours ?? bankStartCount(synth),
              exclude,
              target.holdSeconds,
            ).map((e) => ({
              patch: e.patch,
              source: `bank ${e.name.trim()}`,
            }))
          : []),
      ];
  const t0 = performance.now();
  let first = NaN;
  try {
    const res = await match({
      synth,
      target,
      evaluator,
      seconds: opts.seconds,
      renders: opts.renders,
      seed: cfg.seed,
      candidates: 1,
      starts,
      free: opts.free,
      exploreFraction: cfg.exploreFraction,
      portfolioFraction: cfg.portfolioFraction,
      portfolioRuns: cfg.portfolioRuns,
      onFirstCandidate: () => {
        first = (performance.now() - t0) / 1000;
      },
    });
    const best = res.candidates[0]!;
    rows.push({
      ...base,
      method: "matcher",
      scores: scoreAudio(target, renderMono(synth, best.patch, target, best.holdSeconds), opts.levelMatched),
      loss: best.loss,
      source: best.source,
      renders: res.renders,
      seconds: res.seconds,
    });

    const hold = target.holdSeconds;
    rows.push({
      ...base,
      method: "init",
      scores: scoreAudio(target, renderMono(synth, synth.defaultPatch(), target, hold), opts.levelMatched),
      renders: 1,
      seconds: 0,
    });
    if (opts.bank) {
      const nearest = nearestEntries(
        opts.bank,
        target.samples,
        target.note,
        1,
        exclude,
        target.holdSeconds,
      )[0];
      if (nearest)
        rows.push({
          ...base,
          method: "nearest-bank",
          scores: scoreAudio(target, renderMono(synth, nearest.patch, target, hold), opts.levelMatched),
          renders: 1,
          seconds: 0,
        });
    }
    if (cfg.random) {
      // Random search with the matcher's render count, scored by the same loss.
      const space = searchSpaceFor(synth, target, {
        free: opts.free ?? defaultFreeParams(synth),
        seed: cfg.seed,
      });
      const r = new Random(cfg.seed + 7);
      const tr = performance.now();
      const dim = patchToPoint(synth, space, synth.defaultPatch()).length;
      let bestLoss = Infinity;
      let bestPoint: Float64Array | undefined;
      for (let done = 0; done < res.renders;) {
        const n = Math.min(256, res.renders - done);
        const pts = Array.from({ length: n }, () => Float64Array.from({ length: dim }, () => r.next()));
        const losses = await evaluator.evaluate(space, pts);
        losses.forEach((l, i) => {
          if (l < bestLoss) {
            bestLoss = l;
            bestPoint = pts[i];
          }
        });
        done += n;
      }
      if (bestPoint) {
        const audio = new Scorer(synth, space, target.loss).render(bestPoint);
        rows.push({
          ...base,
          method: "random",
          scores: scoreAudio(target, audio, opts.levelMatched),
          loss: bestLoss,
          renders: res.renders,
          seconds: (performance.now() - tr) / 1000,
        });
      }
    }
  } finally {
    await evaluator.close();
  }
  return { rows, first, near: near && { count: near.voices.size, closestDb: near.closestDb } };
}

/** The CLI started cold on a sound: wall seconds from spawn to its first output file (and what it reports). */
function firstCandidateRun(
  synthId: string,
  wav: string,
  dir: string,
  threads: number,
): Promise<{ wallSeconds: number; reportedSeconds: number; cpuSeconds: number; load1: number }> {
  const out = path.join(dir, `first-${synthId}${synthId === "dx7" ? ".syx" : ".vital"}`);
  // One candidate: a single file for every synth (a VCED voice, one .vital).
  const watched = out;
  rmSync(watched, { force: true });
  const load1 = os.loadavg()[0]!;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let wall = NaN;
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, "bin/patchsmith.js"),
        "match",
        wav,
        "--synth",
        synthId,
        "--renders",
        "40",
        "--candidates",
        "1",
        "--threads",
        String(threads),
        "--store",
        dir,
        "-o",
        out,
        "--force",
        "--json",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const poll = setInterval(() => {
      if (Number.isNaN(wall) && existsSync(watched)) wall = (performance.now() - t0) / 1000;
    }, 5);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      clearInterval(poll);
      if (code !== 0) return reject(new Error(`match exited ${code}: ${stderr.trim()}`));
      let reported = NaN;
      let cpu = NaN;
      try {
        const data = JSON.parse(stdout) as Record<string, number | undefined>;
        reported = Number(data.firstCandidateSinceStartSeconds ?? NaN);
        cpu = Number(data.firstCandidateCpuSeconds ?? NaN);
      } catch {
        /* reported stays NaN */
      }
      resolve({ wallSeconds: wall, reportedSeconds: reported, cpuSeconds: cpu, load1 });
    });
  });
}

async function firstCandidateSet(
  args: string[],
  emit: (r: BenchResult) => void,
  quick: boolean,
  threads: number,
): Promise<void> {
  const picks = pickSounds(soundManifest(), {
    limit: 0,
    offset: num(args, "--offset", 0),
    perClass: 1,
    classes: quick ? ["kick"] : ["kick", "snare", "piano", "strings"],
  });
  const synths = (arg(args, "--synth") ?? "both") === "both" ? ["dx7", "vital"] : [arg(args, "--synth")!];
  const dir = mkdtempSync(path.join(os.tmpdir(), "patchsmith-first-"));
  const times: number[] = [];
  const cpus: number[] = [];
  try {
    for (const synthId of synths)
      for (const p of picks) {
        const r = await firstCandidateRun(synthId, path.join(shared, "data/sounds", p.path), dir, threads);
        times.push(r.wallSeconds);
        cpus.push(r.cpuSeconds);
        emit({
          name: `match/first-candidate/${synthId}/${p.path}`,
          metric: "first-candidate-seconds",
          value: r.wallSeconds,
          unit: "s",
          synth: synthId,
          // Since the CLI process started (excludes spawning node), and the CPU seconds it had used by then:
          // on a loaded machine the CPU time is what a quiet machine's wall time would be, roughly.
          reportedByCli: r.reportedSeconds,
          cpuSeconds: r.cpuSeconds,
          loadAverage1m: r.load1,
          cores: os.cpus().length,
        });
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const value = Math.max(...times);
  for (const b of barsFor("first-candidate"))
    emit({
      name: "match/first-candidate/summary",
      metric: b.metric,
      value,
      unit: "s",
      bar: b.bar,
      met: meets(b, value),
      median: median(times),
      cpuSecondsMax: Math.max(...cpus),
      runs: times.length,
      loadAverage1m: os.loadavg()[0],
    });
}

async function runSet(
  set: string,
  args: string[],
  emit: (r: BenchResult) => void,
  cfg: RunConfig,
): Promise<void> {
  if (set === "first-candidate") return firstCandidateSet(args, emit, cfg.quick, cfg.threads);
  const label = set === "vital-refs" && arg(args, "--group") ? `vital-refs-${arg(args, "--group")}` : set;
  const limit = num(
    args,
    "--limit",
    cfg.quick ? (set === "spiegelib" ? 3 : 2) : set === "spiegelib" ? 25 : 8,
  );
  const offset = num(args, "--offset", 0);
  const defaultSynth = set === "sounds" ? "both" : set.startsWith("vital") ? "vital" : "dx7";
  const synthArg = set === "spiegelib" ? "dx7" : (arg(args, "--synth") ?? defaultSynth);
  const synths = (synthArg === "both" ? ["dx7", "vital"] : [synthArg]).map((id) => {
    const s = getSynth(id);
    if (!s) throw new Error(`the ${id} synth is not registered`);
    return s;
  });

  let targets: BenchTarget[];
  let free: number[] | undefined;
  if (set === "dx7-refs") targets = await dx7RefTargets(getSynth("dx7")!, limit, offset);
  else if (set === "sounds") {
    const perClass = arg(args, "--per-class") !== undefined ? num(args, "--per-class", 1) : undefined;
    const classes = arg(args, "--class")?.split(",");
    // --id a,b: only the picked targets whose path contains one of these (e.g. to re-run a few of a pick).
    const ids = arg(args, "--id")?.split(",");
    targets = await soundTargets(
      pickSounds(soundManifest(), { limit, offset, perClass, classes }).filter(
        (r) => !ids || ids.some((id) => r.path.includes(id)),
      ),
    );
  } else if (set === "vital-refs" || set === "vital-refs-ccby")
    targets = await vitalRefTargets(
      getSynth("vital"),
      limit,
      offset,
      set === "vital-refs-ccby" ? "ccby" : (arg(args, "--group") ?? "feature"),
    );
  else if (set === "spiegelib") ({ targets, free } = spiegelibTargets(synths[0]!, limit, cfg.seed));
  else throw new Error(`unknown set ${set}`);

  const banks = new Map<string, Bank | undefined>();
  if (set !== "spiegelib" && !cfg.noBank) for (const s of synths) banks.set(s.id, await cfg.bank(s));
  const levelMatched = set !== "spiegelib";
  const cost = startCost(label, targets.length, synths, cfg);
  const pool = new WorkerPool({ threads: cfg.threads });
  const rows: Row[] = [];
  const firstTimes: number[] = [];
  const key = keyOf(set);
  try {
    for (const bt of targets) {
      const target = analyseTarget(bt.samples, {
        note: bt.note,
        holdSeconds: bt.hold,
        velocity: bt.velocity,
        bpm: bt.bpm,
      });
      const mine: Row[] = [];
      const firsts: Record<string, number> = {};
      const nears: Record<string, { count: number; closestDb: number } | undefined> = {};
      for (const synth of synths) {
        const budget = cfg.budget(synth.id, synths.length);
        const r = await runOne(synth, bt, target, pool, cfg, {
          bank: banks.get(synth.id),
          free,
          levelMatched,
          ...budget,
        });
        mine.push(...r.rows);
        firsts[synth.id] = r.first;
        nears[synth.id] = r.near;
        firstTimes.push(r.first);
      }
      if (synths.length > 1) {
        const b = bestOf(mine);
        if (b) mine.push(b);
      }
      rows.push(...mine);
      for (const x of mine) {
        emit({
          name: `match/${label}/${bt.id}`,
          metric: set === "spiegelib" ? "mfcc-mae-spiegelib" : key === "sc" ? "sc" : "mel-lsd",
          value: set === "spiegelib" ? x.scores.mfccSpiegelib : x.scores[key],
          unit: key === "melLsd" ? "dB" : "",
          method: x.method,
          synth: x.synth,
          ...(bt.cls ? { class: bt.cls } : {}),
          ...x.scores,
          loss: x.loss ?? null,
          ...(x.source ? { source: x.source } : {}),
          renders: x.renders,
          seconds: x.seconds,
          note: target.note,
          pitched: target.pitched,
          ...(x.method === "matcher" ? { firstCandidateSeconds: firsts[x.synth] } : {}),
          ...(x.method === "matcher" && nears[x.synth]
            ? {
                nearIdenticalBankVoices: nears[x.synth]!.count,
                closestBankVoiceDb: nears[x.synth]!.closestDb,
                nearExcluded: cfg.excludeNear,
              }
            : {}),
          ...(x.method === "best-of" || (x.method === "matcher" && synths.length === 1)
            ? { beatsEveryBaseline: beatsEveryBaseline(mine, key) }
            : {}),
        });
      }
    }
  } finally {
    await pool.close();
  }
  summarise(label, set, rows, firstTimes, cfg, emit);
  emitCost(label, cost, rows, emit);
}

interface CostStart {
  wall0: number;
  cpu0: NodeJS.CpuUsage;
  load0: number;
  targets: number;
}

/**
 * A set's run costs the matcher's budget per target plus the random-search baseline at the same render count
 * (about as long again) and the analysis: say so before it starts, measure it at the end.
 */
function startCost(label: string, targets: number, synths: AnySynth[], cfg: RunConfig): CostStart {
  const budgets = synths.map((s) => cfg.budget(s.id, synths.length));
  const seconds = budgets.reduce((a, b) => a + (b.seconds ?? NaN), 0);
  const per = Number.isFinite(seconds)
    ? `${seconds.toFixed(0)} s of matching per target (${synths.map((s) => s.id).join(" + ")}), about as long again for the random-search baseline${cfg.random ? "" : " (off: --no-random)"}`
    : `${budgets.map((b, i) => `${synths[i]!.id} ${b.renders} renders`).join(", ")} per target, the random-search baseline${cfg.random ? " as many again" : " off"}`;
  const estimate = Number.isFinite(seconds)
    ? `: expect ≈ ${((targets * seconds * (cfg.random ? 2 : 1)) / 60).toFixed(0)} min plus analysis on a quiet machine`
    : "";
  process.stderr.write(`match/${label}: ${targets} targets, ${per}${estimate}\n`);
  return { wall0: performance.now(), cpu0: process.cpuUsage(), load0: os.loadavg()[0]!, targets };
}

function emitCost(label: string, c: CostStart, rows: Row[], emit: (r: BenchResult) => void): void {
  const wall = (performance.now() - c.wall0) / 1000;
  const cpu = process.cpuUsage(c.cpu0);
  const sum = (method: string) => rows.filter((r) => r.method === method).reduce((a, r) => a + r.seconds, 0);
  emit({
    name: `match/${label}/cost`,
    metric: "wall-seconds",
    value: wall,
    unit: "s",
    targets: c.targets,
    wallSecondsPerTarget: wall / Math.max(1, c.targets),
    // All threads of this process (the worker pool's too).
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    matcherSeconds: sum("matcher"),
    randomBaselineSeconds: sum("random"),
    loadAverage1m: { start: c.load0, end: os.loadavg()[0] },
  });
}

function summarise(
  label: string,
  set: string,
  rows: Row[],
  firstTimes: number[],
  cfg: RunConfig,
  emit: (r: BenchResult) => void,
): void {
  const key = keyOf(set);
  const unit = key === "melLsd" ? "dB" : "";
  // Per method and synth.
  const groups = [...new Set(rows.map((r) => `${r.method}\u0000${r.synth}`))];
  for (const g of groups) {
    const [method, synth] = g.split("\u0000") as [string, string];
    const mine = rows.filter((r) => r.method === method && (method === "best-of" || r.synth === synth));
    if (method === "best-of" && mine[0]!.synth !== synth) continue;
    const vals = mine.map((r) => r.scores[key]);
    emit({
      name: `match/${label}`,
      metric: `${key}-median`,
      value: median(vals),
      unit,
      method,
      synth: method === "best-of" ? "best-of" : synth,
      targets: vals.length,
      mean: mean(vals),
      melLsdMedian: median(mine.map((r) => r.scores.melLsd)),
      scMedian: median(mine.map((r) => r.scores.sc)),
      ...(method === "best-of"
        ? {
            chosen: Object.fromEntries(
              ["dx7", "vital"].map((s) => [s, mine.filter((r) => r.synth === s).length]),
            ),
          }
        : {}),
    });
  }
  // Per class (sounds: kick, snare, piano …).
  const classes = [...new Set(rows.map((r) => r.cls))].filter((c) => c !== "");
  if (classes.length > 1)
    for (const cls of classes) {
      const a = aggregates(
        rows.filter((r) => r.cls === cls),
        set,
      );
      const prim = rows.filter((r) => r.cls === cls && r.method === primaryMethod(rows));
      const baselineBest = prim.map((p) =>
        bestBaseline(
          rows.filter((r) => r.id === p.id),
          key,
        ),
      );
      emit({
        name: `match/${label}/class/${cls}`,
        metric: `${key === "melLsd" ? "mel-lsd" : key === "sc" ? "sc" : "mfcc-mae-spiegelib"}-median`,
        value: key === "sc" ? a["sc-median"]! : a["mel-lsd-median"]!,
        unit,
        method: primaryMethod(rows),
        targets: a.targets,
        melLsdMedian: a["mel-lsd-median"],
        scMedian: a["sc-median"],
        beatsEveryBaseline: a["beats-every-baseline"],
        ...Object.fromEntries(
          [...new Set(rows.map((r) => r.synth))].map((s) => [
            `${s}ScMedian`,
            median(
              rows
                .filter((r) => r.cls === cls && r.method === "matcher" && r.synth === s)
                .map((r) => r.scores.sc),
            ),
          ]),
        ),
        chosen: prim.map((r) => r.synth).join(","),
        // Per target: the best baseline (method, synth, score) it had to beat.
        bestBaselines: baselineBest.map((b) =>
          b ? `${b.method} ${b.synth} ${b.scores[key].toFixed(3)}` : "none",
        ),
        wins: `${Math.round(a["beats-every-baseline"]! * a.targets!)}/${a.targets}`,
      });
    }
  const a = aggregates(rows, set);
  emit({
    name: `match/${label}`,
    metric: "first-candidate-seconds-max",
    value: Math.max(...firstTimes),
    unit: "s",
    median: median(firstTimes),
    note: "in-process, after the target's analysis, workers already running (the CLI's cold time: --set first-candidate)",
  });
  const rendersUsed = rows.filter((r) => r.method === "matcher").map((r) => r.renders);
  emit({
    name: `match/${label}`,
    metric: "renders-per-target-median",
    value: median(rendersUsed),
    unit: "renders",
    budget: Object.fromEntries(
      [...new Set(rows.map((r) => r.synth))].map((s) => [
        s,
        cfg.budget(s, new Set(rows.map((r) => r.synth)).size),
      ]),
    ),
    threads: cfg.threads,
  });
  for (const b of barsFor(set))
    emit({
      name: `match/${label}/summary`,
      metric: b.metric,
      value: a[b.metric]!,
      unit: b.metric === "beats-every-baseline" ? "fraction" : unit,
      bar: b.bar,
      met: meets(b, a[b.metric]!),
      method: primaryMethod(rows),
      targets: a.targets,
      ...(b.metric === "beats-every-baseline" ? { by: key, lost: losses(rows, key) } : {}),
    });
}

const ALL_SETS = ["dx7-refs", "vital-refs", "vital-refs-ccby", "sounds", "spiegelib", "first-candidate"];

export default async function bench(args: string[], emit: (r: BenchResult) => void): Promise<void> {
  const setArg = arg(args, "--set") ?? "dx7-refs";
  const quick = args.includes("--quick");
  const threads = num(args, "--threads", 2);
  const seconds = arg(args, "--time") !== undefined ? num(args, "--time", 30) : undefined;
  // --renders N (shared by the synths of a best-of run) or --renders dx7=2000,vital=500 (each synth its own).
  const rendersArg = arg(args, "--renders");
  const perSynthRenders = rendersArg?.includes("=")
    ? new Map(
        rendersArg
          .split(",")
          .map((kv) => kv.split("=") as [string, string])
          .map(([k, v]) => [k, Number(v)]),
      )
    : undefined;
  const renders = rendersArg !== undefined && !perSynthRenders ? num(args, "--renders", 2500) : undefined;
  const bankNotes = arg(args, "--bank-notes")?.split(",").map(Number) ?? (quick ? [60] : undefined);
  await loadSynths();
  const bankCache = new Map<string, Promise<Bank | undefined>>();
  let currentSet = setArg;
  const cfg: RunConfig = {
    quick,
    threads,
    seed: num(args, "--seed", 1),
    neighbours: arg(args, "--neighbours") !== undefined ? num(args, "--neighbours", 16) : undefined,
    random: !args.includes("--no-random"),
    noBank: args.includes("--no-bank"),
    nearDb: num(args, "--near-db", quick ? 0 : 1),
    excludeNear: args.includes("--exclude-near"),
    exploreFraction: arg(args, "--explore") !== undefined ? num(args, "--explore", 0.15) : undefined,
    portfolioFraction: arg(args, "--portfolio") !== undefined ? num(args, "--portfolio", 0.4) : undefined,
    portfolioRuns: arg(args, "--portfolio-runs") !== undefined ? num(args, "--portfolio-runs", 4) : undefined,
    budget: (synthId, nSynths) => {
      // Each synth of a best-of run gets its share of the budget.
      if (seconds !== undefined) return { seconds: seconds / nSynths };
      if (renders !== undefined) return { renders: Math.max(1, Math.floor(renders / nSynths)) };
      const own = perSynthRenders?.get(synthId);
      if (own !== undefined) return { renders: Math.max(1, Math.floor(own / nSynths)) };
      if (currentSet === "spiegelib") return { renders: quick ? 300 : 2500 };
      if (quick) return { renders: synthId === "vital" ? 40 : 150 };
      return { seconds: 30 / nSynths };
    },
    bank: (synth) => {
      let b = bankCache.get(synth.id);
      if (!b) {
        b = benchBank(synth, {
          corpusBanks: arg(args, "--bank-corpus") === "all" ? Infinity : num(args, "--bank-corpus", 0),
          cacheDir: args.includes("--no-bank-cache")
            ? undefined
            : (arg(args, "--bank-cache") ?? path.join(os.tmpdir(), "patchsmith-bench-banks")),
          threads,
          notes: bankNotes,
          quick,
        });
        bankCache.set(synth.id, b);
      }
      return b;
    },
  };
  for (const set of setArg === "all" ? ALL_SETS : [setArg]) {
    currentSet = set;
    await runSet(set, args, emit, cfg);
  }
}
