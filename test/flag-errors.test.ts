import { describe, expect, it } from 'vitest';
import { PrnnError, parameterError } from '@prnn/core';
import { nameFlag, withParameterFlags } from '../src/cli/flag-errors.js';
import { configureWithFlagNames } from '../src/commands/train.js';

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

  it('configureWithFlagNames: a learner parameter is named by its flag, or as --learner-param', () => {
    expect(() => configureWithFlagNames(() => { throw parameterError('gamma', 'must be a number in [0, 1] (got 2)'); })).toThrow(/^--gamma must be a number in \[0, 1\] \(got 2\)$/);
    expect(() => configureWithFlagNames(() => { throw parameterError('pairs', 'must be an integer ≥ 1 (got 0)'); })).toThrow(/^--learner-param pairs must be an integer ≥ 1 \(got 0\)$/);
    // a message that merely mentions a parameter is left alone (no guessing from text)
    expect(() => configureWithFlagNames(() => { throw new PrnnError('episodes and gamma disagree'); })).toThrow(/^episodes and gamma disagree$/);
  });
});
