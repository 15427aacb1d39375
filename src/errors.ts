/**
 * The one error class of patchsmith. `code` is stable (scripts and the web app match on it);
 * `file` names the file the problem concerns, when there is one.
 * The CLI prints `patchsmith: <code>: <file>: <message>` and exits non-zero.
 */
export class PatchsmithError extends Error {
  readonly code: string;
  readonly file: string | undefined;

  constructor(code: string, message: string, file?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PatchsmithError";
    this.code = code;
    this.file = file;
  }

  /** The one-line form the CLI prints (without the program name). */
  toLine(): string {
    return this.file ? `${this.code}: ${this.file}: ${this.message}` : `${this.code}: ${this.message}`;
  }
}

/** A non-fatal problem found while reading (lenient mode): reported, not thrown. */
export interface Warning {
  code: string;
  message: string;
  file?: string;
}

export function isPatchsmithError(e: unknown): e is PatchsmithError {
  return e instanceof PatchsmithError;
}

/** Wrap anything thrown into a PatchsmithError, keeping an existing one as it is. */
export function asPatchsmithError(e: unknown, code: string, file?: string): PatchsmithError {
  if (e instanceof PatchsmithError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new PatchsmithError(code, message, file, { cause: e });
}
