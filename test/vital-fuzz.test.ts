/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk and mutate arbitrary JSON */
// Fuzz the .vital reader: malformed JSON, wrong types, missing and extra keys, bad base64, wrong wave-data
// lengths, NaN/huge numbers, deep nesting and huge arrays. Only PatchsmithErrors (or lenient warnings) may
// come out; whatever is read must write a preset that reads back cleanly.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PatchsmithError } from "../src/errors.ts";
import { readVital, writeVital } from "../src/synths/vital/codec.ts";
import { describeVital } from "../src/synths/vital/describe.ts";
import { ENGINE_SUPPORT } from "../src/synths/vital/index.ts";
import { vitalUnsupportedFeatures } from "../src/synths/vital/unsupported.ts";
import { decodeBase64, encodeBase64 } from "../src/synths/vital/wavetable-data.ts";
import { repoRoot } from "./helpers.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A small but complete preset (18 KB) using every structure: the kitchen-sink fixture. */
function basePreset(): Record<string, any> {
  return JSON.parse(readFileSync(path.join(repoRoot, "test/fixtures/vital/kitchen-sink.vital"), "utf8"));
}

const base64Of = (bytes: number, r: () => number) =>
  Buffer.from(Uint8Array.from({ length: bytes }, () => Math.floor(r() * 256))).toString("base64");

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

function wildValue(r: () => number): unknown {
  const pool: Array<() => unknown> = [
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -1,
    () => 1e308,
    () => -1e308,
    () => 5e-324,
    () => Math.floor(r() * 1e9) - 5e8,
    () => r() * 4 - 2,
    () => "",
    () => "x".repeat(Math.floor(r() * 50)),
    () => "!!!!",
    () => "AAAA",
    () => "AA=A",
    () => base64Of(Math.floor(r() * 9000), r),
    () => base64Of(8192, r), // right length, random floats (NaN and infinities likely)
    () => base64Of(8191, r),
    () => [],
    () => ({}),
    () => [1, 2, 3],
    () => new Array(Math.floor(r() * 20000)).fill(0),
    () => Array.from({ length: 70 }, () => ({ source: "env_1", destination: "osc_1_level" })),
    () => nested(10 + Math.floor(r() * 120)),
    () => ({ points: [0, 1, 1, 0], powers: [0, 0], num_points: 2 }),
    () => ({ groups: [{ components: [{ type: "Wave Source", keyframes: [{ position: 0 }] }] }] }),
    () => ({ __proto__: 1 }),
  ];
  return pool[Math.floor(r() * pool.length)]!();
}

type Path = Array<string | number>;

/** A random path to a node of the tree (biased to go deep). */
function randomPath(root: unknown, r: () => number): Path {
  const path: Path = [];
  let node: any = root;
  while (node && typeof node === "object" && r() < 0.85) {
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    const k = keys[Math.floor(r() * keys.length)]!;
    path.push(k);
    node = node[k];
  }
  return path;
}

function mutateTree(o: any, r: () => number): void {
  const path = randomPath(o, r);
  if (path.length === 0) return;
  const parent = path.slice(0, -1).reduce((n: any, k) => n[k], o);
  const key = path[path.length - 1]!;
  const op = r();
  if (op < 0.3) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (op < 0.8) {
    parent[key] = wildValue(r);
  } else if (op < 0.9) {
    parent[key] = [parent[key]];
  } else if (!Array.isArray(parent)) {
    Object.defineProperty(parent, r() < 0.2 ? "__proto__" : `extra_${Math.floor(r() * 100)}`, {
      value: wildValue(r),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

function mutateText(text: string, r: () => number): string {
  const at = Math.floor(r() * text.length);
  const op = r();
  if (op < 0.2) return text.slice(0, at);
  if (op < 0.4) return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 20));
  if (op < 0.6) return text.slice(0, at) + '{}[],:"0-eE.\\ \u0000é'[Math.floor(r() * 15)] + text.slice(at);
  // swap a number for an extreme one (1e400 parses to Infinity)
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g)];
  if (numbers.length === 0) return text;
  const m = numbers[Math.floor(r() * numbers.length)]!;
  const repl = [
    "1e400",
    "-1e400",
    "1e-400",
    "-0",
    "NaN",
    "Infinity",
    "123456789012345678901234567890",
    "0.0000001",
  ][Math.floor(r() * 8)]!;
  return text.slice(0, m.index) + repl + text.slice(m.index! + m[0].length);
}

/** Notes that are not problems: a preset from a newer Vital is read as far as we understand it. */
const ALLOWED_ON_REREAD = new Set(["newer-version"]);

function check(input: string, label: string, tally: Record<string, number>): void {
  let result;
  try {
    result = readVital(input, "fuzz.vital");
  } catch (e) {
    if (!(e instanceof PatchsmithError)) throw new Error(`${label}: ${String(e)}`, { cause: e });
    if (e.file !== "fuzz.vital") throw new Error(`${label}: error without the file name`);
    tally[`error:${e.code}`] = (tally[`error:${e.code}`] ?? 0) + 1;
    return;
  }
  if (result.patches.length !== 1) throw new Error(`${label}: ${result.patches.length} patches`);
  for (const w of result.warnings) tally[`warn:${w.code}`] = (tally[`warn:${w.code}`] ?? 0) + 1;
  const problems = result.warnings.filter((w) => !ALLOWED_ON_REREAD.has(w.code));
  if (problems.length > 0) {
    // strict mode stops at the first problem lenient mode repaired, with the same code
    let code = "none";
    try {
      readVital(input, "fuzz.vital", { strict: true });
    } catch (e) {
      if (!(e instanceof PatchsmithError)) throw new Error(`${label}: strict: ${String(e)}`, { cause: e });
      code = e.code;
    }
    if (code !== problems[0]!.code)
      throw new Error(`${label}: strict gave ${code}, lenient warned ${problems[0]!.code}`);
  }
  // a clean read round-trips losslessly (vital-codec.test.ts); a repaired one must now be clean
  if (problems.length === 0) {
    tally.clean = (tally.clean ?? 0) + 1;
    return;
  }
  if (tally.repaired === undefined || tally.repaired % 5 === 0) {
    // inspect must cope with whatever a repair produced
    const d = describeVital(result.patches[0]!);
    if (
      typeof d.text !== "string" ||
      !Array.isArray(vitalUnsupportedFeatures(result.patches[0]!, ENGINE_SUPPORT))
    )
      throw new Error(label);
  }
  const again = readVital(writeVital(result.patches[0]!), "again.vital");
  const left = again.warnings.filter((w) => !ALLOWED_ON_REREAD.has(w.code));
  if (left.length) throw new Error(`${label}: rewritten preset still has problems: ${left[0]!.message}`);
  tally.repaired = (tally.repaired ?? 0) + 1;
}

describe("vital reader fuzz", () => {
  it("survives 10,000 malformed presets with clean errors or warnings only", () => {
    const r = rng(20261121);
    const base = basePreset();
    const baseText = JSON.stringify(base);
    const tally: Record<string, number> = {};
    const N = 10_000;
    for (let i = 0; i < N; i++) {
      let text: string;
      if (i % 4 === 0) {
        text = mutateText(baseText, r);
        if (r() < 0.3) text = mutateText(text, r);
      } else {
        const o = structuredClone(base);
        const n = 1 + Math.floor(r() * 3);
        for (let k = 0; k < n; k++) mutateTree(o, r);
        text = JSON.stringify(o);
      }
      check(text, `case ${i}`, tally);
    }
    if (process.env.FUZZ_TALLY) console.log(tally);
    // the fuzzer really exercised both outcomes and many distinct problems
    expect(tally.repaired).toBeGreaterThan(N / 4);
    expect(tally.clean).toBeGreaterThan(N / 20);
    expect(Object.keys(tally).filter((k) => k.startsWith("error:")).length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(tally).filter((k) => k.startsWith("warn:")).length).toBeGreaterThanOrEqual(5);
  }, 180_000); // ~12 s of CPU; the margin is for a machine shared by parallel jobs

  it("decodes random text as base64 like Node does, accepting every canonical string and nothing malformed", () => {
    const r = rng(99);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n";
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(r() * 16);
      let s = "";
      for (let k = 0; k < n; k++) s += alphabet[Math.floor(r() * (r() < 0.9 ? 64 : alphabet.length))];
      const ours = decodeBase64(s);
      const node = Buffer.from(s, "base64");
      if (node.toString("base64") === s) {
        expect(ours, JSON.stringify(s)).toEqual(new Uint8Array(node));
        expect(encodeBase64(ours!)).toBe(s);
      }
      if (ours) {
        expect(new Uint8Array(node), JSON.stringify(s)).toEqual(ours);
        expect(s.length % 4).toBe(0);
        expect(/^[A-Za-z0-9+/]*={0,2}$/.test(s)).toBe(true);
      }
    }
  });
});
