// onnxruntime runs of one General FC policy (split-state graph, one thread) on a batch of 21 000 rows, back to
// back, with the kernel's minor page faults of each run: onnxruntime-node returns every output as a fresh copy,
// and a C heap trimmed between runs faults those copies' pages in again (performance guide, "onnxruntime-node's
// output copies and the C heap").
// usage: node scripts/ort-run-faults.mjs [runs]            (OnnxPolicy raises glibc's malloc thresholds)
//        PRNN_MALLOC_THRESHOLDS=off node scripts/ort-run-faults.mjs [runs]   (glibc's defaults)
// Prints one JSON line: median and mean ms per run, runs over 3 ms, page faults per run (runs after the 20th).
import { Rng } from '@prnn/core';
import { OnnxPolicy, STREAM, buildNinePathwayOnnx, initWeights, parseArch } from '@prnn/agents';

const runs = Number(process.argv[2] ?? 600);
const arch = parseArch('fc', { channels: 2 });
const policy = await OnnxPolicy.load(buildNinePathwayOnnx(arch, initWeights(arch, Rng.derive(1, STREAM.init))), { splitState: true });
const rows = 21_000;
policy.reset(rows);
const obs = Float32Array.from({ length: rows * policy.obsSize }, (_, i) => (i % 7) / 7);
const q = new Float32Array(rows * 5);
const times = [];
let faults = 0;
for (let k = 0; k < runs; k++) {
  const before = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  await policy.step(obs, q);
  times.push(performance.now() - t0);
  if (k >= 20) faults += process.resourceUsage().minorPageFault - before;
}
await policy.release();
const steady = times.slice(20).sort((a, b) => a - b);
const round = (x) => Math.round(x * 1000) / 1000;
console.log(JSON.stringify({
  thresholds: process.env.PRNN_MALLOC_THRESHOLDS === 'off' ? 'glibc defaults' : 'raised',
  runs,
  medianMs: round(steady[steady.length >> 1]),
  meanMs: round(steady.reduce((a, b) => a + b, 0) / steady.length),
  runsOver3Ms: times.filter((t) => t > 3).length,
  faultsPerRun: round(faults / steady.length),
}));
