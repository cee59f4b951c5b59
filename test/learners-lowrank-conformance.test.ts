// checkLearner of every learner shipped with prnn (dqn, replay-dqn, a2c, es) on the 9-pathway hh+oh and ff, the
// conformance Elman family, and a plugin family defined from its step alone: lowrank-r2.
import { describe, expect, test } from 'vitest';
import { builtinPlugins, createContainer, type Learner, type PrnnPlugin } from '@prnn/agents';
import { checkLearner } from '@prnn/agents/testing';
import lowrankPlugin from '@prnn/plugin-lowrank-rnn';
import replayDqnPlugin, { replayDqnLearner } from '@prnn/plugin-replay-dqn';
import a2cPlugin, { a2cLearner } from '@prnn/plugin-a2c';
import esPlugin, { esLearner } from '@prnn/plugin-es';

const dqn = createContainer(builtinPlugins()).learner('dqn');
const cases: [string, Learner, PrnnPlugin[]][] = [
  ['dqn', dqn, []],
  ['replay-dqn', replayDqnLearner, [replayDqnPlugin]],
  ['a2c', a2cLearner, [a2cPlugin]],
  ['es', esLearner, [esPlugin]],
];

describe('checkLearner on hh+oh, ff, the Elman family and lowrank-r2', () => {
  for (const [name, learner, plugins] of cases) {
    test(`${name}`, { timeout: 300_000 }, async () => {
      const report = await checkLearner(learner, { plugins: [...plugins, lowrankPlugin], architectures: ['lowrank-r2'], episodes: 10 });
      expect(report.problems).toEqual([]);
      // three tiny cycles trained and resumed: the 9-pathway pair, the Elman network and lowrank-r2
      expect(report.passed.filter((line) => line.startsWith('train:')).length, report.passed.join('\n')).toBe(3);
      expect(report.passed.filter((line) => line.startsWith('checkpoint/resume:')).length).toBe(3);
    });
  }
});
