// Real FFT on @echogarden/pffft-wasm (SIMD build; the scalar build if SIMD wasm is unavailable).
// The wasm module is instantiated once per thread by `initFft()` (awaited at the top level of this module,
// so importers can call the sync API directly). Each RealFft owns aligned buffers inside the wasm heap,
// allocated once; transforms are then allocation-free.

interface PffftModule {
  HEAPF32: Float32Array;
  _pffft_new_setup(n: number, kind: number): number;
  _pffft_destroy_setup(setup: number): void;
  _pffft_transform_ordered(
    setup: number,
    input: number,
    output: number,
    work: number,
    direction: number,
  ): void;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_aligned_free(ptr: number): void;
}

const PFFFT_REAL = 0;
const PFFFT_FORWARD = 0;
const PFFFT_BACKWARD = 1;

let pffft: PffftModule | undefined;
let loading: Promise<PffftModule> | undefined;

async function load(): Promise<PffftModule> {
  try {
    const mod = await import("@echogarden/pffft-wasm/simd");
    return (await mod.default()) as PffftModule;
  } catch {
    const mod = await import("@echogarden/pffft-wasm");
    return (await mod.default()) as PffftModule;
  }
}

/** Instantiate the wasm FFT for this thread (idempotent). */
export async function initFft(): Promise<void> {
  if (pffft) return;
  loading ??= load();
  pffft = await loading;
}

function heap(m: PffftModule): Float32Array {
  return m.HEAPF32;
}

/**
 * A real FFT of one size (a power of two ≥ 32 or any pffft-supported size: 2^a·3^b·5^c with a ≥ 5).
 * Output layout (interleaved, "ordered"): out[0] = Re X[0], out[1] = Re X[n/2], then Re/Im pairs of
 * X[1] … X[n/2 − 1]. Not scaled: inverse(forward(x)) = n·x.
 */
export class RealFft {
  readonly size: number;
  private readonly m: PffftModule;
  private readonly setup: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private readonly workPtr: number;

  constructor(size: number) {
    if (!pffft) throw new Error("FFT not initialised: await initFft() first");
    if (!Number.isInteger(size) || size < 32 || !isPffftSize(size))
      throw new RangeError(`unsupported FFT size ${size}`);
    this.m = pffft;
    this.size = size;
    this.setup = this.m._pffft_new_setup(size, PFFFT_REAL);
    this.inPtr = this.m._pffft_aligned_malloc(size * 4);
    this.outPtr = this.m._pffft_aligned_malloc(size * 4);
    this.workPtr = this.m._pffft_aligned_malloc(size * 4);
  }

  /**
   * Zero-copy access for hot loops: write the input at `heap()[inIndex …]`, call `run()`, read the output
   * (layout as above) at `heap()[outIndex …]`. Re-fetch `heap()` after creating another RealFft (the
   * wasm memory may grow and replace the array); transforms themselves never allocate.
   */
  heap(): Float32Array {
    return heap(this.m);
  }
  get inIndex(): number {
    return this.inPtr >> 2;
  }
  get outIndex(): number {
    return this.outPtr >> 2;
  }
  /** Forward transform from the input area to the output area, in wasm memory. */
  run(): void {
    this.m._pffft_transform_ordered(this.setup, this.inPtr, this.outPtr, this.workPtr, PFFFT_FORWARD);
  }
  /** Inverse transform from the input area to the output area, in wasm memory (unscaled). */
  runInverse(): void {
    this.m._pffft_transform_ordered(this.setup, this.inPtr, this.outPtr, this.workPtr, PFFFT_BACKWARD);
  }

  /** Forward transform of `x` (length ≤ size, zero-padded) into `out` (length size, layout as above). */
  forward(x: Float32Array, out: Float32Array): void {
    const h = heap(this.m);
    const base = this.inPtr >> 2;
    const n = Math.min(x.length, this.size);
    h.set(n === x.length ? x : x.subarray(0, n), base);
    if (n < this.size) h.fill(0, base + n, base + this.size);
    this.m._pffft_transform_ordered(this.setup, this.inPtr, this.outPtr, this.workPtr, PFFFT_FORWARD);
    out.set(h.subarray(this.outPtr >> 2, (this.outPtr >> 2) + this.size));
  }

  /** Inverse of `forward` (unscaled: multiply by 1/size yourself). */
  inverse(spectrum: Float32Array, out: Float32Array): void {
    const h = heap(this.m);
    h.set(spectrum.subarray(0, this.size), this.inPtr >> 2);
    this.m._pffft_transform_ordered(this.setup, this.inPtr, this.outPtr, this.workPtr, PFFFT_BACKWARD);
    out.set(h.subarray(this.outPtr >> 2, (this.outPtr >> 2) + this.size));
  }

  /** Release the wasm memory. The object must not be used afterwards. */
  dispose(): void {
    this.m._pffft_aligned_free(this.inPtr);
    this.m._pffft_aligned_free(this.outPtr);
    this.m._pffft_aligned_free(this.workPtr);
    this.m._pffft_destroy_setup(this.setup);
  }
}

function isPffftSize(n: number): boolean {
  let m = n;
  for (const f of [2, 3, 5]) while (m % f === 0) m /= f;
  return m === 1 && n % 32 === 0;
}

const cache = new Map<number, RealFft>();

/** One shared RealFft per size for this thread (setups are reused; never dispose these). */
export function realFft(size: number): RealFft {
  let f = cache.get(size);
  if (!f) {
    f = new RealFft(size);
    cache.set(size, f);
  }
  return f;
}

await initFft();
