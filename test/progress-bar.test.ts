import { describe, expect, it } from 'vitest';
import { formatSeconds } from '../src/cli/progress-bar.js';

describe('formatSeconds (progress-bar ETA)', () => {
  it.each([
    [0, '0s'],
    [0.2, '1s'],
    [59.4, '1m00s'],
    [59, '59s'],
    [1679.5, '28m00s'],
    [1679, '27m59s'],
    [3599.2, '1h00m'],
    [7325, '2h02m'],
    [Number.NaN, '?'],
    [Number.POSITIVE_INFINITY, '?'],
  ])('%s s → %s', (s, text) => {
    expect(formatSeconds(s)).toBe(text);
  });

  it('never shows 60 in the seconds or minutes place', () => {
    for (let s = 0; s < 7300; s += 0.37) expect(formatSeconds(s)).not.toMatch(/(^|[hm])60[ms]$/);
  });
});
