import * as tf from '@tensorflow/tfjs-core';
import { PrnnError, type Rng } from '@prnn/core';
import type {
  ArchInfo,
  ArchSizeOptions,
  Architecture,
  CreatePopulationOptions,
  NetworkStep,
  OnnxMetadata,
  PopulationMember,
  PopulationMemoryOptions,
} from './architecture.js';
import type { PopulationModel } from './population-model.js';
import { StepPopulation } from './step-population.js';
import { tracedExportOnnx } from './step-onnx.js';

/** Sizes a family's description is evaluated at: I = 4·channels inputs, O = 5 outputs (one per action). */
export interface StepSizes {
  readonly channels: number;
  readonly inputs: number;
  readonly outputs: number;
}

/** Parameter name → shape of one network (row-major; a matrix mapping a to b is [a, b]). */
export type ParameterShapes = Readonly<Record<string, readonly number[]>>;

/**
 * What a step sees. Everything has a leading axis G (networks of one layout stepped at once; 1 for a
 * single network): `params[name]` is [G, ...shape] — vectors as [G, 1, n], so they broadcast over the
 * batch — `state` [G, B, S], `obs` [G, B, I], `noise` [G, B, O] or null. Write it with batched tfjs ops
 * (`tf.matMul` of [G, B, a] by [G, a, b], elementwise ops, `tf.split`/`tf.concat` on the last axis).
 */
export type StepFunction = (
  params: Readonly<Record<string, tf.Tensor>>,
  state: tf.Tensor3D,
  obs: tf.Tensor3D,
  noise: tf.Tensor3D | null,
  arch: ArchInfo,
) => { output: tf.Tensor3D; state: tf.Tensor3D };

/**
 * How a member embeds into a wider member of its family: the member's step is the wider member's step with
 * the parameters the member lacks, and the entries `zero` marks, held at exactly zero. Each of the member's
 * parameters must be one of the wider member's with the same shape, and both have the same state size.
 */
export interface MemberEmbedding {
  /** The wider member. */
  readonly into: ArchInfo;
  /** Per parameter of `into` (row-major, its size): 1 where an entry of a parameter the member has is fixed at zero. */
  readonly zero?: Readonly<Record<string, Uint8Array>>;
}

/**
 * A family described by its parameters and one differentiable step; `defineArchitecture` turns it into an
 * Architecture (generic population, the network as a callable step, ONNX export, weight shapes).
 */
export interface ArchitectureDefinition {
  readonly family: string;
  readonly description: string;
  /** Every member of the family at these sizes (what `prnn archs` lists and `--arch all` trains). */
  list(opts: ArchSizeOptions): ArchInfo[];
  /** The member an architecture spec names, or undefined when the spec is not of this family. */
  resolve(spec: string, opts: ArchSizeOptions): ArchInfo | undefined;
  /** The parameters of one network, in the order weight files store them. */
  parameters(arch: ArchInfo, sizes: StepSizes): ParameterShapes;
  /** Initial values of every parameter (row-major, by name) drawn from `rng` (the network's init stream). */
  init(arch: ArchInfo, sizes: StepSizes, rng: Rng): Record<string, Float32Array>;
  /** Size S of the recurrent state (zero at episode start). */
  stateSize(arch: ArchInfo, sizes: StepSizes): number;
  /** Every parameter name members can have, when some members lack some (the 9 pathways). */
  readonly parameterNames?: readonly string[];
  /**
   * The wider member `arch` embeds into (see MemberEmbedding), or undefined. The compiled path then runs
   * networks of different members that embed into one wider member in the lanes of that member's program
   * (the 9-pathway family: every one of the 128 embeds into fc, an absent pathway being fc's all zero).
   */
  embed?(arch: ArchInfo, sizes: StepSizes): MemberEmbedding | undefined;
  /** One step of G networks; the noise is the learner's (docs/spec.md §2 adds it before the softmax). */
  readonly step: StepFunction;
  /** A faster generic population than the step batched by `StepPopulation` (same arithmetic). */
  createPopulation?(members: readonly PopulationMember[], opts: CreatePopulationOptions): PopulationModel;
  /** Estimated bytes a population of these members holds while training (for the memory check before a run). */
  populationMemoryBytes?(members: readonly PopulationMember[], opts: PopulationMemoryOptions): number;
  /** Own ONNX serialisation; absent: the step is traced to ONNX (see `step-onnx.ts` for the ops that map). */
  exportOnnx?(arch: ArchInfo, weights: Record<string, Float32Array>, metadata: OnnxMetadata, channels: number): Uint8Array;
}

/** Outputs of every network: one Q-value per action. */
export const OUTPUTS_PER_ACTION = 5;

/**
 * Step sizes of a task with `channels` cue channels: 4·channels inputs and 5 outputs; a PrnnError unless channels is an
 * integer ≥ 1.
 */
export function stepSizes(channels: number): StepSizes {
  if (!Number.isInteger(channels) || channels < 1) throw new PrnnError(`channels must be an integer ≥ 1 (got ${channels})`);
  return { channels, inputs: 4 * channels, outputs: OUTPUTS_PER_ACTION };
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A family's parameter shapes for `arch`, checked (positive integer dimensions). */
export function checkedShapes(def: ArchitectureDefinition, arch: ArchInfo, sizes: StepSizes): ParameterShapes {
  const shapes = def.parameters(arch, sizes);
  if (!shapes || typeof shapes !== 'object' || Object.keys(shapes).length === 0) {
    throw new PrnnError(`architecture ${def.family}:${arch.name} declares no parameters`);
  }
  for (const [name, shape] of Object.entries(shapes)) {
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new PrnnError(`parameter ${name} of ${def.family}:${arch.name} must have a shape of positive integers (got ${JSON.stringify(shape)})`);
    }
  }
  return shapes;
}

/** `def.init` for one network, checked against its declared shapes. */
export function checkedInit(def: ArchitectureDefinition, arch: ArchInfo, sizes: StepSizes, seedRng: Rng): Record<string, Float32Array> {
  const shapes = checkedShapes(def, arch, sizes);
  const values = def.init(arch, sizes, seedRng);
  for (const [name, shape] of Object.entries(shapes)) {
    const v = values?.[name];
    if (!(v instanceof Float32Array) || v.length !== size(shape)) {
      throw new PrnnError(
        `init of ${def.family}:${arch.name} must give parameter ${name} as a Float32Array of ${size(shape)} values (got ${v instanceof Float32Array ? v.length : typeof v})`,
      );
    }
  }
  return values;
}

/** Parameter tensors of one network with the leading G = 1 axis the step expects (vectors as [1, 1, n]). */
export function singleNetworkParams(shapes: ParameterShapes, weights: Readonly<Record<string, Float32Array>>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const w = weights[name];
    if (!w || w.length !== size(shape)) {
      throw new PrnnError(`weights.${name} must have ${size(shape)} values (got ${w ? w.length : 'none'})`);
    }
    out[name] = tf.tensor(w, [1, ...(shape.length === 1 ? [1] : []), ...shape]);
  }
  return out;
}

/** One network of a defined family as a NetworkStep (state [B, S], obs [B, I] → output [B, O]). */
export function networkStep(def: ArchitectureDefinition, arch: ArchInfo, weights: Readonly<Record<string, Float32Array>>, channels: number): NetworkStep {
  const sizes = stepSizes(channels);
  const shapes = checkedShapes(def, arch, sizes);
  const S = def.stateSize(arch, sizes);
  const params = singleNetworkParams(shapes, weights);
  return {
    arch,
    inputs: sizes.inputs,
    outputs: sizes.outputs,
    stateSize: S,
    params,
    initialState: (batch) => tf.zeros([batch, S]),
    step: (state, obs, noise) =>
      tf.tidy(() => {
        const B = obs.shape[0];
        const r = def.step(params, tf.reshape(state, [1, B, S]), tf.reshape(obs, [1, B, sizes.inputs]), noise ? tf.reshape(noise, [1, B, sizes.outputs]) : null, arch);
        return { output: tf.reshape(r.output, [B, sizes.outputs]) as tf.Tensor2D, state: tf.reshape(r.state, [B, S]) as tf.Tensor2D };
      }),
    dispose: () => tf.dispose(Object.values(params)),
  };
}

/** The Architecture of a family described by parameters and a step. */
export function defineArchitecture(def: ArchitectureDefinition): Architecture & { readonly definition: ArchitectureDefinition } {
  for (const key of ['family', 'description'] as const) {
    if (typeof def?.[key] !== 'string' || def[key].length === 0) throw new PrnnError(`an architecture definition needs a ${key} (a non-empty string)`);
  }
  for (const key of ['list', 'resolve', 'parameters', 'init', 'stateSize', 'step'] as const) {
    if (typeof def[key] !== 'function') throw new PrnnError(`architecture ${def.family}: ${key} must be a function`);
  }
  return {
    definition: def,
    family: def.family,
    description: def.description,
    list: (opts) => def.list(opts),
    resolve: (spec, opts) => def.resolve(spec, opts),
    createPopulation: (members, opts) => (def.createPopulation ? def.createPopulation(members, opts) : new StepPopulation(def, members, opts.channels)),
    network: (arch, weights, channels) => networkStep(def, arch, weights, channels),
    weightShapes: (arch, channels) => checkedShapes(def, arch, stepSizes(channels)),
    stateSize: (arch, channels) => def.stateSize(arch, stepSizes(channels)),
    ...(def.parameterNames ? { parameterNames: () => def.parameterNames! } : {}),
    exportOnnx: def.exportOnnx ? (arch, weights, metadata, channels) => def.exportOnnx!(arch, weights, metadata, channels) : tracedExportOnnx(def),
    ...(def.populationMemoryBytes ? { populationMemoryBytes: (m: readonly PopulationMember[], o: PopulationMemoryOptions) => def.populationMemoryBytes!(m, o) } : {}),
  };
}
