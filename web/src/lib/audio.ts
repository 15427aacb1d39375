// Listening: one AudioContext for the page; A/B playback starts every compared sound at the same moment and
// switches between them with their gains (no restart, no gap), optionally looping, each level-matched to the
// first (reference) sound by RMS.
import { fetchBytes } from "./api.ts";

let ctx: AudioContext | undefined;

export function audioContext(): AudioContext {
  // The smallest buffers the browser offers (latencyHint 0): live play needs them; "interactive" often means
  // 10 ms buffers plus 30 ms of output queue (42 ms in Chromium on Linux, against 11 ms this way).
  ctx ??= new AudioContext({ latencyHint: 0 });
  if (ctx.state === "suspended") void ctx.resume();
  return ctx;
}

const cache = new Map<string, Promise<AudioBuffer>>();

export function loadBuffer(url: string): Promise<AudioBuffer> {
  let p = cache.get(url);
  if (!p) {
    p = fetchBytes(url).then((b) =>
      audioContext().decodeAudioData(
        b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer,
      ),
    );
    p.catch(() => cache.delete(url));
    cache.set(url, p);
  }
  return p;
}

export function rms(buf: AudioBuffer): number {
  let sum = 0;
  let n = 0;
  for (let c = 0; c < buf.numberOfChannels; c++) {
    const x = buf.getChannelData(c);
    for (let i = 0; i < x.length; i++) sum += x[i]! * x[i]!;
    n += x.length;
  }
  return Math.sqrt(sum / Math.max(1, n));
}

/** Gain that brings `buf` to the reference RMS, limited to ±24 dB. */
export function levelGain(buf: AudioBuffer, refRms: number): number {
  const r = rms(buf);
  if (!(r > 1e-6) || !(refRms > 1e-6)) return 1;
  return Math.min(16, Math.max(1 / 16, refRms / r));
}

export class ABPlayer {
  private sources: AudioBufferSourceNode[] = [];
  private gains: GainNode[] = [];
  private levels: number[] = [];
  private startedAt = 0;
  private duration = 0;
  active = 0;
  loop = false;
  levelMatch = true;
  onEnded: (() => void) | undefined;

  get playing(): boolean {
    return this.sources.length > 0;
  }

  /** Seconds into the sound (for cursors), 0 when stopped. */
  position(): number {
    if (!this.playing) return 0;
    const t = audioContext().currentTime - this.startedAt;
    return this.loop ? t % this.duration : Math.min(t, this.duration);
  }

  play(buffers: AudioBuffer[], active: number): void {
    this.stop();
    const ac = audioContext();
    const refRms = rms(buffers[0]!);
    this.duration = Math.max(...buffers.map((b) => b.duration));
    this.active = active;
    const at = ac.currentTime + 0.03;
    buffers.forEach((b, i) => {
      const src = ac.createBufferSource();
      src.buffer = b;
      src.loop = this.loop;
      if (this.loop) src.loopEnd = this.duration;
      const g = ac.createGain();
      this.levels[i] = this.levelMatch && i > 0 ? levelGain(b, refRms) : 1;
      g.gain.value = i === active ? this.levels[i]! : 0;
      src.connect(g).connect(ac.destination);
      src.start(at);
      this.sources.push(src);
      this.gains.push(g);
    });
    this.startedAt = at;
    const first = this.sources[0]!;
    first.onended = () => {
      if (this.sources[0] === first) {
        this.sources = [];
        this.gains = [];
        this.onEnded?.();
      }
    };
  }

  /** Switch what is heard without interrupting playback. */
  select(i: number): void {
    this.active = i;
    const t = audioContext().currentTime;
    this.gains.forEach((g, k) => {
      g.gain.cancelScheduledValues(t);
      g.gain.setTargetAtTime(k === i ? this.levels[k]! : 0, t, 0.004);
    });
  }

  setLoop(on: boolean): void {
    this.loop = on;
    for (const s of this.sources) s.loop = on;
  }

  stop(): void {
    const old = this.sources;
    this.sources = [];
    this.gains = [];
    for (const s of old) {
      try {
        s.stop();
      } catch {
        /* not started */
      }
      s.disconnect();
    }
  }
}
