// The web app's speed bars (issue #7):
//   web/first-candidate   seconds from sending a sound to the server until the first candidate event arrives
//                         (upload + analysis + queue + the first scored starts), per synth; the first run of a
//                         server includes starting its worker pool ("cold").
//   web/live-render       the live instruments (the AudioWorklet's engine code) rendering 128-frame blocks with
//                         8 held notes, as a real-time factor (how many times faster than real time).
//   web/key-to-sound      key-to-sound latency reported in the page (AudioContext base + output latency plus one
//                         render block), in headless chromium when /usr/bin/chromium exists.
// `npm run bench -- web [--runs 3] [--no-browser]`
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchResult } from "./run.ts";
import { startServer } from "../src/server/app.ts";
import { distDir, ensureWebBuilt, repoRoot } from "../src/server/web-build.ts";
import { Dx7Instrument } from "../src/synths/dx7/engine/instrument.ts";
import { programFromPatch } from "../src/synths/vital/engine/from-patch.ts";
import { VitalInstrument } from "../src/synths/vital/engine/instrument.ts";
import { loadSynths } from "../src/synths/index.ts";
import { getSynth } from "../src/synths/synth.ts";

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Seconds from the upload's first byte to the first "candidate" event; the match is cancelled after it. */
async function firstCandidate(url: string, bytes: Uint8Array, synth: string): Promise<number> {
  const t0 = performance.now();
  const up = (await (
    await fetch(`${url}api/files?name=sound.wav`, { method: "POST", body: bytes as BodyInit })
  ).json()) as { id: string };
  const job = (await (
    await fetch(`${url}api/matches`, {
      method: "POST",
      body: JSON.stringify({ file: up.id, synth, seconds: 30 }),
    })
  ).json()) as { id: string };
  const res = await fetch(`${url}api/matches/${job.id}/events`);
  const reader = res.body!.getReader();
  let text = "";
  const dec = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the event stream ended without a candidate");
    text += dec.decode(value);
    if (text.includes("event: candidate")) break;
    if (text.includes("event: error")) throw new Error(text);
  }
  const seconds = (performance.now() - t0) / 1000;
  await reader.cancel();
  await fetch(`${url}api/matches/${job.id}`, { method: "DELETE" });
  return seconds;
}

function liveRealtimeFactor(
  make: (sr: number) => { noteOn(n: number): void; block(): void },
  seconds = 2,
): number {
  const sr = 48000;
  const inst = make(sr);
  for (const n of [48, 52, 55, 60, 64, 67, 71, 72]) inst.noteOn(n);
  const blocks = Math.round((seconds * sr) / 128);
  const t0 = performance.now();
  for (let b = 0; b < blocks; b++) inst.block();
  return seconds / ((performance.now() - t0) / 1000);
}

export default async function bench(args: string[], emit: (r: BenchResult) => void): Promise<void> {
  const runs = arg(args, "--runs", 3);
  await loadSynths();
  const sound = new Uint8Array(readFileSync(path.join(repoRoot, "examples", "pluck.wav")));

  // Live engines.
  const dx7 = getSynth("dx7")!;
  const vitalBytes = new Uint8Array(
    readFileSync(path.join(repoRoot, "test", "fixtures", "vital", "minimal.vital")),
  );
  const vitalPatch = getSynth("vital")!.codec.read(vitalBytes, "minimal.vital").patches[0];
  const out = new Float32Array(128);
  const outR = new Float32Array(128);
  const dx7Rt = liveRealtimeFactor((sr) => {
    const i = new Dx7Instrument(dx7.defaultPatch(), { sampleRate: sr, polyphony: 16 });
    return { noteOn: (n) => i.noteOn(n, 100), block: () => i.process(out) };
  });
  emit({
    name: "web/live-render/dx7",
    metric: "realtime-factor",
    value: dx7Rt,
    unit: "x",
    notes: 8,
    block: 128,
    sampleRate: 48000,
    patch: "init",
  });
  const vitalRt = liveRealtimeFactor((sr) => {
    const i = new VitalInstrument(programFromPatch(vitalPatch), { sampleRate: sr, seed: 1 });
    return { noteOn: (n) => i.noteOn(n, 0.8), block: () => i.process(out, outR, 0, 128) };
  });
  emit({
    name: "web/live-render/vital",
    metric: "realtime-factor",
    value: vitalRt,
    unit: "x",
    notes: 8,
    block: 128,
    sampleRate: 48000,
    patch: "test/fixtures/vital/minimal.vital",
  });

  // First candidate through the HTTP API, as the page sees it.
  const store = mkdtempSync(path.join(os.tmpdir(), "patchsmith-bench-store-"));
  for (const synth of ["dx7", "vital"]) {
    const srv = await startServer({ port: 0, concurrency: 1, store: process.env.PATCHSMITH_STORE ?? store });
    try {
      const times: number[] = [];
      for (let r = 0; r < runs; r++) times.push(await firstCandidate(srv.url, sound, synth));
      const extra = { synth, runs, threads: srv.queue.threads, sound: "examples/pluck.wav", times };
      emit({
        name: `web/first-candidate/${synth}`,
        metric: "cold-seconds",
        value: times[0]!,
        unit: "s",
        ...extra,
      });
      if (runs > 1)
        emit({
          name: `web/first-candidate/${synth}`,
          metric: "warm-median-seconds",
          value: median(times.slice(1)),
          unit: "s",
          ...extra,
        });
    } finally {
      await srv.close();
    }
  }

  if (args.includes("--no-browser")) return;
  const { haveChromium, launch } = await import("../test/e2e/browser.ts");
  if (!haveChromium()) {
    process.stderr.write("bench web: no chromium; skipping key-to-sound latency\n");
    return;
  }
  await ensureWebBuilt((l) => process.stderr.write(l + "\n"));
  const srv = await startServer({ port: 0, staticDir: distDir, threads: 0 });
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await page.goto(srv.url);
    const bank = path.join(mkdtempSync(path.join(os.tmpdir(), "patchsmith-bench-")), "init.syx");
    writeFileSync(bank, dx7.codec.write([dx7.defaultPatch()]));
    await page.getByTestId("file-input").setInputFiles(bank);
    await page.getByTestId("live-patch").filter({ hasText: "dx7" }).waitFor();
    const samples: number[] = [];
    for (let k = 0; k < 5; k++) {
      await page.keyboard.down("z");
      await page.waitForTimeout(150);
      await page.keyboard.up("z");
      const text = (await page.getByTestId("latency").textContent()) ?? "";
      samples.push(Number(/latency: ([\d.]+) ms/.exec(text)?.[1]));
    }
    const text = await page.getByTestId("latency").textContent();
    emit({
      name: "web/key-to-sound",
      metric: "latency",
      value: median(samples),
      unit: "ms",
      browser: "chromium headless",
      report: text,
    });
  } finally {
    await browser.close();
    await srv.close();
  }
}
