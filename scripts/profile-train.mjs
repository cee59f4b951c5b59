// The DQN's per-episode training work (bench train's: fresh mazes, rollout at ε = 0.5, learning pass, clip and
// Adam) of one population on the `compiled` path, in this thread, for a CPU profile:
//   node --cpu-prof scripts/profile-train.mjs [track|general] [episodes] [fc|mixed]
// `mixed`: the paper sweep's kind of population, 8 architectures (reference indices 41·b mod 128, b = 0 … 7) ×
// 16 seeds, one architecture after the other; `fc`: 128 FC networks. 500 episodes of warm-up come first.
import { resolve } from 'node:path';
import { trainPopulation } from './train-members.mjs';

const [maze = 'track', episodes = '4000', mix = 'mixed'] = process.argv.slice(2);
const here = resolve(new URL('..', import.meta.url).pathname);
const population = await trainPopulation(`${here}/packages/agents/dist`, here, maze, mix);
for (let i = 0; i < 500; i++) population.episode();
const E = Number(episodes);
const t0 = performance.now();
for (let i = 0; i < E; i++) population.episode();
console.log(JSON.stringify({ maze, members: mix, population: 128, episodes: E, msPerEpisode: +((performance.now() - t0) / E).toFixed(3) }));
population.dispose();
