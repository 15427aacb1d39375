// Inputs the server tests make for themselves: a DX7 bank of seeded random voices (written by our codec), a
// plucked tone as WAV. Nothing here comes from the corpora.
import { encodeWav } from "../src/audio/encode.ts";
import { loadSynths } from "../src/synths/index.ts";
import { getSynth } from "../src/synths/synth.ts";
import { Random } from "../src/util/random.ts";

/** A 32-voice DX7 bank (VMEM sysex) of random voices named "TEST 1" … "TEST 32". */
export async function makeDx7Bank(seed = 7): Promise<Uint8Array> {
  await loadSynths();
  const dx7 = getSynth("dx7")!;
  const rng = new Random(seed);
  const rand = () => rng.next();
  const base = dx7.defaultPatch();
  const patches = Array.from({ length: 32 }, (_, i) => {
    const v = dx7.toVector(base);
    // Keep the init voice's structure, move a third of the parameters: audible, varied voices.
    for (let k = 0; k < v.length; k++) if (rand() < 0.33) v[k] = rand();
    return dx7.withName(dx7.fromVector(v, base), `TEST ${i + 1}`);
  });
  return dx7.codec.write(patches);
}

/** A decaying 220 Hz tone with a few harmonics (mono float WAV). */
export function makePluckWav(seconds = 1, sampleRate = 44100): Uint8Array {
  const n = Math.round(seconds * sampleRate);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    let s = 0;
    for (let h = 1; h <= 5; h++) s += Math.sin(2 * Math.PI * 220 * h * t) / h;
    x[i] = 0.4 * s * Math.exp(-4 * t);
  }
  return encodeWav({ sampleRate, channels: [x] }, "float32");
}
