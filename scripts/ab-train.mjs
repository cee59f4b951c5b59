// A/B of DQN training's per-episode CPU time (bench train's work: fresh mazes, rollout at ε = 0.5, learning
// pass, clip and Adam; 128 FC networks, H = 8, the `compiled` path): a baseline build of @prnn/agents vs this
// worktree's, alternating blocks of episodes in one process (this thread's CPU clock), then a check that both
// populations, after the same episodes, hold the same weights byte for byte.
// usage: node scripts/ab-train.mjs BASELINE_AGENTS_DIST [track|general] [episodes per block] [rounds] [fc|mixed]
//   (`mixed`: instead of 128 FC networks, the paper sweep's kind of chunk: 8 architectures, reference indices
//   41·b mod 128 for b = 0 … 7, 16 seeds each, one architecture after the other)
//   (e.g. packages/agents/dist built from the commit before, copied to BASE/node_modules/@prnn/agents/dist; it
//   uses the @prnn/env it resolves from there: this worktree's, unless the baseline's own build is placed in
//   BASE/node_modules/@prnn/env)
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { trainPopulation } from './train-members.mjs';

const [baseDist, maze = 'track', episodes = '150', rounds = '21', mix = 'fc'] = process.argv.slice(2);
if (!baseDist) {
  console.error('usage: node scripts/ab-train.mjs BASELINE_AGENTS_DIST [track|general] [episodes per block] [rounds] [fc|mixed]');
  process.exit(2);
}
const P = 128;
const here = resolve(new URL('..', import.meta.url).pathname);
const url = (p) => pathToFileURL(p).href;

const population = (dist) => trainPopulation(dist, here, maze, mix);

const { threadCpuSeconds } = await import(url(`${here}/packages/agents/dist/profile/phase-times.js`));
const sides = [await population(resolve(baseDist)), await population(`${here}/packages/agents/dist`)];
for (let i = 0; i < 300; i++) for (const s of sides) s.episode();
const E = Number(episodes);
const block = (s) => {
  const c0 = threadCpuSeconds();
  for (let i = 0; i < E; i++) s.episode();
  return ((threadCpuSeconds() - c0) * 1000) / E;
};
const ms = [[], []];
const ratios = [];
for (let r = 0; r < Number(rounds); r++) {
  const order = r % 2 === 0 ? [0, 1] : [1, 0];
  const t = [0, 0];
  for (const k of order) t[k] = block(sides[k]);
  ms[0].push(t[0]);
  ms[1].push(t[1]);
  ratios.push(t[0] / t[1]);
}
const sorted = (a) => [...a].sort((x, y) => x - y);
const med = (a) => sorted(a)[a.length >> 1];
const same = sides[0].model.parameters.values.every((v, i) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(sides[1].model.parameters.values[i].buffer, sides[1].model.parameters.values[i].byteOffset, sides[1].model.parameters.values[i].byteLength)));
console.log(
  JSON.stringify({
    maze,
    population: P,
    members: mix,
    episodesPerBlock: E,
    rounds: ratios.length,
    cpuMsPerEpisode: { base: +med(ms[0]).toFixed(3), new: +med(ms[1]).toFixed(3) },
    ratio: { median: +med(ratios).toFixed(3), q25: +sorted(ratios)[ratios.length >> 2].toFixed(3), q75: +sorted(ratios)[(3 * ratios.length) >> 2].toFixed(3) },
    sameWeights: same,
  }),
);
for (const s of sides) s.dispose();
