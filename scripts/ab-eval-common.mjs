// The set-up shared by the noise-sweep A/B scripts (ab-eval.mjs, ab-eval-options.mjs, ab-eval-file.mjs): the
// paper's sweep (21 levels × 1 000 mazes, maze seed 1), one timed sweep, the alternating rounds with identical
// results checked every round, and the one-line summary of medians.
const agentsDist = new URL('../packages/agents/dist/index.js', import.meta.url).href;

/** This worktree's @prnn/agents, @prnn/env and @prnn/core builds. */
export const agents = await import(agentsDist);
export const env = await import(new URL('../packages/env/dist/index.js', import.meta.url).href);
export const core = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);

/** The task of a maze kind and the paper's noise levels. */
export function paperSweep(kind) {
  return { task: env.resolveTaskOptions(kind, {}), noise: agents.parseNoiseSpec(agents.PAPER_NOISE_SPEC) };
}

/**
 * A PolicyEvaluator of module `M` (a build of @prnn/agents) over the paper's sweep; `shareNoise: false` makes every
 * env draw its own noise, every other key is an evaluator option.
 */
export function sweepEvaluator(M, { task, noise }, { shareNoise, ...options } = {}) {
  const evaluator = new M.PolicyEvaluator({ task, mazes: 1000, noise, mazeSeed: 1, ...options });
  if (shareNoise === false) evaluator.env.shareNoiseDraws(null);
  return evaluator;
}

/** Median of a list of numbers (the upper one of an even count). */
export const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

/** Wall and CPU milliseconds (process.cpuUsage: every thread of the process) of one sweep of `policy`. */
export async function timeSweep(evaluator, policy, seed) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await evaluator.evaluate(policy, seed);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000, result };
}

/**
 * One warm-up round (seed 0) and `rounds` timed rounds (seeds 0…rounds−1), each running side A then side B
 * (`run(side, seed)` → a timeSweep result); throws when the two sides' results differ. Returns the wall and CPU
 * milliseconds per side.
 */
export async function alternate(rounds, run) {
  const wall = [[], []];
  const cpu = [[], []];
  for (let r = -1; r < rounds; r++) {
    const seed = Math.max(0, r);
    const a = await run(0, seed);
    const b = await run(1, seed);
    if (JSON.stringify(a.result.fitness) !== JSON.stringify(b.result.fitness) || a.result.robustness !== b.result.robustness) {
      throw new Error(`results differ for seed ${seed}`);
    }
    if (r < 0) continue; // warm-up
    wall[0].push(a.wall); wall[1].push(b.wall); cpu[0].push(a.cpu); cpu[1].push(b.cpu);
  }
  return { wall, cpu };
}

/** The summary line: medians of wall and CPU ms per sweep of both sides and the ratio A / B. */
export function summary(kind, rounds, what, [nameA, nameB], { wall, cpu }) {
  const f = (v) => v.toFixed(1);
  const side = (v) => `${nameA} ${f(median(v[0]))}, ${nameB} ${f(median(v[1]))}, ratio ${(median(v[0]) / median(v[1])).toFixed(2)}`;
  return `${kind}: identical results over ${rounds} ${what}; ms per sweep (median) — wall: ${side(wall)}; CPU: ${side(cpu)}`;
}
