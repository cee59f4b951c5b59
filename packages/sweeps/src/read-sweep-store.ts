import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PrnnError } from '@prnn/core';
import type { StoredNetworks } from '@prnn/analysis';
import type { SweepPlan } from './plan.js';
import { ResultsStore, STORE_FILE, type NetworkRecord } from './store.js';

/** The float32 weights of a stored network, by name (the layout's offsets are in float32 elements). */
function weightsOf(r: NetworkRecord, path: string): Record<string, Float32Array> {
  if (r.weightsDtype !== 'float32') throw new PrnnError(`store ${path}: network ${r.id} has weights of dtype ${r.weightsDtype}; only float32 is read`);
  const all = new Float32Array(r.weights.byteLength / 4);
  const view = new DataView(r.weights.buffer, r.weights.byteOffset, r.weights.byteLength);
  for (let k = 0; k < all.length; k++) all[k] = view.getFloat32(4 * k, true);
  const out: Record<string, Float32Array> = {};
  for (const e of r.weightsLayout) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.offset + size > all.length) throw new PrnnError(`store ${path}: network ${r.id}'s weight ${e.name} lies outside its stored weights`);
    out[e.name] = all.slice(e.offset, e.offset + size);
  }
  return out;
}

/**
 * Every finished network of the sweep in `dir`'s results store (or a store file given directly), with the
 * plan the store recorded: what `prnn analyze --sweep` analyses. Needs no run directory and no plan file.
 */
export function readSweepStore(dir: string): StoredNetworks {
  const path = existsSync(dir) && statSync(dir).isDirectory() ? join(dir, STORE_FILE) : dir;
  if (!existsSync(path)) throw new PrnnError(`sweep ${dir} has no results store (${STORE_FILE}): run the sweep first, or give the store file`);
  const store = ResultsStore.open(path, { readonly: true });
  try {
    const sweeps = store.sweeps();
    if (sweeps.length !== 1) throw new PrnnError(`store ${path} must hold exactly one sweep (it holds ${sweeps.length})`);
    const plan: SweepPlan | undefined = store.storedPlan(sweeps[0].sweep);
    if (!plan) throw new PrnnError(`store ${path} has no plan of sweep ${sweeps[0].sweep}`);
    const archById = new Map(plan.networks.map((n) => [n.id, n.arch]));
    const networks = [];
    for (const r of store.records(plan.sweep)) {
      const arch = archById.get(r.id) ?? { family: r.family, name: r.arch, hidden: r.hidden, parameters: r.parameters };
      networks.push({
        id: r.id,
        arch,
        seed: r.seed,
        fitness: r.fitness,
        trainingCurve: r.trainingCurve,
        noiseLevels: r.noiseLevels,
        noiseFitness: r.noiseFitness,
        weights: weightsOf(r, path),
      });
    }
    return { path, name: `sweep ${plan.sweep} (${STORE_FILE})`, task: plan.task, runSeed: plan.runSeed, learner: plan.learner, config: plan.config, testMazes: plan.measures.testMazes, networks };
  } finally {
    store.close();
  }
}
