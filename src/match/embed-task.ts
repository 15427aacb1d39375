/** Worker task: render presets at the bank's reference notes and embed each render (src/match/embed.ts). */
import { isCancelled, type CancelFlag } from "../jobs/cancel.ts";
import { embedSound, EMBED_DIMS, EMBED_SECONDS } from "./embed.ts";
import { resolveSynth } from "./evaluate-task.ts";
import { mixToMono } from "./loss.ts";

export interface EmbedBatch {
  synthId: string;
  synthModule?: string;
  patches: unknown[];
  notes: number[];
  cancel?: CancelFlag;
}

export interface EmbedBatchResult {
  /** patches × notes × EMBED_DIMS; NaN rows for patches that failed to render. */
  embeddings: Float32Array;
  done: number;
}

export const EMBED_HOLD_SECONDS = 0.8;

export default async function embedBatch(batch: EmbedBatch): Promise<EmbedBatchResult> {
  const synth = await resolveSynth({ synthId: batch.synthId, synthModule: batch.synthModule } as never);
  const per = batch.notes.length * EMBED_DIMS;
  const out = new Float32Array(batch.patches.length * per);
  let done = 0;
  for (; done < batch.patches.length; done++) {
    if (isCancelled(batch.cancel)) break;
    const patch = batch.patches[done];
    for (const [j, note] of batch.notes.entries()) {
      const at = done * per + j * EMBED_DIMS;
      try {
        const ch = synth.render(
          patch,
          { note, velocity: 100, noteOffSeconds: EMBED_HOLD_SECONDS, durationSeconds: EMBED_SECONDS },
          { sampleRate: 44100, seed: 1 },
        );
        embedSound(mixToMono(ch), out.subarray(at, at + EMBED_DIMS));
      } catch {
        out.fill(NaN, at, at + EMBED_DIMS);
      }
    }
  }
  return { embeddings: out, done };
}
