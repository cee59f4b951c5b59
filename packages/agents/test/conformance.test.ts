import { describe, expect, it } from 'vitest';
import type { Rng } from '@prnn/core';
import { initBackend } from '../src/backend.js';
import { builtinPlugins } from '../src/builtins/index.js';
import { createContainer } from '../src/sdk/container.js';
import { defineArchitecture } from '../src/sdk/define-architecture.js';
import { ninePathwayDefinition } from '../src/architectures/nine-pathway/architecture.js';
import { mazeTaskSource } from '../src/sdk/task-source.js';
import { assertConformance, checkArchitecture, checkLearner, checkMetric, checkTask } from '../src/testing/index.js';

const registry = createContainer(builtinPlugins());

describe('the conformance suite', () => {
  it('passes the built-in family, learner, metrics and mazes', async () => {
    await initBackend('cpu');
    const reports = [
      await checkArchitecture(registry.architecture('nine-pathway')),
      await checkLearner(registry.learner('dqn')),
      await checkMetric(registry.metric('weight-norms')),
      await checkTask(mazeTaskSource),
    ];
    for (const r of reports) {
      expect(r.problems, r.subject).toEqual([]);
      expect(() => assertConformance(r)).not.toThrow();
    }
    expect(reports[0].passed).toEqual(expect.arrayContaining([
      'init: seeded, weights round-trip, parameters counted',
      'checkpoint/resume: an interrupted run resumes to the uninterrupted weights',
      'export + ONNX parity: onnxruntime computes the outputs of the tfjs model',
      'eval: the onnx and tfjs engines agree and reproduce the stored fitness',
    ]));
  });

  it('reports what a broken architecture gets wrong, each with a clear message', async () => {
    // a family that forgets to seed its init, and miscounts its parameters
    let calls = 0;
    const broken = defineArchitecture({
      ...ninePathwayDefinition,
      family: 'broken',
      createPopulation: undefined,
      list: (o) => ninePathwayDefinition.list(o).slice(0, 1).map((a) => ({ ...a, family: 'broken', parameters: a.parameters + 1 })),
      resolve: (spec, o) => (spec === 'ff' ? { ...ninePathwayDefinition.resolve(spec, o)!, family: 'broken', parameters: 105 } : undefined),
      parameters: (a, s) => ninePathwayDefinition.parameters({ ...a, family: 'nine-pathway' }, s),
      init: (a, s, rng) => {
        calls++;
        const w = ninePathwayDefinition.init({ ...a, family: 'nine-pathway' }, s, rng);
        for (const k of Object.keys(w)) w[k] = w[k].map((x) => x + calls);
        return w;
      },
    });
    const report = await checkArchitecture(broken);
    expect(report.ok).toBe(false);
    expect(report.problems).toContain('init: seeded, weights round-trip, parameters counted: ff exports 104 weights but declares 105 parameters');
    expect(() => assertConformance(report)).toThrow(/^architecture broken violates the plugin contract:\n- /);
  });

  it('reports a task whose layouts disagree with its generateInto', async () => {
    // the layouts' draw skips the leading-channel draw: the mazes and the generator's state both go wrong
    const wrong = {
      ...mazeTaskSource,
      id: 'test/wrong-layouts',
      layouts: (o: Parameters<NonNullable<typeof mazeTaskSource.layouts>>[0]) => {
        const l = mazeTaskSource.layouts!(o)!;
        return { set: l.set, draw: (rng: Rng) => rng.int(2) * o.channels };
      },
    };
    const report = await checkTask(wrong, { episodes: 10 });
    expect(report.problems).toEqual(['training layouts: a drawn layout is the maze generateInto writes from the same stream: draw 0 left its generator in another state than generateInto']);
    expect(report.passed).toContain('training mazes: generateInto fills a slot from the generator');
  });
});
