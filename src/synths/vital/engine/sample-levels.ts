// The sample oscillator's playback buffers, built once per sample the way Vital builds them: level 0 is the
// sample upsampled 2×, level 1 the sample itself, each further level half the previous (low-passed), so a
// read at any speed takes at most about two buffer samples per output sample. Every buffer carries
// SAMPLE_PAD samples either side: zeros for one-shot play, the other end of the sample for looped play.
// Filter coefficients, pad layout and level sizes are facts from Vital's sample source (sample_source.cpp,
// GPL-3, Matt Tytel); the code is our own.

export const SAMPLE_PAD = 4;

// Half of Vital's 52-tap interpolating filter for the odd samples of level 0 (symmetric: tap 25 − k = 26 + k).
const UP_HALF = [
  0.63582677174146173815, -0.20983789329153934577, 0.12341020608668884506, -0.08553732517833501081,
  0.06390129737820912648, -0.04969976487903196571, 0.03955540075427885216, -0.03189749744607761617,
  0.02589749790817717778, -0.02107703631849214276, 0.01713971962082135037, -0.01389054810464621786,
  0.01119505770885186047, -0.0089552325616515556, 0.00709710545967762174, -0.00556197642993439857,
  0.004302012661141991, -0.00327687301855350468, 0.00245186210306888412, -0.00179654322363837892,
  0.00128404004639384468, -0.0008905305159418171, 0.00059490753359688455, -0.0003786168140072059,
  0.00022540536578128084, -0.00015981311570208655,
].map(Math.fround);

// Half of Vital's 55-tap low-pass for the halved levels (symmetric around the centre tap, index 0 here).
const DOWN_HALF = [
  0.4444714418837066, 0.31285587793730246, 0.05398926693924448, -0.09025827224454164, -0.049566024787935245,
  0.03889228625534586, 0.04279770831566429, -0.013983156365753766, -0.03448379812688787,
  -0.0002093220301655805, 0.025557280950428782, 0.008026778073943279, -0.016935843679984037,
  -0.011429260748035207, 0.009402148654924303, 0.011760981765402261, -0.003465846383906444,
  -0.010099270019478761, -0.000546514301955849, 0.007614361286489334, 0.0030526281279541555,
  -0.004450269579432283, -0.003019073425031439, 0.0040620073330527315, 0.00666031332700994,
  0.0030100376204235577, -0.0008322130675804714, -0.0013796309221920304,
].map(Math.fround);
const DOWN_RADIUS = DOWN_HALF.length - 1;
const MIN_LEVEL_SIZE = 4;

/** Playback buffers of one channel: `play[k]` and `loop[k]` hold level k's data at offset SAMPLE_PAD. */
export interface SampleLevels {
  play: Float32Array[];
  loop: Float32Array[];
}

function padded(data: Float32Array): Float32Array {
  const b = new Float32Array(data.length + 2 * SAMPLE_PAD);
  b.set(data, SAMPLE_PAD);
  return b;
}

/** Level 0: even samples are the input, odd ones the 52-tap interpolation (zeros beyond the ends). */
function upsampled(x: Float32Array): Float32Array {
  const n = x.length;
  const y = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    y[2 * i] = x[i]!;
    let acc = 0;
    for (let k = 0; k < UP_HALF.length; k++) {
      const a = i - k;
      const b = i + 1 + k;
      acc += UP_HALF[k]! * ((a >= 0 ? x[a]! : 0) + (b < n ? x[b]! : 0));
    }
    y[2 * i + 1] = acc;
  }
  return y;
}

/** One halved level from the previous level's data: one-shot (zeros beyond the ends) or circular. */
function halved(x: Float32Array, circular: boolean): Float32Array {
  const n = x.length;
  const m = (n + 1) >> 1;
  const y = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    const c = 2 * i;
    // only taps past either end wrap around or read zeros
    const inside = c - DOWN_RADIUS >= 0 && c + DOWN_RADIUS < n;
    let acc = 0;
    for (let j = c - DOWN_RADIUS; j <= c + DOWN_RADIUS; j++) {
      let v: number;
      if (inside) v = x[j]!;
      else if (circular) v = x[((j % n) + n) % n]!;
      else v = j >= 0 && j < n ? x[j]! : 0;
      acc += DOWN_HALF[Math.abs(j - c)]! * v;
    }
    y[i] = acc;
  }
  return y;
}

/** All playback levels of one channel of a sample (at least 1 sample long). */
export function sampleLevels(data: Float32Array): SampleLevels {
  const n = data.length;
  const original = padded(data);
  const originalLoop = padded(data);
  for (let i = 0; i < SAMPLE_PAD; i++) {
    originalLoop[i] = data[(((n - SAMPLE_PAD + i) % n) + n) % n]!;
    originalLoop[n + SAMPLE_PAD + i] = data[i % n]!;
  }
  const up = padded(upsampled(data));
  // Vital's looped level 0 is a plain copy of the one-shot buffer (zero pads).
  const play = [up, original];
  const loop = [up, originalLoop];
  let prevPlay = data;
  let prevLoop = data;
  let prevLoopBuffer = originalLoop;
  while (prevPlay.length >= MIN_LEVEL_SIZE) {
    const nextPlay = halved(prevPlay, false);
    const nextLoop = halved(prevLoop, true);
    const m = nextPlay.length;
    const p = padded(nextPlay);
    const l = padded(nextLoop);
    for (let i = 0; i < SAMPLE_PAD; i++) {
      // The lower pad is taken from the previous level's buffer at the new length (as Vital does).
      l[i] = prevLoopBuffer[m + i]!;
      l[m + SAMPLE_PAD + i] = nextLoop[i % m]!;
    }
    play.push(p);
    loop.push(l);
    prevPlay = nextPlay;
    prevLoop = nextLoop;
    prevLoopBuffer = l;
  }
  return { play, loop };
}

/** Vital's level for a read advancing `increment` level-0 samples per output sample. */
export function sampleLevelIndex(increment: number, levels: number): number {
  const whole = Math.max(1, Math.trunc(increment));
  return Math.min(31 - Math.clz32(whole), levels - 1);
}
