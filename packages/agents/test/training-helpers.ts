import { resolveTaskOptions, type TaskOptions } from '@prnn/env';
import { initBackend } from '../src/backend.js';
import { createNinePathwayArchitecture } from '../src/architectures/nine-pathway/architecture.js';
import { builtinPlugins } from '../src/builtins/index.js';
import { createContainer } from '../src/sdk/container.js';
import type { PopulationMember } from '../src/sdk/architecture.js';
import { resolveDqnConfig, type DqnConfig } from '../src/learners/dqn-config.js';

export const architecture = createNinePathwayArchitecture();
/** The family's registered kernels (compiled, where WebAssembly has SIMD), as the registry hands them to trainers. */
export const kernels = createContainer(builtinPlugins()).kernels('nine-pathway');

export async function cpuBackend(): Promise<void> {
  await initBackend('cpu');
}

export function track(partial: Partial<TaskOptions> = {}): TaskOptions {
  return resolveTaskOptions('track', partial);
}

export function members(specs: readonly [string, number][], channels = 2, hidden = 8): PopulationMember[] {
  // ff-large is the paper's H = 34 network: its canonical entry comes from the family's list
  const large = architecture.list({ channels, hidden }).find((a) => a.name === 'ff-large')!;
  return specs.map(([spec, seed]) => ({ arch: spec === 'ff-large' ? large : architecture.resolve(spec, { channels, hidden })!, seed }));
}

export function smallConfig(task: TaskOptions, overrides: Partial<DqnConfig> = {}): DqnConfig {
  return resolveDqnConfig(task, { episodes: 40, curvePoints: 4, testMazes: 20, ...overrides });
}

export function maxAbsDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  let max = 0;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    if (!x || !y || x.length !== y.length) return Infinity;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  }
  return max;
}
