/**
 * A recurrent advantage actor-critic (A2C) for a population of networks trained in lockstep, on the
 * vector-Jacobian-product seam: the loss is written once as `LossOperation.cotangents`, and the model's
 * `vjp.backward` takes it through time on every implementation that has a VJP (the generic step population,
 * the compiled WebAssembly path).
 *
 * Per episode, for every network n (its own streams, so it trains the same alone and in any population):
 *   1. one fresh training maze; one rollout sampling a_t ~ π_t (the network's 5 outputs, a softmax in every family)
 *      with n's exploration stream, recording s_t, a_t and the reward r_t: the progress reward minus a step cost,
 *      plus, on reaching the goal, the discounted reward of staying there until the step limit;
 *   2. the value head V_t = s_t·w_v + b_v, a linear readout of the recurrent state after step t (an output head
 *      the runtime adds to the model, `outputHeads`: trained with the network through the same VJP, exported as
 *      the ONNX output `head_value` that evaluation ignores);
 *      δ_t = r_t + γ·V_{t+1} − V_t (V = 0 after the last step), GAE advantages Â_t = Σ_l (γλ)^l·δ_{t+l} and
 *      returns R_t = Â_t + V_t (both constants for the gradient); Â_t divided by a running RMS of the advantages
 *      (`normalizeAdvantages`);
 *   3. loss (mean over the episode's steps) L = −Â_t·log(π_t[a_t] + ε) + c_v·½(V_t − R_t)² − β·H(π_t);
 *      dL/dπ_t and dL/dV_t are the cotangents the VJP takes back through time (V's through the state);
 *   4. a per-network gradient-norm clip and one Adam step (PopulationOptimizer) on network and head, with the
 *      step size (and the entropy bonus) decaying linearly to `lrFinal`·lr (`entropyFinal`·β) over the run.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  COMPILED_PATH,
  GENERIC_PATH,
  POPULATION_OPERATION,
  KernelSet,
  compiledPopulationKernel,
  DEFAULT_EPISODES,
  PopulationOptimizer,
  TrainingMazes,
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
  type OutputHead,
  type StepPolicy,
  type TaskOptions,
  type TrainJob,
} from '@prnn/agents';

/** Learner name of the advantage actor-critic learner (`--learner a2c`). */
export const A2C = 'a2c';

/** The A2C hyper-parameters. */
export interface A2cConfig extends LearnerConfig {
  /** Training episodes per network (one update each). */
  readonly episodes: number;
  /** Discount γ. */
  readonly gamma: number;
  /** GAE's λ (1: Monte-Carlo returns minus the baseline; 0: one-step TD). */
  readonly gaeLambda: number;
  /** Cost c subtracted from every step's reward (the DQN's −0.1 in its target, docs/spec.md §3): r_t − c. */
  readonly stepCost: number;
  /**
   * Reaching the goal ends the episode and with it the reward stream; with 1, the reward of staying at the goal
   * until the step limit is added when it is reached, r_t += (r_t − c)·Σ_{l=1}^{steps−1−t} γ^l, so reaching
   * the goal is worth at least lingering next to it (as the DQN's unmasked bootstrap at the goal). 0: off.
   */
  readonly goalContinuation: number;
  /** Entropy bonus β at the start of training. */
  readonly entropyCoef: number;
  /** The entropy bonus at the end of training, as a fraction of `entropyCoef` (linear in between; 1: constant). */
  readonly entropyFinal: number;
  /** Weight c_v of the value loss ½(V − R)². */
  readonly valueCoef: number;
  /** Adam step size at the start of training, β1, β2, ε (network and value head). */
  readonly lr: number;
  /** The step size at the end of training, as a fraction of `lr` (linear in between; 1: constant). */
  readonly lrFinal: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly adamEpsilon: number;
  /**
   * Advantage normalisation: Â is divided by the running RMS of network n's advantages, an exponential average
   * with this decay per episode (0: no normalisation).
   */
  readonly advantageNorm: number;
  /** Global gradient-norm clip per network. */
  readonly clip: number;
  readonly hidden: number;
  readonly sensorNoise: number;
  readonly curvePoints: number;
  readonly testMazes: number;
}

/**
 * Defaults: the DQN's discount, Adam β and ε, clip, hidden size, sensor noise, curve and test set
 * (docs/spec.md §3–4) and its step cost; twice the DQN's episode budget; GAE λ 0.95 and value weight 0.5 as
 * in common A2C/PPO practice; the entropy bonus 0.1 and step size 7e-4 both decaying linearly to 0, and the
 * advantage normalisation, which keep FC from collapsing late in training (measured in docs/guides/learners.md).
 */
export function a2cDefaults(task: TaskOptions): A2cConfig {
  return {
    episodes: 2 * DEFAULT_EPISODES[task.kind],
    gamma: 0.9,
    gaeLambda: 0.95,
    stepCost: 0.1,
    goalContinuation: 1,
    entropyCoef: 0.1,
    entropyFinal: 0,
    valueCoef: 0.5,
    lr: 7e-4,
    lrFinal: 0,
    beta1: 0.9,
    beta2: 0.999,
    adamEpsilon: 1e-8,
    advantageNorm: 0.99,
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
  stepCost: numberInRange(0, Infinity, { max: true }),
  goalContinuation: unit,
  entropyCoef: numberInRange(0, Infinity, { max: true }),
  entropyFinal: unit,
  valueCoef: numberInRange(0, Infinity, { max: true }),
  lr: positive,
  lrFinal: unit,
  beta1: numberInRange(0, 1, { max: true }),
  beta2: numberInRange(0, 1, { max: true }),
  adamEpsilon: positive,
  advantageNorm: numberInRange(0, 1, { max: true }),
  clip: positive,
  hidden: integerAtLeast(1),
  sensorNoise: numberInRange(0, Infinity, { max: true }),
  curvePoints: integerAtLeast(1),
  testMazes: integerAtLeast(1),
} as const;

/** The value head a2c asks the runtime for: one value per step read from the recurrent state. */
export const VALUE_HEAD: OutputHead = { name: 'value', size: 1 };

/**
 * An episode as the A2C loss reads it: the records (obs, actions, lengths), the rewards r_t ([T·P]), the factor
 * each network's advantages are scaled by (`advantageScale[n]`, 1 without normalisation) and where the loss
 * writes each network's mean squared advantage of the episode (`advantageSquares[n]`, before scaling).
 */
export interface A2cRecords extends EpisodeRecords {
  readonly rewards: Float32Array;
  readonly advantageScale: Float32Array;
  readonly advantageSquares: Float32Array;
}

/** The loss's constants (read at every pass: a schedule may change `entropyCoef` between episodes). */
export interface A2cLossSettings {
  readonly gamma: number;
  readonly gaeLambda: number;
  readonly entropyCoef: number;
  readonly valueCoef: number;
}

/** log π is taken as log(π + LOG_FLOOR), so a probability that underflowed to 0 gives a finite loss. */
export const LOG_FLOOR = 1e-6;

/**
 * The A2C loss as a named operation over the outputs of a model with the value head: rows of O + 1 values
 * (π_t, then V_t). Plain-arithmetic cotangents, and the same loss in tfjs ops.
 */
export function a2cLoss(s: A2cLossSettings, outputs: number, population: number, maxSteps: number): LossOperation<A2cRecords> {
  const O = outputs;
  const W = O + 1;
  const P = population;
  const values = new Float64Array(maxSteps + 1);
  const adv = new Float64Array(maxSteps);
  const logPi = new Float64Array(O);
  /** GAE advantages of network n over its `len` steps into adv (values into `values`, V_len = 0). */
  const gae = (z: Float32Array, r: A2cRecords, n: number, len: number): void => {
    for (let t = 0; t < len; t++) values[t] = z[(t * P + n) * W + O];
    values[len] = 0;
    let a = 0;
    const gl = s.gamma * s.gaeLambda;
    for (let t = len - 1; t >= 0; t--) {
      const delta = r.rewards[t * P + n] + s.gamma * values[t + 1] - values[t];
      a = delta + gl * a;
      adv[t] = a;
    }
  };
  return {
    operation: 'a2c',
    cotangents(z, r, steps, cot, losses) {
      cot.fill(0, 0, steps * P * W);
      const beta = s.entropyCoef;
      const cv = s.valueCoef;
      for (let n = 0; n < P; n++) {
        const len = r.lengths[n];
        losses[n] = 0;
        r.advantageSquares[n] = 0;
        if (len === 0) continue;
        gae(z, r, n, len);
        const inv = 1 / len;
        const scale = r.advantageScale[n];
        let loss = 0;
        let squares = 0;
        for (let t = 0; t < len; t++) {
          const row = (t * P + n) * W;
          let entropy = 0;
          for (let k = 0; k < O; k++) {
            const q = z[row + k];
            const l = Math.log(q + LOG_FLOOR);
            logPi[k] = l;
            entropy -= q * l;
            // entropy: −β·dH/dπ_k = β·(log(π_k + ε) + π_k/(π_k + ε))
            cot[row + k] = beta * (l + q / (q + LOG_FLOOR)) * inv;
          }
          const a = r.actions[t * P + n];
          const A = adv[t];
          squares += A * A;
          const As = A * scale;
          loss += -As * logPi[a] + cv * 0.5 * A * A - beta * entropy;
          // policy: −Â/(π_a + ε) on the action taken; value: dL/dV = c_v·(V − R) = −c_v·Â
          cot[row + a] -= (As / (z[row + a] + LOG_FLOOR)) * inv;
          cot[row + O] = -cv * A * inv;
        }
        r.advantageSquares[n] = squares * inv;
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
            A[t * P + n] = adv[t] * r.advantageScale[n];
            R[t * P + n] = adv[t] + values[t];
            mask[t * P + n] = 1 / len;
            onehot[(t * P + n) * O + r.actions[t * P + n]] = 1;
          }
        }
        const pi = tf.slice(zs, [0, 0, 0], [steps, P, O]);
        const V = tf.reshape(tf.slice(zs, [0, 0, O], [steps, P, 1]), [steps, P]);
        const logPi = tf.log(tf.add(pi, LOG_FLOOR));
        const entropy = tf.neg(tf.sum(tf.mul(pi, logPi), 2));
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

/** A linear schedule: `from` at episode 0 to `from`·`final` at episode `episodes`. */
function linear(from: number, final: number, episode: number, episodes: number): number {
  return from * (1 - (1 - final) * Math.min(1, episode / episodes));
}

/** The A2C session of one population (see the module comment). */
export function startA2c(run: LearnerRun<A2cConfig>): LearnerSession {
  const { task, config, members, seeds, model, taskSource } = run;
  if (!model.vjp || model.headOutputs !== 1) {
    throw new PrnnError(`learner a2c needs a population with a vector-Jacobian product that reads the recurrent state; the ${model.implementation} path of family ${model.family} has none (choose the compiled path)`);
  }
  const P = members.length;
  const O = model.outputs;
  const I = model.inputs;
  const T = task.steps;
  // the optimiser reads its settings at every step: the schedule changes lr in place
  const adam = { ...config };
  const optimizer = new PopulationOptimizer(model.parameters, P, adam);
  const streams = rolloutStreams(seeds);
  const mazes = new TrainingMazes(taskSource, task, P);
  const env = createTrainingEnv(task, config as unknown as DqnConfig, seeds);
  const base = allocateEpisodeRecords(T, P, I, O);
  const records: A2cRecords = { ...base, rewards: new Float32Array(T * P), advantageScale: new Float32Array(P).fill(1), advantageSquares: new Float32Array(P) };
  // running mean of the squared advantages per network (advantage normalisation)
  const advMeanSq = new Float32Array(P);
  let advUpdates = 0;
  // continuation[t] = Σ_{l=1}^{T−1−t} γ^l: the discounted steps left after reaching the goal at step t
  const continuation = new Float64Array(T);
  for (let t = T - 2; t >= 0; t--) continuation[t] = config.gamma * (1 + continuation[t + 1]);
  const lossSettings = { gamma: config.gamma, gaeLambda: config.gaeLambda, entropyCoef: config.entropyCoef, valueCoef: config.valueCoef };
  const op = a2cLoss(lossSettings, O, P, T);
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
      for (let n = 0; n < P; n++) {
        if (active[n] !== 1) continue;
        const r = e.rewards[n] - config.stepCost;
        records.rewards[t * P + n] = e.terminated[n] === 1 ? r + config.goalContinuation * r * continuation[t] : r;
      }
    },
  };

  return {
    episode(episode) {
      adam.lr = linear(config.lr, config.lrFinal, episode, config.episodes);
      lossSettings.entropyCoef = linear(config.entropyCoef, config.entropyFinal, episode, config.episodes);
      mazes.draw(streams.mazes, scratch.mazeOfEnv);
      records.lengths.fill(0);
      runEpisode(model, env, mazes.set, T, policy, scratch);
      vjpLearningPass(model, op, records, losses, gradients);
      const { applied } = optimizer.step(gradients);
      if (!applied) throw new PrnnError(`training diverged: a network has a non-finite gradient; try a smaller lr (got ${config.lr})`, { parameter: 'lr' });
      if (config.advantageNorm > 0) {
        // the next episode's scale: 1 / running RMS (bias-corrected) of the advantages seen so far
        advUpdates++;
        const d = config.advantageNorm;
        const correction = 1 - d ** advUpdates;
        for (let n = 0; n < P; n++) {
          if (records.lengths[n] === 0) continue;
          advMeanSq[n] = d * advMeanSq[n] + (1 - d) * records.advantageSquares[n];
          records.advantageScale[n] = 1 / Math.sqrt(advMeanSq[n] / correction + 1e-8);
        }
      }
      let mean = 0;
      for (let n = 0; n < P; n++) mean += losses[n];
      return mean / P;
    },
    capture() {
      const own = captureDqnPart({ members, model, optimizer, streams, env });
      return {
        json: { ...own.json, a2c: { advUpdates } },
        tensors: {
          ...own.tensors,
          'a2c/advantage/meanSquare': { shape: [P], data: Float32Array.from(advMeanSq) },
          'a2c/advantage/scale': { shape: [P], data: Float32Array.from(records.advantageScale) },
        },
      };
    },
    restore(state, bad) {
      restoreDqnPart(state, { members, model, optimizer, streams, env }, bad);
      const json = state.json.a2c as { advUpdates?: number } | undefined;
      const get = (k: string) => {
        const x = state.tensors[k];
        if (!x || x.data.length !== P) throw bad(`the advantage statistics ${k} are missing or have the wrong size`);
        return x.data;
      };
      if (!json || !Number.isInteger(json.advUpdates)) throw bad('it lacks the advantage statistics');
      advUpdates = json.advUpdates as number;
      advMeanSq.set(get('a2c/advantage/meanSquare'));
      records.advantageScale.set(get('a2c/advantage/scale'));
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
  outputHeads: () => [VALUE_HEAD],
});

/**
 * The job a2c trains. A population kernel written by hand (a plugin family's) may have no VJP, so a job on
 * one of them trains its family's step on the `compiled` path instead (added
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
