// A/B of one stored ONNX policy's noise sweep (21 levels × 1 000 mazes, one onnxruntime thread) under two
// evaluator settings of this build, alternating in one process, identical results checked every round; also
// prints how many trials are still going at each step.
// usage: node scripts/ab-eval-file.mjs POLICY.onnx [track|general] [rounds] '{evaluator options A}' '{options B}'
//   (e.g. '{"compact":0}' '{}'; "shareNoise":false draws every env's own noise)
import { agents as A, alternate, paperSweep, summary, sweepEvaluator, timeSweep } from './ab-eval-common.mjs';

const [file, kind = 'track'] = process.argv.slice(2);
const rounds = Number(process.argv[4] ?? 15);
const [optionsA, optionsB] = [process.argv[5] ?? '{}', process.argv[6] ?? '{}'].map((s) => JSON.parse(s));
const sweep = paperSweep(kind);
const sides = [sweepEvaluator(A, sweep, optionsA), sweepEvaluator(A, sweep, optionsB)];
const policy = await A.OnnxPolicy.load(file, { intraOpNumThreads: 1, splitState: true });
const live = [];
await sides[1].evaluate(policy, 0, { beforeStep: (_t, _obs, finished) => { let n = 0; for (const f of finished) n += 1 - f; live.push(n); } });
const times = await alternate(rounds, (k, seed) => timeSweep(sides[k], policy, seed));
await policy.release();
console.log(`live trials per step (seed 0): ${live.join('/')}`);
console.log(summary(kind, rounds, 'rounds', ['A', 'B'], times));
