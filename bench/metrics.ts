// Metric speed on two 3 s mono signals: mel-LSD with and without a prepared target, and every other metric
// against a prepared target (the matcher's case: one target, many candidates).
import {
  allMetrics,
  envelopeErrorDb,
  maxAbsError,
  melLsd,
  mfccMae,
  mfccMaeSpiegelib,
  mss,
  pitchErrorCents,
  prepareTarget,
  spectralConvergence,
} from "../src/metrics/index.ts";
import type { MetricTarget } from "../src/metrics/target.ts";
import type { Benchmark } from "./run.ts";
import { timeIt } from "./_timing.ts";
import { bestMsPerCall, cpuMsPerCall } from "./_cpu.ts";
import { testNote } from "./analysis.ts";

const bench: Benchmark = async (args, emit) => {
  const minSeconds = Number(args[0] ?? 2);
  const a = testNote(3, 220);
  const b = testNote(3, 233);
  const plain = timeIt(() => melLsd(a, b), minSeconds);
  emit({
    name: "metrics/melLsd-3s-unprepared",
    metric: "ms-per-call",
    value: plain.msPerCall,
    unit: "ms",
    calls: plain.calls,
    target: "< 10 ms",
  });
  const plainBest = bestMsPerCall(() => melLsd(a, b), minSeconds);
  emit({
    name: "metrics/melLsd-3s-unprepared",
    metric: "best-ms-per-call",
    value: plainBest.bestMs,
    unit: "ms",
    calls: plainBest.calls,
    target: "< 10 ms",
  });
  const plainCpu = cpuMsPerCall(() => melLsd(a, b), minSeconds);
  emit({
    name: "metrics/melLsd-3s-unprepared",
    metric: "cpu-ms-per-call",
    value: plainCpu.cpuMsPerCall,
    unit: "ms",
    calls: plainCpu.calls,
    target: "< 10 ms",
  });
  const t = prepareTarget(a);
  const each: Array<[string, (t: MetricTarget, c: Float32Array) => number]> = [
    ["melLsd", melLsd],
    ["mfccMae", mfccMae],
    ["spectralConvergence", spectralConvergence],
    ["envelopeErrorDb", envelopeErrorDb],
    ["maxAbsError", maxAbsError],
    ["mfccMaeSpiegelib", mfccMaeSpiegelib],
    ["pitchErrorCents", pitchErrorCents],
    ["mss", mss],
  ];
  for (const [name, f] of each) {
    f(t, b); // fill the target's cache
    const r = timeIt(() => f(t, b), minSeconds);
    emit({
      name: `metrics/${name}-3s-prepared`,
      metric: "ms-per-call",
      value: r.msPerCall,
      unit: "ms",
      calls: r.calls,
    });
    const best = bestMsPerCall(() => f(t, b), minSeconds);
    emit({
      name: `metrics/${name}-3s-prepared`,
      metric: "best-ms-per-call",
      value: best.bestMs,
      unit: "ms",
      calls: best.calls,
    });
    const c = cpuMsPerCall(() => f(t, b), minSeconds);
    emit({
      name: `metrics/${name}-3s-prepared`,
      metric: "cpu-ms-per-call",
      value: c.cpuMsPerCall,
      unit: "ms",
      calls: c.calls,
    });
  }
  const all = timeIt(() => allMetrics(t, b), minSeconds);
  emit({
    name: "metrics/allMetrics-3s-prepared",
    metric: "ms-per-call",
    value: all.msPerCall,
    unit: "ms",
    calls: all.calls,
  });
};

export default bench;
