// Bad uploads never crash the server: mutated sounds and presets get a 201 or a 4xx with a stable error code.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeWav } from "../src/audio/encode.ts";
import { startServer, type RunningServer } from "../src/server/app.ts";
import { Random } from "../src/util/random.ts";
import { makeDx7Bank } from "./server-helpers.ts";

const repoRoot = path.resolve(import.meta.dirname, "..");
let srv: RunningServer;

beforeAll(async () => {
  srv = await startServer({ port: 0, threads: 0, maxUploadBytes: 256 * 1024 });
});

afterAll(async () => {
  await srv?.close();
});

function mutate(rng: Random, src: Uint8Array): Uint8Array {
  const kind = rng.int(4);
  if (kind === 0) return src.slice(0, rng.int(src.length)); // truncated
  const out = Uint8Array.from(src);
  if (kind === 1) {
    // a few random bytes, mostly in the header where the structure is
    for (let k = 0; k < 1 + rng.int(8); k++)
      out[rng.next() < 0.7 ? rng.int(Math.min(64, out.length)) : rng.int(out.length)] = rng.int(256);
    return out;
  }
  if (kind === 2) {
    // a 32-bit field (sizes, counts, rates) set to an extreme
    const at = rng.int(Math.max(1, Math.min(60, out.length - 4)));
    new DataView(out.buffer).setUint32(at, [0, 0xffffffff, 0x7fffffff, 1][rng.int(4)]!, rng.next() < 0.5);
    return out;
  }
  return Uint8Array.from({ length: rng.int(300) }, () => rng.int(256)); // noise
}

describe("server: mutated uploads", () => {
  it("answers 300 mutated sounds and presets with a result or a clean error", async () => {
    const tone = new Float32Array(2205).map((_, i) => 0.5 * Math.sin(i / 10));
    const seeds = [
      encodeWav({ sampleRate: 44100, channels: [tone] }, "pcm16"),
      encodeWav({ sampleRate: 22050, channels: [tone, tone] }, "float32"),
      (await makeDx7Bank(3)).slice(0, 163 + 6), // starts like a bank; mutations fix or break it
      await makeDx7Bank(5),
      new TextEncoder().encode(
        readFileSync(path.join(repoRoot, "test/fixtures/vital/minimal.vital"), "utf8").slice(0, 3000),
      ),
    ];
    const rng = new Random(2024);
    const codes = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const bytes = mutate(rng, seeds[i % seeds.length]!);
      const res = await fetch(`${srv.url}api/files?name=case-${i}`, {
        method: "POST",
        body: bytes as BodyInit,
      });
      const body = (await res.json()) as { error?: { code: string; line: string } };
      expect(res.status, `case ${i}: ${JSON.stringify(body)}`).toBeLessThan(500);
      if (res.status !== 201) {
        expect(body.error!.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(body.error!.line).toContain(`case-${i}`);
        codes.set(body.error!.code, (codes.get(body.error!.code) ?? 0) + 1);
      }
    }
    expect(codes.size).toBeGreaterThan(3);
    expect((await fetch(`${srv.url}api/info`)).status).toBe(200);
  });
});
