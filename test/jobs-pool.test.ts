import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancel, cancelFlagFor, createCancelFlag, isCancelled } from "../src/jobs/cancel.ts";
import { ContextCache } from "../src/jobs/context-cache.ts";
import { batchRanges, WorkerPool } from "../src/jobs/pool.ts";
import spin, { type SpinInput, type SpinOutput } from "../src/jobs/spin-task.ts";
import { PatchsmithError } from "../src/errors.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const task = new URL("../src/jobs/spin-task.ts", import.meta.url).href;

function sharedReference(length: number): Float32Array {
  const ref = new Float32Array(new SharedArrayBuffer(length * 4));
  for (let i = 0; i < length; i++) ref[i] = Math.sin((2 * Math.PI * 220 * i) / 44100);
  return ref;
}

describe("batchRanges", () => {
  it("covers every item once, in order, with balanced sizes", () => {
    for (const [count, threads] of [
      [1, 2],
      [7, 2],
      [40, 2],
      [5, 8],
      [0, 2],
    ] as const) {
      const r = batchRanges(count, threads);
      const flat = r.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i));
      expect(flat).toEqual(Array.from({ length: count }, (_, i) => i));
      if (r.length) {
        const sizes = r.map(([a, b]) => b - a);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe("ContextCache", () => {
  it("prepares once per id and evicts the least recently used", () => {
    const c = new ContextCache<number>(2);
    let calls = 0;
    const prep = (v: number) => () => (calls++, v);
    expect(c.get("a", prep(1))).toBe(1);
    expect(c.get("a", prep(9))).toBe(1);
    c.get("b", prep(2));
    c.get("a", prep(9)); // a is now most recent
    c.get("c", prep(3)); // evicts b
    expect(c.get("a", prep(9))).toBe(1);
    expect(c.get("b", prep(4))).toBe(4);
    expect(calls).toBe(4);
  });
});

describe("cancel flags", () => {
  it("follow an AbortSignal", () => {
    const ac = new AbortController();
    const f = cancelFlagFor(ac.signal);
    expect(isCancelled(f)).toBe(false);
    ac.abort();
    expect(isCancelled(f)).toBe(true);
    const g = createCancelFlag();
    cancel(g);
    expect(isCancelled(g)).toBe(true);
  });
});

describe("WorkerPool", () => {
  let pool: WorkerPool;
  beforeAll(async () => {
    pool = new WorkerPool({ threads: 2 });
    await pool.warmUp(task, { warmUp: true });
  });
  afterAll(async () => {
    await pool.close();
  });

  it("runs TypeScript task modules in workers with the same results as in-thread", async () => {
    const reference = sharedReference(2000);
    const items = Float32Array.from({ length: 12 }, (_, i) => 100 + 20 * i);
    const ranges = batchRanges(items.length, pool.threads);
    const outs = await Promise.all(
      ranges.map(([a, b]) =>
        pool.run<SpinInput, SpinOutput>(task, {
          contextId: "ref-a",
          reference,
          items: items.slice(a, b),
          partials: 3,
        }),
      ),
    );
    const got = outs.flatMap((o) => Array.from(o.distances));
    const expected = spin({ contextId: "local", reference, items, partials: 3 });
    expect(got).toEqual(Array.from(expected.distances));
    // 220 Hz (item 6) matches the reference best.
    expect(got.indexOf(Math.min(...got))).toBe(6);
  });

  it("prepares a context at most once per worker over many batches", async () => {
    const reference = sharedReference(500);
    const outs: SpinOutput[] = [];
    for (let round = 0; round < 5; round++) {
      const batch = await Promise.all(
        [0, 1, 2, 3].map(() =>
          pool.run<SpinInput, SpinOutput>(task, {
            contextId: "ref-b",
            reference,
            items: Float32Array.of(110, 220),
            partials: 1,
          }),
        ),
      );
      outs.push(...batch);
    }
    const byThread = new Map<number, number[]>();
    for (const o of outs) byThread.set(o.threadId, [...(byThread.get(o.threadId) ?? []), o.preparedCount]);
    for (const counts of byThread.values()) {
      // preparedCount counts contexts this worker ever prepared; it must not grow after its first ref-b batch.
      expect(new Set(counts).size).toBe(1);
    }
  });

  it("stops a running batch cooperatively when cancelled, keeping the worker alive", async () => {
    const reference = sharedReference(44100);
    const flag = createCancelFlag();
    const items = new Float32Array(2000).fill(330);
    const running = pool.run<SpinInput, SpinOutput>(task, {
      contextId: "ref-c",
      reference,
      items,
      partials: 8,
      cancel: flag,
    });
    setTimeout(() => cancel(flag), 150);
    const out = await running;
    expect(out.cancelled).toBe(true);
    expect(out.done).toBeLessThan(items.length);
    const again = await pool.run<SpinInput, SpinOutput>(task, {
      contextId: "ref-c",
      reference,
      items: Float32Array.of(330),
      partials: 1,
    });
    expect(again.done).toBe(1);
  });

  it("turns a failing task into a PatchsmithError", async () => {
    const bad = pool.run(task, {
      contextId: "x",
      reference: sharedReference(10),
      partials: 1,
    } as unknown as SpinInput);
    await expect(bad).rejects.toBeInstanceOf(PatchsmithError);
    await expect(bad).rejects.toMatchObject({ code: "worker-failed" });
  });
});

describe("WorkerPool from a plain Node process (as bin/patchsmith.js runs)", () => {
  it("loads TypeScript workers with tsx registered only in the main thread", () => {
    const script = `
      import { register } from "tsx/esm/api";
      register();
      const { WorkerPool } = await import(${JSON.stringify(path.join(repoRoot, "src/jobs/pool.ts"))});
      const pool = new WorkerPool({ threads: 2 });
      const ref = new Float32Array(new SharedArrayBuffer(400));
      const task = ${JSON.stringify(task)};
      const outs = await Promise.all([1, 2, 3, 4].map((k) => pool.run(task, { contextId: "c", reference: ref, items: Float32Array.of(100 * k), partials: 1 })));
      await pool.close();
      process.stdout.write(JSON.stringify(outs.map((o) => o.done)));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(JSON.parse(out)).toEqual([1, 1, 1, 1]);
  });
});
