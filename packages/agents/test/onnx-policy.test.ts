import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PrnnError } from '@prnn/core';
import { OnnxPolicy } from '../src/eval/onnx-policy.js';
import { OnnxDataType } from '../src/onnx/onnx-proto-writer.js';
import { checkPolicyChannels, META } from '../src/onnx/policy-contract.js';
import { constantPolicy, gradientFollower, linearPolicy } from './onnx-test-models.js';

const F = OnnxDataType.FLOAT;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prnn-onnx-policy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(source: string | Uint8Array): Promise<PrnnError> {
  try {
    const p = await OnnxPolicy.load(source, { label: 'bad.onnx' });
    await p.release();
  } catch (e) {
    expect(e).toBeInstanceOf(PrnnError);
    return e as PrnnError;
  }
  throw new Error('expected OnnxPolicy.load to fail');
}

const W = new Float32Array(8 * 5);
const B = new Float32Array(5);

describe('OnnxPolicy', () => {
  test('a prnn export changed after writing (one weight byte) is refused as corrupted; the intact one loads', async () => {
    const W1 = Float32Array.from({ length: 8 * 5 }, (_, k) => (k % 7) / 10);
    const bytes = linearPolicy(8, W1, B);
    const intact = await OnnxPolicy.load(bytes);
    await intact.release();
    // find the weight tensor's raw bytes and flip one bit of a float: still a valid ONNX model
    const needle = new Uint8Array(W1.buffer, 4 * 9, 8);
    const at = bytes.findIndex((_, i) => needle.every((b, k) => bytes[i + k] === b));
    expect(at).toBeGreaterThan(0);
    const damaged = bytes.slice();
    damaged[at] ^= 0x01;
    expect((await loadError(damaged)).message).toMatch(/^policy bad\.onnx is corrupted: its graph's CRC-32 is [0-9a-f]{8}, the prnn\.graph_crc32 recorded at export is [0-9a-f]{8}$/);
  });

  test('a foreign stateless policy (S = 1) loads from a file and computes q, passing the state through', async () => {
    const file = join(dir, 'follower.onnx');
    await writeFile(file, gradientFollower(2));
    const policy = await OnnxPolicy.load(file);
    expect(policy.obsSize).toBe(8);
    expect(policy.stateSize).toBe(1);
    expect(policy.metadata[META.contract]).toBeUndefined();
    policy.reset(2);
    const obs = Float32Array.of(0.1, 0, 0.5, 0.2, 0, 0, 0, 0, /* row 2 */ 0, 0, 0, 0, 0.3, 0.3, 0.9, 0);
    const q = new Float32Array(10);
    await policy.step(obs, q);
    // Row 1 prefers Right (0.7), row 2 Down (0.9) — softmax of the sums, Stay at −1.
    const softmax = (z: number[]) => {
      const e = z.map((v) => Math.exp(v));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    const want = [...softmax([0.1, 0.7, 0, 0, -1]), ...softmax([0, 0, 0.6, 0.9, -1])];
    for (let k = 0; k < 10; k++) expect(q[k]).toBeCloseTo(want[k], 6);
    expect(Array.from(policy.state)).toEqual([0, 0]);
    await policy.release();
  });

  test('missing input: the error lists what was expected and what was found', async () => {
    const bytes = linearPolicy(8, W, B, {
      nodes: [
        { opType: 'MatMul', inputs: ['obs', 'W'], outputs: ['q'] },
        { opType: 'Identity', inputs: ['q'], outputs: ['state_out'] },
      ],
      inputs: [{ name: 'obs', elemType: F, shape: ['batch', 8] }],
      outputs: [
        { name: 'q', elemType: F, shape: ['batch', 5] },
        { name: 'state_out', elemType: F, shape: ['batch', 5] },
      ],
    });
    const e = await loadError(bytes);
    expect(e.message).toMatch(/^policy bad\.onnx does not follow the prnn-policy\/1 contract: missing input state/);
    expect(e.message).toContain('Expected inputs obs float32 [batch, 4·C], state float32 [batch, S]');
    expect(e.message).toContain('found inputs obs float32 [batch, 8] and outputs q float32 [batch, 5], state_out float32 [batch, 5]');
    expect(e.message).not.toContain('\n');
  });

  test('extra input and extra output', async () => {
    const bytes = linearPolicy(8, W, B, {
      nodes: [
        { opType: 'MatMul', inputs: ['obs', 'W'], outputs: ['z'] },
        { opType: 'Add', inputs: ['z', 'bias'], outputs: ['q'] },
        { opType: 'Identity', inputs: ['state'], outputs: ['state_out'] },
        { opType: 'Identity', inputs: ['z'], outputs: ['logits'] },
      ],
      initializers: [{ name: 'W', dims: [8, 5], data: W }],
      inputs: [
        { name: 'obs', elemType: F, shape: ['batch', 8] },
        { name: 'state', elemType: F, shape: ['batch', 1] },
        { name: 'bias', elemType: F, shape: [5] },
      ],
      outputs: [
        { name: 'q', elemType: F, shape: ['batch', 5] },
        { name: 'state_out', elemType: F, shape: ['batch', 1] },
        { name: 'logits', elemType: F, shape: ['batch', 5] },
      ],
    });
    const e = await loadError(bytes);
    expect(e.message).toContain('extra input bias');
    expect(e.message).toContain('extra output logits');
  });

  test('wrong dtype, wrong q width, fixed batch, state size mismatch', async () => {
    const wrongType = linearPolicy(8, W, B, {
      nodes: [
        { opType: 'MatMul', inputs: ['obs', 'W'], outputs: ['z0'] },
        { opType: 'Add', inputs: ['z0', 'b'], outputs: ['q'] },
        { opType: 'Cast', inputs: ['state'], outputs: ['state_out'], attributes: [{ name: 'to', value: F }] },
      ],
      inputs: [
        { name: 'obs', elemType: F, shape: ['batch', 8] },
        { name: 'state', elemType: OnnxDataType.INT64, shape: ['batch', 1] },
      ],
    });
    expect((await loadError(wrongType)).message).toContain('input state must be float32 (found int64)');

    const narrowQ = linearPolicy(8, new Float32Array(32), new Float32Array(4), {
      initializers: [
        { name: 'W', dims: [8, 4], data: new Float32Array(32) },
        { name: 'b', dims: [4], data: new Float32Array(4) },
      ],
      outputs: [
        { name: 'q', elemType: F, shape: ['batch', 4] },
        { name: 'state_out', elemType: F, shape: ['batch', 1] },
      ],
    });
    expect((await loadError(narrowQ)).message).toContain('output q must have 5 columns, one per action (found 4)');

    const fixedBatch = linearPolicy(8, W, B, {
      inputs: [
        { name: 'obs', elemType: F, shape: [1, 8] },
        { name: 'state', elemType: F, shape: [1, 1] },
      ],
      outputs: [
        { name: 'q', elemType: F, shape: [1, 5] },
        { name: 'state_out', elemType: F, shape: [1, 1] },
      ],
    });
    expect((await loadError(fixedBatch)).message).toContain('input obs must have a dynamic batch dimension (found fixed 1');

    const stateMismatch = linearPolicy(8, W, B, {
      nodes: [
        { opType: 'MatMul', inputs: ['obs', 'W'], outputs: ['z0'] },
        { opType: 'Add', inputs: ['z0', 'b'], outputs: ['q'] },
        { opType: 'Concat', inputs: ['state', 'state'], outputs: ['state_out'], attributes: [{ name: 'axis', value: 1 }] },
      ],
      outputs: [
        { name: 'q', elemType: F, shape: ['batch', 5] },
        { name: 'state_out', elemType: F, shape: ['batch', 2] },
      ],
    });
    expect((await loadError(stateMismatch)).message).toContain('state (1) and state_out (2) must have the same size S');
  });

  test('metadata that contradicts the shapes, or another contract version, is refused', async () => {
    const lying = linearPolicy(8, W, B, { metadata: { [META.contract]: 'prnn-policy/1', [META.stateSize]: '21' } });
    expect((await loadError(lying)).message).toContain('metadata prnn.state_size = 21 disagrees with the model');
    const future = linearPolicy(8, W, B, { metadata: { [META.contract]: 'prnn-policy/2' } });
    expect((await loadError(future)).message).toContain('metadata prnn.contract must be prnn-policy/1 (found prnn-policy/2)');
  });

  test('unreadable file and bytes that are not ONNX', async () => {
    const missing = await loadError(join(dir, 'nope.onnx'));
    expect(missing.message).toMatch(/policy file .*nope\.onnx cannot be read \(ENOENT\)/);
    const garbage = await loadError(new TextEncoder().encode('this is not an onnx model at all'));
    expect(garbage.message).toMatch(/policy bad\.onnx is not (an ONNX model|a valid ONNX model)/);
  });

  test('step checks buffer sizes', async () => {
    const policy = await OnnxPolicy.load(constantPolicy(8, 4));
    policy.reset(3);
    await expect(policy.step(new Float32Array(16), new Float32Array(15))).rejects.toThrow(/observations must hold batch × 8 = 24 values \(got 16\)/);
    await policy.release();
  });

  test('a model that breaks at run time gives a PrnnError naming the policy', async () => {
    // Adds rows 1… of the state to q: shapes check out at load, broadcasting fails when it runs.
    const bytes = linearPolicy(8, W, B, {
      nodes: [
        { opType: 'MatMul', inputs: ['obs', 'W'], outputs: ['z0'] },
        { opType: 'Slice', inputs: ['state', 'one', 'big', 'zero'], outputs: ['tail'] },
        { opType: 'Add', inputs: ['z0', 'tail'], outputs: ['q'] },
        { opType: 'Identity', inputs: ['state'], outputs: ['state_out'] },
      ],
      initializers: [
        { name: 'W', dims: [8, 5], data: W },
        { name: 'one', dims: [1], data: BigInt64Array.of(1n) },
        { name: 'big', dims: [1], data: BigInt64Array.of(1_000_000n) },
        { name: 'zero', dims: [1], data: BigInt64Array.of(0n) },
      ],
    });
    const policy = await OnnxPolicy.load(bytes, { label: 'broken.onnx' });
    policy.reset(3);
    await expect(policy.step(new Float32Array(24), new Float32Array(15))).rejects.toThrow(
      /^policy broken\.onnx failed in onnxruntime on a batch of 3 rows/,
    );
    await policy.release();
  });
});

describe('checkPolicyChannels', () => {
  test('passes a policy whose obs is 4·C of the task', () => {
    expect(() => checkPolicyChannels('policy a.onnx', 8, 2)).not.toThrow();
    expect(() => checkPolicyChannels('policy a.onnx', 4, 1)).not.toThrow();
  });

  test('names the policy, the channel count it was made for and what to pass', () => {
    expect(() => checkPolicyChannels('policy a.onnx', 12, 2)).toThrow(
      new PrnnError('policy a.onnx reads 12 observation values per step (made for 3 cue channels), but the task has 2 channels (4·C = 8 values): pass --channels 3, or a policy made for 2 channels'),
    );
    expect(() => checkPolicyChannels('--policy b.onnx', 4, 3)).toThrow(
      new PrnnError('--policy b.onnx reads 4 observation values per step (made for 1 cue channel), but the task has 3 channels (4·C = 12 values): pass --channels 1, or a policy made for 3 channels'),
    );
    expect(() => checkPolicyChannels('policy c.onnx', 8, 1)).toThrow(
      new PrnnError('policy c.onnx reads 8 observation values per step (made for 2 cue channels), but the task has 1 channel (4·C = 4 values): pass --channels 2, or a policy made for 1 channel'),
    );
  });

  test('an obs size that is no multiple of 4 names no channel count', () => {
    expect(() => checkPolicyChannels('policy d.onnx', 6, 2)).toThrow(
      new PrnnError('policy d.onnx reads 6 observation values per step, but the task has 2 channels (4·C = 8 values): give a policy whose obs has 4·C values'),
    );
  });
});
