// What the delay-loop kernels (chorus, delay) share: an instance whose memory holds the control block (at 0),
// the stereo block buffers (left, then right) and then the lines, each followed by guard samples (copies of
// its first three, so that 4-sample reads never wrap).

import { copyBlock } from "./common.ts";
import { leaseInstance } from "./wasm.ts";

export const GUARD = 4;

export class StereoLoopKernel {
  protected readonly f: Float32Array;
  protected readonly i: Int32Array;
  /** Byte address of the first line; the lines follow `stride` bytes apart. */
  protected readonly lineBase: number;
  protected readonly stride: number;
  private readonly run_: (ctl: number, n: number) => void;
  private readonly bufL: Float32Array;
  private readonly bufR: Float32Array;

  /**
   * `ctlBytes`: the control block's size; `io`: its slot for [block buffers address, bytes per block buffer];
   * `lines` lines of `lineSize` (a power of two) samples, each followed by `guard` samples.
   */
  constructor(
    mod: WebAssembly.Module,
    ctlBytes: number,
    io: number,
    maxBlock: number,
    lines: number,
    lineSize: number,
    guard = GUARD,
  ) {
    const blockBytes = maxBlock * 4;
    this.lineBase = ctlBytes + 2 * blockBytes;
    this.stride = (lineSize + guard) * 4;
    ({ run: this.run_, f: this.f, i: this.i } = leaseInstance(mod, this.lineBase + lines * this.stride));
    this.i[io / 4] = ctlBytes;
    this.i[io / 4 + 1] = blockBytes;
    this.bufL = this.f.subarray(ctlBytes / 4, ctlBytes / 4 + maxBlock);
    this.bufR = this.f.subarray(ctlBytes / 4 + maxBlock, ctlBytes / 4 + 2 * maxBlock);
  }

  /** Process n ≤ maxBlock samples of L/R in place. */
  run(L: Float32Array, R: Float32Array, n: number): void {
    copyBlock(this.bufL, L, n);
    copyBlock(this.bufR, R, n);
    this.run_(0, n);
    copyBlock(L, this.bufL, n);
    copyBlock(R, this.bufR, n);
  }

  /** Zero the floats [from, to) of the memory below 1e-20 (states decaying in silence: no slow subnormals). */
  protected flush(from: number, to: number): void {
    const F = this.f;
    for (let q = from; q < to; q++) {
      const x = F[q]!;
      if (x < 1e-20 && x > -1e-20) F[q] = 0;
    }
  }
}
