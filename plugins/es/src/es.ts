/**
 * Evolution strategies in the style of OpenAI-ES (Salimans et al. 2017), for a population of networks
 * trained in lockstep. It needs only the forward pass: no gradient through the network is ever taken.
 *
 * Per generation (one runtime "episode"), for every network n with weights θ_n (its exported weights, flat):
 *   1. `evalMazes` fresh training mazes and a sensor-noise seed per maze, from n's own streams, common to all
 *      its perturbations (common random numbers);
 *   2. K Gaussian directions ε_k ~ N(0, I) from n's perturbation stream, evaluated antithetically: θ_n ± σ·ε_k;
 *   3. each of the 2K perturbed copies runs one episode on each maze (greedy, or sampled with `temperature`);
 *      its return is the mean fitness (docs/spec.md §1.5: the quantity the test set measures, in [0, 1]),
 *      read on the step each episode ends;
 *   4. the 2K returns become centred ranks u ∈ [−0.5, 0.5] (ties share their mean rank), the gradient estimate
 *      is g = 1/(2Kσ) · Σ_k (u_k⁺ − u_k⁻)·ε_k − weightDecay·θ_n, and Adam takes one ascent step on g;
 *      σ and the step size fall linearly over the run.
 *
 * The 2K copies of all P networks are one population model of P·2K members laid out network by network, so a
 * population kernel computes copies of one architecture side by side (on the compiled path: four to a SIMD vector).
 * Every random number of network n comes from streams derived from its seed, so its result does not depend on
 * the population it is trained in.
 */
import {
  DEFAULT_EPISODES,
  PrnnError,
  Rng,
  STREAM,
  TrainingMazes,
  VectorEnv,
  allocateEpisodeScratch,
  defineLearner,
  runEpisode,
  integerAtLeast,
  numberInRange,
  type LearnerConfig,
  type LearnerRun,
  type LearnerSession,
  type LearnerState,
  type PopulationMember,
  type PopulationModel,
  type StateTensor,
  type StepPolicy,
  type TaskOptions,
} from '@prnn/agents';

/** Learner name of the evolution-strategies learner (`--learner es`). */
export const ES = 'es';

/** Stream ids under a network's seed: Rng.derive(seed, ES_STREAM.x). */
export const ES_STREAM = {
  perturbations: 0x45535045, // 'ESPE'
  noiseSeeds: 0x45534e53, // 'ESNS'
  actions: 0x45534143, // 'ESAC'
} as const;

/** The ES hyper-parameters. */
export interface EsConfig extends LearnerConfig {
  /** Generations (updates) per network; each runs 2·pairs·evalMazes episodes per network. */
  readonly episodes: number;
  /** Antithetic pairs K per generation. */
  readonly pairs: number;
  /** Mazes each copy is evaluated on per generation (its return is the mean fitness). */
  readonly evalMazes: number;
  /** Standard deviation σ of the perturbations. */
  readonly sigma: number;
  /** σ of the last generation: σ falls linearly from `sigma` to `sigmaEnd` over the run. */
  readonly sigmaEnd: number;
  /** Adam step size, β1, β2, ε. */
  readonly lr: number;
  /** The step size of the last generation: the step size falls linearly from `lr` to `lrEnd` over the run. */
  readonly lrEnd: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly adamEpsilon: number;
  /**
   * How a perturbed copy acts during training: 0 greedily (argmax), τ > 0 by sampling action a with probability
   * ∝ o_a^(1/τ) (o: the network's softmax outputs), with uniforms common to all copies of a network.
   * The test is greedy either way (docs/spec.md §4).
   */
  readonly temperature: number;
  /** L2 decay of the weights, added to the gradient estimate as −weightDecay·θ. */
  readonly weightDecay: number;
  readonly hidden: number;
  readonly sensorNoise: number;
  readonly curvePoints: number;
  readonly testMazes: number;
}

/** The default number of antithetic pairs (32 perturbed copies per generation and network). */
export const DEFAULT_PAIRS = 16;

/** The default number of mazes every perturbed copy is evaluated on per generation. */
export const DEFAULT_EVAL_MAZES = 4;

/** ES's default budget of training episodes per network, as a multiple of the DQN's (docs/spec.md §0). */
export const ES_BUDGET_FACTOR = 2;

/**
 * Defaults (ES is not in the paper; see docs/guides/learners.md): twice the DQN's budget of training episodes
 * (Track: 1 562 generations × 16 pairs × 2 × 4 mazes = 199 936), σ 0.2 → 0.05 and step size 0.03 → 0.003
 * (linear), Adam's β and ε and the weight decay 0.005 of OpenAI-ES, greedy copies; the paper's hidden size,
 * sensor noise, curve and test set. Chosen on FC and FF / Track seeds 0–3.
 */
export function esDefaults(task: TaskOptions): EsConfig {
  return {
    episodes: Math.floor((ES_BUDGET_FACTOR * DEFAULT_EPISODES[task.kind]) / (2 * DEFAULT_PAIRS * DEFAULT_EVAL_MAZES)),
    pairs: DEFAULT_PAIRS,
    evalMazes: DEFAULT_EVAL_MAZES,
    sigma: 0.2,
    sigmaEnd: 0.05,
    lr: 0.03,
    lrEnd: 0.003,
    beta1: 0.9,
    beta2: 0.999,
    adamEpsilon: 1e-8,
    weightDecay: 0.005,
    temperature: 0,
    hidden: 8,
    sensorNoise: 0.05,
    curvePoints: 100,
    testMazes: 1000,
  };
}

const positive = numberInRange(0, Infinity, { min: true, max: true });

/** One check per parameter. */
export const ES_CHECKS = {
  episodes: integerAtLeast(10),
  pairs: integerAtLeast(1),
  evalMazes: integerAtLeast(1),
  sigma: positive,
  sigmaEnd: positive,
  lr: positive,
  lrEnd: positive,
  beta1: numberInRange(0, 1, { max: true }),
  beta2: numberInRange(0, 1, { max: true }),
  adamEpsilon: positive,
  weightDecay: numberInRange(0, Infinity, { max: true }),
  temperature: numberInRange(0, Infinity, { max: true }),
  hidden: integerAtLeast(1),
  sensorNoise: numberInRange(0, Infinity, { max: true }),
  curvePoints: integerAtLeast(1),
  testMazes: integerAtLeast(1),
} as const;

/**
 * Centred ranks of `values[from … from+count)` into `out` (same offsets): rank r/(count−1) − 0.5 by ascending
 * value, tied values sharing their mean rank (so ties carry no spurious signal). `order` is scratch.
 */
export function centredRanks(values: Float64Array, from: number, count: number, out: Float64Array, order: Int32Array): void {
  for (let i = 0; i < count; i++) order[i] = i;
  const o = order.subarray(0, count);
  o.sort((a, b) => values[from + a] - values[from + b] || a - b);
  const scale = count > 1 ? 1 / (count - 1) : 0;
  for (let i = 0; i < count; ) {
    let j = i + 1;
    while (j < count && values[from + o[j]] === values[from + o[i]]) j++;
    const rank = (i + j - 1) / 2;
    for (let k = i; k < j; k++) out[from + o[k]] = rank * scale - 0.5;
    i = j;
  }
}

/** Where each exported weight tensor of a network sits in its flat vector. */
interface Layout {
  readonly names: readonly string[];
  readonly offsets: readonly number[];
  readonly size: number;
}

function layoutOf(weights: Record<string, Float32Array>): Layout {
  const names = Object.keys(weights);
  const offsets: number[] = [];
  let size = 0;
  for (const k of names) {
    offsets.push(size);
    size += weights[k].length;
  }
  return { names, offsets, size };
}

function flatten(weights: Record<string, Float32Array>, layout: Layout, out: Float32Array): void {
  layout.names.forEach((k, i) => out.set(weights[k], layout.offsets[i]));
}

/** Views of `flat` under the layout's names (made once per member, then imported every generation). */
function recordOf(flat: Float32Array, layout: Layout, sizes: Record<string, Float32Array>): Record<string, Float32Array> {
  return Object.fromEntries(layout.names.map((k, i) => [k, flat.subarray(layout.offsets[i], layout.offsets[i] + sizes[k].length)]));
}

/**
 * Where each entry of network n's flat exported vector sits in `model.parameters.values`: tensor and index
 * within member n's slice (each tensor's leading dimension is the population). Found by importing distinct
 * markers 1 … size into member n and reading them back; null when some entry is not stored exactly once as
 * given (then the caller imports weights member by member). Member n's weights are marker values afterwards.
 */
function probeParameterMap(model: PopulationModel, n: number, layout: Layout, shapes: Record<string, Float32Array>): { tensor: Int32Array; index: Int32Array } | null {
  const markers = new Float32Array(layout.size);
  for (let d = 0; d < layout.size; d++) markers[d] = d + 1;
  model.importWeights(n, recordOf(markers, layout, shapes));
  const tensor = new Int32Array(layout.size).fill(-1);
  const index = new Int32Array(layout.size);
  const { values } = model.parameters;
  for (let i = 0; i < values.length; i++) {
    const slice = values[i].length / model.population;
    for (let e = 0; e < slice; e++) {
      const x = values[i][n * slice + e];
      if (x === 0) continue;
      const d = x - 1;
      if (!Number.isInteger(d) || d < 0 || d >= layout.size || tensor[d] !== -1) return null;
      tensor[d] = i;
      index[d] = e;
    }
  }
  return tensor.includes(-1) ? null : { tensor, index };
}

/**
 * Adds to `returns[j]` the fitness (docs/spec.md §1.5; nothing when undefined) of every env j whose episode
 * ended on the step just taken — a `StepPolicy.record` helper. It must be read then: an env stepped again after
 * its episode ended reads NaN, so reading `env.fitness` after the whole rollout loses every episode that
 * reached the goal before the slowest env finished.
 */
export function addEndedFitness(env: VectorEnv, active: Uint8Array, returns: Float64Array): void {
  const { done, fitness } = env;
  for (let j = 0; j < env.numEnvs; j++) if (active[j] === 1 && done[j] === 1 && fitness[j] === fitness[j]) returns[j] += fitness[j];
}

/**
 * A sampled action: a with probability ∝ q_a^(1/τ) over q[base … base+O), by inverse transform of the
 * uniform u ∈ [0, 1) (q are softmax outputs, > 0).
 */
export function sampleAction(q: Float32Array, base: number, outputs: number, temperature: number, u: number): number {
  let best = q[base];
  for (let a = 1; a < outputs; a++) if (q[base + a] > best) best = q[base + a];
  const logBest = Math.log(best);
  let sum = 0;
  for (let a = 0; a < outputs; a++) sum += Math.exp((Math.log(q[base + a]) - logBest) / temperature);
  let target = u * sum;
  for (let a = 0; a < outputs - 1; a++) {
    target -= Math.exp((Math.log(q[base + a]) - logBest) / temperature);
    if (target < 0) return a;
  }
  return outputs - 1;
}

/** Index of the largest of q[base … base+O) (first on exact ties: a perturbed policy is deterministic). */
function argmax(q: Float32Array, base: number, outputs: number): number {
  let best = 0;
  for (let a = 1; a < outputs; a++) if (q[base + a] > q[base + best]) best = a;
  return best;
}

/** The ES session of one population (see the module comment). */
export function startEs(run: LearnerRun<EsConfig>): LearnerSession {
  const { task, config, members, seeds, model, taskSource } = run;
  const P = members.length;
  const K = config.pairs;
  const C = 2 * K; // perturbed copies per network
  const T = task.steps;
  const O = model.outputs;

  // θ_n flat, its Adam moments, and the per-copy perturbed weights (views imported into the copies' model)
  const layouts = members.map((_, n) => layoutOf(model.exportWeights(n)));
  const theta = layouts.map((l) => new Float32Array(l.size));
  const m = layouts.map((l) => new Float32Array(l.size));
  const v = layouts.map((l) => new Float32Array(l.size));
  const eps = layouts.map((l) => new Float32Array(K * l.size));
  const grad = layouts.map((l) => new Float64Array(l.size));
  const loadTheta = () => members.forEach((_, n) => flatten(model.exportWeights(n), layouts[n], theta[n]));
  loadTheta();
  let step = 0;

  const copies: PopulationMember[] = members.flatMap((member) => Array.from({ length: C }, () => member));
  const population = run.createModel(copies);
  const shapes = members.map((_, n) => model.exportWeights(n));
  const copyFlat = copies.map((_, j) => new Float32Array(layouts[Math.floor(j / C)].size));
  const copyRecords = copies.map((_, j) => recordOf(copyFlat[j], layouts[Math.floor(j / C)], shapes[Math.floor(j / C)]));
  const thetaRecords = members.map((_, n) => recordOf(theta[n], layouts[n], shapes[n]));
  // Perturbed copies and θ are written straight into the models' parameters and committed once per
  // generation (importWeights commits the whole population each time: quadratic in its size).
  const copyMaps = members.map((_, n) => probeParameterMap(population, n * C, layouts[n], shapes[n]));
  const thetaMaps = members.map((_, n) => probeParameterMap(model, n, layouts[n], shapes[n]));
  members.forEach((_, n) => model.importWeights(n, thetaRecords[n]));
  const direct = copyMaps.every((x) => x !== null) && thetaMaps.every((x) => x !== null);
  const slices = (pm: PopulationModel) => pm.parameters.values.map((x) => x.length / pm.population);
  const copySlices = slices(population);
  const thetaSlices = slices(model);
  /** Writes network n's flat vector `w` into member `member` of `pm` by the map of network n. */
  const writeFlat = (pm: PopulationModel, map: { tensor: Int32Array; index: Int32Array }, sliceOf: number[], member: number, w: Float32Array): void => {
    const values = pm.parameters.values;
    const { tensor, index } = map;
    for (let d = 0; d < w.length; d++) values[tensor[d]][member * sliceOf[tensor[d]] + index[d]] = w[d];
  };

  // streams: mazes as the DQN's, perturbations and sensor-noise seeds of ES's own
  const mazeRngs = seeds.map((s) => Rng.derive(s, STREAM.trainingMazes));
  const perturbRngs = seeds.map((s) => Rng.derive(s, ES_STREAM.perturbations));
  const noiseRngs = seeds.map((s) => Rng.derive(s, ES_STREAM.noiseSeeds));
  const actionRngs = seeds.map((s) => Rng.derive(s, ES_STREAM.actions));
  const uniforms = new Float64Array(P * T);
  const tau = config.temperature;
  const mazes = new TrainingMazes(taskSource, task, P);
  const mazeOfNetwork = new Int32Array(P);
  const env = new VectorEnv({ numEnvs: P * C, channels: task.channels, sensorNoise: config.sensorNoise, reward: 'progress', autoreset: 'none' });
  const scratch = allocateEpisodeScratch(P * C, O, Int32Array.from({ length: P * C }, (_, j) => Math.floor(j / C)));
  const returns = new Float64Array(P * C);
  const ranks = new Float64Array(P * C);
  const order = new Int32Array(C);
  // a perturbed copy acts greedily: no noise, no exploration (the perturbations explore)
  const greedy: StepPolicy = {
    act(t, _obs, outputs, active, actions) {
      if (tau === 0) {
        for (let j = 0; j < P * C; j++) if (active[j] === 1) actions[j] = argmax(outputs, j * O, O);
      } else {
        for (let j = 0; j < P * C; j++) if (active[j] === 1) actions[j] = sampleAction(outputs, j * O, O, tau, uniforms[Math.floor(j / C) * T + t]);
      }
    },
    record(_t, e, active) {
      addEndedFitness(e, active, returns);
    },
  };

  /** One greedy episode of every copy; adds its fitness (0 when it has none) to returns[j]. */
  const evaluate = (): void => {
    runEpisode(population, env, mazes.set, T, greedy, scratch);
  };

  return {
    episode() {
      const { beta1, beta2, adamEpsilon, weightDecay } = config;
      // the schedules of σ and the step size: linear from their first to their last generation's value
      const progress = step / Math.max(1, config.episodes - 1);
      const sigma = config.sigma + (config.sigmaEnd - config.sigma) * progress;
      const lr = config.lr + (config.lrEnd - config.lr) * progress;
      // 1. directions and perturbed copies
      for (let n = 0; n < P; n++) {
        const D = layouts[n].size;
        perturbRngs[n].fillNormal(eps[n], 0, K * D);
        for (let c = 0; c < C; c++) {
          const j = n * C + c;
          const k = c >> 1;
          const sign = (c & 1) === 0 ? sigma : -sigma;
          const w = copyFlat[j];
          const th = theta[n];
          const e = eps[n];
          for (let d = 0; d < D; d++) w[d] = th[d] + sign * e[k * D + d];
          if (direct) writeFlat(population, copyMaps[n]!, copySlices, j, w);
          else population.importWeights(j, copyRecords[j]);
        }
      }
      if (direct) population.parameters.commit();
      // 2–3. every copy of every network at once, on evalMazes mazes in turn (each maze and noise seed common
      // to all copies of a network); a copy's return is its mean fitness
      returns.fill(0);
      for (let r = 0; r < config.evalMazes; r++) {
        mazes.draw(mazeRngs, mazeOfNetwork);
        for (let j = 0; j < P * C; j++) scratch.mazeOfEnv[j] = mazeOfNetwork[Math.floor(j / C)];
        for (let n = 0; n < P; n++) {
          const noiseSeed = noiseRngs[n].nextUint32();
          for (let c = 0; c < C; c++) env.seedEnv(n * C + c, noiseSeed);
          if (tau > 0) for (let t = 0; t < T; t++) uniforms[n * T + t] = actionRngs[n].float();
        }
        evaluate();
      }
      if (config.evalMazes > 1) for (let j = 0; j < P * C; j++) returns[j] /= config.evalMazes;
      // 4. centred ranks, the gradient estimate, one Adam ascent step per network
      step++;
      const bc1 = 1 - beta1 ** step;
      const bc2 = 1 - beta2 ** step;
      let meanReturn = 0;
      for (let n = 0; n < P; n++) {
        centredRanks(returns, n * C, C, ranks, order);
        const D = layouts[n].size;
        const g = grad[n];
        const th = theta[n];
        const e = eps[n];
        g.fill(0);
        for (let k = 0; k < K; k++) {
          const weight = (ranks[n * C + 2 * k] - ranks[n * C + 2 * k + 1]) / (C * sigma);
          if (weight === 0) continue;
          for (let d = 0; d < D; d++) g[d] += weight * e[k * D + d];
        }
        const mn = m[n];
        const vn = v[n];
        for (let d = 0; d < D; d++) {
          const gd = g[d] - weightDecay * th[d];
          mn[d] = beta1 * mn[d] + (1 - beta1) * gd;
          vn[d] = beta2 * vn[d] + (1 - beta2) * gd * gd;
          th[d] += (lr * (mn[d] / bc1)) / (Math.sqrt(vn[d] / bc2) + adamEpsilon);
        }
        for (let d = 0; d < D; d++) {
          if (!Number.isFinite(th[d])) {
            throw new PrnnError(`training diverged: network ${members[n].arch.name} (seed ${members[n].seed}) has non-finite weights; try a smaller lr (got ${lr})`);
          }
        }
        if (direct) writeFlat(model, thetaMaps[n]!, thetaSlices, n, th);
        else model.importWeights(n, thetaRecords[n]);
        for (let c = 0; c < C; c++) meanReturn += returns[n * C + c];
      }
      if (direct) model.parameters.commit();
      // the "loss" reported in progress: 1 − the mean return of the perturbed copies
      return 1 - meanReturn / (P * C);
    },

    capture() {
      const tensors: Record<string, StateTensor> = {};
      members.forEach((_, n) => {
        tensors[`es/m/${n}`] = { shape: [m[n].length], data: Float32Array.from(m[n]) };
        tensors[`es/v/${n}`] = { shape: [v[n].length], data: Float32Array.from(v[n]) };
      });
      return {
        json: {
          es: {
            step,
            rng: {
              mazes: mazeRngs.map((r) => r.state()),
              perturbations: perturbRngs.map((r) => r.state()),
              noiseSeeds: noiseRngs.map((r) => r.state()),
              actions: actionRngs.map((r) => r.state()),
            },
          },
        },
        tensors,
      };
    },

    restore(state: LearnerState, bad) {
      const json = state.json.es as { step?: number; rng?: Record<'mazes' | 'perturbations' | 'noiseSeeds' | 'actions', number[][]> } | undefined;
      if (!json || !Number.isInteger(json.step) || !json.rng) throw bad('it lacks the ES optimiser or Rng state');
      step = json.step as number;
      members.forEach((_, n) => {
        const a = state.tensors[`es/m/${n}`];
        const b = state.tensors[`es/v/${n}`];
        if (!a || !b || a.data.length !== m[n].length || b.data.length !== v[n].length) throw bad(`the Adam moments of network ${n} are missing or have the wrong size`);
        m[n].set(a.data);
        v[n].set(b.data);
      });
      const restore = (rngs: Rng[], states: number[][] | undefined, what: string) => {
        if (!states || states.length !== rngs.length) throw bad(`${what} Rng states are missing`);
        rngs.forEach((r, n) => r.setState(states[n]));
      };
      restore(mazeRngs, json.rng.mazes, 'maze');
      restore(perturbRngs, json.rng.perturbations, 'perturbation');
      restore(noiseRngs, json.rng.noiseSeeds, 'noise-seed');
      restore(actionRngs, json.rng.actions, 'action');
      // θ: the weights the runtime restored into the model
      loadTheta();
    },
  };
}

/** The `es` learner, run by the learner runtime. */
export const esLearner = defineLearner<EsConfig>({
  name: ES,
  description: 'OpenAI-style evolution strategies: antithetic Gaussian perturbations, centred ranks, Adam; forward passes only',
  // the Adam step size; σ, pairs and the rest are set with --learner-param
  flags: { lr: 'lr' },
  defaults: esDefaults,
  checks: ES_CHECKS,
  validate: (config) => {
    if (config.curvePoints > config.episodes) throw new PrnnError(`curvePoints must be ≤ episodes (got ${config.curvePoints} > ${config.episodes})`, { parameter: 'curvePoints' });
  },
  start: startEs,
});
