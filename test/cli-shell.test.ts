import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PatchsmithError } from "../src/errors.ts";
import { checkWritable, writeFileAtomic } from "../src/io/files.ts";
import { runCli, repoRoot } from "./helpers.ts";

describe("CLI shell", () => {
  it("prints help listing the commands, and the version", () => {
    const help = runCli(["--help"]);
    expect(help.status).toBe(0);
    for (const cmd of ["analyze", "compare", "render", "inspect"]) expect(help.stdout).toContain(cmd);
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8"));
    const v = runCli(["--version"]);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
  });

  it("gives every command a --help with --json", () => {
    for (const cmd of ["render", "inspect"]) {
      const r = runCli([cmd, "--help"]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("--json");
      expect(runCli(["help", cmd]).stdout).toBe(r.stdout);
    }
  });

  it("exits 2 on an unknown command or a bad option value", () => {
    expect(runCli(["frobnicate"]).status).toBe(2);
    const bad = runCli(["render", "x.syx", "--note", "200"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/between 0 and 127/);
  });

  it("reports a missing file as one line with a code and the file, exit 1", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ps-cli-"));
    const r = runCli(["inspect", path.join(dir, "missing.vital")]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^patchsmith: (not-found|unsupported-format): .*missing\.vital: /);
  });

  it("rejects a preset type it does not read, naming the file", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ps-cli-"));
    const f = path.join(dir, "notes.txt");
    writeFileSync(f, "hello");
    const r = runCli(["inspect", f, "--json"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^patchsmith: unsupported-format: .*notes\.txt: /);
  });
});

describe("atomic writes", () => {
  it("writes, refuses to overwrite without force, overwrites with force, leaves no temp files", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ps-io-"));
    const f = path.join(dir, "out.bin");
    await writeFileAtomic(f, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(f)]).toEqual([1, 2, 3]);
    await expect(writeFileAtomic(f, new Uint8Array([9]))).rejects.toMatchObject({ code: "exists", file: f });
    expect([...readFileSync(f)]).toEqual([1, 2, 3]);
    await expect(checkWritable([f])).rejects.toBeInstanceOf(PatchsmithError);
    await writeFileAtomic(f, "new", { force: true });
    expect(readFileSync(f, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["out.bin"]);
  });

  it("fails cleanly when the output folder does not exist", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ps-io-"));
    await expect(writeFileAtomic(path.join(dir, "nope", "x.wav"), "x")).rejects.toMatchObject({
      code: "bad-output",
    });
  });
});
