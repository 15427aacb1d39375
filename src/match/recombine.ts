/**
 * Recombination of starts: a preset built from the best start with one parameter group (a DX7 operator, the
 * pitch EG, the LFO) taken from another good start. Presets near a target are often relatives (a corpus holds
 * families of voices edited from each other), and one may have the right carriers where another has the right
 * modulators; a whole group is exchanged because an operator's ratio, level and envelope only make sense
 * together. Which groups are exchanged and which parameters must agree first (the DX7's algorithm: an operator
 * plays its role only in its own algorithm) is the synth's search profile (src/match/profile.ts).
 */
import type { AnySynth } from "../synths/synth.ts";

export interface RecombinationProfile {
  /** Parameter groups (ParamSpec.group) exchanged as a whole. */
  groups: RegExp;
  /** Parameters that must be equal in both presets for an exchange to make sense. */
  same: string[];
}

/** Schema indices of each exchangeable group. */
function groupIndices(synth: AnySynth, profile: RecombinationProfile): number[][] {
  const byGroup = new Map<string, number[]>();
  synth.params.forEach((p, i) => {
    if (p.group === undefined || !profile.groups.test(p.group)) return;
    const list = byGroup.get(p.group);
    if (list) list.push(i);
    else byGroup.set(p.group, [i]);
  });
  return [...byGroup.values()];
}

/**
 * Children of `parent`, each with one group of one donor's values (donors whose `same` parameters differ
 * from the parent's, and groups a donor has exactly as the parent has, give none).
 */
export function recombinations(
  synth: AnySynth,
  profile: RecombinationProfile,
  parent: unknown,
  donors: Array<{ patch: unknown; source: string }>,
): Array<{ patch: unknown; source: string }> {
  const groups = groupIndices(synth, profile);
  const same = profile.same.map((name) => synth.params.findIndex((p) => p.name === name));
  const base = synth.toVector(parent);
  const children: Array<{ patch: unknown; source: string }> = [];
  for (const donor of donors) {
    const v = synth.toVector(donor.patch);
    if (same.some((k) => k >= 0 && v[k] !== base[k])) continue;
    for (const indices of groups) {
      if (indices.every((k) => v[k] === base[k])) continue;
      const child = Float32Array.from(base);
      for (const k of indices) child[k] = v[k]!;
      children.push({
        patch: synth.fromVector(child, parent),
        source: `${synth.params[indices[0]!]!.group} of ${donor.source}`,
      });
    }
  }
  return children;
}
