// Does a curve test slow the training episodes that follow it? A mixed population (the architectures
// 41·b mod 128, b = 0 … NARCH − 1, of the 9-pathway list, 4 seeds each, Track) trains BLOCKS blocks of
// EPISODES episodes; before every block one child runs the learner's own curve test (ChunkedGreedyTest on
// 1 000 test mazes, each chunk in a model of its own, as TrainingCurves does) and the other does not. The two
// children run side by side, at the same time, so they share whatever else loads the machine; their
// training is the same bits (the test changes no weight), so block k is the same work in both. Each child
// prints its blocks' rates (network-episodes per second of its thread's CPU time); the parent prints, per
// pair, the ratio of the median block rates (with tests ÷ without), the GC pauses inside training blocks
// and the CPU of the process's other threads during them. AGAINST `kept` instead runs the second child with
// the tests too, but with each chunk's model made once and kept across tests.
// Run after `npm run build`:
//   node scripts/curve-test-aftereffect.mjs compiled 32 10 200 3 none
// (path, architectures, blocks, episodes per block, pairs, against: none | kept).
import { spawn } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const [path = 'compiled', nArch = '32', blocks = '10', episodes = '200', pairs = '3', against = 'none', child] = process.argv.slice(2);

if (child) {
  const { initBackend, loadPlugins, ChunkedGreedyTest, createPopulationModel, mazeTaskSource, threadCpuSeconds } = await import('@prnn/agents');
  const { resolveTaskOptions } = await import('@prnn/env');
  const { createBenchPopulation } = await import('../packages/agents/dist/training/bench-episode.js');
  await initBackend('cpu');
  const registry = await loadPlugins({ cwd: process.cwd() });
  const architecture = registry.architecture('nine-pathway');
  const kernels = registry.kernels('nine-pathway');
  const task = resolveTaskOptions('track', {});
  const list = architecture.list({ channels: task.channels, hidden: 8 });
  const archs = Array.from({ length: Number(nArch) }, (_, b) => list[(41 * b) % 128]);
  const members = archs.flatMap((arch, a) => Array.from({ length: 4 }, (_, s) => ({ arch, seed: a * 4 + s })));
  const bench = createBenchPopulation(architecture, kernels, members, task, path);
  const set = mazeTaskSource.generateSet(task, { count: 1000, seed: 12345 });
  // `tests`: each test makes its chunk models and drops them (as curve tests did); `kept`: each chunk's model
  // is made once and kept for every later test (keepModels, as TrainingCurves does now)
  const create = (chunk) => createPopulationModel({ architecture, kernels, members: chunk, task, path });
  const test = new ChunkedGreedyTest(set, members, create, undefined, child === 'kept');
  const seeds = members.map((m) => m.seed);
  // GC pauses (their start and duration, performance.now() ms) and the training blocks' windows
  const gcs = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([e.startTime, e.duration]);
  }).observe({ entryTypes: ['gc'] });
  const windows = [];
  const rates = [];
  // the other threads' CPU (V8's background GC and compiler threads) during training, ÷ the training thread's
  let threadCpu = 0;
  let otherCpu = 0;
  let wallMs = 0;
  for (let k = 0; k < Number(blocks); k++) {
    if (child !== 'none') await test.evaluate(bench.model, seeds, { sensorNoise: 0.05, streamId: k });
    const w0 = performance.now();
    const c0 = threadCpuSeconds();
    const p0 = process.cpuUsage();
    for (let e = 0; e < Number(episodes); e++) bench.episode();
    const c = threadCpuSeconds() - c0;
    const p = process.cpuUsage(p0);
    windows.push([w0, performance.now()]);
    wallMs += performance.now() - w0;
    threadCpu += c;
    otherCpu += (p.user + p.system) / 1e6 - c;
    rates.push((Number(episodes) * members.length) / c);
  }
  await new Promise((r) => setTimeout(r, 50)); // lets the GC observer report
  const gcMs = gcs.filter(([t]) => windows.some(([a, b]) => t >= a && t < b)).reduce((s, [, d]) => s + d, 0);
  const wallRate = (Number(blocks) * Number(episodes) * members.length) / (wallMs / 1000);
  process.stdout.write(JSON.stringify({ rates, gcMs, wallRate, otherCpu: otherCpu / threadCpu }) + '\n');
  process.exit(0);
}

const script = fileURLToPath(import.meta.url);
const runChild = (mode) =>
  new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, path, nArch, blocks, episodes, pairs, against, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`child ${mode} exited ${code}`))));
  });
const median = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const ratios = [];
for (let r = 0; r < Number(pairs); r++) {
  const load = (await import('node:os')).loadavg()[0].toFixed(2);
  const [withTests, without] = await Promise.all([runChild('tests'), runChild(against)]);
  const ratio = median(withTests.rates) / median(without.rates);
  ratios.push(ratio);
  const fmt = (x) => x.rates.map((v) => Math.round(v / 1000)).join(' ');
  console.log(`pair ${r + 1} (load ${load}): with tests [${fmt(withTests)}] k, GC in training ${withTests.gcMs.toFixed(0)} ms, wall rate ${Math.round(withTests.wallRate / 1000)} k, other threads ${withTests.otherCpu.toFixed(3)} of the training thread's CPU; ${against} [${fmt(without)}] k, GC ${without.gcMs.toFixed(0)} ms, wall ${Math.round(without.wallRate / 1000)} k, other threads ${without.otherCpu.toFixed(3)}; ratio of medians (thread CPU) ${ratio.toFixed(3)}`);
}
console.log(`median ratio (with tests ÷ ${against}) ${median(ratios).toFixed(3)}`);
