/**
 * The patchsmith web server: the browser app (static files) and a JSON/binary API over the library.
 *
 *   GET    /api/info                                   synths, limits
 *   GET    /api/examples                               the bundled example files
 *   POST   /api/examples/:name                         open a bundled example as if it were uploaded
 *   POST   /api/files?name=…                           upload a sound or a preset (raw body; checked by content)
 *   GET    /api/files/:id                              summary (voices of a preset; format of a sound)
 *   GET    /api/files/:id/raw                          the uploaded bytes
 *   GET    /api/files/:id/voices/:n                    one voice: parameters by group, description
 *   GET    /api/files/:id/voices/:n/render.wav?note&velocity&hold&length
 *   GET    /api/files/:id/voices/:n/preset             the voice as a preset file (download)
 *   POST   /api/matches {file, synth, seconds, candidates, seed}
 *   GET    /api/matches/:id                            status and candidates
 *   GET    /api/matches/:id/events                     server-sent events (replayed from the start)
 *   DELETE /api/matches/:id                            cancel
 *   GET    /api/matches/:id/target.wav                 the matched part of the sound
 *   GET    /api/matches/:id/candidates/:k/preview.wav  level-matched render
 *   GET    /api/matches/:id/candidates/:k/preset       preset file (download)
 */
import { promises as fs } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { PatchsmithError } from "../errors.ts";
import { loadSynths } from "../synths/index.ts";
import { getSynth, listSynths } from "../synths/synth.ts";
import { numberParam, readBody, readJson, sendBytes, sendError, sendJson } from "./http.ts";
import { MatchQueue, type QueueOptions } from "./match-jobs.ts";
import { renderVoice, uploadSummary, voiceDetail, voiceFile } from "./presets.ts";
import { serveStatic } from "./static.ts";
import { cleanName, parseUpload, UploadStore, type AudioUpload } from "./uploads.ts";

export interface ServerOptions extends QueueOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The built app (web/dist); without it only the API is served. */
  staticDir?: string;
  /** Largest upload accepted (bytes). Default 50 MB. */
  maxUploadBytes?: number;
  /** Longest match time budget accepted (s). Default 600. */
  maxMatchSeconds?: number;
  /** Folder of example files the app offers (the repository's examples/); none when absent. */
  examplesDir?: string;
}

export interface RunningServer {
  server: Server;
  url: string;
  queue: MatchQueue;
  close(): Promise<void>;
}

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
  query: URLSearchParams,
) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const ID = "([A-Za-z0-9-]{1,64})";
const NUM = "(\\d{1,6})";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127\./.test(host);
}

/**
 * A server on this computer only answers requests addressed to this computer (so a web page cannot reach it
 * through a DNS name it controls), and changes (POST, DELETE) only come from its own pages: another site open
 * in the browser cannot upload files or start matches.
 */
function checkOrigin(req: IncomingMessage, loopbackOnly: boolean): void {
  const hostHeader = req.headers.host ?? "";
  if (loopbackOnly) {
    const name = hostHeader.replace(/:\d+$/, "").toLowerCase();
    if (!isLoopback(name))
      throw new PatchsmithError(
        "bad-host",
        `requests must be addressed to this computer, not ${hostHeader || "nothing"}`,
      );
  }
  const origin = req.headers.origin;
  if (req.method !== "GET" && req.method !== "HEAD" && origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = "";
    }
    if (originHost !== hostHeader)
      throw new PatchsmithError("cross-origin", `requests from ${origin} are not accepted`);
  }
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  await loadSynths();
  const maxUpload = opts.maxUploadBytes ?? 50 * 1024 * 1024;
  const maxSeconds = opts.maxMatchSeconds ?? 600;
  const store = new UploadStore(Math.max(512 * 1024 * 1024, 8 * maxUpload));
  const queue = new MatchQueue(opts);

  const routes: Route[] = [];
  const route = (method: string, path: string, handler: Handler) =>
    routes.push({ method, pattern: new RegExp(`^${path}$`), handler });

  route("GET", "/api/info", async (_req, res) => {
    sendJson(res, 200, {
      synths: listSynths().map((s) => ({ id: s.id, name: s.displayName, extensions: s.codec.extensions })),
      maxUploadBytes: maxUpload,
      maxMatchSeconds: maxSeconds,
      concurrency: queue.concurrency,
      threads: queue.threads,
    });
  });

  const listExamples = async (): Promise<string[]> => {
    if (!opts.examplesDir) return [];
    const entries = await fs.readdir(opts.examplesDir, { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isFile() && /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(e.name))
      .map((e) => e.name)
      .sort();
  };

  route("GET", "/api/examples", async (_req, res) => sendJson(res, 200, { examples: await listExamples() }));

  route("POST", "/api/examples/([A-Za-z0-9._-]{1,100})", async (_req, res, [name]) => {
    // Only names listed from the folder itself: never a path built from the request.
    const listed = (await listExamples()).find((e) => e === name);
    if (!listed) throw new PatchsmithError("not-found", "no such example", name);
    const bytes = new Uint8Array(await fs.readFile(path.join(opts.examplesDir!, listed)));
    const upload = await parseUpload(bytes, listed);
    store.add(upload);
    sendJson(res, 201, uploadSummary(upload));
  });

  route("POST", "/api/files", async (req, res, _p, query) => {
    const name = cleanName(query.get("name"));
    let bytes: Uint8Array;
    try {
      bytes = await readBody(req, maxUpload);
    } catch (e) {
      if (e instanceof PatchsmithError) throw new PatchsmithError(e.code, e.message, name);
      throw e;
    }
    const upload = await parseUpload(bytes, name);
    store.add(upload);
    sendJson(res, 201, uploadSummary(upload));
  });

  route("GET", `/api/files/${ID}`, async (_req, res, [id]) =>
    sendJson(res, 200, uploadSummary(store.get(id!))),
  );

  route("GET", `/api/files/${ID}/raw`, async (_req, res, [id]) => {
    const u = store.get(id!);
    sendBytes(res, u.bytes, "application/octet-stream", u.name);
  });

  route("GET", `/api/files/${ID}/voices/${NUM}`, async (_req, res, [id, n]) =>
    sendJson(res, 200, voiceDetail(store.get(id!), Number(n))),
  );

  route("GET", `/api/files/${ID}/voices/${NUM}/render\\.wav`, async (_req, res, [id, n], q) => {
    const perf = {
      note: numberParam(q.get("note"), "note", 0, 127, 60, true),
      velocity: numberParam(q.get("velocity"), "velocity", 1, 127, 100, true),
      noteOffSeconds: numberParam(q.get("hold"), "hold", 0, 30, 1),
      durationSeconds: numberParam(q.get("length"), "length", 0.05, 30, 2),
    };
    const sampleRate = numberParam(q.get("sampleRate"), "sampleRate", 8000, 96000, 44100, true);
    sendBytes(res, renderVoice(store.get(id!), Number(n), perf, sampleRate), "audio/wav");
  });

  route("GET", `/api/files/${ID}/voices/${NUM}/preset`, async (_req, res, [id, n]) => {
    const { bytes, fileName } = voiceFile(store.get(id!), Number(n));
    sendBytes(res, bytes, "application/octet-stream", fileName);
  });

  route("POST", "/api/matches", async (req, res) => {
    const body = await readJson(req);
    const upload = store.get(String(body.file ?? ""));
    if (upload.kind !== "audio")
      throw new PatchsmithError("not-a-sound", "only a sound can be matched; this is a preset", upload.name);
    const synth = getSynth(String(body.synth ?? ""));
    if (!synth)
      throw new PatchsmithError(
        "unknown-synth",
        `no synth "${String(body.synth)}" (have: ${listSynths()
          .map((s) => s.id)
          .join(", ")})`,
      );
    const job = queue.submit(upload as AudioUpload, {
      synth,
      seconds: numberParam(body.seconds, "seconds", 0.5, maxSeconds, 10),
      candidates: numberParam(body.candidates, "candidates", 1, 16, 5, true),
      seed: numberParam(body.seed, "seed", 0, 2 ** 32 - 1, 1, true),
      note:
        body.note === undefined || body.note === null
          ? undefined
          : numberParam(body.note, "note", 0, 127, 60, true),
    });
    sendJson(res, 202, job.summary());
  });

  route("GET", `/api/matches/${ID}`, async (_req, res, [id]) => sendJson(res, 200, queue.get(id!).summary()));

  route("DELETE", `/api/matches/${ID}`, async (_req, res, [id]) =>
    sendJson(res, 200, queue.cancel(id!).summary()),
  );

  route("GET", `/api/matches/${ID}/events`, async (req, res, [id]) => {
    const job = queue.get(id!);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write(": patchsmith match events\n\n");
    const unsubscribe = job.subscribe((e) => {
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
      if (e.type === "done" || e.type === "error" || e.type === "cancelled") setImmediate(() => res.end());
    });
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    res.on("close", () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
    // The stream ends on its own once the job has finished (replayed above).
  });

  route("GET", `/api/matches/${ID}/target\\.wav`, async (_req, res, [id]) => {
    sendBytes(res, queue.get(id!).targetWav(), "audio/wav");
  });

  route("GET", `/api/matches/${ID}/candidates/${NUM}/preview\\.wav`, async (_req, res, [id, k]) => {
    const job = queue.get(id!);
    sendBytes(res, job.preview(job.candidate(Number(k))), "audio/wav");
  });

  route("GET", `/api/matches/${ID}/candidates/${NUM}/preset`, async (_req, res, [id, k]) => {
    const job = queue.get(id!);
    const c = job.candidate(Number(k));
    const synth = job.request.synth;
    const stem = c.name.trim().replace(/[^A-Za-z0-9._-]+/g, "_") || `candidate-${c.id}`;
    sendBytes(
      res,
      synth.codec.write([c.patch]),
      "application/octet-stream",
      `${stem}${synth.codec.extensions[0]}`,
    );
  });

  const host = opts.host ?? "127.0.0.1";
  const loopbackOnly = isLoopback(host);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      checkOrigin(req, loopbackOnly);
      const url = new URL(req.url ?? "/", "http://localhost");
      const pathname = url.pathname;
      if (pathname.startsWith("/api/")) {
        let allowed = false;
        for (const r of routes) {
          const m = r.pattern.exec(pathname);
          if (!m) continue;
          allowed = true;
          if (r.method !== req.method) continue;
          await r.handler(req, res, m.slice(1), url.searchParams);
          return;
        }
        if (allowed)
          throw new PatchsmithError("method-not-allowed", `${req.method} is not allowed here`, pathname);
        throw new PatchsmithError("no-route", "no such API route", pathname);
      }
      if (req.method !== "GET" && req.method !== "HEAD")
        throw new PatchsmithError("method-not-allowed", `${req.method} is not allowed here`, pathname);
      if (!opts.staticDir)
        throw new PatchsmithError("not-found", "this server serves the API only", pathname);
      await serveStatic(res, opts.staticDir, pathname, req.method === "HEAD");
    } catch (e) {
      // A refused upload may still be streaming: answer, then close the connection so the rest is not read.
      if (e instanceof PatchsmithError && e.code === "too-large") res.setHeader("connection", "close");
      sendError(res, e);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  server.requestTimeout = 5 * 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new PatchsmithError("port-in-use", `port ${opts.port} is in use (try --port 0 for any free port)`)
          : new PatchsmithError("listen-failed", e.message),
      ),
    );
    server.listen(opts.port ?? 5174, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${shownHost === "0.0.0.0" ? "127.0.0.1" : shownHost}:${addr.port}/`,
    queue,
    async close() {
      await queue.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
