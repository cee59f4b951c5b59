import { Flags } from '@oclif/core';
import { PrnnError } from '@prnn/core';
import { LEARNER_COMMON_FLAGS, type Learner, type Registry } from '@prnn/agents';

/**
 * Learner parameters on the command line. A learner's parameters reach the CLI only through
 * `--learner-param key=value` or through the flags it declares itself (`Learner.flags`, e.g. the DQN's
 * `--gamma`), besides the common flags every learner has (`LEARNER_COMMON_FLAGS`: `--episodes`, `--hidden`, …).
 * A flag the chosen learner does not declare is refused with one line naming the flag and the learner.
 */

/**
 * The learner flags the CLI offers (oclif flags are static): the union of those the built-in and bundled
 * learners declare. Which of them a run accepts is decided by its learner's declaration, never by this list.
 */
export const LEARNER_FLAG_NAMES = ['lr', 'gamma', 'epsilon-start', 'epsilon-end', 'clip'] as const;

/** The value of one of LEARNER_FLAG_NAMES as parsed by oclif (undefined: not given). */
export type LearnerFlagValues = Partial<Record<(typeof LEARNER_FLAG_NAMES)[number], number>>;

const numberFlag = Flags.custom<number>({
  parse: async (input, _context, flag) => {
    const value = input.trim() === '' ? NaN : Number(input);
    if (!Number.isFinite(value)) throw new PrnnError(`--${flag.name} must be a number (got ${JSON.stringify(input)})`);
    return value;
  },
});

/** The oclif definitions of LEARNER_FLAG_NAMES (each applies only to a learner that declares it). */
export const learnerFlags = {
  lr: numberFlag({ description: 'Step size of the learner\'s optimiser (dqn: Adam, default 1e-3); for a learner that declares --lr.' }),
  gamma: numberFlag({ description: 'Discount γ (dqn default 0.9); for a learner that declares --gamma.' }),
  'epsilon-start': numberFlag({ description: 'ε of the first exploration block (dqn default 0.95); for a learner that declares it.' }),
  'epsilon-end': numberFlag({ description: 'ε of the last exploration block (dqn default 0.25); for a learner that declares it.' }),
  clip: numberFlag({ description: 'Global gradient-norm clip per network (dqn default 10); for a learner that declares --clip.' }),
};

/** The flag (with dashes) that sets `parameter` of `learner`: a common flag, one it declares, or `--learner-param NAME`. */
export function flagOfParameter(learner: Pick<Learner, 'flags'>, parameter: string): string {
  const own = (LEARNER_COMMON_FLAGS as Readonly<Record<string, string>>)[parameter] ?? learner.flags?.[parameter];
  return own === undefined ? `--learner-param ${parameter}` : `--${own}`;
}

/**
 * Runs a learner's configure; a PrnnError that carries its parameter (`PrnnError.parameter`) is relabelled
 * with the flag that sets that parameter (`--gamma must …`, `--learner-param sigma must …`). `prefix` names
 * the learner when a command takes several.
 */
export function configureWithFlagNames<T>(learner: Pick<Learner, 'flags'>, configure: () => T, prefix = ''): T {
  try {
    return configure();
  } catch (error) {
    if (!(error instanceof PrnnError) || error.parameter === undefined) throw error;
    throw new PrnnError(`${prefix}${flagOfParameter(learner, error.parameter)} ${error.requirement}`);
  }
}

/**
 * The overrides that learner flags set: each flag given maps to the parameter the learner declares for it;
 * a flag the learner does not declare is an error naming the flag and the learner.
 */
export function learnerFlagOverrides(learner: Pick<Learner, 'name' | 'flags' | 'defaults'>, values: LearnerFlagValues, declared: object): Record<string, number> {
  const out: Record<string, number> = {};
  const parameterOf = new Map(Object.entries(learner.flags ?? {}).map(([parameter, flag]) => [flag, parameter]));
  for (const flag of LEARNER_FLAG_NAMES) {
    const value = values[flag];
    if (value === undefined) continue;
    const parameter = parameterOf.get(flag);
    if (parameter === undefined) {
      const own = [...parameterOf.keys()].map((f) => `--${f}`);
      throw new PrnnError(
        `--${flag} does not apply to learner ${learner.name} (it declares ${own.length === 0 ? 'no flags of its own' : `only ${own.join(', ')}`}); ` +
          `set its parameters with --learner-param key=value (its parameters: ${Object.keys(declared).join(', ')})`,
      );
    }
    out[parameter] = value;
  }
  return out;
}

/** Parses one `key=value` against the declared parameters (value parsed like the default: number, boolean, string). */
function parseValue(key: string, text: string, declared: Readonly<Record<string, unknown>>, learner: string, flag: string): unknown {
  if (!(key in declared)) {
    throw new PrnnError(`${flag}: learner ${learner} has no parameter ${JSON.stringify(key)}; its parameters: ${Object.keys(declared).join(', ')}`);
  }
  const current = declared[key];
  if (typeof current === 'number') {
    const value = text === '' ? NaN : Number(text);
    if (!Number.isFinite(value)) throw new PrnnError(`${flag} ${key} must be a number (got ${JSON.stringify(text)})`);
    return value;
  }
  if (typeof current === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new PrnnError(`${flag} ${key} must be true or false (got ${JSON.stringify(text)})`);
    return text === 'true';
  }
  return text;
}

/**
 * `--learner-param key=value` pairs → overrides, each value parsed like the parameter's default (number,
 * boolean or string); a key the learner does not declare (its defaults) is an error listing those it does.
 */
export function parseLearnerParams(pairs: readonly string[], declared: object, learner: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new PrnnError(`--learner-param must be key=value (got ${JSON.stringify(pair)})`);
    const key = pair.slice(0, eq).trim();
    out[key] = parseValue(key, pair.slice(eq + 1).trim(), declared as Record<string, unknown>, learner, '--learner-param');
  }
  return out;
}

/**
 * `--learner` values (repeatable, each a comma-separated list) → the learners, in order, without repeats;
 * an unknown name is an error naming `--learner` and the registered learners.
 */
export function resolveLearners(registry: Registry, values: readonly string[] | string | undefined): Learner[] {
  const names = (Array.isArray(values) ? values : values === undefined ? ['dqn'] : [values as string])
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new PrnnError('--learner must name at least one learner (e.g. dqn, or dqn,a2c,es)');
  const out: Learner[] = [];
  for (const name of names) {
    if (out.some((l) => l.name === name)) continue;
    try {
      out.push(registry.learner(name));
    } catch (error) {
      throw error instanceof PrnnError && !error.message.includes('--learner') ? new PrnnError(`--learner: ${error.message}`) : error;
    }
  }
  return out;
}

/**
 * `--learner-param` for several learners: `key=value` applies to every learner (each must have the
 * parameter), `LEARNER:key=value` to that learner only (it must be one of those given). Returns the overrides
 * of each learner by name.
 */
export function parseLearnerParamsFor(pairs: readonly string[], learners: readonly { name: string; declared: object }[]): Map<string, Record<string, unknown>> {
  const out = new Map(learners.map((l) => [l.name, {} as Record<string, unknown>]));
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new PrnnError(`--learner-param must be key=value or LEARNER:key=value (got ${JSON.stringify(pair)})`);
    const head = pair.slice(0, eq).trim();
    const colon = head.indexOf(':');
    const target = colon < 0 ? undefined : head.slice(0, colon).trim();
    const key = colon < 0 ? head : head.slice(colon + 1).trim();
    if (target !== undefined && !out.has(target)) {
      throw new PrnnError(`--learner-param ${pair}: ${JSON.stringify(target)} is not one of the learners given (${learners.map((l) => l.name).join(', ')})`);
    }
    for (const l of learners) {
      if (target !== undefined && l.name !== target) continue;
      out.get(l.name)![key] = parseValue(key, pair.slice(eq + 1).trim(), l.declared as Record<string, unknown>, l.name, '--learner-param');
    }
  }
  return out;
}
