// The noise sweeps of a run directory's networks on worker threads, as a sweep runs them with the onnx engine
// (evaluateRun's `evaluateLevelsInWorker`: each network's exported policy in its worker's own session, all 21
// levels × the run's test mazes in one batch): milliseconds per network, call by call, and wall time per network.
// usage: node scripts/eval-workers.mjs RUN_DIR [workers]
//   (e.g. a run of `prnn train --maze track --arch 0,41,82,… --seeds 8 --episodes 500 --test-mazes 1000 --out RUN_DIR`;
//   try it also with MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 in the environment)
const root = new URL('..', import.meta.url).pathname;
const A = await import(`${root}packages/agents/dist/index.js`);
const { TrainWorkerPool } = await import(`${root}packages/agents/dist/training/workers/train-in-workers.js`);
const { loadRun } = await import(`${root}packages/agents/dist/run/run-dir.js`);
const { runNetworkOnnx, selectNetworks } = await import(`${root}packages/agents/dist/onnx/export-run.js`);
const [dir, workersArg = '2'] = process.argv.slice(2);
if (!dir) throw new Error('usage: node scripts/eval-workers.mjs RUN_DIR [workers]');
const workers = Number(workersArg);
const registry = await A.loadPlugins({ cwd: root });
const run = await loadRun(dir);
const networks = selectNetworks(run, {});
const noise = A.parseNoiseSpec(A.PAPER_NOISE_SPEC);
// the run's own test set, as evaluateRun takes it
const { task, mazes, testSeed } = A.runEvaluationSettings(run.manifest);
const requests = [];
for (const net of networks) {
  const architecture = registry.architecture(net.result.arch?.family ?? net.entry.family);
  requests.push({
    label: net.entry.id, task, mazes, mazeSeed: testSeed + A.TEST_SET_SEED_OFFSET, noise,
    seed: net.entry.seed, intraOpNumThreads: 1, bytes: await runNetworkOnnx(run, net, architecture),
  });
}
const pool = new TrainWorkerPool(workers);
const times = [];
let next = 0;
const lane = async () => {
  while (next < requests.length) {
    const k = next++;
    const t0 = performance.now();
    await pool.call('evaluateLevelsInWorker', requests[k]);
    // the first calls of each worker load its modules and build its maze world
    if (k >= 4 * workers) times.push(performance.now() - t0);
  }
};
const t0 = performance.now();
await Promise.all(Array.from({ length: workers }, lane));
const wall = performance.now() - t0;
await pool.destroy();
const sorted = [...times].sort((a, b) => a - b);
const q = (p) => +sorted[Math.floor(p * (sorted.length - 1))].toFixed(1);
console.log(JSON.stringify({ networks: requests.length, workers, msPerCall: { q25: q(0.25), median: q(0.5), q75: q(0.75), q90: q(0.9) }, wallMsPerNetwork: +(wall / requests.length).toFixed(1) }));
