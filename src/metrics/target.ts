// A metric target: the sound to compare against, with its features computed once (lazily, per metric) so
// that many candidates can be scored without re-analysing it. Candidates are cut or zero-padded to the
// target's length (DESIGN §5) in a scratch buffer owned by the target.
import { assertFiniteAudio } from "../audio/finite.ts";
import { PatchsmithError } from "../errors.ts";

export const METRIC_SAMPLE_RATE = 44100;

export class MetricTarget {
  readonly samples: Float32Array;
  readonly sampleRate: number;
  /** Feature caches, filled on first use by the metric functions (keyed by metric). */
  readonly cache = new Map<string, unknown>();
  /** Scratch buffers reused across candidates (keyed by purpose). */
  readonly scratch = new Map<string, Float32Array>();

  constructor(samples: Float32Array, sampleRate = METRIC_SAMPLE_RATE) {
    if (sampleRate !== METRIC_SAMPLE_RATE) {
      throw new PatchsmithError(
        "bad-sample-rate",
        `metrics are defined at ${METRIC_SAMPLE_RATE} Hz, got ${sampleRate} Hz (resample first)`,
      );
    }
    assertFiniteAudio(samples);
    this.samples = samples;
    this.sampleRate = sampleRate;
  }

  get length(): number {
    return this.samples.length;
  }

  /** A feature of the target, computed once. */
  feature<T>(key: string, compute: () => T): T {
    let v = this.cache.get(key) as T | undefined;
    if (v === undefined) {
      v = compute();
      this.cache.set(key, v);
    }
    return v;
  }

  /** A reusable Float32Array of at least `n` values (contents undefined). */
  buffer(key: string, n: number): Float32Array {
    let b = this.scratch.get(key);
    if (!b || b.length < n) {
      b = new Float32Array(n);
      this.scratch.set(key, b);
    }
    return b;
  }

  /** The candidate cut or zero-padded to the target's length (a view or a scratch copy). */
  fit(candidate: Float32Array): Float32Array {
    const n = this.samples.length;
    if (candidate.length === n) return candidate;
    if (candidate.length > n) return candidate.subarray(0, n);
    const b = this.buffer("fit", n).subarray(0, n);
    b.set(candidate);
    b.fill(0, candidate.length);
    return b;
  }
}

/** Prepare a target (mono, 44.1 kHz) for scoring many candidates. */
export function prepareTarget(samples: Float32Array, sampleRate = METRIC_SAMPLE_RATE): MetricTarget {
  return new MetricTarget(samples, sampleRate);
}

/** Accept either a prepared target or plain samples. */
export function asTarget(t: MetricTarget | Float32Array): MetricTarget {
  return t instanceof MetricTarget ? t : new MetricTarget(t);
}
