import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('prnn env bench', () => {
  it('prints the two rates as JSON (a short run; speed itself is not asserted)', () => {
    const out = runCli(['env', 'bench', '--json', '--seconds', '0.4', '--repeats', '1', '--envs', '16']);
    expect(out.status).toBe(0);
    const json = JSON.parse(out.stdout);
    expect(Object.keys(json)).toEqual(['mazesPerSecond', 'stepsPerSecond']);
    expect(json.mazesPerSecond).toBeGreaterThan(0);
    expect(json.stepsPerSecond).toBeGreaterThan(0);
  });
});
