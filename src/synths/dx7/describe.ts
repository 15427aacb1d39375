// What `inspect` shows for a DX7 voice: every parameter by name (JSON) and a readable summary (text).
import type { PatchDescription } from "../synth.ts";
import {
  CURVE_NAMES,
  DX7_PARAMS,
  LFO_WAVE_NAMES,
  patchValues,
  type Dx7Operator,
  type Dx7Patch,
} from "./params.ts";

const CARRIERS: number[][] = [
  [1, 3],
  [1, 3],
  [1, 4],
  [1, 4],
  [1, 3, 5],
  [1, 3, 5],
  [1, 3],
  [1, 3],
  [1, 3],
  [1, 4],
  [1, 4],
  [1, 3],
  [1, 3],
  [1, 3],
  [1, 3],
  [1],
  [1],
  [1],
  [1, 4, 5],
  [1, 2, 4],
  [1, 2, 4, 5],
  [1, 3, 4, 5],
  [1, 2, 4, 5],
  [1, 2, 3, 4, 5],
  [1, 2, 3, 4, 5],
  [1, 2, 4],
  [1, 2, 4],
  [1, 3, 6],
  [1, 2, 3, 5],
  [1, 2, 3, 6],
  [1, 2, 3, 4, 5],
  [1, 2, 3, 4, 5, 6],
];

/** Carrier operators (1-based, panel numbering) of algorithm 1–32. */
export function carriersOf(algorithm: number): number[] {
  return CARRIERS[Math.min(Math.max(Math.round(algorithm), 1), 32) - 1]!;
}

function label(v: number, names: string[]): string {
  return names[v] ?? String(v);
}

function frequencyText(o: Dx7Operator): string {
  const det = o.detune - 7;
  const detText = det === 0 ? "" : ` detune ${det > 0 ? "+" : ""}${det}`;
  if (o.oscMode === 0) {
    const ratio = (o.coarse === 0 ? 0.5 : o.coarse) * (1 + o.fine / 100);
    return `ratio ${ratio.toFixed(2)}${detText}`;
  }
  const hz = Math.pow(10, (o.coarse & 3) + o.fine / 100);
  return `fixed ${hz >= 100 ? hz.toFixed(0) : hz.toFixed(2)} Hz${detText}`;
}

export function describePatch(p: Dx7Patch): PatchDescription {
  const values = patchValues(p);
  const parameters: Record<string, number | string> = {};
  DX7_PARAMS.forEach((s, i) => {
    const v = values[i]!;
    parameters[s.name] =
      s.kind === "choice" && s.options && s.name !== "algorithm"
        ? (s.options[v] ?? v)
        : s.name === "algorithm"
          ? v + 1
          : v;
  });
  const name = p.name.trimEnd();
  const carriers = carriersOf(p.algorithm);
  const lines: string[] = [];
  lines.push(
    `"${name}"  algorithm ${p.algorithm} (carriers ${carriers.join(", ")})  feedback ${p.feedback}  transpose ${p.transpose - 24 >= 0 ? "+" : ""}${p.transpose - 24}  osc key sync ${p.oscKeySync ? "on" : "off"}`,
  );
  lines.push(
    `LFO ${label(p.lfoWave, LFO_WAVE_NAMES)} speed ${p.lfoSpeed} delay ${p.lfoDelay} PMD ${p.lfoPitchModDepth} AMD ${p.lfoAmpModDepth} key sync ${p.lfoKeySync ? "on" : "off"}  PMS ${p.pitchModSens}`,
  );
  lines.push(`pitch EG  rates ${p.pitchEgRate.join(" ")}  levels ${p.pitchEgLevel.join(" ")}`);
  const rows: string[][] = [
    [
      "op",
      "role",
      "out",
      "frequency",
      "EG rates",
      "EG levels",
      "BP",
      "LD",
      "RD",
      "curves L/R",
      "RS",
      "AMS",
      "KVS",
    ],
  ];
  for (let k = 0; k < 6; k++) {
    const o = p.operators[k]!;
    rows.push([
      String(k + 1),
      carriers.includes(k + 1) ? "car" : "mod",
      String(o.outputLevel),
      frequencyText(o),
      o.egRate.map((r) => String(r).padStart(2)).join(" "),
      o.egLevel.map((r) => String(r).padStart(2)).join(" "),
      String(o.breakPoint),
      String(o.leftDepth),
      String(o.rightDepth),
      `${label(o.leftCurve, CURVE_NAMES)}/${label(o.rightCurve, CURVE_NAMES)}`,
      String(o.rateScaling),
      String(o.ampModSens),
      String(o.velocitySens),
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const leftAligned = new Set([1, 3, 4, 5, 9]);
  for (const r of rows) {
    const cells = r.map((cell, c) =>
      leftAligned.has(c) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!),
    );
    lines.push(cells.join("  ").trimEnd());
  }
  return { name, data: { storedName: p.name, parameters }, text: lines.join("\n") };
}
