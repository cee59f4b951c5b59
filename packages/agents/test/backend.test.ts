import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';

describe('initBackend', () => {
  it('runs the backend asked for and reports it', async () => {
    expect(await initBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await initBackend('wasm')).toBe('wasm');
    expect(tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]).toBe(6);
  });

  it('picks the best backend that loads when none is asked for', async () => {
    const name = await initBackend();
    expect(['tensorflow', 'wasm']).toContain(name);
    expect(tf.getBackend()).toBe(name);
  });

  it('rejects an unknown or unloadable backend, naming it and the allowed values', async () => {
    await expect(initBackend('gpu')).rejects.toThrow('backend must be one of tensorflow, wasm, cpu (got "gpu")');
    let tfjsNode = true;
    try {
      await import(['@tensorflow', 'tfjs-node'].join('/'));
    } catch {
      tfjsNode = false;
    }
    if (!tfjsNode) {
      await expect(initBackend('tensorflow')).rejects.toThrow(/backend "tensorflow" cannot be loaded here .*backend must be one of tensorflow, wasm, cpu/);
    }
  });
});
