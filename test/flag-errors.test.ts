import { describe, expect, it } from 'vitest';
import { PrnnError, parameterError } from '@prnn/core';
import { nameFlag, withParameterFlags } from '../src/cli/flag-errors.js';
import { dqnLearner } from '@prnn/agents';
import { configureWithFlagNames, flagOfParameter } from '../src/cli/learner-flags.js';

describe('errors naming a parameter become errors naming the flag, through PrnnError.parameter', () => {
  it('nameFlag relabels the carried parameter; other errors get the flag as a prefix', () => {
    expect((nameFlag(parameterError('noise', 'must be ≥ 0 (got -1)'), '--noise', 'noise') as Error).message).toBe('--noise must be ≥ 0 (got -1)');
    // a parameter that is not the expected one is not relabelled as if it were
    expect((nameFlag(parameterError('levels', 'must be ≥ 1'), '--noise', 'noise') as Error).message).toBe('--noise: levels must be ≥ 1');
    const other = new Error('not bad input');
    expect(nameFlag(other, '--noise', 'noise')).toBe(other);
  });

  it('withParameterFlags maps the field to the flag (with aliases)', async () => {
    await expect(withParameterFlags(['max-running'], () => Promise.reject(parameterError('max-running', 'must be ≥ 1 (got 0)')))).rejects.toThrow(/^--max-running must be ≥ 1 \(got 0\)$/);
    await expect(withParameterFlags([], () => Promise.reject(parameterError('sweep name', 'must not be empty')), { 'sweep name': 'name' })).rejects.toThrow(/^--name must not be empty$/);
  });

  it('configureWithFlagNames: a learner parameter is named by the flag its learner declares, or as --learner-param', () => {
    const gamma = () => { throw parameterError('gamma', 'must be a number in [0, 1] (got 2)'); };
    expect(() => configureWithFlagNames(dqnLearner, gamma)).toThrow(/^--gamma must be a number in \[0, 1\] \(got 2\)$/);
    // the same parameter on a learner that declares no --gamma: only --learner-param reaches it
    expect(() => configureWithFlagNames({ flags: { lr: 'lr' } }, gamma)).toThrow(/^--learner-param gamma must be a number in \[0, 1\] \(got 2\)$/);
    expect(() => configureWithFlagNames(dqnLearner, () => { throw parameterError('pairs', 'must be an integer ≥ 1 (got 0)'); })).toThrow(/^--learner-param pairs must be an integer ≥ 1 \(got 0\)$/);
    // the common flags every learner has
    expect(() => configureWithFlagNames({}, () => { throw parameterError('sensorNoise', 'must be ≥ 0 (got -1)'); }, 'learner es: ')).toThrow(/^learner es: --sensor-noise must be ≥ 0 \(got -1\)$/);
    expect(flagOfParameter(dqnLearner, 'epsilonStart')).toBe('--epsilon-start');
    // a message that merely mentions a parameter is left alone (no guessing from text)
    expect(() => configureWithFlagNames(dqnLearner, () => { throw new PrnnError('episodes and gamma disagree'); })).toThrow(/^episodes and gamma disagree$/);
  });
});
