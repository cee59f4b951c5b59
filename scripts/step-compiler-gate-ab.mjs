// The step compiler's per-chunk gating, measured in training: a mixed population (the architectures
// 41·b mod 128, b = 0 … NARCH − 1, of the family's list, SEEDS seeds each, as in a slice of the paper's sweep)
// trained in one process by two populations, one with the chunks' gate masks (the default) and one with
// gating off (every chunk runs fc's whole program), from the same state, in alternating windows; thread CPU
// time per window. Both train the same bits (up to the sign of a zero), so every window does the same work.
// Run after `npm run build`:
//   node scripts/step-compiler-gate-ab.mjs track 32 4 10 0.5
// (maze, architectures, seeds, rounds, seconds per window).
import { readFileSync } from 'node:fs';
import { initBackend, loadPlugins } from '@prnn/agents';
import { resolveTaskOptions } from '@prnn/env';
import { createBenchPopulation } from '../packages/agents/dist/training/bench-episode.js';
import { alternateEpisodes, median } from './ab-population-common.mjs';

const [maze = 'track', nArch = '32', seeds = '4', rounds = '10', seconds = '0.5'] = process.argv.slice(2);
await initBackend('cpu');
const registry = await loadPlugins({ cwd: process.cwd() });
const architecture = registry.architecture('nine-pathway');
const kernels = registry.kernels('nine-pathway');
const task = resolveTaskOptions(maze, {});
const list = architecture.list({ channels: task.channels, hidden: 8 });
const archs = Array.from({ length: Number(nArch) }, (_, b) => list[(41 * b) % 128]);
const members = archs.flatMap((arch, a) => Array.from({ length: Number(seeds) }, (_, s) => ({ arch, seed: a * Number(seeds) + s })));
const P = members.length;
// gating off ($PRNN_COMPILE_GATE=off when the population is made): every chunk runs fc's whole program
const pops = ['on', 'off'].map((gate) => {
  process.env.PRNN_COMPILE_GATE = gate;
  return createBenchPopulation(architecture, kernels, members, task, 'compiled');
});
const rates = alternateEpisodes(pops, P, Number(rounds), Number(seconds));
const [a, b] = pops.map((p) => p.model.parameters.values);
console.log(
  JSON.stringify({
    maze,
    population: P,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
    gateMasks: pops[0].model.gateMasks.map((m) => (m ? m.filter((x) => x !== 0).length : 0)),
    cpuRate: { gated: Math.round(median(rates[0])), ungated: Math.round(median(rates[1])) },
    gatedOverUngated: +median(rates[0].map((v, r) => v / rates[1][r])).toFixed(3),
    // both trained the same episodes: their weights must be equal (=== : the sign of a zero aside)
    sameWeights: a.every((v, k) => v.every((x, i) => x === b[k][i])),
  }),
);
pops.forEach((p) => p.dispose());
