// Every metric of DESIGN §5 for one target/candidate pair (what `patchsmith compare` prints).
import { envelopeErrorDb, maxAbsError } from "./envelope.ts";
import { pitchErrorCentsSigned } from "./pitch.ts";
import { melLsd, mfccMae, mfccMaeSpiegelib, mss, spectralConvergence } from "./spectral.ts";
import { asTarget, type MetricTarget } from "./target.ts";

export interface MetricReport {
  /** mel-LSD, dB (the headline). */
  melLsdDb: number;
  /** Multi-scale spectral distance (unitless). */
  mss: number;
  /** MFCC mean absolute error on the §5 mel dB matrix (dB-scaled cepstral units). */
  mfccMae: number;
  /** MFCC MAE as SpiegeLib/librosa compute it. */
  mfccMaeSpiegelib: number;
  /** Spectral convergence on the linear mel power (ratio; 1 for a silent candidate). */
  spectralConvergence: number;
  /** Candidate − target median f0 of the sustained part, cents (0 if neither is pitched, NaN if one is). */
  pitchErrorCents: number;
  /** Mean |Δ| of the RMS envelopes, dB. */
  envelopeErrorDb: number;
  /** Largest absolute sample difference (linear, full scale 1). */
  maxAbsError: number;
}

export function allMetrics(target: MetricTarget | Float32Array, candidate: Float32Array): MetricReport {
  const t = asTarget(target);
  return {
    melLsdDb: melLsd(t, candidate),
    mss: mss(t, candidate),
    mfccMae: mfccMae(t, candidate),
    mfccMaeSpiegelib: mfccMaeSpiegelib(t, candidate),
    spectralConvergence: spectralConvergence(t, candidate),
    pitchErrorCents: pitchErrorCentsSigned(t, candidate),
    envelopeErrorDb: envelopeErrorDb(t, candidate),
    maxAbsError: maxAbsError(t, candidate),
  };
}
