import { PrnnError } from '@prnn/core';
import { ensureBackend } from '../analysis/ensure-backend.js';
import { isJacobianKernel, type ArchInfo, type KernelSet, type NetworkStep, type QEngine, type Registry } from '@prnn/agents';
import type { RecordedTrials } from '../trials/recorded-trials.js';
import { FD_STEP, FD_STEP_FLOAT64, finiteDifferenceSensitivity, finiteDifferenceSensitivity64 } from './finite-difference-jacobian.js';
import { DoubleSession } from './onnx-double.js';
import { ONNX_EXACT_JACOBIAN, onnxExactSensitivity, onnxProgram } from './onnx-jacobian.js';
import { networkStepSensitivity } from './network-step-jacobian.js';
import { allocateProfile, type SensitivityProfile } from './sensitivity-profile.js';

/** The generic exact path: reverse-mode autodiff through the family's `NetworkStep`. */
export const AUTODIFF_JACOBIAN = 'autodiff';
/** Central finite differences through an engine (a bare ONNX policy, which has no differentiable step). */
export const FINITE_DIFFERENCE_JACOBIAN = 'finite-difference';

/** What one network offers for its Jacobians, fastest first: registered kernels, its step, an engine. */
export interface SensitivitySource {
  readonly arch: ArchInfo;
  readonly weights: Readonly<Record<string, Float32Array>>;
  /** The kernels registered for the family: a `jacobian` kernel that applies is used first. */
  readonly kernels?: KernelSet;
  /**
   * The network as a differentiable step (SDK v2): exact autodiff when no kernel applies. A function is called
   * only then, and the step it makes is disposed after.
   */
  readonly network?: NetworkStep | (() => NetworkStep);
  /** Only for a network without a step (a bare ONNX policy): finite differences through it. */
  readonly engine?: QEngine;
  /**
   * The ONNX model the engine runs (a bare policy): its graph is interpreted for exact Jacobians when every op
   * is supported and the forward pass matches the engine's; otherwise finite differences through the engine.
   */
  readonly onnx?: { readonly bytes: Uint8Array; readonly stateSize: number };
}

/**
 * How a network's sensitivity is computed: the Jacobian path (a kernel name or `autodiff`) and the finite-difference
 * step.
 */
export interface SensitivityOptions {
  /** `autodiff` skips the kernels (as `--path generic` does in training); a kernel's name requires it. */
  readonly path?: string;
  readonly fdStep?: number;
}

/**
 * The sensitivity profile S(t, k) of one network along recorded trials and how it was computed: a registered
 * `jacobian` kernel of its family (its name, e.g. `compiled`, the float64 Jacobians derived from the family's lowered
 * step), `autodiff` through its NetworkStep (when the step does not lower), or
 * `finite-difference` through its engine when it has no step. The first two are exact.
 */
export async function networkSensitivity(
  source: SensitivitySource,
  trials: RecordedTrials,
  options: SensitivityOptions = {},
): Promise<{ profile: SensitivityProfile; jacobian: string; note?: string }> {
  const { path } = options;
  if (path !== AUTODIFF_JACOBIAN) {
    // the `compiled` kernel lowers the family's step, which traces it with tfjs once per architecture
    if (source.kernels?.jacobian().length) await ensureBackend();
    const kernels = (source.kernels?.jacobian() ?? []).filter((k) => path === undefined || k.name === path);
    if (path !== undefined && kernels.length === 0) {
      const names = [AUTODIFF_JACOBIAN, ...(source.kernels?.jacobian() ?? []).map((k) => k.name)];
      throw new PrnnError(`jacobian path ${JSON.stringify(path)} is not available for family ${source.arch.family}: available: ${names.join(', ')}`);
    }
    for (const kernel of kernels) {
      const profile = allocateProfile(trials);
      if (kernel.sensitivity(source.arch, source.weights, trials, profile.s)) return { profile, jacobian: kernel.name };
    }
  }
  if (source.network) {
    await ensureBackend();
    const made = typeof source.network === 'function';
    const network = typeof source.network === 'function' ? source.network() : source.network;
    try {
      return { profile: networkStepSensitivity(network, trials).profile, jacobian: AUTODIFF_JACOBIAN };
    } finally {
      if (made) network.dispose();
    }
  }
  let why = 'no ONNX graph was given';
  if (source.onnx && source.engine && path === undefined) {
    const made = onnxProgram(source.onnx.bytes);
    if ('program' in made) {
      try {
        const r = await onnxExactSensitivity(made.program, source.onnx.stateSize, trials, { engine: source.engine });
        const note = `exact: forward-mode differentiation of the ONNX graph in float64 (forward pass within ${r.forwardDeviation.toExponential(1)} of onnxruntime's)`;
        return { profile: r.profile, jacobian: ONNX_EXACT_JACOBIAN, note };
      } catch (e) {
        if (!(e instanceof PrnnError)) throw e;
        why = e.message;
      }
    } else why = made.reason;
  }
  if (source.engine && path === undefined) {
    if (source.onnx) {
      // float64 differences through onnxruntime when the graph can be rewritten to double precision
      let session: DoubleSession | undefined;
      try {
        session = await DoubleSession.open(source.onnx.bytes, source.engine.obsSize, source.onnx.stateSize);
      } catch (e) {
        if (!(e instanceof PrnnError)) throw e;
        why += `; float64 not possible: ${e.message}`;
      }
      if (session) {
        try {
          const h = options.fdStep ?? FD_STEP_FLOAT64;
          const note = `approximate: central finite differences through onnxruntime in float64 (h = ${h}) because ${why}`;
          return { profile: (await finiteDifferenceSensitivity64(session, trials, { step: h })).profile, jacobian: FINITE_DIFFERENCE_JACOBIAN, note };
        } finally {
          await session.release();
        }
      }
    }
    const h = options.fdStep ?? FD_STEP;
    const note = `approximate: central finite differences through onnxruntime in float32 (h = ${h}) because ${why}`;
    return { profile: (await finiteDifferenceSensitivity(source.engine, trials, { step: options.fdStep })).profile, jacobian: FINITE_DIFFERENCE_JACOBIAN, note };
  }
  throw new PrnnError(`network ${source.arch.family}:${source.arch.name} has no Jacobians: its family offers no differentiable step (Architecture.network) and no jacobian kernel`);
}

/**
 * `path` when it is `autodiff` or the name of a `jacobian` kernel of some loaded family (registered by a plugin, or
 * `compiled` for a family defined by its step).
 */
export function checkJacobianPath(registry: Registry, path: string): string {
  const kernels = [...registry.allKernels().filter(isJacobianKernel), ...registry.architectures().flatMap((a) => registry.kernels(a.family).jacobian())];
  const names = [AUTODIFF_JACOBIAN, ...new Set(kernels.map((k) => k.name))];
  if (!names.includes(path)) throw new PrnnError(`jacobian must be one of ${names.join(', ')} (got ${JSON.stringify(path)})`);
  return path;
}
