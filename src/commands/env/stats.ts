import { generateMazeSet, mazeSetStats, type MazeSetStats } from '@prnn/env';
import { BaseCommand } from '../../cli/base-command.js';
import { mazeSetFlags } from '../../cli/maze-set-flags.js';
import { taskFlags, taskOptionsFromFlags } from '../../cli/task-flags.js';

export default class EnvStats extends BaseCommand {
  static override summary = 'Statistics of a generated maze set.';
  static override description =
    'Generates --count mazes (seed --seed) from the task flags and summarises them: fastest solution ' +
    '(mean, population std, min, max), mean dMax, mean number of open cells, and the channel-0 cues of open ' +
    'cells after maze noise and cue sparsity (mean, share of zeros, max).';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: '1000 Track mazes, seed 0, as a table.' },
    { command: '<%= config.bin %> <%= command.id %> --maze general --count 5000 --seed 3 --json', description: 'General mazes, machine-readable.' },
    { command: '<%= config.bin %> <%= command.id %> --maze general --cue-sparsity 0.5 --maze-noise 0.1', description: 'How sparsity and noise change the cues.' },
    { command: '<%= config.bin %> <%= command.id %> --maze h --json', description: 'H mazes (the authors\' layout, half of them on their side).' },
  ];

  static override enableJsonFlag = true;

  static override flags = { ...taskFlags, ...mazeSetFlags };

  async run(): Promise<MazeSetStats> {
    const { flags } = await this.parse(EnvStats);
    const options = taskOptionsFromFlags(flags);
    const stats = mazeSetStats(generateMazeSet(options, { count: flags.count, seed: flags.seed }));
    const f = (value: number) => value.toFixed(4);
    const rows: [string, string][] = [
      ['mazes', String(stats.count)],
      ['fastest solution, mean', f(stats.fastestSolution.mean)],
      ['fastest solution, std', f(stats.fastestSolution.std)],
      ['fastest solution, min', String(stats.fastestSolution.min)],
      ['fastest solution, max', String(stats.fastestSolution.max)],
      ['dMax, mean', f(stats.dMax.mean)],
      ['open cells, mean', f(stats.openCells.mean)],
      ['cue (channel 0), mean', f(stats.cue.mean)],
      ['cue (channel 0), share of zeros', f(stats.cue.zeroShare)],
      ['cue (channel 0), max', f(stats.cue.max)],
    ];
    this.log(`${options.kind} mazes ${options.size}×${options.size}, ${options.channels} channels, seed ${flags.seed}`);
    const width = Math.max(...rows.map(([label]) => label.length));
    for (const [label, value] of rows) this.log(`  ${label.padEnd(width)}  ${value.padStart(10)}`);
    return stats;
  }
}
