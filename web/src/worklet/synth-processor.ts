// The live-play synth: the same engine code as the CLI's renders (the instrument classes of src/synths),
// running in an AudioWorklet. Messages from the page: load a patch, note on/off, all notes off. It reports
// back once per note-on when the note first sounds, so the page can show the scheduling delay.
import { Dx7Instrument } from "../../../src/synths/dx7/engine/instrument.ts";
import type { Dx7Patch } from "../../../src/synths/dx7/params.ts";
import { programFromPatch } from "../../../src/synths/vital/engine/from-patch.ts";
import { VitalInstrument } from "../../../src/synths/vital/engine/instrument.ts";
import type { VitalPatch } from "../../../src/synths/vital/types.ts";

declare const sampleRate: number;
declare const currentTime: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: unknown): void;

export type SynthMessage =
  | { type: "patch"; synth: "dx7"; patch: Dx7Patch }
  | { type: "patch"; synth: "vital"; patch: VitalPatch }
  | { type: "noteOn"; note: number; velocity: number; sentAt: number }
  | { type: "noteOff"; note: number }
  | { type: "allNotesOff" }
  | { type: "peak" };

interface Engine {
  noteOn(note: number, velocity: number): void;
  noteOff(note: number): void;
  allNotesOff(): void;
  render(l: Float32Array, r: Float32Array): void;
}

function dx7Engine(patch: Dx7Patch): Engine {
  const inst = new Dx7Instrument(patch, { sampleRate, polyphony: 16 });
  return {
    noteOn: (n, v) => inst.noteOn(n, v),
    noteOff: (n) => inst.noteOff(n),
    allNotesOff: () => inst.allNotesOff(),
    render(l, r) {
      inst.process(l);
      r.set(l);
    },
  };
}

function vitalEngine(patch: VitalPatch): Engine {
  const inst = new VitalInstrument(programFromPatch(patch), { sampleRate, seed: 1 });
  return {
    noteOn: (n, v) => inst.noteOn(n, v / 127),
    noteOff: (n) => inst.noteOff(n),
    allNotesOff: () => inst.allNotesOff(),
    render(l, r) {
      inst.process(l, r, 0, l.length);
    },
  };
}

class SynthProcessor extends AudioWorkletProcessor {
  private engine: Engine | undefined;
  private pendingReports: number[] = [];
  /** Largest absolute output sample since the page last asked (a level meter, and proof of sound in tests). */
  private peak = 0;
  private readonly scratchR = new Float32Array(128);

  constructor() {
    super();
    this.port.onmessage = (e: MessageEvent<SynthMessage>) => this.handle(e.data);
  }

  private handle(m: SynthMessage): void {
    try {
      if (m.type === "patch") {
        this.engine?.allNotesOff();
        this.engine = m.synth === "dx7" ? dx7Engine(m.patch) : vitalEngine(m.patch);
        this.port.postMessage({ type: "ready", synth: m.synth });
      } else if (m.type === "noteOn") {
        this.engine?.noteOn(m.note, m.velocity);
        this.pendingReports.push(m.sentAt);
      } else if (m.type === "noteOff") {
        this.engine?.noteOff(m.note);
      } else if (m.type === "allNotesOff") {
        this.engine?.allNotesOff();
      } else if (m.type === "peak") {
        this.port.postMessage({ type: "peak", value: this.peak });
        this.peak = 0;
      }
    } catch (err) {
      this.port.postMessage({ type: "error", message: (err as Error).message });
    }
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0];
    if (!out || out.length === 0) return true;
    const l = out[0]!;
    const r = out[1] ?? this.scratchR;
    if (!this.engine) {
      l.fill(0);
      r.fill(0);
      return true;
    }
    this.engine.render(l, r.length === l.length ? r : this.scratchR);
    let peak = this.peak;
    for (let i = 0; i < l.length; i++) {
      const a = l[i]! < 0 ? -l[i]! : l[i]!;
      if (a > peak) peak = a;
    }
    this.peak = peak;
    if (this.pendingReports.length) {
      // The note-ons received before this block start sounding in it.
      for (const sentAt of this.pendingReports)
        this.port.postMessage({ type: "sounding", sentAt, blockTime: currentTime });
      this.pendingReports.length = 0;
    }
    return true;
  }
}

registerProcessor("patchsmith-synth", SynthProcessor);
