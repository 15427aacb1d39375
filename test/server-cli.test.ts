// `patchsmith serve` as a user runs it: prints its address, serves, stops cleanly on Ctrl-C.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const repoRoot = path.resolve(import.meta.dirname, "..");
const bin = path.join(repoRoot, "bin", "patchsmith.js");

describe("patchsmith serve", () => {
  it("prints the URL, answers on 127.0.0.1 and stops cleanly on SIGINT (exit 130, as every command)", async () => {
    const child = spawn(
      process.execPath,
      [bin, "serve", "--port", "0", "--no-build", "--threads", "0", "--json", "--example", "pluck.wav"],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        stdout += d;
        const line = stdout.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.on("exit", (code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?example=pluck\.wav$/);
    const info = (await (await fetch(new URL("api/info", url))).json()) as { synths: unknown[] };
    expect(info.synths.length).toBeGreaterThan(0);
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).not.toMatch(/error/i);
  });

  it("refuses an unknown example and a port in use with one-line errors", async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, [bin, "serve", "--no-build", ...args], {
          cwd: repoRoot,
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        c.stderr.on("data", (d) => (stderr += d));
        c.on("exit", (code) => resolve({ code, stderr }));
      });
    const r = await run(["--port", "0", "--example", "nope.wav"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "patchsmith: not-found: nope.wav: no such bundled example (see the examples/ folder)",
    );

    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    const busy = await run(["--port", String(port)]);
    blocker.close();
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("patchsmith: port-in-use:");
  });
});
