// `patchsmith render` and `patchsmith inspect` on DX7 banks, run as a user would.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, runCli } from "./helpers.ts";

const bank = path.join(repoRoot, "test/fixtures/dx7/features.syx");
const { renders } = JSON.parse(
  readFileSync(path.join(repoRoot, "test/fixtures/dx7/features.json"), "utf8"),
) as {
  renders: Array<{ id: string; voice: number; note: number; velocity: number; md5: string }>;
};

describe("dx7 CLI", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "patchsmith-dx7-"));

  it("renders one voice of a bank bit-exactly as a 16-bit WAV", () => {
    const r = renders.find((x) => x.id.startsWith("pitch-mod-pm-pms7"))!;
    const out = path.join(dir, "pms7.wav");
    const args = [
      "render",
      bank,
      "--voice",
      String(r.voice),
      "--note",
      String(r.note),
      "--velocity",
      String(r.velocity),
      "--hold",
      "1",
      "--length",
      "2",
      "-o",
      out,
    ];
    const run = runCli(args);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(createHash("md5").update(readFileSync(out)).digest("hex")).toBe(r.md5);
    const again = runCli(args);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^patchsmith: [a-z-]+: .*pms7\.wav/);
  });

  it("renders every voice with --all into a folder", () => {
    const out = path.join(dir, "all");
    const run = runCli(["render", bank, "--all", "-o", out, "--length", "0.2", "--json"]);
    expect(run.status).toBe(0);
    const data = JSON.parse(run.stdout);
    expect(data.renders).toHaveLength(32);
    expect(readdirSync(out).filter((f) => f.endsWith(".wav"))).toHaveLength(32);
    expect(readdirSync(out)).toContain("07-FB7_ALG1.wav");
  });

  it("inspects a bank (voice list) and one voice (every parameter by name)", () => {
    const list = runCli(["inspect", bank, "--json"]);
    expect(list.status).toBe(0);
    const d = JSON.parse(list.stdout);
    expect(d.voiceCount).toBe(32);
    expect(d.voices[6].name).toBe("FB7 ALG1");
    const one = runCli(["inspect", bank, "--voice", "7", "--json"]);
    const v = JSON.parse(one.stdout).voices[0];
    expect(Object.keys(v.parameters)).toHaveLength(145);
    expect(v.parameters.algorithm).toBe(1);
    expect(v.parameters.feedback).toBe(7);
    const human = runCli(["inspect", bank, "--voice", "7"]);
    expect(human.stdout).toContain('"FB7 ALG1"  algorithm 1');
    expect(human.stdout).toMatch(/^ *6 +mod +\d+ +ratio/m);
  });

  it("warns on stderr about a bad checksum and refuses it with --strict", () => {
    const bytes = new Uint8Array(readFileSync(bank));
    bytes[4102] = (bytes[4102]! + 3) & 127;
    const bad = path.join(dir, "bad.syx");
    writeFileSync(bad, bytes);
    const lenient = runCli(["inspect", bad, "--json"]);
    expect(lenient.status).toBe(0);
    expect(lenient.stderr).toMatch(
      /patchsmith: warning: bad-checksum: .*bad\.syx: bank 1: voice data checksum/,
    );
    expect(JSON.parse(lenient.stdout).voiceCount).toBe(32);
    const strict = runCli(["inspect", bad, "--strict"]);
    expect(strict.status).toBe(1);
    expect(strict.stderr.trim()).toMatch(
      /^patchsmith: bad-checksum: .*bad\.syx: bank 1: voice data checksum 0x[0-9a-f]{2}, expected 0x[0-9a-f]{2}$/,
    );
  });

  it("names a file that is not DX7 voice data", () => {
    const tx = new Uint8Array(4104);
    tx.set([0xf0, 0x43, 0x00, 0x04, 0x20, 0x00]);
    tx[4103] = 0xf7;
    const file = path.join(dir, "tx81z.syx");
    writeFileSync(file, tx);
    const run = runCli(["render", file, "-o", path.join(dir, "tx.wav")]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^patchsmith: not-dx7: .*tx81z\.syx: no DX7 voice data/);
  });
});
