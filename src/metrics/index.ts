// The distances of DESIGN §5, one definition each. All take mono 44.1 kHz signals that start at the note
// onset; the candidate is cut or zero-padded to the target's length. Pass a prepared target
// (`prepareTarget(samples)`) to score many candidates against one sound without re-analysing it.
export { MetricTarget, prepareTarget, METRIC_SAMPLE_RATE } from "./target.ts";
export {
  melLsd,
  mfccMae,
  mfccMaeSpiegelib,
  spectralConvergence,
  mss,
  melFeatures,
  librosaMfcc,
  lsdOfDb,
  type MelFeatures,
  MEL_N_FFT,
  MEL_HOP,
  MEL_BANDS,
  MFCC_COUNT,
  MSS_SIZES,
} from "./spectral.ts";
export { envelopeErrorDb, maxAbsError } from "./envelope.ts";
export { pitchErrorCents, pitchErrorCentsSigned, sustainedPitch } from "./pitch.ts";
export { allMetrics, type MetricReport } from "./all.ts";
