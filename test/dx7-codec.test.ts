// DX7 .syx codec: VMEM/VCED reading and writing, lenient and strict handling of malformed files, the corpus
// round trip, and the parameter schema.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PatchsmithError } from "../src/errors.ts";
import { packPatch, readDx7, writeDx7, writeVced, writeVmem } from "../src/synths/dx7/codec.ts";
import { engineParams } from "../src/synths/dx7/engine/params.ts";
import { synth } from "../src/synths/dx7/index.ts";
import { DX7_PARAMS, fromVector, initPatch, toVector, type Dx7Patch } from "../src/synths/dx7/params.ts";
import { repoRoot, sharedDir } from "./helpers.ts";

const fixture = new Uint8Array(readFileSync(path.join(repoRoot, "test/fixtures/dx7/features.syx")));
const corpusDir = path.join(sharedDir, "data/dx7");
const hasCorpus = existsSync(path.join(corpusDir, "corpus"));

function checksum(data: Uint8Array): number {
  let s = 0;
  for (const b of data) s += b;
  return (128 - (s & 127)) & 127;
}

function withChecksum(bank: Uint8Array): Uint8Array {
  const b = bank.slice();
  b[4102] = checksum(b.subarray(6, 4102));
  return b;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PatchsmithError);
    return (e as PatchsmithError).code;
  }
  return undefined;
}

describe("dx7 codec: VMEM and VCED", () => {
  it("reads a 32-voice bank and writes it back byte for byte", () => {
    const { patches, warnings } = readDx7(fixture, "features.syx", { strict: true });
    expect(warnings).toEqual([]);
    expect(patches).toHaveLength(32);
    expect(patches[0]!.name).toBe("INIT VOICE");
    expect(Buffer.from(writeDx7(patches, initPatch())).equals(Buffer.from(fixture))).toBe(true);
  });

  it("round-trips a single voice (VCED) and reads it back to the same patch", () => {
    const p = readDx7(fixture).patches[6]!;
    const vced = writeVced(p);
    expect(vced.length).toBe(163);
    expect([...vced.subarray(0, 6)]).toEqual([0xf0, 0x43, 0x00, 0x00, 0x01, 0x1b]);
    const back = readDx7(vced, "one.syx", { strict: true });
    expect(back.patches).toEqual([p]);
    expect(Buffer.from(writeDx7(back.patches, initPatch())).equals(Buffer.from(vced))).toBe(true);
  });

  it("accepts a headerless 4096-byte dump, several messages in one file, and other channels", () => {
    const raw = fixture.slice(6, 4102);
    expect(readDx7(raw, "raw.bin").patches).toHaveLength(32);
    const ch5 = withChecksum(fixture);
    ch5[2] = 0x05;
    const vced = writeVced(readDx7(fixture).patches[3]!);
    const both = new Uint8Array([...fixture, ...ch5, ...vced]);
    const r = readDx7(both, "three.syx", { strict: true });
    expect(r.patches).toHaveLength(65);
    expect(r.patches[32 + 3]).toEqual(r.patches[64]);
  });

  it("skips non-voice messages and rejects files with no DX7 voice at all", () => {
    const other = new Uint8Array([0xf0, 0x43, 0x00, 0x7e, 0x01, 0x28, 1, 2, 3, 0x10, 0xf7]);
    const r = readDx7(new Uint8Array([...other, ...fixture]), "mixed.syx");
    expect(r.patches).toHaveLength(32);
    expect(r.warnings.map((w) => w.code)).toEqual(["skipped-messages"]);
    // A TX81Z-style 32-voice bank (format 4) is not DX7 data.
    const tx = new Uint8Array(4104);
    tx.set([0xf0, 0x43, 0x00, 0x04, 0x20, 0x00]);
    tx[4103] = 0xf7;
    expect(codeOf(() => readDx7(tx, "tx81z.syx"))).toBe("not-dx7");
    expect(codeOf(() => readDx7(new Uint8Array(0), "empty.syx"))).toBe("empty-file");
    expect(codeOf(() => readDx7(new Uint8Array([1, 2, 3]), "junk.syx"))).toBe("not-sysex");
  });

  it("warns about a wrong checksum in lenient mode and refuses it in strict mode", () => {
    const bad = fixture.slice();
    bad[4102] = (bad[4102]! + 1) & 127;
    const r = readDx7(bad, "bad.syx");
    expect(r.patches).toHaveLength(32);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]!.code).toBe("bad-checksum");
    expect(r.warnings[0]!.message).toMatch(/checksum 0x[0-9a-f]{2}, expected 0x[0-9a-f]{2}/);
    expect(codeOf(() => readDx7(bad, "bad.syx", { strict: true }))).toBe("bad-checksum");
  });

  it("accepts banks missing the checksum or F7 with a warning", () => {
    expect(readDx7(fixture.subarray(0, 4102)).warnings.map((w) => w.code)).toEqual(["missing-checksum"]);
    expect(readDx7(fixture.subarray(0, 4103)).warnings.map((w) => w.code)).toEqual(["missing-end"]);
    const truncated = readDx7(fixture.subarray(0, 6 + 128 * 5 + 40));
    expect(truncated.patches).toHaveLength(5);
    expect(truncated.warnings[0]!.code).toBe("truncated");
    expect(codeOf(() => readDx7(fixture.subarray(0, 4102), "x", { strict: true }))).toBe("missing-checksum");
  });

  it("masks bit 7 and clamps out-of-range values, naming the voice, parameter and byte", () => {
    const bank = fixture.slice();
    const v = 2; // voice 3
    const olOffset = 6 + 128 * v + 85 + 14; // OP1 output level
    bank[olOffset] = 127;
    bank[6 + 128 * v + 3] = 0x80 | 50; // OP6 EG rate 4 with bit 7 set
    bank[6 + 128 * v + 102] = 127; // pitch EG rate 1
    const fixed = withChecksum(bank);
    const r = readDx7(fixed, "oor.syx");
    const codes = r.warnings.map((w) => w.code).sort();
    // (bit 7 does not change the 7-bit checksum)
    expect(codes).toEqual(["bad-data-byte", "out-of-range", "out-of-range"]);
    const ol = r.warnings.find((w) => w.message.includes("OP1 output level"))!;
    expect(ol.message).toContain("voice 3");
    expect(ol.message).toContain(`file offset ${olOffset}`);
    expect(r.patches[v]!.operators[0]!.outputLevel).toBe(99);
    expect(r.patches[v]!.operators[5]!.egRate[3]).toBe(50);
    expect(r.patches[v]!.pitchEgRate[0]).toBe(99);
    expect(codeOf(() => readDx7(fixed, "oor.syx", { strict: true }))).toBe("bad-data-byte");
    // What Dexed hands its engine: OL kept, pitch EG 127 rescaled to 49.
    const dexed = readDx7(fixed, "oor.syx", { outOfRange: "dexed" });
    expect(dexed.patches[v]!.operators[0]!.outputLevel).toBe(127);
    expect(dexed.patches[v]!.pitchEgRate[0]).toBe(49);
    expect(synth.unsupportedFeatures(dexed.patches[v]!)).toEqual([]);
  });

  it("keeps don't-care bits for the round trip without changing the sound", () => {
    const bank = fixture.slice();
    bank[6 + 11] |= 0x50; // OP6 curves byte: bits 6 and 4 are don't-care
    bank[6 + 111] |= 0x40; // feedback/key-sync byte
    const fixed = withChecksum(bank);
    const r = readDx7(fixed, "dc.syx", { strict: true });
    expect(r.warnings).toEqual([]);
    expect(r.patches[0]!.packedDontCare).toEqual({ 11: 0x50, 111: 0x40 });
    expect(Buffer.from(writeDx7(r.patches, initPatch())).equals(Buffer.from(fixed))).toBe(true);
    const clean = readDx7(fixture).patches[0]!;
    expect([...engineParams(r.patches[0]!)]).toEqual([...engineParams(clean)]);
  });

  it("pads a short bank with INIT VOICE and refuses more than 32 voices per VMEM", () => {
    const two = readDx7(fixture).patches.slice(0, 2);
    const bank = readDx7(writeDx7(two, initPatch()), "x", { strict: true }).patches;
    expect(bank).toHaveLength(32);
    expect(bank[31]!.name).toBe("INIT VOICE");
    expect(codeOf(() => writeVmem(new Array(33).fill(initPatch()), initPatch()))).toBe("too-many-voices");
    expect(packPatch(initPatch()).length).toBe(128);
  });
});

describe("dx7 schema", () => {
  it("has the 145 sound parameters with kinds and ranges", () => {
    expect(DX7_PARAMS).toHaveLength(145);
    expect(new Set(DX7_PARAMS.map((s) => s.name)).size).toBe(145);
    const byName = Object.fromEntries(DX7_PARAMS.map((s) => [s.name, s]));
    expect(byName.algorithm!.kind).toBe("choice");
    expect(byName.algorithm!.options).toHaveLength(32);
    expect(byName.op1_left_curve!.kind).toBe("choice");
    expect(byName.lfo_wave!.options).toHaveLength(6);
    expect(byName.op6_output_level!).toMatchObject({ kind: "integer", min: 0, max: 99 });
    expect(byName.op3_detune!.max).toBe(14);
    expect(byName.transpose!.max).toBe(48);
  });

  it("maps every feature voice to [0,1] and back unchanged", () => {
    for (const p of readDx7(fixture).patches) {
      const v = toVector(p);
      expect(v.every((x) => x >= 0 && x <= 1)).toBe(true);
      const back = fromVector(v, p);
      expect(writeVced(back)).toEqual(writeVced(p));
    }
  });

  it("builds patches from arbitrary vectors that the codec writes and reads back", () => {
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let k = 0; k < 50; k++) {
      const v = Float32Array.from({ length: DX7_PARAMS.length }, rnd);
      const p: Dx7Patch = fromVector(v);
      const back = readDx7(writeVced(p), "v.syx", { strict: true }).patches[0]!;
      expect(toVector(back)).toEqual(toVector(p));
    }
  });
});

describe.skipIf(!hasCorpus)("dx7 codec over the corpus (../shared/data/dx7)", () => {
  it("round-trips every well-formed bank byte for byte", () => {
    const files = [
      ...readdirSync(path.join(corpusDir, "factory")).map((f) => path.join(corpusDir, "factory", f)),
      ...readdirSync(path.join(corpusDir, "corpus")).map((f) => path.join(corpusDir, "corpus", f)),
    ].filter((f) => f.endsWith(".syx"));
    let wellFormed = 0;
    let voices = 0;
    let voicesExact = 0;
    const notWellFormed: Record<string, number> = {};
    const mismatched: string[] = [];
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(file));
      const { patches, warnings } = readDx7(bytes, path.basename(file), { maxWarnings: Infinity });
      // Voice by voice: a voice the reader had nothing to say about packs back to its exact 128 bytes.
      const flagged = new Set(warnings.map((w) => /voice (\d+)/.exec(w.message)?.[1]));
      patches.forEach((p, k) => {
        voices++;
        const same = Buffer.from(packPatch(p)).equals(
          Buffer.from(bytes.subarray(6 + 128 * k, 6 + 128 * (k + 1))),
        );
        if (same) voicesExact++;
        else if (!flagged.has(String(k + 1))) mismatched.push(`${file}#${k}`);
      });
      // Well-formed: one VMEM message with a valid header, checksum and F7, no data byte with bit 7 set and
      // every value within its documented range — exactly when the lenient reader has nothing to say.
      const wf = warnings.length === 0 && bytes.length === 4104 && bytes[2] === 0;
      if (!wf) {
        for (const c of new Set(warnings.map((w) => w.code))) notWellFormed[c] = (notWellFormed[c] ?? 0) + 1;
        continue;
      }
      wellFormed++;
      if (!Buffer.from(writeDx7(patches, initPatch())).equals(Buffer.from(bytes))) mismatched.push(file);
    }
    console.log(
      `dx7 corpus: ${files.length} banks, ${wellFormed} well-formed (not: ${JSON.stringify(notWellFormed)}); ` +
        `${voicesExact} of ${voices} voices pack back exactly, the others have out-of-range values`,
    );
    expect(files.length).toBeGreaterThan(1000);
    expect(wellFormed).toBeGreaterThan(50);
    expect(voicesExact / voices).toBeGreaterThan(0.85);
    expect(mismatched).toEqual([]);
  });
});
