import { builtinPlugins, createContainer, initBackend, tf } from '@prnn/agents';
import { beforeAll, describe, expect, it } from 'vitest';
import plugin, { GRU_FAMILY, gruArchitecture } from '../src/index.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const registry = createContainer([...builtinPlugins(), plugin]);
const sizes = { channels: 2, hidden: 4 };

/** σ(x) in float64. */
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('the GRU plugin', () => {
  it('registers family gru, trained on the compiled path by default', () => {
    expect(registry.pluginOf('architecture', GRU_FAMILY)?.plugin).toBe('@prnn/plugin-gru');
    const arch = registry.resolveArch('gru', sizes);
    // W_x 8×12, W_h 4×12, b 12, W_out 4×5, b_out 5
    expect(arch).toMatchObject({ family: GRU_FAMILY, name: 'gru', hidden: 4, parameters: 96 + 48 + 12 + 20 + 5 });
    expect(registry.kernels(GRU_FAMILY).resolvePath(undefined)).toBe('compiled');
    const model = registry.kernels(GRU_FAMILY).population('compiled')!.create([{ arch, seed: 1 }], { channels: 2 });
    expect(model.implementation).toBe('compiled');
    model.dispose();
  });

  it('its step is the GRU update, checked against the equations in float64', () => {
    const arch = registry.resolveArch('gru', sizes);
    const pop = gruArchitecture.createPopulation([{ arch, seed: 5 }], { channels: 2 });
    const w = pop.exportWeights(0);
    pop.dispose();
    const net = gruArchitecture.network!(arch, w, 2);
    try {
      const H = 4;
      const s = Float32Array.from({ length: 8 }, (_, j) => (j - 3) / 5);
      const h0 = Float32Array.from({ length: H }, (_, j) => 0.3 - 0.2 * j);
      const r = net.step(tf.tensor2d(h0, [1, H]), tf.tensor2d(s, [1, 8]), null);
      const h1 = r.state.dataSync();
      const pre = (gate: number, j: number, withH: boolean) => {
        let x = w.b[gate * H + j];
        for (let i = 0; i < 8; i++) x += s[i] * w.w_x[i * 3 * H + gate * H + j];
        if (withH) for (let i = 0; i < H; i++) x += h0[i] * w.w_h[i * 3 * H + gate * H + j];
        return x;
      };
      for (let j = 0; j < H; j++) {
        const z = sigmoid(pre(0, j, true));
        const rr = sigmoid(pre(1, j, true));
        let hc = 0;
        for (let i = 0; i < H; i++) hc += h0[i] * w.w_h[i * 3 * H + 2 * H + j];
        const c = Math.tanh(pre(2, j, false) + rr * hc);
        expect(h1[j]).toBeCloseTo((1 - z) * c + z * h0[j], 6);
      }
    } finally {
      net.dispose();
    }
  });

  it('passes checkArchitecture', async () => {
    const { checkArchitecture } = await import('@prnn/agents/testing');
    const report = await checkArchitecture(gruArchitecture);
    expect(report.problems).toEqual([]);
  });
});
