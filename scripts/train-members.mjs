// The populations the training scripts time (ab-train.mjs, profile-train.mjs): 128 networks of the 9-pathway
// family at H = 8, either all FC (`fc`) or of the paper sweep's kind (`mixed`: 8 architectures, reference indices
// 41·b mod 128 for b = 0 … 7, 16 seeds each, one architecture after the other, as the sweep's chunks hold them).

/** Members (arch, seed 0 … 127) for `mix` (`fc` or `mixed`) from the family's `architecture` at `channels`. */
export function trainMembers(architecture, channels, mix) {
  if (mix !== 'fc' && mix !== 'mixed') throw new Error(`members must be fc or mixed (got ${mix})`);
  const all = architecture.list({ channels, hidden: 8 });
  const fc = architecture.resolve('fc', { channels, hidden: 8 });
  const members = Array.from({ length: 128 }, (_, n) => ({
    arch: mix === 'mixed' ? all.find((a) => a.referenceIndex === (41 * (n >> 4)) % 128 && a.hidden === 8) : fc,
    seed: n,
  }));
  if (members.some((m) => !m.arch)) throw new Error('an architecture of the population was not found');
  return members;
}

/**
 * The bench population (`createBenchPopulation`: bench train's per-episode work on the `compiled` path) of
 * `trainMembers(…, mix)` on `maze`'s default task, built by the @prnn/agents build in `dist` with the plugins
 * of the project at `root`.
 */
export async function trainPopulation(dist, root, maze, mix) {
  const { pathToFileURL } = await import('node:url');
  const { resolveTaskOptions } = await import('@prnn/env');
  const url = (p) => pathToFileURL(p).href;
  const { initBackend } = await import(url(`${dist}/backend.js`));
  const { loadPlugins } = await import(url(`${dist}/sdk/loader.js`));
  const { createBenchPopulation } = await import(url(`${dist}/training/bench-episode.js`));
  await initBackend(undefined);
  const registry = await loadPlugins({ cwd: root });
  const arch = registry.architecture('nine-pathway');
  const task = resolveTaskOptions(maze, {});
  return createBenchPopulation(arch, registry.kernels('nine-pathway'), trainMembers(arch, task.channels, mix), task, 'compiled');
}
