import { PrnnError } from '@prnn/core';
import type { Architecture, ArchInfo } from '../sdk/architecture.js';
import type { KernelSet, WeightFedOnnxKernel } from '../sdk/kernel.js';
import { weightFedOnnxKernel } from '../onnx/weight-fed-onnx.js';
import { OnnxPolicy } from './onnx-policy.js';
import type { QEngine } from './q-engine.js';
import { WeightFedPolicy } from './weight-fed-policy.js';

/** The engine of one network from {@link PolicySessions.open}; `done()` when its tests are over. */
export interface PolicySession {
  readonly engine: QEngine;
  /** Releases the network's own session; a shared weight-fed session stays open for the networks that follow. */
  done(): Promise<void>;
}

/**
 * A thread's onnxruntime sessions for networks tested one after another from their weights. The networks of one
 * architecture share one session of its weight-fed model (the exported policy with its parameters as graph
 * inputs: the same arithmetic, see onnx/weight-fed-onnx.ts), opened at its first network and kept open while it is
 * among the last `keep` architectures asked for; a network whose family has no weight-fed model gets a session of
 * its own exported policy, released by `done()`. Networks stored by architecture (a sweep's chunks) open one
 * session per architecture instead of one per network.
 */
export class PolicySessions {
  /** Open weight-fed sessions by model key, least recently used first. */
  private readonly kept = new Map<string, WeightFedPolicy>();
  /** The generic weight-fed kernel of each family without a registered one (it caches its models). */
  private readonly generic = new Map<string, WeightFedOnnxKernel>();

  constructor(private readonly keep = 2) {
    if (!Number.isInteger(keep) || keep < 1) throw new PrnnError(`keep must be an integer ≥ 1 (got ${keep})`);
  }

  /** Number of weight-fed sessions open now. */
  get sessions(): number {
    return this.kept.size;
  }

  /**
   * An engine running network `arch` with `weights` of `architecture` (whose family's kernels are `kernels`) on
   * observations of `channels` channels; `label` names the network in errors.
   */
  async open(
    architecture: Architecture,
    kernels: KernelSet | undefined,
    arch: ArchInfo,
    weights: Readonly<Record<string, Float32Array>>,
    channels: number,
    label: string,
  ): Promise<PolicySession> {
    const exportOnnx = architecture.exportOnnx;
    if (!exportOnnx) throw new PrnnError(`${label}: family ${arch.family} cannot export an ONNX policy`);
    const model = this.fedKernel(architecture, kernels).model(arch, channels);
    if (!model) {
      const policy = await OnnxPolicy.load(exportOnnx.call(architecture, arch, { ...weights }, {}, channels), { label });
      return { engine: policy, done: () => policy.release() };
    }
    let session = this.kept.get(model.key);
    if (session) {
      this.kept.delete(model.key);
    } else {
      while (this.kept.size >= this.keep) {
        const [oldest, s] = this.kept.entries().next().value as [string, WeightFedPolicy];
        this.kept.delete(oldest);
        await s.release();
      }
      session = await WeightFedPolicy.open(model, { label: `architecture ${arch.name}` });
    }
    this.kept.set(model.key, session);
    session.use(weights);
    return { engine: session, done: async () => {} };
  }

  /** Releases every open session. */
  async release(): Promise<void> {
    const sessions = [...this.kept.values()];
    this.kept.clear();
    for (const s of sessions) await s.release();
  }

  private fedKernel(architecture: Architecture, kernels: KernelSet | undefined): WeightFedOnnxKernel {
    const registered = kernels?.weightFedOnnx()[0];
    if (registered) return registered;
    let k = this.generic.get(architecture.family);
    if (!k) {
      k = weightFedOnnxKernel(architecture);
      this.generic.set(architecture.family, k);
    }
    return k;
  }
}
