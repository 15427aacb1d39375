// The polyphonic DX7 for live play: same output as the offline path for one note, note-off, voice reuse and
// stealing, any block size.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readDx7 } from "../src/synths/dx7/codec.ts";
import { Dx7Instrument } from "../src/synths/dx7/engine/instrument.ts";
import { engineParams } from "../src/synths/dx7/engine/params.ts";
import { renderNoteInt16 } from "../src/synths/dx7/engine/render.ts";
import { repoRoot } from "./helpers.ts";

const { patches } = readDx7(
  new Uint8Array(readFileSync(path.join(repoRoot, "test/fixtures/dx7/features.syx"))),
);
// Voices with an LFO, a pitch EG, feedback and fixed frequencies among them.
const voices = [1, 7, 14, 23, 24, 26, 29].map((v) => patches[v - 1]!);

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
}

describe("Dx7Instrument", () => {
  it("plays one note exactly as the offline single-voice render, in any host block size", () => {
    for (const p of voices) {
      const ref = renderNoteInt16(engineParams(p), {
        note: 60,
        velocity: 100,
        noteOffSample: 44160,
        length: 88200,
      });
      for (const hostBlock of [64, 128, 100]) {
        const inst = new Dx7Instrument(p, { polyphony: 4 });
        inst.noteOn(60, 100);
        const out = new Float32Array(88200);
        const buf = new Float32Array(hostBlock);
        let released = false;
        for (let pos = 0; pos < out.length; pos += hostBlock) {
          // a note-off arriving at sample 44100 acts at the next 64-sample block boundary (44160), as in Dexed
          if (!released && pos >= 44100) {
            inst.noteOff(60);
            released = true;
          }
          inst.process(buf);
          out.set(buf.subarray(0, Math.min(hostBlock, out.length - pos)), pos);
        }
        let diff = 0;
        for (let i = 0; i < out.length; i++) if (Math.round(out[i]! * 32768) !== ref[i]) diff++;
        expect(diff, `${p.name} host block ${hostBlock}`).toBe(0);
      }
    }
  });

  it("releases notes on note-off and frees their voices", () => {
    const inst = new Dx7Instrument(patches[0]!, { polyphony: 4 });
    const buf = new Float32Array(4410);
    inst.noteOn(60, 100);
    inst.noteOn(64, 100);
    inst.process(buf);
    expect(inst.activeVoices()).toBe(2);
    expect(rms(buf)).toBeGreaterThan(0.05);
    inst.noteOff(60);
    inst.noteOff(64);
    for (let k = 0; k < 5; k++) inst.process(buf);
    expect(rms(buf)).toBe(0);
    expect(inst.activeVoices()).toBe(0);
  });

  it("sums voices: two notes are louder than one and a chord is heard", () => {
    const one = new Dx7Instrument(patches[0]!);
    const two = new Dx7Instrument(patches[0]!);
    const a = new Float32Array(8192);
    const b = new Float32Array(8192);
    one.noteOn(60, 100);
    two.noteOn(60, 100);
    two.noteOn(67, 100);
    one.process(a);
    two.process(b);
    expect(rms(b)).toBeGreaterThan(rms(a) * 1.2);
  });

  it("steals the oldest voice when all are busy and keeps playing", () => {
    const inst = new Dx7Instrument(patches[0]!, { polyphony: 2 });
    const buf = new Float32Array(1024);
    inst.noteOn(48, 100);
    inst.process(buf);
    inst.noteOn(52, 100);
    inst.process(buf);
    inst.noteOn(55, 100); // steals 48
    inst.process(buf);
    expect(inst.activeVoices()).toBe(2);
    inst.noteOff(48); // no longer playing: nothing changes
    inst.process(buf);
    expect(inst.activeVoices()).toBe(2);
    inst.noteOff(52);
    inst.noteOff(55);
    for (let k = 0; k < 10; k++) inst.process(buf);
    expect(inst.activeVoices()).toBe(0);
    // a released voice is reused for the next note
    inst.noteOn(60, 100);
    inst.process(buf);
    expect(inst.activeVoices()).toBe(1);
    expect(rms(buf)).toBeGreaterThan(0.05);
  });

  it("gives the same result with the JavaScript kernels as with the WebAssembly ones", () => {
    const p = voices[2]!;
    const a = new Dx7Instrument(p, { kernels: "js" });
    const b = new Dx7Instrument(p, { kernels: "wasm" });
    const x = new Float32Array(8192);
    const y = new Float32Array(8192);
    for (const inst of [a, b]) {
      inst.noteOn(60, 90);
      inst.noteOn(72, 30);
    }
    a.process(x);
    b.process(y);
    expect(x).toEqual(y);
  });
});
