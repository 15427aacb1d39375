/**
 * Small HTTP helpers over node:http: JSON replies, errors in the CLI's words, request bodies with a size
 * limit. No framework: the API has a dozen routes, and owning the body reading is what lets us enforce the
 * upload limit before buffering anything.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { PatchsmithError } from "../errors.ts";

/** HTTP status for a PatchsmithError code (anything else about the input is a 400). */
const STATUS: Record<string, number> = {
  "not-found": 404,
  "no-route": 404,
  "too-large": 413,
  "unsupported-media": 415,
  "unsupported-audio": 415,
  "method-not-allowed": 405,
  "bad-host": 403,
  "cross-origin": 403,
  "queue-full": 503,
  internal: 500,
};

export function statusFor(e: PatchsmithError): number {
  return STATUS[e.code] ?? 400;
}

/** The error body every API error has: the code, the message, and the CLI's one-line form. */
export interface ErrorBody {
  error: { code: string; message: string; file?: string; line: string };
}

export function errorBody(e: unknown): { status: number; body: ErrorBody } {
  const pe =
    e instanceof PatchsmithError ? e : new PatchsmithError("internal", "internal error (see the server log)");
  const line = `patchsmith: ${pe.toLine()}`;
  return {
    status: statusFor(pe),
    body: { error: { code: pe.code, message: pe.message, file: pe.file, line } },
  };
}

export function sendJson(res: ServerResponse, status: number, data: unknown): void {
  const body = JSON.stringify(data);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}

export function sendError(res: ServerResponse, e: unknown): void {
  if (!(e instanceof PatchsmithError)) console.error(e);
  const { status, body } = errorBody(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, body);
}

/** A file for the browser to play or save. `download` sets the name it is saved under. */
export function sendBytes(
  res: ServerResponse,
  bytes: Uint8Array,
  contentType: string,
  download?: string,
): void {
  const headers: Record<string, string | number> = {
    "content-type": contentType,
    "content-length": bytes.length,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  };
  if (download)
    headers["content-disposition"] = `attachment; filename="${download.replace(/["\\\r\n]/g, "_")}"`;
  res.writeHead(200, headers);
  res.end(bytes);
}

/**
 * Read a request body of at most `limit` bytes. A declared or actual larger body is refused with
 * "too-large" at once (the rest is not buffered; the connection is closed after the reply).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new PatchsmithError("too-large", `the upload exceeds the limit of ${formatBytes(limit)}`);
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(new Uint8Array(Buffer.concat(chunks, size)));
    });
    req.on("error", (e) => {
      if (!failed) reject(new PatchsmithError("upload-failed", e.message));
      failed = true;
    });
  });
}

export async function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<Record<string, unknown>> {
  const bytes = await readBody(req, limit);
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch {
    throw new PatchsmithError("bad-request", "the request body is not a JSON object");
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) ? 1 : 0)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${n} bytes`;
}

/** A query or JSON number within [min, max] (integer when asked), or the default when absent. */
export function numberParam(
  raw: unknown,
  name: string,
  min: number,
  max: number,
  fallback: number,
  integer = false,
): number {
  if (raw === undefined || raw === null || raw === "") return fallback;
  const v = typeof raw === "number" ? raw : Number(raw);
  if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new PatchsmithError(
      "bad-request",
      `${name} must be ${integer ? "an integer" : "a number"} in ${min}–${max}`,
    );
  }
  return v;
}
