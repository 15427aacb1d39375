import { randomBytes } from "node:crypto";
import { constants, promises as fs, rmSync } from "node:fs";
import path from "node:path";
import { PatchsmithError } from "../errors.ts";

/** Read a whole file; a missing or unreadable file becomes a PatchsmithError naming it. */
export async function readInputFile(file: string): Promise<Uint8Array> {
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) throw new PatchsmithError("is-directory", "expected a file, got a directory", file);
    return new Uint8Array(await fs.readFile(file));
  } catch (e) {
    if (e instanceof PatchsmithError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") throw new PatchsmithError("not-found", "no such file", file);
    if (err.code === "EACCES") throw new PatchsmithError("permission-denied", "cannot read the file", file);
    throw new PatchsmithError("read-failed", err.message, file);
  }
}

export interface WriteOptions {
  /** Replace an existing file. Without it an existing file is an error and is left untouched. */
  force?: boolean;
}

/** Temp files created by this process that are not yet renamed: removed if we are interrupted. */
const pendingTemps = new Set<string>();

export function removePendingTempFiles(): void {
  for (const t of pendingTemps) {
    try {
      // Synchronous on purpose: this runs from signal handlers and exit paths.
      rmSync(t, { force: true });
    } catch {
      /* best effort */
    }
  }
  pendingTemps.clear();
}

/**
 * Write a file atomically: the data goes to a temp file in the same folder, which is then renamed over
 * the destination. A reader never sees a partial file and an interrupted write leaves the old file intact.
 */
export async function writeFileAtomic(
  file: string,
  data: Uint8Array | string,
  opts: WriteOptions = {},
): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) throw new PatchsmithError("bad-output", "output folder is not a folder", dir);
  } catch (e) {
    if (e instanceof PatchsmithError) throw e;
    throw new PatchsmithError("bad-output", "output folder does not exist", dir);
  }
  if (!opts.force && (await exists(file))) {
    throw new PatchsmithError("exists", "file exists (use --force to overwrite)", file);
  }
  const tmp = path.join(dir, `.patchsmith-tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  pendingTemps.add(tmp);
  try {
    await fs.writeFile(tmp, data, { flag: "wx" });
    if (!opts.force && (await exists(file))) {
      throw new PatchsmithError("exists", "file exists (use --force to overwrite)", file);
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    if (e instanceof PatchsmithError) throw e;
    throw new PatchsmithError("write-failed", (e as Error).message, file);
  } finally {
    pendingTemps.delete(tmp);
  }
}

/** Check up front that a set of outputs may be written, so a multi-file job fails before writing any. */
export async function checkWritable(files: string[], opts: WriteOptions = {}): Promise<void> {
  if (opts.force) return;
  for (const f of files) {
    if (await exists(f)) throw new PatchsmithError("exists", "file exists (use --force to overwrite)", f);
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

export async function ensureDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
}
