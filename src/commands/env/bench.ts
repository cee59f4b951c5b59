import { Flags } from '@oclif/core';
import { benchEnv } from '@prnn/bench';
import { PrnnError } from '@prnn/core';
import { BaseCommand } from '../../cli/base-command.js';

export interface EnvBenchOutput {
  mazesPerSecond: number;
  stepsPerSecond: number;
}

export default class EnvBench extends BaseCommand {
  static override summary = 'Speed of the maze world: maze generation and VectorEnv steps per second.';
  static override description =
    'Measures, on one core, how many General 9×9 mazes are generated per second and how many VectorEnv ' +
    'steps (σs = 0.05, random actions, autoreset) run per second. Each figure is the median of --repeats ' +
    'timed runs sharing about --seconds of wall time.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'About 3 seconds of measuring, printed as text.' },
    { command: '<%= config.bin %> <%= command.id %> --seconds 10 --json', description: 'A longer run, machine-readable.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    seconds: Flags.custom<number>({
      parse: async (input) => {
        const value = Number(input);
        if (!(input.trim() !== '' && Number.isFinite(value) && value > 0 && value <= 3600)) {
          throw new PrnnError(`--seconds must be a number in (0, 3600] (got ${JSON.stringify(input)})`);
        }
        return value;
      },
    })({ description: 'Total time to spend measuring, in seconds.', default: 3 }),
    envs: Flags.integer({ description: 'Number of environments stepped in lockstep by the VectorEnv.', default: 256, min: 1, max: 1_000_000 }),
    repeats: Flags.integer({ description: 'Timed runs per measurement; the median is reported.', default: 5, min: 1, max: 1000 }),
  };

  async run(): Promise<EnvBenchOutput> {
    const { flags } = await this.parse(EnvBench);
    // benchEnv runs synchronously (a spinner could not move), so a TTY just gets told how long to wait.
    if (process.stderr.isTTY && !this.jsonEnabled()) process.stderr.write(`Measuring for about ${flags.seconds} s…\n`);
    const result = benchEnv({ seconds: flags.seconds, numEnvs: flags.envs, repeats: flags.repeats });
    const rate = (value: number) => Math.round(value).toLocaleString('en-US');
    this.log(`General 9×9 mazes generated per second: ${rate(result.mazesPerSecond)} (median of ${flags.repeats})`);
    this.log(`VectorEnv steps per second (${result.numEnvs} envs, σs 0.05): ${rate(result.stepsPerSecond)} (median of ${flags.repeats})`);
    return { mazesPerSecond: result.mazesPerSecond, stepsPerSecond: result.stepsPerSecond };
  }
}
