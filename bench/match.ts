// The matcher against its baselines at equal render budget, in the same run (DESIGN §6, issue #6):
//   npm run bench -- match [--set dx7-refs|vital-refs|sounds|spiegelib] [--synth dx7|vital] [--group G] [--limit N] [--time S] [--renders N]
//                          [--bank-corpus BANKS] [--bank-notes 60,…] [--neighbours K] [--threads N] [--seed S] [--offset K]
// Sets (read from ../shared at run time; nothing is copied into the repo):
//   dx7-refs   corpus voices rendered by msfa at note 60 (refs/dx7, group "corpus"); the target's own voice is
//              excluded from the bank.
//   sounds     real recorded one-shots (data/sounds), out of domain; note from the manifest when known.
//   vital-refs renders by Vital itself (refs/vital; --group ccby for the real presets); no bank (Vital matches
//              start from the init patch and the exploration), so no nearest-bank baseline.
//   spiegelib  SpiegeLib-style replica: DX7 algorithm 1, OP1 a flat sine carrier, OP2 with 9 free parameters
//              (coarse, fine, output level, EG rates 1–3, EG levels 1–3 — our reading of "pitch and envelope"),
//              OPs 3–6 off, note 48, velocity 127, 1 s; 25 random targets; scored with MFCC-MAE (SpiegeLib).
// Baselines, each given the renders the matcher used on that target: the init patch, the nearest bank preset
// (top embedding neighbour), and random search (uniform points, best by the same loss).
// Metrics are computed on level-matched renders (src/match/loss.ts levelMatch), except MFCC-MAE (SpiegeLib).
// The bank is built at run time from ../shared/data/dx7/factory (+ --bank-corpus banks of the corpus) and the
// procedural voices.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./run.ts";
import { readAudioMono } from "../src/audio/decode.ts";
import { WorkerPool } from "../src/jobs/pool.ts";
import {
  buildBank,
  nearestEntries,
  patchKey,
  proceduralPresets,
  type Bank,
  type BankEntry,
} from "../src/match/bank.ts";
import { analyticStarts } from "../src/match/analytic/index.ts";
import { patchToPoint } from "../src/match/evaluate.ts";
import { PoolEvaluator } from "../src/match/evaluator.ts";
import { levelMatch, mixToMono } from "../src/match/loss.ts";
import { match, searchSpaceFor } from "../src/match/pipeline.ts";
import { defaultFreeParams } from "../src/match/profile.ts";
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
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2) : NaN;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

interface BenchTarget {
  id: string;
  samples: Float32Array;
  note?: number;
  hold?: number;
  velocity?: number;
  /** The patch that made it (in-domain sets), excluded from the bank. */
  truth?: unknown;
}

interface Scores {
  melLsd: number;
  sc: number;
  mss: number;
  mfccSpiegelib: number;
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
      { sampleRate: 44100, seed: 1 },
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
      samples,
      note: 60,
      hold: Number(m.hold_s),
      velocity: Number(m.velocity),
      truth: voices[Number(m.voice_index)],
    });
  }
  return out;
}

async function vitalRefTargets(limit: number, offset: number, group?: string): Promise<BenchTarget[]> {
  const dir = path.join(shared, "refs/vital");
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as Array<
    Record<string, unknown>
  >;
  const pool = manifest.filter((m) => (group ? m.group === group : true) && Number(m.dur_s) <= 4);
  const step = Math.max(1, Math.floor(pool.length / Math.max(1, limit)));
  const chosen = pool.filter((_, i) => i % step === offset % step).slice(0, limit);
  const out: BenchTarget[] = [];
  for (const m of chosen) {
    const { samples } = await readAudioMono(path.join(dir, String(m.wav)), 44100);
    // Vital's velocity is 0–1 in the manifest; MIDI velocity at our interface.
    out.push({
      id: String(m.id),
      samples,
      note: Number(m.note),
      hold: Number(m.note_off_s),
      velocity: Math.max(1, Math.round(Number(m.velocity) * 127)),
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

async function soundTargets(limit: number, offset: number): Promise<BenchTarget[]> {
  const dir = path.join(shared, "data/sounds");
  const [header, ...rows] = parseCsv(readFileSync(path.join(dir, "manifest.csv"), "utf8"));
  const col = (name: string) => header!.indexOf(name);
  // Spread over the classes: every k-th row.
  const step = Math.max(1, Math.floor(rows.length / Math.max(1, limit)));
  const picked = rows.filter((_, i) => i % step === offset % step).slice(0, limit);
  const out: BenchTarget[] = [];
  for (const r of picked) {
    const { samples } = await readAudioMono(path.join(dir, r[col("path")]!), 44100);
    const note = r[col("midi_note")] ? Number(r[col("midi_note")]) : undefined;
    out.push({ id: r[col("path")]!, samples, note: Number.isFinite(note) ? note : undefined });
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
    targets.push({ id: `spiegelib-${k + 1}`, samples, note: 48, hold: 1, velocity: 127, truth });
  }
  return { targets, free };
}

async function dx7Bank(
  synth: AnySynth,
  corpusBanks: number,
  threads: number,
  notes?: number[],
): Promise<Bank> {
  const entries: BankEntry[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const patches = synth.codec.read(new Uint8Array(readFileSync(file))).patches;
    patches.forEach((patch, i) => {
      const key = patchKey(synth, patch);
      if (seen.has(key)) return;
      seen.add(key);
      entries.push({ name: synth.patchName(patch), source: `${path.basename(file)}#${i + 1}`, patch });
    });
  };
  const factory = path.join(shared, "data/dx7/factory");
  for (const f of readdirSync(factory).sort()) if (f.endsWith(".syx")) add(path.join(factory, f));
  const corpus = path.join(shared, "data/dx7/corpus");
  for (const f of readdirSync(corpus).sort().slice(0, corpusBanks)) add(path.join(corpus, f));
  entries.push(...proceduralPresets(synth, 256));
  const t0 = performance.now();
  const bank = await buildBank(synth, entries, { threads, notes });
  process.stderr.write(
    `bank: ${entries.length} presets embedded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  return bank;
}

export default async function bench(args: string[], emit: (r: BenchResult) => void): Promise<void> {
  const set = arg(args, "--set") ?? "dx7-refs";
  const limit = num(args, "--limit", set === "spiegelib" ? 25 : 8);
  const offset = num(args, "--offset", 0);
  const seconds = arg(args, "--time") !== undefined ? num(args, "--time", 30) : undefined;
  const renders =
    arg(args, "--renders") !== undefined
      ? num(args, "--renders", 2500)
      : set === "spiegelib" && seconds === undefined
        ? 2500
        : undefined;
  const budgetSeconds = seconds ?? (renders === undefined ? 30 : undefined);
  const threads = num(args, "--threads", 2);
  const seed = num(args, "--seed", 1);
  await loadSynths();
  const synthId = arg(args, "--synth") ?? (set.startsWith("vital") ? "vital" : "dx7");
  const synth = getSynth(synthId);
  if (!synth) throw new Error(`the ${synthId} synth is not registered`);

  let targets: BenchTarget[];
  let free: number[] | undefined;
  if (set === "dx7-refs") targets = await dx7RefTargets(synth, limit, offset);
  else if (set === "sounds") targets = await soundTargets(limit, offset);
  else if (set === "vital-refs") targets = await vitalRefTargets(limit, offset, arg(args, "--group"));
  else if (set === "spiegelib") ({ targets, free } = spiegelibTargets(synth, limit, seed));
  else throw new Error(`unknown set ${set}`);
  // The bench builds a DX7 bank only; Vital runs from its init patch and the random exploration.
  const useBank = set !== "spiegelib" && synth.id === "dx7";
  // --bank-notes 60: embed at that note only (enough when every target is played there; faster to build).
  const bankNotes = arg(args, "--bank-notes")?.split(",").map(Number);
  const bank = useBank ? await dx7Bank(synth, num(args, "--bank-corpus", 0), threads, bankNotes) : undefined;
  const pool = new WorkerPool({ threads });
  const rows: Array<{ id: string; method: string; scores: Scores; renders: number; seconds: number }> = [];
  const firstTimes: number[] = [];

  try {
    for (const bt of targets) {
      const target = analyseTarget(bt.samples, {
        note: bt.note,
        holdSeconds: bt.hold,
        velocity: bt.velocity,
      });
      const evaluator = new PoolEvaluator(target.samples, { pool });
      const truthKey = bt.truth !== undefined ? patchKey(synth, bt.truth) : undefined;
      const exclude = (e: BankEntry) => truthKey !== undefined && patchKey(synth, e.patch) === truthKey;
      const starts = [
        ...analyticStarts(synth, target),
        ...(bank
          ? nearestEntries(bank, target.samples, target.note, num(args, "--neighbours", 16), exclude).map(
              (e) => ({ patch: e.patch, source: `bank ${e.name.trim()}` }),
            )
          : []),
      ];
      const t0 = performance.now();
      let first = NaN;
      const res = await match({
        synth,
        target,
        evaluator,
        seconds: budgetSeconds,
        renders,
        seed,
        candidates: 1,
        starts,
        free,
        onFirstCandidate: () => {
          first = (performance.now() - t0) / 1000;
        },
      });
      firstTimes.push(first);
      const levelMatched = set !== "spiegelib";
      const best = res.candidates[0]!;
      const matched = scoreAudio(
        target,
        renderMono(synth, best.patch, target, best.holdSeconds),
        levelMatched,
      );
      rows.push({
        id: bt.id,
        method: "matcher",
        scores: matched,
        renders: res.renders,
        seconds: res.seconds,
      });

      const hold = target.holdSeconds;
      rows.push({
        id: bt.id,
        method: "init",
        scores: scoreAudio(target, renderMono(synth, synth.defaultPatch(), target, hold), levelMatched),
        renders: 1,
        seconds: 0,
      });
      if (bank) {
        const nearest = nearestEntries(bank, target.samples, target.note, 1, exclude)[0]!;
        rows.push({
          id: bt.id,
          method: "nearest-bank",
          scores: scoreAudio(target, renderMono(synth, nearest.patch, target, hold), levelMatched),
          renders: 1,
          seconds: 0,
        });
      }
      // Random search with the matcher's render count, scored by the same loss.
      const space = searchSpaceFor(synth, target, { free: free ?? defaultFreeParams(synth), seed });
      const r = new Random(seed + 7);
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
        const { Scorer } = await import("../src/match/evaluate.ts");
        const sc = new Scorer(synth, space, target.loss);
        const audio = sc.render(bestPoint);
        rows.push({
          id: bt.id,
          method: "random",
          scores: scoreAudio(target, audio, levelMatched),
          renders: res.renders,
          seconds: (performance.now() - tr) / 1000,
        });
      }
      await evaluator.close();
      const mine = rows.filter((x) => x.id === bt.id);
      for (const x of mine) {
        emit({
          name: `match/${set}/${bt.id}`,
          metric: set === "spiegelib" ? "mfcc-mae-spiegelib" : "mel-lsd",
          value: set === "spiegelib" ? x.scores.mfccSpiegelib : x.scores.melLsd,
          unit: set === "spiegelib" ? "" : "dB",
          method: x.method,
          ...x.scores,
          renders: x.renders,
          seconds: x.seconds,
          note: target.note,
          ...(x.method === "matcher" ? { firstCandidateSeconds: first } : {}),
        });
      }
    }
  } finally {
    await pool.close();
  }

  // Aggregates.
  const key: keyof Scores = set === "spiegelib" ? "mfccSpiegelib" : set === "sounds" ? "sc" : "melLsd";
  const methods = [...new Set(rows.map((r) => r.method))];
  for (const m of methods) {
    const vals = rows.filter((r) => r.method === m).map((r) => r.scores[key]);
    const melVals = rows.filter((r) => r.method === m).map((r) => r.scores.melLsd);
    emit({
      name: `match/${set}`,
      metric: `${key}-median`,
      value: median(vals),
      unit: key === "melLsd" ? "dB" : "",
      method: m,
      targets: vals.length,
      mean: mean(vals),
      melLsdMedian: median(melVals),
    });
  }
  const ids = [...new Set(rows.map((r) => r.id))];
  let wins = 0;
  for (const id of ids) {
    const mine = rows.filter((r) => r.id === id);
    const me = mine.find((r) => r.method === "matcher")!.scores[key];
    if (mine.filter((r) => r.method !== "matcher").every((r) => me < r.scores[key])) wins++;
  }
  emit({
    name: `match/${set}`,
    metric: "beats-every-baseline",
    value: wins / Math.max(1, ids.length),
    unit: "fraction",
    by: key,
    targets: ids.length,
  });
  emit({
    name: `match/${set}`,
    metric: "first-candidate-seconds-max",
    value: Math.max(...firstTimes),
    unit: "s",
    median: median(firstTimes),
  });
  const rendersUsed = rows.filter((r) => r.method === "matcher").map((r) => r.renders);
  emit({
    name: `match/${set}`,
    metric: "renders-per-target-median",
    value: median(rendersUsed),
    unit: "renders",
    budgetSeconds: budgetSeconds ?? null,
    budgetRenders: renders ?? null,
    threads,
  });
}
