// A/B of training-maze generation (generateMazeInto, one reused slot per network as the DQN does): the
// baseline copy vs the worktree build, interleaved in one process; checks that both generate the same mazes
// and leave their Rngs in the same state.
// Times are CPU time of this process (process.cpuUsage), so waiting for a core on a shared machine does not
// count; the ratio is the median of the ratios of adjacent base/new pairs.
// usage: node scripts/ab-maze-generation.mjs BASELINE_ENV_DIST [kind …]  (a copy of packages/env/dist from the build before)
const A = await import(new URL(`file://${process.argv[2]}/index.js`).href);
const B = await import(new URL('../packages/env/dist/index.js', import.meta.url).href);
const core = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);
const kinds = process.argv.length > 3 ? process.argv.slice(3) : ['general', 'track', 'h'];
const P = 128;
const ROUNDS = 40;
const REPEATS = 31;

function make(M, kind) {
  const task = M.resolveTaskOptions(kind, {});
  const set = M.MazeSet.allocate(task, P);
  const rngs = Array.from({ length: P }, (_, n) => (M.Rng ?? core.Rng).derive(n, 7));
  return { M, set, rngs };
}

/** ms per maze over ROUNDS population-rounds of P mazes. */
function run({ M, set, rngs }) {
  const t0 = process.cpuUsage();
  for (let r = 0; r < ROUNDS; r++) for (let n = 0; n < P; n++) M.generateMazeInto(set, n, rngs[n]);
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000 / (ROUNDS * P);
}

function same(a, b) {
  for (const key of ['walls', 'cues', 'distance', 'progress', 'dMax', 'start', 'goal', 'fastestSolution']) {
    const x = a.set[key];
    const y = b.set[key];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  }
  return a.rngs.every((r, n) => r.state().join() === b.rngs[n].state().join());
}

const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
for (const kind of kinds) {
  const a = make(A, kind);
  const b = make(B, kind);
  for (let k = 0; k < 3; k++) {
    run(a);
    run(b);
    if (!same(a, b)) throw new Error(`${kind}: the two builds generate different mazes`);
  }
  const ta = [];
  const tb = [];
  for (let k = 0; k < REPEATS; k++) {
    ta.push(run(a));
    tb.push(run(b));
  }
  if (!same(a, b)) throw new Error(`${kind}: the two builds generate different mazes`);
  const base = med(ta);
  const next = med(tb);
  const ratio = med(ta.map((t, k) => t / tb[k]));
  console.log(
    `${kind.padEnd(8)} identical; CPU ns per maze: base ${(base * 1e6).toFixed(0)}, new ${(next * 1e6).toFixed(0)}, ratio ${ratio.toFixed(2)}×` +
      ` (${Math.round(1000 / base).toLocaleString('en')} → ${Math.round(1000 / next).toLocaleString('en')} mazes/s)`,
  );
}
