// Live play in the browser: the engines run in an AudioWorklet (no server round trip per note). Patches are
// parsed here with the same codecs the CLI uses and sent to the worklet; notes come from the computer keyboard
// and from Web MIDI inputs.
import workletUrl from "../worklet/synth-processor.ts?worker&url";
import { readDx7 } from "../../../src/synths/dx7/codec.ts";
import { vitalCodec } from "../../../src/synths/vital/codec.ts";
import type { SynthMessage } from "../worklet/synth-processor.ts";
import { audioContext } from "./audio.ts";

export interface LatencyReport {
  /** AudioContext.baseLatency + outputLatency (s). */
  outputSeconds: number;
  /** One render quantum (s): the longest a note waits for the next block. */
  quantumSeconds: number;
  /** Measured: from the key event to the block the note first sounds in (s), mean of the last notes. */
  schedulingSeconds: number | undefined;
  /** Key to sound, as the audio system reports it (s): output latency plus the longer of one block and the measured delay. */
  totalSeconds: number;
}

export class LiveSynth {
  private node: AudioWorkletNode | undefined;
  private starting: Promise<AudioWorkletNode> | undefined;
  private readonly held = new Set<number>();
  private delays: number[] = [];
  synth: "dx7" | "vital" | undefined;
  onChange: (() => void) | undefined;
  onError: ((message: string) => void) | undefined;
  notesPlayed = 0;
  private readonly peakWaiters: Array<(v: number) => void> = [];

  /** The largest output sample since the last call (0 before anything is loaded). */
  async peak(): Promise<number> {
    if (!this.node) return 0;
    const p = new Promise<number>((r) => this.peakWaiters.push(r));
    this.node.port.postMessage({ type: "peak" } satisfies SynthMessage);
    return p;
  }

  private async start(): Promise<AudioWorkletNode> {
    const ac = audioContext();
    await ac.audioWorklet.addModule(workletUrl);
    const node = new AudioWorkletNode(ac, "patchsmith-synth", {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [2],
    });
    node.connect(ac.destination);
    node.port.onmessage = (
      e: MessageEvent<{
        type: string;
        sentAt?: number;
        blockTime?: number;
        message?: string;
        value?: number;
      }>,
    ) => {
      const m = e.data;
      if (m.type === "peak") {
        for (const r of this.peakWaiters.splice(0)) r(m.value ?? 0);
      } else if (m.type === "sounding" && m.sentAt !== undefined && m.blockTime !== undefined) {
        this.delays.push(Math.max(0, m.blockTime - m.sentAt));
        if (this.delays.length > 16) this.delays.shift();
        this.onChange?.();
      } else if (m.type === "error") {
        this.onError?.(m.message ?? "the synth failed");
      } else if (m.type === "ready") {
        this.onChange?.();
      }
    };
    this.node = node;
    return node;
  }

  private async port(): Promise<MessagePort> {
    this.starting ??= this.start();
    return (await this.starting).port;
  }

  private post(m: SynthMessage): void {
    if (this.node) this.node.port.postMessage(m);
    else void this.port().then((p) => p.postMessage(m));
  }

  /** Load voice `voice` (1-based) of a preset file's bytes. */
  async loadPreset(synth: string, bytes: Uint8Array, voice = 1): Promise<void> {
    const port = await this.port();
    if (synth === "dx7") {
      const { patches } = readDx7(bytes, "preset.syx");
      const patch = patches[voice - 1] ?? patches[0];
      if (!patch) throw new Error("no voice in the file");
      port.postMessage({ type: "patch", synth: "dx7", patch } satisfies SynthMessage);
    } else if (synth === "vital") {
      const { patches } = vitalCodec.read(bytes, "preset.vital");
      port.postMessage({ type: "patch", synth: "vital", patch: patches[0]! } satisfies SynthMessage);
    } else {
      throw new Error(`no live engine for ${synth}`);
    }
    this.synth = synth;
    this.onChange?.();
  }

  noteOn(note: number, velocity: number): void {
    if (note < 0 || note > 127) return;
    const ac = audioContext();
    this.held.add(note);
    this.notesPlayed++;
    this.post({
      type: "noteOn",
      note,
      velocity: Math.max(1, Math.min(127, velocity)),
      sentAt: ac.currentTime,
    });
  }

  noteOff(note: number): void {
    this.held.delete(note);
    this.post({ type: "noteOff", note });
  }

  allNotesOff(): void {
    this.held.clear();
    this.post({ type: "allNotesOff" });
  }

  get heldNotes(): number[] {
    return [...this.held];
  }

  latency(): LatencyReport {
    const ac = audioContext();
    const outputSeconds = (ac.baseLatency ?? 0) + (ac.outputLatency ?? 0);
    const quantumSeconds = 128 / ac.sampleRate;
    const schedulingSeconds = this.delays.length
      ? this.delays.reduce((a, b) => a + b, 0) / this.delays.length
      : undefined;
    // A note waits at most one block for the worklet; the measured delay is in whole blocks of the context clock.
    return {
      outputSeconds,
      quantumSeconds,
      schedulingSeconds,
      totalSeconds: outputSeconds + Math.max(schedulingSeconds ?? 0, quantumSeconds),
    };
  }
}

/** Two octaves on the QWERTY rows (by key position, so any layout works): Z-row from C, Q-row from the C above. */
// prettier-ignore
const KEY_OFFSETS: Record<string, number> = {
  KeyZ: 0, KeyS: 1, KeyX: 2, KeyD: 3, KeyC: 4, KeyV: 5, KeyG: 6, KeyB: 7, KeyH: 8, KeyN: 9, KeyJ: 10, KeyM: 11, Comma: 12,
  KeyQ: 12, Digit2: 13, KeyW: 14, Digit3: 15, KeyE: 16, KeyR: 17, Digit5: 18, KeyT: 19, Digit6: 20, KeyY: 21, Digit7: 22, KeyU: 23, KeyI: 24,
};

export function keyOffset(code: string): number | undefined {
  return KEY_OFFSETS[code];
}

/** Listen to every Web MIDI input (where the browser offers it). Returns the input names. */
export async function connectMidi(
  onMessage: (status: number, d1: number, d2: number) => void,
): Promise<string[]> {
  const nav = navigator as Navigator & { requestMIDIAccess?: () => Promise<MIDIAccess> };
  if (!nav.requestMIDIAccess) return [];
  try {
    const access = await nav.requestMIDIAccess();
    const names: string[] = [];
    const attach = () => {
      names.length = 0;
      access.inputs.forEach((input) => {
        names.push(input.name ?? "MIDI input");
        input.onmidimessage = (e) => {
          const d = e.data;
          if (d && d.length >= 3) onMessage(d[0]!, d[1]!, d[2]!);
        };
      });
    };
    attach();
    access.onstatechange = attach;
    return names;
  } catch {
    return [];
  }
}
