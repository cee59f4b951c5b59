import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { PrnnError } from '@prnn/core';
import { raiseMallocThresholds } from './native-heap.js';
import { SessionPolicy } from './session-policy.js';

/** Options of {@link OnnxPolicy.load}: onnxruntime threads and the name used in error messages. */
export interface OnnxPolicyOptions {
  /** onnxruntime intra-op threads (default 1: evaluation batches are small matrices; sweeps parallelise over processes). */
  readonly intraOpNumThreads?: number;
  /** Name used in error messages when loading from bytes. */
  readonly label?: string;
  /** See SessionPolicyOptions.splitState (default false): the faster, bit-identical rewrite where it applies. */
  readonly splitState?: boolean;
}

/** A SessionPolicy run by onnxruntime-node, loaded from a file path or the model's bytes. */
export class OnnxPolicy extends SessionPolicy {
  /**
   * Loads and validates a policy from a file path or the model's bytes. Any deviation from the contract —
   * unreadable file, not ONNX, missing or extra inputs/outputs, wrong dtype or shape, inconsistent state
   * sizes or metadata — is a PrnnError stating what was expected and what was found.
   */
  static async load(source: string | Uint8Array, options: OnnxPolicyOptions = {}): Promise<OnnxPolicy> {
    const label = options.label ?? (typeof source === 'string' ? basename(source) : 'policy');
    let bytes: Uint8Array;
    if (typeof source === 'string') {
      try {
        bytes = new Uint8Array(await readFile(source));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new PrnnError(`policy file ${source} cannot be read (${code ?? (e as Error).message})`);
      }
    } else bytes = source;
    // every run's outputs come back as fresh copies: keep their memory mapped between runs
    raiseMallocThresholds();
    const opened = await SessionPolicy.open(ort, bytes, {
      label,
      splitState: options.splitState ?? false,
      sessionOptions: {
        intraOpNumThreads: options.intraOpNumThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      },
    });
    return new OnnxPolicy(ort, opened.session, opened.header, opened.obsSize, opened.stateSize, opened.label, 'preallocated', opened.pieces);
  }
}
