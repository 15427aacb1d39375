import { describe, expect, it } from "vitest";
import {
  htkMelFilterbank,
  melPowerSpectrogram,
  powerToDb,
  slaneyMelFilterbank,
  type MelFilterbank,
} from "../src/audio/mel.ts";
import { melFrameKernel } from "../src/audio/mel-simd.ts";
import { Random } from "../src/util/random.ts";

/** Signals that exercise every path: tones, noise, clicks, silence, shorter than a frame, huge and tiny levels. */
function signals(): Array<[string, Float32Array]> {
  const r = new Random(7);
  const n = 30000;
  const tone = new Float32Array(n).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 441 * i) / 44100));
  const sweep = new Float32Array(n).map((_, i) => Math.sin((2 * Math.PI * (50 + i * 0.4) * i) / 44100));
  const noise = new Float32Array(n).map(() => r.normal() * 0.3);
  const decaying = noise.map((v, i) => v * Math.exp(-i / 3000) * 1e-4);
  const clicks = new Float32Array(n);
  for (let i = 0; i < n; i += 4410) clicks[i] = 1;
  const loud = noise.map((v) => v * 1e4);
  // A sound that stops: the kernel path skips the silent frames at the end.
  const stops = Float32Array.from(tone);
  stops.fill(0, 17000);
  const lastSampleOnly = new Float32Array(n);
  lastSampleOnly[n - 1] = 0.25;
  return [
    ["tone", tone],
    ["sweep", sweep],
    ["noise", noise],
    ["decaying quiet noise", decaying],
    ["clicks", clicks],
    ["loud noise", loud],
    ["silence", new Float32Array(5000)],
    ["stops", stops],
    ["last sample only", lastSampleOnly],
    ["short", noise.subarray(0, 300)],
  ];
}

const configs: Array<[string, MelFilterbank, { nFft: number; hop: number; center?: boolean }]> = [
  ["§5 2048/512, 128 HTK bands", htkMelFilterbank(2048, 44100, 128), { nFft: 2048, hop: 512 }],
  ["loss 512/256, 40 HTK bands", htkMelFilterbank(512, 44100, 40), { nFft: 512, hop: 256 }],
  [
    "librosa 2048, 128 Slaney bands, centred",
    slaneyMelFilterbank(2048, 44100, 128),
    { nFft: 2048, hop: 512, center: true },
  ],
  [
    "Slaney 1024 at 22.05 kHz, 40 bands to 8 kHz",
    slaneyMelFilterbank(1024, 22050, 40, 0, 8000),
    { nFft: 1024, hop: 256, center: true },
  ],
  // Bands to Nyquist: the kernel's last bin is n/2 (X[n/2] real, X[n/2 + 1] = conj X[n/2 − 1]).
  ["HTK 256 to Nyquist, 30 bands", htkMelFilterbank(256, 44100, 30, 0, 22050), { nFft: 256, hop: 64 }],
];

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe("the mel WebAssembly kernel (src/audio/mel-simd.ts) and the silent-frame skip", () => {
  it("is available in this runtime (otherwise the comparisons below test nothing)", () => {
    expect(melFrameKernel(htkMelFilterbank(2048, 44100, 128), 2048)).not.toBeNull();
  });

  for (const [label, fb, opt] of configs) {
    it(`gives the JavaScript loop's mel powers to the last bit: ${label}`, () => {
      for (const [name, x] of signals()) {
        const fast = melPowerSpectrogram(x, fb, opt);
        const slow = melPowerSpectrogram(x, fb, { ...opt, kernel: false });
        expect(fast.frames, name).toBe(slow.frames);
        const n = fast.frames * fast.bands;
        const a = bits(fast.data.subarray(0, n));
        const b = bits(slow.data.subarray(0, n));
        let differing = 0;
        for (let i = 0; i < n; i++) if (a[i] !== b[i]) differing++;
        expect(differing, name).toBe(0);
        // Not trivially equal: the spectra hold energy where the signal does.
        if (name !== "silence") expect(Math.max(...fast.data.subarray(0, n)), name).toBeGreaterThan(0);
      }
    });
  }

  it("gives the JavaScript powerToDb to the last bit (amin, floors, zeros, NaN, huge values)", () => {
    const r = new Random(3);
    const p = new Float32Array(5000).map(() => 10 ** r.uniform(-14, 6) * r.next());
    p[0] = 0;
    p[1] = NaN;
    p[2] = Infinity;
    p[3] = 1e-10;
    p[4] = 3e38;
    p[5] = 1;
    p[6] = Math.SQRT2;
    for (const [amin, topDb] of [
      [1e-10, 80],
      [1e-5, 40],
      [1e-30, 200],
    ] as const) {
      const fast = powerToDb(p, p.length, new Float32Array(p.length), amin, topDb);
      const slow = powerToDb(p, p.length, new Float32Array(p.length), amin, topDb, false);
      expect(Array.from(bits(fast))).toEqual(Array.from(bits(slow)));
      expect(Math.max(...fast) - Math.min(...fast)).toBeCloseTo(topDb, 3);
    }
    // In place, and on a prefix only.
    const q = Float32Array.from(p);
    const expected = powerToDb(p, 4000, Float32Array.from(p), 1e-10, 80, false);
    powerToDb(q, 4000, q);
    expect(Array.from(bits(q))).toEqual(Array.from(bits(expected)));
  });
});
