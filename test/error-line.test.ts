import { describe, expect, it } from 'vitest';
import { errorMessageLine } from '../src/cli/error-line.js';

describe('errorMessageLine', () => {
  it('keeps a one-line message as it is', () => {
    expect(errorMessageLine(new Error('size must be an odd integer ≥ 5 (got 8)'))).toBe('size must be an odd integer ≥ 5 (got 8)');
  });

  it('folds oclif parser messages into one line without the help hint or colours', () => {
    expect(errorMessageLine(new Error('Expected --maze=x to be one of: track, general, h\nSee more help with --help'))).toBe(
      'Expected --maze=x to be one of: track, general, h',
    );
    expect(errorMessageLine(new Error('Parsing --seconds \n\t--seconds must be a number\nSee more help with --help'))).toBe('--seconds must be a number');
    expect(errorMessageLine(new Error('Parsing --envs \n\tExpected an integer but received: x\nSee more help with --help'))).toBe(
      '--envs: Expected an integer but received: x',
    );
    expect(errorMessageLine(new Error('\u001b[31mNonexistent flag: --x\u001b[39m\nSee more help with --help'))).toBe('Nonexistent flag: --x');
    expect(errorMessageLine(new Error('first\n  second\r\nthird'))).toBe('first second third');
  });

  it('folds oclif flag-validation errors into one line naming the flags as typed', () => {
    expect(errorMessageLine(new Error('The following error occurred:\n  Missing required flag arch\nSee more help with --help'))).toBe('Missing required flag --arch');
    expect(errorMessageLine(new Error('The following errors occurred:\n  Missing required flag out\n  Missing required flag run'))).toBe(
      'Missing required flag --out; Missing required flag --run',
    );
  });

  it('describes values that are not errors or have no message', () => {
    expect(errorMessageLine('plain string')).toBe('plain string');
    expect(errorMessageLine(new TypeError(''))).toBe('TypeError');
  });
});
