// Fuzz: 10,000 mutated .syx files. The reader must return patches (with warnings) or throw a PatchsmithError —
// never crash, hang or return garbage — and whatever it returns must render to finite, bounded audio.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PatchsmithError } from "../src/errors.ts";
import { readDx7, writeVced } from "../src/synths/dx7/codec.ts";
import { engineParams } from "../src/synths/dx7/engine/params.ts";
import { Dx7NoteRenderer } from "../src/synths/dx7/engine/render.ts";
import { repoRoot } from "./helpers.ts";

const bank = new Uint8Array(readFileSync(path.join(repoRoot, "test/fixtures/dx7/features.syx")));
const vced = writeVced(readDx7(bank).patches[6]!);
const seeds: Uint8Array[] = [bank, vced, concat(vced, bank), bank.slice(6, 4102)];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const CODE = /^[a-z]+(-[a-z0-9]+)*$/;

function mutate(src: Uint8Array, r: () => number): Uint8Array {
  let b: Uint8Array = src.slice();
  const n = 1 + Math.floor(r() * 6);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * Math.max(1, b.length));
    switch (Math.floor(r() * 8)) {
      case 0: // random byte
        b[at] = Math.floor(r() * 256);
        break;
      case 1: // top bit
        b[at]! |= 0x80;
        break;
      case 2: // value above range
        b[at] = 100 + Math.floor(r() * 28);
        break;
      case 3: // truncate
        b = b.slice(0, at);
        break;
      case 4: // insert a status byte
        b = concat(b.subarray(0, at), new Uint8Array([r() < 0.5 ? 0xf0 : 0xf7]), b.subarray(at));
        break;
      case 5: // drop a run of bytes
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(r() * 200))));
        break;
      case 6: // header fields
        b[Math.floor(r() * 6)] = Math.floor(r() * 256);
        break;
      default: // duplicate a chunk
        b = concat(b, b.subarray(at, at + Math.floor(r() * 300)));
    }
  }
  return b;
}

describe("dx7 codec fuzz", () => {
  it("handles 10,000 mutated files with clean errors or warnings only", () => {
    const r = rng(20261121);
    const renderer = new Dx7NoteRenderer(44100);
    const outcomes: Record<string, number> = {};
    let rendered = 0;
    for (let i = 0; i < 10_000; i++) {
      const bytes = mutate(seeds[i % seeds.length]!, r);
      // every file leniently, and every other one also strictly or as Dexed sees it
      for (const opts of [{}, i % 2 === 0 ? { strict: true } : { outOfRange: "dexed" as const }]) {
        let result;
        try {
          result = readDx7(bytes, `fuzz-${i}.syx`, opts);
        } catch (e) {
          if (!(e instanceof PatchsmithError)) throw new Error(`fuzz case ${i}: ${String(e)}`);
          if (!CODE.test(e.code) || e.file !== `fuzz-${i}.syx`)
            throw new Error(`fuzz case ${i}: bad error ${e.code} ${e.file}`);
          outcomes[e.code] = (outcomes[e.code] ?? 0) + 1;
          continue;
        }
        if (result.patches.length === 0) throw new Error(`fuzz case ${i}: no patches and no error`);
        for (const w of result.warnings)
          if (!CODE.test(w.code) || !w.message) throw new Error(`fuzz case ${i}: bad warning`);
        outcomes.ok = (outcomes.ok ?? 0) + 1;
        if (i % 5 === 1 && opts.outOfRange === "dexed") {
          const p = result.patches[Math.floor(r() * result.patches.length)]!;
          const s = renderer.render(engineParams(p), {
            note: Math.floor(r() * 128),
            velocity: 1 + Math.floor(r() * 127),
            noteOffSample: 256,
            length: 512,
          });
          if (s.length !== 512) throw new Error(`fuzz case ${i}: render length ${s.length}`);
          rendered++;
        }
      }
    }
    expect(outcomes.ok).toBeGreaterThan(5000);
    expect(outcomes["bad-checksum"]).toBeGreaterThan(100);
    expect(Object.keys(outcomes).length).toBeGreaterThan(2);
    expect(rendered).toBeGreaterThan(300);
  });
});
