// `prnn eval --policy` of foreign ONNX policies against a prnn export of the same size (FC, H = 8: S = 21,
// 441 weights), alternating; prints the median `seconds` of each command's JSON and the ratios.
// Then the sweep alone in this process (PolicyEvaluator.evaluate of the policy as eval --policy opens it),
// alternating, median CPU milliseconds.
// usage: node scripts/ab-eval-policy.mjs [track|general] [rounds]
//   foreign-rnn:   an Elman network written by hand, H = 16, state [h, q] (S = 21, 485 weights), Slice + Concat
//   foreign-plain: the same network with state = h (S = 16), state_out = h: no Slice, no Concat
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const B = await import(new URL('../packages/agents/dist/index.js', import.meta.url).href);
const E = await import(new URL('../packages/env/dist/index.js', import.meta.url).href);
const { Rng } = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);
const kind = process.argv[2] ?? 'track';
const rounds = Number(process.argv[3] ?? 5);
const I = 8;
const H = 16;
const rng = new Rng(77);
const w = (n, scale) => Float32Array.from({ length: n }, () => (rng.float() - 0.5) * scale);
const int64 = (v) => ({ name: '', dims: [1], data: BigInt64Array.of(BigInt(v)) });
const weights = [
  { name: 'W1', dims: [I, H], data: w(I * H, 1) },
  { name: 'b1', dims: [H], data: w(H, 0.2) },
  { name: 'W2', dims: [H, H], data: w(H * H, 0.5) },
  { name: 'W3', dims: [H, 5], data: w(H * 5, 1) },
  { name: 'b3', dims: [5], data: w(5, 0.2) },
];
const cell = (hPrev) => [
  { opType: 'Gemm', inputs: ['obs', 'W1', 'b1'], outputs: ['a'] },
  { opType: 'MatMul', inputs: [hPrev, 'W2'], outputs: ['b'] },
  { opType: 'Add', inputs: ['a', 'b'], outputs: ['c'] },
  { opType: 'Relu', inputs: ['c'], outputs: ['h'] },
  { opType: 'Gemm', inputs: ['h', 'W3', 'b3'], outputs: ['z'] },
  { opType: 'Softmax', inputs: ['z'], outputs: ['q'], attributes: [{ name: 'axis', value: -1 }] },
];
const foreignRnn = B.encodePolicyModel({
  graphName: 'foreign_rnn', docString: 'hand-built Elman network, state [h, q]', metadata: {}, obsSize: I, stateSize: H + 5,
  nodes: [
    { opType: 'Constant', inputs: [], outputs: ['c0'], attributes: [{ name: 'value', value: int64(0) }] },
    { opType: 'Constant', inputs: [], outputs: ['cH'], attributes: [{ name: 'value', value: int64(H) }] },
    { opType: 'Constant', inputs: [], outputs: ['c1'], attributes: [{ name: 'value', value: int64(1) }] },
    { opType: 'Slice', inputs: ['state', 'c0', 'cH', 'c1'], outputs: ['h_prev'] },
    ...cell('h_prev'),
    { opType: 'Concat', inputs: ['h', 'q'], outputs: ['state_out'], attributes: [{ name: 'axis', value: -1 }] },
  ],
  initializers: weights,
});
const foreignPlain = B.encodePolicyModel({
  graphName: 'foreign_plain', docString: 'hand-built Elman network, state h', metadata: {}, obsSize: I, stateSize: H,
  nodes: [...cell('state'), { opType: 'Identity', inputs: ['h'], outputs: ['state_out'] }],
  initializers: weights,
});
const arch = B.parseArch('fc', { channels: 2 });
const prnn = B.buildNinePathwayOnnx(arch, B.initWeights(arch, Rng.derive(1, 1)));
const dir = mkdtempSync(join(tmpdir(), 'prnn-ab-policy-'));
const files = { prnn: join(dir, 'prnn-fc.onnx'), 'foreign-rnn': join(dir, 'foreign-rnn.onnx'), 'foreign-plain': join(dir, 'foreign-plain.onnx') };
writeFileSync(files.prnn, prnn);
writeFileSync(files['foreign-rnn'], foreignRnn);
writeFileSync(files['foreign-plain'], foreignPlain);
const run = new URL('../bin/run.js', import.meta.url).pathname;
const seconds = Object.fromEntries(Object.keys(files).map((k) => [k, []]));
try {
  for (let r = -1; r < rounds; r++) {
    for (const [name, file] of Object.entries(files)) {
      const out = JSON.parse(execFileSync(process.execPath, [run, 'eval', '--policy', file, '--maze', kind, '--json'], { encoding: 'utf8' }));
      if (r >= 0) seconds[name].push(out.seconds);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const p = med(seconds.prnn);
console.log(`prnn eval --policy FILE --maze ${kind} --json, median seconds of ${rounds}: ` +
  Object.entries(seconds).map(([k, v]) => `${k} ${med(v).toFixed(3)} (× ${(med(v) / p).toFixed(2)} of prnn)`).join(', '));

const evaluator = new B.PolicyEvaluator({ task: E.resolveTaskOptions(kind, {}), mazes: 1000, noise: B.parseNoiseSpec(B.PAPER_NOISE_SPEC), mazeSeed: 1 });
const policies = { prnn: await B.OnnxPolicy.load(prnn, { splitState: true }), 'foreign-rnn': await B.OnnxPolicy.load(foreignRnn, { splitState: true }), 'foreign-plain': await B.OnnxPolicy.load(foreignPlain, { splitState: true }) };
const cpu = Object.fromEntries(Object.keys(policies).map((k) => [k, []]));
for (let r = -1; r < 4 * rounds; r++) {
  for (const [name, policy] of Object.entries(policies)) {
    const c0 = process.cpuUsage();
    await evaluator.evaluate(policy, 0);
    const c = process.cpuUsage(c0);
    if (r >= 0) cpu[name].push((c.user + c.system) / 1000);
  }
}
const q = med(cpu.prnn);
console.log(`the sweep alone (in-process, CPU ms, median of ${4 * rounds}; split state: ` +
  Object.entries(policies).map(([k, p]) => `${k} ${p.splitState}`).join(', ') + '): ' +
  Object.entries(cpu).map(([k, v]) => `${k} ${med(v).toFixed(1)} (× ${(med(v) / q).toFixed(2)})`).join(', '));
for (const p of Object.values(policies)) await p.release();
