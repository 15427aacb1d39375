// MFCCs: orthonormal DCT-II over the bands of each frame of a dB mel matrix (first `count` coefficients).

const dctCache = new Map<string, Float32Array>();

/** Rows k = 0 … count−1 of the orthonormal DCT-II matrix of size n (scipy `dct(type=2, norm="ortho")`). */
export function dctMatrix(n: number, count: number): Float32Array {
  const key = `${n}:${count}`;
  let m = dctCache.get(key);
  if (!m) {
    m = new Float32Array(n * count);
    for (let k = 0; k < count; k++) {
      const s = k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
      for (let i = 0; i < n; i++) m[k * n + i] = s * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
    }
    dctCache.set(key, m);
  }
  return m;
}

/**
 * frames × count MFCC matrix (frame-major) from a frames × bands dB matrix (frame-major). Uses the DCT-II
 * symmetry cos(πk(2(N−1−i)+1)/2N) = (−1)^k·cos(πk(2i+1)/2N): even rows act on x_i + x_{N−1−i}, odd rows
 * on x_i − x_{N−1−i}, halving the multiplications (even band counts only; odd ones use the full sum).
 */
export function mfccFromDb(
  db: Float32Array,
  frames: number,
  bands: number,
  count = 20,
  out?: Float32Array,
): Float32Array {
  const res = out && out.length >= frames * count ? out : new Float32Array(frames * count);
  const m = dctMatrix(bands, count);
  if (bands % 2 === 1) {
    for (let t = 0; t < frames; t++) {
      const row = t * bands;
      for (let k = 0; k < count; k++) {
        const mk = k * bands;
        let acc = 0;
        for (let i = 0; i < bands; i++) acc += m[mk + i]! * db[row + i]!;
        res[t * count + k] = acc;
      }
    }
    return res;
  }
  const half = bands / 2;
  const sum = new Float64Array(half);
  const diff = new Float64Array(half);
  for (let t = 0; t < frames; t++) {
    const row = t * bands;
    for (let i = 0; i < half; i++) {
      const a = db[row + i]!;
      const b = db[row + bands - 1 - i]!;
      sum[i] = a + b;
      diff[i] = a - b;
    }
    for (let k = 0; k < count; k++) {
      const mk = k * bands;
      const v = k % 2 === 0 ? sum : diff;
      let acc = 0;
      for (let i = 0; i < half; i++) acc += m[mk + i]! * v[i]!;
      res[t * count + k] = acc;
    }
  }
  return res;
}
