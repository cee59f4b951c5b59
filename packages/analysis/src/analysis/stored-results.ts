import { PrnnError } from '@prnn/core';
import type { NetworkResultFile } from '@prnn/agents';

/** A stored fitness, curve or weight must be a finite number: NaN/null means a broken or partial result. */
export function checkStoredResult(result: NetworkResultFile, where: string): void {
  if (typeof result.fitness !== 'number' || !Number.isFinite(result.fitness)) {
    throw new PrnnError(`${where}: stored fitness is not a number (${JSON.stringify(result.fitness)}); retrain the network or remove it from the run`);
  }
  const bad = (result.trainingCurve ?? []).findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) {
    throw new PrnnError(`${where}: stored training curve point ${bad} is not a number (${JSON.stringify(result.trainingCurve[bad])})`);
  }
}

export function checkStoredWeights(weights: Readonly<Record<string, Float32Array>>, where: string): void {
  for (const [name, w] of Object.entries(weights)) {
    for (let k = 0; k < w.length; k++) {
      if (!Number.isFinite(w[k])) throw new PrnnError(`${where}: stored weight ${name}[${k}] is not a number (${w[k]})`);
    }
  }
}
