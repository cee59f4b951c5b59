/**
 * A recurrent advantage actor-critic (A2C) for a population of networks trained in lockstep, on the
 * vector-Jacobian-product seam: the loss is written once as `LossOperation.cotangents`, and the model's
 * `vjp.backward` takes it through time on every implementation that has a VJP (the generic step population,
 * the compiled WebAssembly path).
 *
 * Per episode, for every network n (its own streams, so it trains the same alone and in any population):
 *   1. one fresh training maze; one rollout sampling a_t ~ π_t (the network's 5 outputs, a softmax in every family)
 *      with n's exploration stream, recording s_t, a_t and the progress reward r_t;
 *   2. the value head V_t = w_v·π_t + b_v (a learner-owned linear readout of the outputs, see below);
 *      δ_t = r_t + γ·V_{t+1} − V_t (V = 0 after the last step), GAE advantages Â_t = Σ_l (γλ)^l·δ_{t+l} and
 *      returns R_t = Â_t + V_t (both constants for the gradient);
 *   3. loss (mean over the episode's steps) L = −Â_t·log(π_t[a_t] + ε) + c_v·½(V_t − R_t)² − β·H(π_t);
 *      dL/dπ_t is the cotangent the VJP takes back through time; dL/dw_v, dL/db_v train the head;
 *   4. a per-network gradient-norm clip and one Adam step (PopulationOptimizer) on the network; Adam on the head.
 *
 * The value head: the runtime's models expose only the policy's outputs, so the head reads those (π_t, a
 * softmax of a linear readout of the recurrent state) rather than the state itself; its parameters are the learner's
 * (checkpointed with it), and the exported ONNX policy is unchanged (the policy contract never sees the head).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  COMPILED_PATH,
  GENERIC_PATH,
  POPULATION_OPERATION,
  KernelSet,
  compiledPopulationKernel,
  DEFAULT_EPISODES,
  MazeSet,
  PopulationOptimizer,
  PrnnError,
  allocateEpisodeRecords,
  allocateEpisodeScratch,
  allocateLike,
  captureDqnPart,
  createTrainingEnv,
  defineLearner,
  integerAtLeast,
  numberInRange,
  restoreDqnPart,
  rolloutStreams,
  runEpisode,
  vjpLearningPass,
  type ArchitectureDefinition,
  type DqnConfig,
  type EpisodeRecords,
  type LearnerConfig,
  type LearnerRun,
  type LearnerSession,
  type LossOperation,
  type StepPolicy,
  type TaskOptions,
  type TrainJob,
} from '@prnn/agents';

export const A2C = 'a2c';

/** The A2C hyper-parameters. */
export interface A2cConfig extends LearnerConfig {
  /** Training episodes per network (one update each). */
  readonly episodes: number;
  /** Discount γ. */
  readonly gamma: number;
  /** GAE's λ (1: Monte-Carlo returns minus the baseline; 0: one-step TD). */
  readonly gaeLambda: number;
  /** Entropy bonus β. */
  readonly entropyCoef: number;
  /** Weight c_v of the value loss ½(V − R)². */
  readonly valueCoef: number;
  /** Adam step size, β1, β2, ε (network and head). */
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly adamEpsilon: number;
  /** Global gradient-norm clip per network. */
  readonly clip: number;
  readonly hidden: number;
  readonly sensorNoise: number;
  readonly curvePoints: number;
  readonly testMazes: number;
}

/**
 * Defaults: the DQN's episode budget, discount, Adam β and ε, clip, hidden size, sensor noise, curve and test
 * set (docs/spec.md §3–4); GAE λ 0.95, entropy 0.01 and value weight 0.5 as in common A2C/PPO practice; step
 * size 3e-4 (1e-3 and 3e-3 reach 0.8 on FC / Track and then collapse, see docs/guides/learners.md).
 */
export function a2cDefaults(task: TaskOptions): A2cConfig {
  return {
    episodes: DEFAULT_EPISODES[task.kind],
    gamma: 0.9,
    gaeLambda: 0.95,
    entropyCoef: 0.01,
    valueCoef: 0.5,
    lr: 3e-4,
    beta1: 0.9,
    beta2: 0.999,
    adamEpsilon: 1e-8,
    clip: 1,
    hidden: 8,
    sensorNoise: 0.05,
    curvePoints: 100,
    testMazes: 1000,
  };
}

const positive = numberInRange(0, Infinity, { min: true, max: true });
const unit = numberInRange(0, 1, {});

/** One check per parameter. */
export const A2C_CHECKS = {
  episodes: integerAtLeast(10),
  gamma: unit,
  gaeLambda: unit,
  entropyCoef: numberInRange(0, Infinity, { max: true }),
  valueCoef: numberInRange(0, Infinity, { max: true }),
  lr: positive,
  beta1: numberInRange(0, 1, { max: true }),
  beta2: numberInRange(0, 1, { max: true }),
  adamEpsilon: positive,
  clip: positive,
  hidden: integerAtLeast(1),
  sensorNoise: numberInRange(0, Infinity, { max: true }),
  curvePoints: integerAtLeast(1),
  testMazes: integerAtLeast(1),
} as const;

/**
 * An episode as the A2C loss reads it: the records (obs, actions, lengths), the rewards r_t ([T·P]), the
 * value head of every network (head[n·(O+1) + k] = w_v[k], head[n·(O+1) + O] = b_v) and where the loss
 * writes the head's gradient (same layout).
 */
export interface A2cRecords extends EpisodeRecords {
  readonly rewards: Float32Array;
  readonly head: Float32Array;
  readonly headGradients: Float32Array;
}

/** The loss's constants. */
export interface A2cLossSettings {
  readonly gamma: number;
  readonly gaeLambda: number;
  readonly entropyCoef: number;
  readonly valueCoef: number;
}

/** log π is taken as log(π + LOG_FLOOR), so a probability that underflowed to 0 gives a finite loss. */
export const LOG_FLOOR = 1e-6;

/** The A2C loss as a named operation: plain-arithmetic cotangents, and the same loss in tfjs ops. */
export function a2cLoss(s: A2cLossSettings, outputs: number, population: number, maxSteps: number): LossOperation<A2cRecords> {
  const O = outputs;
  const P = population;
  const values = new Float64Array(maxSteps + 1);
  const adv = new Float64Array(maxSteps);
  const logPi = new Float64Array(O);
  /** V_t = w_v·z + b_v of network n at row (t·P + n). */
  const value = (z: Float32Array, r: A2cRecords, n: number, row: number): number => {
    let v = r.head[n * (O + 1) + O];
    for (let k = 0; k < O; k++) v += r.head[n * (O + 1) + k] * z[row * O + k];
    return v;
  };
  /** GAE advantages of network n over its `len` steps into adv (values into `values`, V_len = 0). */
  const gae = (z: Float32Array, r: A2cRecords, n: number, len: number): void => {
    for (let t = 0; t < len; t++) values[t] = value(z, r, n, t * P + n);
    values[len] = 0;
    let a = 0;
    for (let t = len - 1; t >= 0; t--) {
      const delta = r.rewards[t * P + n] + s.gamma * values[t + 1] - values[t];
      a = delta + s.gamma * s.gaeLambda * a;
      adv[t] = a;
    }
  };
  return {
    operation: 'a2c',
    cotangents(z, r, steps, cot, losses) {
      cot.fill(0, 0, steps * P * O);
      r.headGradients.fill(0);
      for (let n = 0; n < P; n++) {
        const len = r.lengths[n];
        losses[n] = 0;
        if (len === 0) continue;
        gae(z, r, n, len);
        const inv = 1 / len;
        let loss = 0;
        for (let t = 0; t < len; t++) {
          const row = t * P + n;
          let entropy = 0;
          for (let k = 0; k < O; k++) {
            logPi[k] = Math.log(z[row * O + k] + LOG_FLOOR);
            entropy -= z[row * O + k] * logPi[k];
          }
          const a = r.actions[row];
          const A = adv[t];
          const v = values[t];
          const ret = A + v;
          loss += -A * logPi[a] + s.valueCoef * 0.5 * (v - ret) ** 2 - s.entropyCoef * entropy;
          const dV = s.valueCoef * (v - ret) * inv;
          for (let k = 0; k < O; k++) {
            const q = z[row * O + k];
            // policy: −Â/(π_a + ε) on the action taken; entropy: −β·dH/dπ_k = β·(log(π_k + ε) + π_k/(π_k + ε));
            // value: dL/dV·w_k (the head reads π)
            const policy = k === a ? -A / (q + LOG_FLOOR) : 0;
            const ent = s.entropyCoef * (logPi[k] + q / (q + LOG_FLOOR));
            cot[row * O + k] = (policy + ent) * inv + dV * r.head[n * (O + 1) + k];
            r.headGradients[n * (O + 1) + k] += dV * q;
          }
          r.headGradients[n * (O + 1) + O] += dV;
        }
        losses[n] = loss * inv;
      }
    },
    loss(zs, r, steps) {
      // the same loss in tfjs ops (advantages and returns read as constants: no gradient through them)
      return tf.tidy(() => {
        const z = zs.dataSync() as Float32Array;
        const A = new Float32Array(steps * P);
        const R = new Float32Array(steps * P);
        const mask = new Float32Array(steps * P);
        const onehot = new Float32Array(steps * P * O);
        for (let n = 0; n < P; n++) {
          const len = r.lengths[n];
          if (len === 0) continue;
          gae(z, r, n, len);
          for (let t = 0; t < len; t++) {
            A[t * P + n] = adv[t];
            R[t * P + n] = adv[t] + values[t];
            mask[t * P + n] = 1 / len;
            onehot[(t * P + n) * O + r.actions[t * P + n]] = 1;
          }
        }
        const w = tf.tensor2d(r.head, [P, O + 1]);
        const V = tf.add(tf.sum(tf.mul(zs, tf.expandDims(tf.slice(w, [0, 0], [P, O]), 0)), 2), tf.reshape(tf.slice(w, [0, O], [P, 1]), [1, P]));
        const logPi = tf.log(tf.add(zs, LOG_FLOOR));
        const entropy = tf.neg(tf.sum(tf.mul(zs, logPi), 2));
        const logPiA = tf.sum(tf.mul(logPi, tf.tensor3d(onehot, [steps, P, O])), 2);
        const per = tf.add(
          tf.sub(tf.neg(tf.mul(tf.tensor2d(A, [steps, P]), logPiA)), tf.mul(s.entropyCoef, entropy)),
          tf.mul(s.valueCoef * 0.5, tf.square(tf.sub(V, tf.tensor2d(R, [steps, P])))),
        );
        return tf.sum(tf.mul(per, tf.tensor2d(mask, [steps, P])), 0) as tf.Tensor1D;
      });
    },
  };
}

/** The A2C session of one population (see the module comment). */
export function startA2c(run: LearnerRun<A2cConfig>): LearnerSession {
  const { task, config, members, seeds, model, taskSource } = run;
  if (!model.vjp) {
    throw new PrnnError(`learner a2c needs a population with a vector-Jacobian product; the ${model.implementation} path of family ${model.family} has none (choose a path with a vector-Jacobian product, e.g. compiled)`);
  }
  const P = members.length;
  const O = model.outputs;
  const I = model.inputs;
  const T = task.steps;
  const optimizer = new PopulationOptimizer(model.parameters, P, config);
  const streams = rolloutStreams(seeds);
  const mazes = MazeSet.allocate(task, P);
  const env = createTrainingEnv(task, config as unknown as DqnConfig, seeds);
  const base = allocateEpisodeRecords(T, P, I, O);
  const H = P * (O + 1);
  const records: A2cRecords = { ...base, rewards: new Float32Array(T * P), head: new Float32Array(H), headGradients: new Float32Array(H) };
  const headM = new Float32Array(H);
  const headV = new Float32Array(H);
  let headStep = 0;
  const op = a2cLoss(config, O, P, T);
  const scratch = allocateEpisodeScratch(P, O);
  const gradients = model.parameters.adam?.allocateGradients?.() ?? allocateLike(model.parameters);
  const losses = new Float32Array(P);
  const policy: StepPolicy = {
    act(t, obs, z, active, actions) {
      // every network's s_t, as the forward pass read it (so the VJP reuses the rollout's recorded forward)
      records.obs.set(obs, t * P * I);
      for (let n = 0; n < P; n++) {
        if (active[n] !== 1) continue;
        const row = t * P + n;
        // a ~ π_t = the network's outputs (every family's outputs are a softmax), by inversion with its exploration stream
        let sum = 0;
        for (let k = 0; k < O; k++) sum += z[n * O + k];
        let u = streams.exploration[n].float() * sum;
        let a = O - 1;
        for (let k = 0; k < O; k++) {
          u -= z[n * O + k];
          if (u < 0) {
            a = k;
            break;
          }
        }
        actions[n] = a;
        records.actions[row] = a;
        records.lengths[n] = t + 1;
      }
    },
    record(t, e, active) {
      for (let n = 0; n < P; n++) if (active[n] === 1) records.rewards[t * P + n] = e.rewards[n];
    },
  };

  return {
    episode() {
      for (let n = 0; n < P; n++) taskSource.generateInto(mazes, n, streams.mazes[n]);
      records.lengths.fill(0);
      runEpisode(model, env, mazes, T, policy, scratch);
      vjpLearningPass(model, op, records, losses, gradients);
      const { applied } = optimizer.step(gradients);
      if (!applied) throw new PrnnError(`training diverged: a network has a non-finite gradient; try a smaller lr (got ${config.lr})`, { parameter: 'lr' });
      // Adam on the value head (no clip: its gradient is the value loss's alone)
      headStep++;
      const bc1 = 1 - config.beta1 ** headStep;
      const bc2 = 1 - config.beta2 ** headStep;
      const g = records.headGradients;
      for (let i = 0; i < H; i++) {
        headM[i] = config.beta1 * headM[i] + (1 - config.beta1) * g[i];
        headV[i] = config.beta2 * headV[i] + (1 - config.beta2) * g[i] * g[i];
        records.head[i] -= (config.lr * (headM[i] / bc1)) / (Math.sqrt(headV[i] / bc2) + config.adamEpsilon);
      }
      let mean = 0;
      for (let n = 0; n < P; n++) mean += losses[n];
      return mean / P;
    },
    capture() {
      const own = captureDqnPart({ members, model, optimizer, streams, env });
      return {
        json: { ...own.json, a2c: { headStep } },
        tensors: {
          ...own.tensors,
          'a2c/head': { shape: [P, O + 1], data: Float32Array.from(records.head) },
          'a2c/head/m': { shape: [P, O + 1], data: Float32Array.from(headM) },
          'a2c/head/v': { shape: [P, O + 1], data: Float32Array.from(headV) },
        },
      };
    },
    restore(state, bad) {
      restoreDqnPart(state, { members, model, optimizer, streams, env }, bad);
      const json = state.json.a2c as { headStep?: number } | undefined;
      const get = (k: string) => {
        const x = state.tensors[k];
        if (!x || x.data.length !== H) throw bad(`the value head tensor ${k} is missing or has the wrong size`);
        return x.data;
      };
      if (!json || !Number.isInteger(json.headStep)) throw bad('it lacks the value head state');
      headStep = json.headStep as number;
      records.head.set(get('a2c/head'));
      headM.set(get('a2c/head/m'));
      headV.set(get('a2c/head/v'));
    },
  };
}

const definition = defineLearner<A2cConfig>({
  name: A2C,
  description: 'recurrent advantage actor-critic: sampled actions, GAE advantages, entropy bonus, a value head; trained through the VJP seam',
  // the DQN's flags that mean the same here: step size, discount, gradient-norm clip
  flags: { lr: 'lr', gamma: 'gamma', clip: 'clip' },
  defaults: a2cDefaults,
  checks: A2C_CHECKS,
  validate: (config) => {
    if (config.curvePoints > config.episodes) throw new PrnnError(`curvePoints must be ≤ episodes (got ${config.curvePoints} > ${config.episodes})`, { parameter: 'curvePoints' });
  },
  start: startA2c,
});

/**
 * The job a2c trains. Population kernels written by hand (the 9-pathway family's `wasm-simd` and `fused`, its
 * default) have no VJP, so a job on one of them trains its family's step on the `compiled` path instead (added
 * to the job's kernels for this run); `compiled` and `generic` are kept (a generic population without a VJP is
 * refused when the run starts).
 */
export function a2cJob(job: TrainJob<A2cConfig>): TrainJob<A2cConfig> {
  if (!job.kernels) return job;
  const path = job.kernels.resolvePath(job.path);
  if (path === COMPILED_PATH || path === GENERIC_PATH) return job;
  const def = (job.architecture as { definition?: ArchitectureDefinition }).definition;
  if (!def) return job;
  const others = job.kernels.kernels.filter((k) => !(k.operation === POPULATION_OPERATION && k.name === COMPILED_PATH));
  return { ...job, kernels: new KernelSet(job.kernels.family, [compiledPopulationKernel(def), ...others]), path: COMPILED_PATH };
}

/** The `a2c` learner, run by the learner runtime (on the job `a2cJob` makes). */
export const a2cLearner: typeof definition = {
  ...definition,
  train: (job, hooks) => definition.train(a2cJob(job), hooks),
};
