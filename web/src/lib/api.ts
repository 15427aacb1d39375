// The server's API, typed for the app. Errors come back as the server's (and the CLI's) code and message.

export interface VoiceSummary {
  voice: number;
  name: string;
  unsupported: number;
}

export interface FileSummary {
  id: string;
  name: string;
  kind: "audio" | "preset";
  size: number;
  warnings: Array<{ code: string; message: string }>;
  format?: string;
  sampleRate?: number;
  channels?: number;
  durationSeconds?: number;
  synth?: string;
  synthName?: string;
  extension?: string;
  voices?: VoiceSummary[];
}

export interface ParamGroup {
  group: string;
  params: Array<{ name: string; value: number; display: string }>;
}

export interface VoiceDetail {
  voice: number;
  name: string;
  synth: string;
  unsupported: string[];
  groups: ParamGroup[];
  text: string;
}

export interface Candidate {
  id: number;
  name: string;
  loss: number;
  source: string;
  final: boolean;
  rank?: number;
  melLsdDb?: number;
  mss?: number;
  holdSeconds: number;
}

export interface Info {
  synths: Array<{ id: string; name: string; extensions: string[] }>;
  maxUploadBytes: number;
  maxMatchSeconds: number;
  concurrency: number;
  threads: number;
}

export class ServerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The one-line form the CLI prints. */
    readonly line: string,
  ) {
    super(message);
  }
}

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ServerError(
      "offline",
      "the patchsmith server does not answer",
      `patchsmith: offline: ${(e as Error).message}`,
    );
  }
  const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!res.ok) {
    const err = (body?.error ?? {}) as { code?: string; message?: string; line?: string };
    throw new ServerError(
      err.code ?? `http-${res.status}`,
      err.message ?? res.statusText,
      err.line ?? `patchsmith: http-${res.status}`,
    );
  }
  return body as T;
}

export const api = {
  info: () => call<Info>("api/info"),
  examples: () => call<{ examples: string[] }>("api/examples"),
  openExample: (name: string) =>
    call<FileSummary>(`api/examples/${encodeURIComponent(name)}`, { method: "POST" }),
  upload: (file: Blob, name: string) =>
    call<FileSummary>(`api/files?name=${encodeURIComponent(name)}`, { method: "POST", body: file }),
  voice: (id: string, n: number) => call<VoiceDetail>(`api/files/${id}/voices/${n}`),
  rawUrl: (id: string) => `api/files/${id}/raw`,
  voiceRenderUrl: (id: string, n: number, note = 60, length = 2, hold = 1) =>
    `api/files/${id}/voices/${n}/render.wav?note=${note}&length=${length}&hold=${hold}`,
  voicePresetUrl: (id: string, n: number) => `api/files/${id}/voices/${n}/preset`,
  startMatch: (body: { file: string; synth: string; seconds: number; candidates: number }) =>
    call<{ id: string }>("api/matches", { method: "POST", body: JSON.stringify(body) }),
  cancelMatch: (id: string) => call<unknown>(`api/matches/${id}`, { method: "DELETE" }),
  eventsUrl: (id: string) => `api/matches/${id}/events`,
  targetUrl: (id: string) => `api/matches/${id}/target.wav`,
  previewUrl: (id: string, k: number) => `api/matches/${id}/candidates/${k}/preview.wav`,
  presetUrl: (id: string, k: number) => `api/matches/${id}/candidates/${k}/preset`,
};

export async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as {
      error?: { code: string; message: string; line: string };
    };
    throw new ServerError(
      body.error?.code ?? `http-${res.status}`,
      body.error?.message ?? res.statusText,
      body.error?.line ?? "",
    );
  }
  return new Uint8Array(await res.arrayBuffer());
}
