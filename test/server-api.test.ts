import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeAudio } from "../src/audio/decode.ts";
import { encodeWav } from "../src/audio/encode.ts";
import { startServer, type RunningServer } from "../src/server/app.ts";
import { resolveStaticPath } from "../src/server/static.ts";
import { getSynth } from "../src/synths/synth.ts";
import { makeDx7Bank, makePluckWav } from "./server-helpers.ts";

const repoRoot = path.resolve(import.meta.dirname, "..");
const LIMIT = 400 * 1024;

// JSON replies: their shape is what the assertions check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let srv: RunningServer;
let staticDir: string;

async function upload(bytes: Uint8Array | string, name: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${srv.url}api/files?name=${encodeURIComponent(name)}`, {
    method: "POST",
    body: bytes as BodyInit,
  });
  return { status: res.status, body: await res.json() };
}

async function getJson(p: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(srv.url + p);
  return { status: res.status, body: await res.json() };
}

/** A request with the path sent exactly as written (fetch would normalise dot segments) and any headers. */
function rawGet(
  p: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: p, method, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Read a match's server-sent events until the stream ends. */
async function events(jobId: string): Promise<Array<{ type: string; data: Json }>> {
  const res = await fetch(`${srv.url}api/matches/${jobId}/events`);
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((b) => b.startsWith("event: "))
    .map((b) => {
      const [ev, data] = b.split("\n");
      return { type: ev!.slice(7), data: JSON.parse(data!.slice(6)) };
    });
}

beforeAll(async () => {
  staticDir = mkdtempSync(path.join(os.tmpdir(), "patchsmith-static-"));
  writeFileSync(path.join(staticDir, "index.html"), "<!doctype html><title>app</title>");
  const examplesDir = path.join(staticDir, "examples");
  mkdirSync(examplesDir);
  writeFileSync(path.join(examplesDir, "tone.wav"), makePluckWav(0.3));
  // No bank in the store folder: the matcher starts from its procedural presets, whatever ~/.patchsmith holds.
  srv = await startServer({
    port: 0,
    threads: 0,
    concurrency: 1,
    maxUploadBytes: LIMIT,
    staticDir,
    examplesDir,
    store: path.join(staticDir, "store"),
  });
});

afterAll(async () => {
  await srv?.close();
});

describe("server: uploads", () => {
  it("binds to 127.0.0.1 by default and describes itself", async () => {
    expect(new URL(srv.url).hostname).toBe("127.0.0.1");
    const { status, body } = await getJson("api/info");
    expect(status).toBe(200);
    expect(body.synths.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining(["dx7", "vital"]));
    expect(body.maxUploadBytes).toBe(LIMIT);
  });

  it("accepts a sound by its content, whatever its name says", async () => {
    const { status, body } = await upload(makePluckWav(0.5), "sound.syx");
    expect(status).toBe(201);
    expect(body).toMatchObject({ kind: "audio", format: "wav", sampleRate: 44100, channels: 1 });
    expect(body.durationSeconds).toBeCloseTo(0.5, 3);
  });

  it("never uses the uploaded name as a path", async () => {
    const { body } = await upload(makePluckWav(0.2), "../../etc/passwd");
    expect(body.name).toBe("passwd");
    const { body: b2 } = await upload(makePluckWav(0.2), "..\\..\\x.wav");
    expect(b2.name).toBe("x.wav");
  });

  it("refuses empty, unknown, mislabelled and oversized uploads with the CLI's codes, and keeps running", async () => {
    const empty = await upload(new Uint8Array(0), "empty.wav");
    expect([empty.status, empty.body.error.code]).toEqual([400, "empty"]);
    expect(empty.body.error.line).toBe("patchsmith: empty: empty.wav: the upload is empty");

    const noise = new Uint8Array(5000).map((_, i) => (i * 7919) & 255);
    const unknown = await upload(noise, "noise.wav");
    expect([unknown.status, unknown.body.error.code]).toEqual([415, "unsupported-media"]);

    const midi = await upload(
      new Uint8Array([0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0, 96]),
      "song.wav",
    );
    expect([midi.status, midi.body.error.code]).toEqual([415, "unsupported-audio"]);
    expect(midi.body.error.message).toMatch(/MIDI/);

    const truncated = makePluckWav(0.2).slice(0, 30);
    const bad = await upload(truncated, "cut.wav");
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.body.error.code).toMatch(/audio|truncated|corrupt/);

    const notVital = await upload('{"hello": 1}', "fake.vital");
    expect(notVital.status).toBe(400);
    expect(notVital.body.error.file).toBe("fake.vital");

    // Small in bytes, long in time (100 Hz for 601 s): refused before it is resampled for analysis.
    const long = encodeWav({ sampleRate: 100, channels: [new Float32Array(60_100).fill(0.1)] }, "pcm16");
    const tooLong = await upload(long, "long.wav");
    expect([tooLong.status, tooLong.body.error.code]).toEqual([400, "too-long"]);

    const big = await upload(new Uint8Array(LIMIT + 1), "big.wav");
    expect([big.status, big.body.error.code]).toEqual([413, "too-large"]);

    expect((await getJson("api/info")).status).toBe(200);
  });

  it("refuses an oversized body sent without a length (chunked) as it streams", async () => {
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent > 4 * LIMIT) return c.close();
        sent += chunk.length;
        c.enqueue(chunk);
      },
    });
    const res = await fetch(`${srv.url}api/files?name=stream.wav`, {
      method: "POST",
      body,
      duplex: "half",
    } as RequestInit).catch(() => undefined);
    if (res) {
      expect(res.status).toBe(413);
      expect((await res.json()).error.code).toBe("too-large");
    }
    expect((await getJson("api/info")).status).toBe(200);
  });
});

describe("server: examples", () => {
  it("lists and opens the bundled examples, and nothing else", async () => {
    expect((await getJson("api/examples")).body.examples).toEqual(["tone.wav"]);
    const res = await fetch(`${srv.url}api/examples/tone.wav`, { method: "POST" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ kind: "audio", name: "tone.wav" });
    for (const bad of ["..%2Findex.html", "index.html", "..", "nope.wav"]) {
      const r = await fetch(`${srv.url}api/examples/${bad}`, { method: "POST" });
      expect(r.status).toBe(404);
    }
  });
});

describe("server: presets", () => {
  it("opens a DX7 bank: 32 named voices, grouped parameters, a render and a single-voice download that parses", async () => {
    const { status, body } = await upload(await makeDx7Bank(), "bank.syx");
    expect(status).toBe(201);
    expect(body).toMatchObject({ kind: "preset", synth: "dx7", extension: ".syx" });
    expect(body.voices).toHaveLength(32);
    expect(body.voices[2].name).toBe("TEST 3");

    const v = await getJson(`api/files/${body.id}/voices/3`);
    expect(v.status).toBe(200);
    const groups: Array<{ group: string; params: Array<{ name: string; display: string }> }> = v.body.groups;
    expect(groups.length).toBeGreaterThan(3);
    const total = groups.reduce((n, g) => n + g.params.length, 0);
    expect(total).toBe(getSynth("dx7")!.params.length);

    const wav = new Uint8Array(
      await (
        await fetch(`${srv.url}api/files/${body.id}/voices/1/render.wav?note=60&length=0.5&hold=0.3`)
      ).arrayBuffer(),
    );
    const { audio } = await decodeAudio(wav, "render.wav");
    expect(audio.sampleRate).toBe(44100);
    expect(audio.channels[0]!.length).toBe(22050);
    expect(Math.max(...audio.channels[0]!.map(Math.abs))).toBeGreaterThan(0.001);

    const res = await fetch(`${srv.url}api/files/${body.id}/voices/3/preset`);
    expect(res.headers.get("content-disposition")).toContain('filename="TEST_3.syx"');
    const parsed = getSynth("dx7")!.codec.read(new Uint8Array(await res.arrayBuffer()), "v.syx", {
      strict: true,
    });
    expect(parsed.patches.map((p) => getSynth("dx7")!.patchName(p).trim())).toEqual(["TEST 3"]);

    const outOfRange = await getJson(`api/files/${body.id}/voices/33`);
    expect([outOfRange.status, outOfRange.body.error.code]).toEqual([400, "bad-voice"]);
    const badNote = await getJson(`api/files/${body.id}/voices/1/render.wav?note=200`);
    expect([badNote.status, badNote.body.error.code]).toEqual([400, "bad-request"]);
  });

  it("opens a Vital preset and renders it in stereo", async () => {
    const bytes = readFileSync(path.join(repoRoot, "test/fixtures/vital/minimal.vital"));
    const { status, body } = await upload(bytes, "minimal.vital");
    expect(status).toBe(201);
    expect(body).toMatchObject({ kind: "preset", synth: "vital" });
    const v = await getJson(`api/files/${body.id}/voices/1`);
    expect(v.body.groups.length).toBeGreaterThan(3);
    const wav = new Uint8Array(
      await (await fetch(`${srv.url}api/files/${body.id}/voices/1/render.wav?length=0.3`)).arrayBuffer(),
    );
    const { audio } = await decodeAudio(wav, "render.wav");
    expect(audio.channels).toHaveLength(2);
  });

  it("answers unknown ids and routes with 404 and wrong methods with 405", async () => {
    expect((await getJson("api/files/nope")).body.error.code).toBe("not-found");
    expect((await getJson("api/nothing")).status).toBe(404);
    const res = await fetch(`${srv.url}api/info`, { method: "DELETE" });
    expect(res.status).toBe(405);
  });
});

describe("server: requests from elsewhere", () => {
  it("answers only requests addressed to this computer, and changes only from its own pages", async () => {
    const port = new URL(srv.url).port;
    const rebound = await rawGet("/api/info", "GET", { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.code).toBe("bad-host");
    expect((await rawGet("/api/info", "GET", { host: `localhost:${port}` })).status).toBe(200);

    const foreign = await rawGet("/api/examples/tone.wav", "POST", { origin: "https://attacker.example" });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error.code).toBe("cross-origin");
    const own = await rawGet("/api/examples/tone.wav", "POST", { origin: `http://127.0.0.1:${port}` });
    expect(own.status).toBe(201);
  });
});

describe("server: static files", () => {
  it("serves the app and nothing outside its folder", async () => {
    const page = await rawGet("/");
    expect(page.status).toBe(200);
    expect(page.body).toContain("<title>app</title>");
    for (const p of [
      "/..%2f..%2fetc%2fpasswd",
      "/%2e%2e/%2e%2e/etc/passwd",
      "/..\\..\\etc\\passwd",
      "/a/%00.js",
    ]) {
      const r = await rawGet(p);
      expect(r.body).not.toContain("root:");
      expect([400, 404, 200]).toContain(r.status);
      if (r.status === 200) expect(r.body).toContain("<title>app</title>");
    }
    expect(resolveStaticPath("/srv/app", "/..%2f..%2fetc%2fpasswd")).toBeUndefined();
    expect(resolveStaticPath("/srv/app", "/assets/x.js")).toBe(path.resolve("/srv/app/assets/x.js"));
    expect((await rawGet("/assets/missing.js")).status).toBe(404);
  });
});

describe("server: matching", () => {
  it("refuses presets, unknown synths and silent sounds before queueing", async () => {
    const preset = await upload(await makeDx7Bank(), "bank.syx");
    const post = (body: unknown) =>
      fetch(`${srv.url}api/matches`, { method: "POST", body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      }));
    expect((await post({ file: preset.body.id, synth: "dx7" })).body.error.code).toBe("not-a-sound");
    const sound = await upload(makePluckWav(0.5), "pluck.wav");
    expect((await post({ file: sound.body.id, synth: "moog" })).body.error.code).toBe("unknown-synth");
    expect((await post({ file: sound.body.id, synth: "dx7", seconds: -1 })).body.error.code).toBe(
      "bad-request",
    );
    const silent = await upload(
      encodeWav({ sampleRate: 44100, channels: [new Float32Array(44100)] }, "pcm16"),
      "silence.wav",
    );
    const s = await post({ file: silent.body.id, synth: "dx7" });
    expect([s.status, s.body.error.code]).toEqual([400, "silent"]);
    const notJson = await fetch(`${srv.url}api/matches`, { method: "POST", body: "{" });
    expect((await notJson.json()).error.code).toBe("bad-request");
  });

  it("streams a match: queued, started, a first candidate, progress, final ranked candidates with previews and presets", async () => {
    const sound = await upload(makePluckWav(0.6), "pluck.wav");
    const res = await fetch(`${srv.url}api/matches`, {
      method: "POST",
      body: JSON.stringify({ file: sound.body.id, synth: "dx7", seconds: 1.5, candidates: 2 }),
    });
    expect(res.status).toBe(202);
    const job = await res.json();
    const evs = await events(job.id);
    const types = evs.map((e) => e.type);
    expect(types[0]).toBe("queued");
    expect(types[1]).toBe("started");
    expect(types.at(-1)).toBe("done");
    const firstCandidate = types.indexOf("candidate");
    expect(firstCandidate).toBeGreaterThan(1);
    expect(firstCandidate).toBeLessThan(types.indexOf("done"));
    const done = evs.at(-1)!.data;
    expect(done.candidates).toHaveLength(2);
    expect(done.candidates[0].rank).toBe(1);
    expect(done.candidates[0].loss).toBeLessThanOrEqual(done.candidates[1].loss);
    expect(done.renders).toBeGreaterThan(1);

    const best = done.candidates[0];
    const preview = new Uint8Array(
      await (await fetch(`${srv.url}api/matches/${job.id}/candidates/${best.id}/preview.wav`)).arrayBuffer(),
    );
    const target = new Uint8Array(
      await (await fetch(`${srv.url}api/matches/${job.id}/target.wav`)).arrayBuffer(),
    );
    const [p, t] = [await decodeAudio(preview), await decodeAudio(target)];
    expect(p.audio.channels[0]!.length).toBe(t.audio.channels[0]!.length);
    const syx = new Uint8Array(
      await (await fetch(`${srv.url}api/matches/${job.id}/candidates/${best.id}/preset`)).arrayBuffer(),
    );
    const parsed = getSynth("dx7")!.codec.read(syx, "c.syx", { strict: true });
    expect(getSynth("dx7")!.patchName(parsed.patches[0]).trim()).toBe(best.name.trim());
  });

  it("cancels a running match and a queued one", async () => {
    const sound = await upload(makePluckWav(0.6), "pluck.wav");
    const start = () =>
      fetch(`${srv.url}api/matches`, {
        method: "POST",
        body: JSON.stringify({ file: sound.body.id, synth: "dx7", seconds: 60 }),
      }).then((r) => r.json());
    const a = await start();
    const b = await start(); // concurrency 1: waits behind a
    expect((await getJson(`api/matches/${b.id}`)).body.status).toBe("queued");
    await fetch(`${srv.url}api/matches/${b.id}`, { method: "DELETE" });
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    await fetch(`${srv.url}api/matches/${a.id}`, { method: "DELETE" });
    const evA = await events(a.id);
    expect(evA.at(-1)!.type).toBe("cancelled");
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await events(b.id)).map((e) => e.type)).toEqual(["queued", "cancelled"]);
  });
});
