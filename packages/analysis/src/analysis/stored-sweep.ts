import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_EVALUATION_FILE, RUN_EVALUATION_FORMAT, TEST_SET_SEED_OFFSET, type LoadedRun, type RunEvaluation } from '@prnn/agents';

/**
 * The noise-sweep fitness that `prnn eval --run` stored in <run>/eval.json, per network id, when it is the
 * sweep the analysis needs (same task, mazes, test set and levels, each network's own seed); else undefined.
 */
export async function storedSweep(run: LoadedRun, mazes: number, noise: readonly number[]): Promise<Map<string, number[]> | undefined> {
  let stored: RunEvaluation;
  try {
    stored = JSON.parse(await readFile(join(run.dir, RUN_EVALUATION_FILE), 'utf8')) as RunEvaluation;
  } catch {
    return undefined;
  }
  const same =
    stored.format === RUN_EVALUATION_FORMAT &&
    stored.mazes === mazes &&
    stored.seed === null &&
    stored.mazeSeed === run.manifest.runSeed + TEST_SET_SEED_OFFSET &&
    JSON.stringify(stored.task) === JSON.stringify(run.manifest.task) &&
    JSON.stringify(stored.noise) === JSON.stringify(noise) &&
    Array.isArray(stored.networks);
  if (!same) return undefined;
  const byId = new Map<string, number[]>();
  for (const n of stored.networks) {
    if (!Array.isArray(n.fitness) || n.fitness.length !== noise.length || n.fitness.some((v) => typeof v !== 'number')) return undefined;
    byId.set(n.id, n.fitness as number[]);
  }
  return byId;
}
