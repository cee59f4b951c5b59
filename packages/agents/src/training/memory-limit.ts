import { freemem, totalmem } from 'node:os';
import { PrnnError } from '@prnn/core';

/** The memory this process may use: the machine's RAM, or its cgroup limit when lower. */
export function machineMemoryBytes(): number {
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const total = totalmem();
  return limit > 0 && limit < total ? limit : total;
}

/** Most networks one run may list (run.json, results and summaries grow with it); the paper's sweep has 6 450. */
export const MAX_RUN_NETWORKS = 100_000;

/** Most episodes per network: 250 × the paper's longest training (400 000), about a year at 1 ms an episode. */
export const MAX_EPISODES = 100_000_000;

/**
 * Refuses, before anything is allocated, a run whose memory estimate exceeds what the machine has.
 * `what` names the flags that set the estimate (e.g. "--population 256 × --hidden 100000"); the message
 * gives the estimate, the machine's memory and what to lower. Returns a warning when the estimate exceeds
 * the memory free right now (the run may then swap), else undefined.
 */
export function checkMemoryFits(bytes: number, what: string, lower: string, format: (b: number) => string): string | undefined {
  const limit = machineMemoryBytes();
  if (!(bytes <= limit)) {
    throw new PrnnError(`${what} needs about ${format(bytes)} of memory, more than this machine's ${format(limit)}; lower ${lower}`);
  }
  const free = freemem();
  return bytes > free ? `${what} needs about ${format(bytes)}, more than the ${format(free)} free now; it may swap` : undefined;
}
