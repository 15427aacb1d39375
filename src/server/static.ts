/** Serves the built browser app (web/dist) read-only, never anything outside it. */
import { promises as fs } from "node:fs";
import type { ServerResponse } from "node:http";
import path from "node:path";
import { PatchsmithError } from "../errors.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
  ".wav": "audio/wav",
  ".syx": "application/octet-stream",
  ".vital": "application/octet-stream",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The file under `root` a URL path names, or undefined when it would leave `root` (after percent-decoding,
 * with either slash) or is malformed. Exported for the tests.
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const parts = decoded.split(/[\\/]+/).filter((p) => p.length > 0);
  if (parts.some((p) => p === "..")) return undefined;
  const full = path.resolve(root, ...parts);
  const base = path.resolve(root);
  if (full !== base && !full.startsWith(base + path.sep)) return undefined;
  return full;
}

export async function serveStatic(
  res: ServerResponse,
  root: string,
  urlPath: string,
  head = false,
): Promise<void> {
  const file = resolveStaticPath(root, urlPath);
  if (!file) throw new PatchsmithError("bad-path", "the path leaves the app folder");
  let target = file;
  let st = await fs.stat(target).catch(() => undefined);
  if (st?.isDirectory()) {
    target = path.join(target, "index.html");
    st = await fs.stat(target).catch(() => undefined);
  }
  if (!st?.isFile()) {
    // The app has one page: unknown paths without an extension get it; missing assets are a 404.
    if (path.extname(file)) throw new PatchsmithError("not-found", "no such file", urlPath);
    target = path.join(root, "index.html");
    st = await fs.stat(target).catch(() => undefined);
    if (!st?.isFile())
      throw new PatchsmithError("not-built", "the web app is not built (run npm run build:web)");
  }
  const type = TYPES[path.extname(target).toLowerCase()] ?? "application/octet-stream";
  const immutable = target.includes(`${path.sep}assets${path.sep}`);
  res.writeHead(200, {
    "content-type": type,
    "content-length": st.size,
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    "x-content-type-options": "nosniff",
  });
  if (head) {
    res.end();
    return;
  }
  res.end(await fs.readFile(target));
}
