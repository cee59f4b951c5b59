import { PrnnError } from '@prnn/core';
import type { PopulationModel } from '../sdk/population-model.js';
import { COMPILED_PATH, CompiledPopulation } from '../compiler/compiled-population.js';
import { LANES } from '../compiler/step-kernel.js';
import type { ArchInfo } from '../sdk/architecture.js';
import type { KernelSet, PopulationKernel } from '../sdk/kernel.js';
import { POLICY_ACTIONS as ACTIONS } from '../onnx/policy-contract.js';
import { checkCompactRows, type QEngine } from './q-engine.js';

/**
 * The population of the last disposed engine, kept for the next engine of the same kernel, architecture and
 * channels (one kept at a time, so a run's networks of one architecture reuse one WebAssembly memory instead of
 * leaving one per network to the garbage collector).
 */
let idle: { kernel: PopulationKernel; key: string; model: CompiledPopulation } | null = null;

/**
 * One network run by its family's compiled population (the WebAssembly SIMD step of the `compiled` training
 * path), forward only. The kernel computes 4 networks side by side in the 4 lanes of each scalar; for one network
 * the engine loads it into all 4 lanes and gives each lane a quarter of the rows: row k of a batch of R rows
 * is environment k mod ⌈R/4⌉ of lane ⌊k / ⌈R/4⌉⌋ (the padding rows of the last lane read zeros; their q is
 * dropped). Every lane computes with the same float32 operations, so a row's q is the same bits in any lane
 * and any batch, and the engine offers `compact` (CompiledPopulation.compactRows moves the kept rows' state
 * into a batch of ⌈count / 4⌉ per lane in one pass).
 *
 * Its q differs from onnxruntime's only by float32 rounding (different summation order); see
 * docs/guides/performance.md, "The compiled evaluation engine".
 */
export class CompiledEngine implements QEngine {
  readonly engine = COMPILED_PATH;
  readonly obsSize: number;
  private readonly model: CompiledPopulation;
  /** Rows of the current batch and environments per lane (⌈rows / 4⌉). */
  private rows = 0;
  private perLane = 0;
  /** Padded obs and q when rows is not a multiple of 4. */
  private obsPad = new Float32Array(0);
  private qPad = new Float32Array(0);

  constructor(model: CompiledPopulation) {
    if (model.population !== LANES) throw new PrnnError(`a compiled evaluation engine needs ${LANES} copies of one network (got a population of ${model.population})`);
    if (model.outputs !== ACTIONS) throw new PrnnError(`outputs must be ${ACTIONS} (got ${model.outputs})`);
    this.model = model;
    this.obsSize = model.inputs;
  }

  /**
   * Builds the family's compiled population for one network (in every lane) and loads its trained weights.
   * PrnnError when the family has no `compiled` population kernel, or when it falls back to the generic path
   * here (no WebAssembly SIMD, a step the compiler does not know).
   */
  static create(kernels: KernelSet, arch: ArchInfo, weights: Record<string, Float32Array>, channels: number, opts: { seed?: number } = {}): CompiledEngine {
    const kernel = kernels.population(COMPILED_PATH);
    if (!kernel) {
      throw new PrnnError(`family ${kernels.family} has no compiled path here (its paths: ${kernels.paths().join(', ')}); use --engine onnx`);
    }
    const key = `${arch.name}/${arch.hidden}/${arch.parameters}/${channels}`;
    let model: PopulationModel;
    if (idle && idle.kernel === kernel && idle.key === key) {
      model = idle.model;
      idle = null;
    } else {
      model = kernel.create(
        Array.from({ length: LANES }, () => ({ arch, seed: opts.seed ?? 0 })),
        { channels },
      );
    }
    if (!(model instanceof CompiledPopulation)) {
      model.dispose();
      throw new PrnnError(`family ${kernels.family} fell back to its generic path (see the line above): it has no compiled engine here; use --engine onnx`);
    }
    for (let n = 0; n < LANES; n++) model.importWeights(n, weights);
    const engine = new CompiledEngine(model);
    engine.origin = { kernel, key };
    return engine;
  }

  /** Where `create` built the population (to keep it for the next engine of the same key). */
  private origin: { kernel: PopulationKernel; key: string } | null = null;
  private disposed = false;

  reset(batch: number): void {
    if (this.disposed) throw new PrnnError('this compiled engine has been disposed');
    if (!Number.isInteger(batch) || batch < 1) throw new PrnnError(`batch must be an integer ≥ 1 (got ${batch})`);
    this.resize(batch);
    this.model.resetState(this.perLane);
  }

  private resize(rows: number): void {
    this.rows = rows;
    this.perLane = Math.ceil(rows / LANES);
    const padded = this.perLane * LANES;
    if (padded !== rows && this.obsPad.length < padded * this.obsSize) {
      this.obsPad = new Float32Array(padded * this.obsSize);
      this.qPad = new Float32Array(padded * ACTIONS);
    }
  }

  step(obs: Float32Array, q: Float32Array): void {
    const { rows, perLane, obsSize } = this;
    if (rows === 0) throw new PrnnError('CompiledEngine.step called before reset(batch)');
    const padded = perLane * LANES;
    if (padded === rows) {
      this.model.forward(obs.subarray(0, rows * obsSize), null, q.subarray(0, rows * ACTIONS), true);
      return;
    }
    const obsPad = this.obsPad.subarray(0, padded * obsSize);
    obsPad.set(obs.subarray(0, rows * obsSize));
    obsPad.fill(0, rows * obsSize);
    const qPad = this.qPad.subarray(0, padded * ACTIONS);
    this.model.forward(obsPad, null, qPad, true);
    q.set(qPad.subarray(0, rows * ACTIONS));
  }

  compact(rows: Int32Array, count: number): void {
    if (checkCompactRows(rows, count, this.rows)) return;
    // rows in lane order are the population's network-major rows
    this.model.compactRows(rows, count);
    this.resize(count);
  }

  /** Releases the compiled population: kept for the next engine of the same architecture (the one kept before is disposed). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rows = 0;
    if (!this.origin) {
      this.model.dispose();
      return;
    }
    idle?.model.dispose();
    idle = { ...this.origin, model: this.model };
  }
}
