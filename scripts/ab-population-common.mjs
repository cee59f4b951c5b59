// The timing loop shared by the in-process training A/B scripts (step-compiler-gate-ab.mjs,
// step-compiler-roll-ab.mjs): two or more bench populations that train the same bits, brought to the same
// episode count, then timed in alternating windows by this thread's CPU clock.
import { readFileSync } from 'node:fs';
import { warmUp } from '../packages/agents/dist/training/bench-episode.js';

/** This thread's CPU nanoseconds (Linux). */
const cpuNs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);

/** Median of a list of numbers (the upper one of an even count). */
export const median = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];

/**
 * Warms every population up (the same episodes for all: Track's episode lengths depend on what has been
 * learnt), then times `rounds` windows of about `seconds` each per population, the order rotating every
 * round. Returns the network-episodes per CPU second of every window, per population (`networks` per episode).
 */
export function alternateEpisodes(pops, networks, rounds, seconds) {
  const done = pops.map(() => 0);
  const perEpisode = Math.max(...pops.map((p, i) => warmUp(() => {
    p.episode();
    done[i]++;
  }, 1)));
  pops.forEach((p, i) => {
    while (done[i] < Math.max(...done)) {
      p.episode();
      done[i]++;
    }
  });
  const count = Math.max(1, Math.round((seconds * 1000) / perEpisode));
  const rates = pops.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < pops.length; j++) {
      const i = (j + r) % pops.length;
      const c0 = cpuNs();
      for (let k = 0; k < count; k++) pops[i].episode();
      rates[i].push((count * networks) / ((cpuNs() - c0) / 1e9));
    }
  }
  return rates;
}
