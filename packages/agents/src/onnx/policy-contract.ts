import { PrnnError } from '@prnn/core';

/**
 * The prnn policy contract, version 1 (documented in docs/reference/policy-contract.md).
 *
 * An ONNX model with inputs `obs` float32 [batch, 4·C] and `state` float32 [batch, S] and outputs
 * `q` float32 [batch, 5] and `state_out` float32 [batch, S]. The state starts at zeros and `state_out` of one
 * step is fed as `state` of the next. The greedy action is argmax q (Left, Right, Up, Down, Stay); exact ties
 * are broken uniformly by the evaluator's seeded Rng. A stateless policy uses S = 1 and passes it through.
 */
export const POLICY_CONTRACT_VERSION = 1;
/** Name and version of the policy contract, as stored in a model's `prnn.contract` metadata. */
export const POLICY_CONTRACT = `prnn-policy/${POLICY_CONTRACT_VERSION}`;

/** Input names of a policy: observations `obs` [batch, obs_size] and recurrent state `state` [batch, state_size]. */
export const POLICY_INPUTS = { obs: 'obs', state: 'state' } as const;
/** Output names of a policy: Q-values `q` [batch, 5] and the next state `state_out` [batch, state_size]. */
export const POLICY_OUTPUTS = { q: 'q', stateOut: 'state_out' } as const;
/** Width of the `q` output: one Q-value per action. */
export const POLICY_ACTIONS = 5;

/** ONNX IR version and default-domain opset prnn writes (IR 8 is the IR of opsets 17/18). */
export const ONNX_IR_VERSION = 8;
/** Default-domain opset of the models prnn writes. */
export const ONNX_OPSET = 17;

/** metadata_props keys. `contract`, `obs_size`, `state_size` are written for every policy; the rest for prnn's own. */
export const META = {
  contract: 'prnn.contract',
  obsSize: 'prnn.obs_size',
  stateSize: 'prnn.state_size',
  channels: 'prnn.channels',
  family: 'prnn.family',
  architecture: 'prnn.architecture',
  referenceIndex: 'prnn.reference_index',
  flags: 'prnn.flags',
  hidden: 'prnn.hidden',
  parameters: 'prnn.parameters',
  seed: 'prnn.seed',
  networkId: 'prnn.network_id',
  task: 'prnn.task',
  training: 'prnn.training',
} as const;

/** The metadata every policy carries, merged under `extra`. */
export function contractMetadata(obsSize: number, stateSize: number, extra: Readonly<Record<string, string>> = {}) {
  return {
    ...extra,
    [META.contract]: POLICY_CONTRACT,
    [META.obsSize]: String(obsSize),
    [META.stateSize]: String(stateSize),
  };
}

/**
 * Throws a PrnnError when a policy reading `obsSize` observation values per step cannot run on a task with
 * `channels` cue channels (obs size 4·C). `subject` starts the message and names the policy, e.g.
 * `policy fc.onnx` (a command's flag handling turns a leading `policy` into `--policy`) or `--policy fc.onnx`.
 * The message says which channel count the policy was made for and what to pass instead.
 */
export function checkPolicyChannels(subject: string, obsSize: number, channels: number): void {
  if (obsSize === 4 * channels) return;
  const own = obsSize / 4;
  const made = Number.isInteger(own) && own >= 1 ? ` (made for ${own} cue channel${own === 1 ? '' : 's'})` : '';
  const fix = made ? `pass --channels ${own}, or a policy made for ${channels} channel${channels === 1 ? '' : 's'}` : `give a policy whose obs has 4·C values`;
  throw new PrnnError(
    `${subject} reads ${obsSize} observation values per step${made}, but the task has ${channels} channel${channels === 1 ? '' : 's'} (4·C = ${4 * channels} values): ${fix}`,
  );
}
