import { Flags } from '@oclif/core';
import { ASCII_LEGEND, ASCII_SHADES, PrnnError, renderAscii, renderSvg, shortestPath } from '@prnn/env';
import { BaseCommand } from '../../cli/base-command.js';
import { generateOneMaze, mazeSetFlags } from '../../cli/maze-set-flags.js';
import { taskFlags, taskOptionsFromFlags } from '../../cli/task-flags.js';
import { writeOutputFile } from '../../cli/write-output-file.js';

export default class EnvRender extends BaseCommand {
  static override summary = 'Draw one maze: ASCII in the terminal, or an SVG file.';
  static override description =
    'Draws maze --index of the maze set (--seed, --count) built from the task flags. In the terminal: ' +
    '"##" walls, S start, G goal, o path; --shade C adds channel C\'s cue intensity. With --svg FILE: walls, ' +
    'one bar per channel per cell showing its cue, start, goal, path and a legend.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'The first Track maze (seed 0) in the terminal.' },
    { command: '<%= config.bin %> <%= command.id %> --maze general --seed 1 --path shortest --shade 0', description: 'A General maze with its shortest path, shaded by channel 0\'s cues.' },
    { command: '<%= config.bin %> <%= command.id %> --maze general --cue-sparsity 0.3 --index 5 --svg maze.svg', description: 'Maze 5 of a sparser General set as an SVG file.' },
    { command: '<%= config.bin %> <%= command.id %> --maze h --index 1 --path shortest --shade 1', description: 'An H maze turned on its side (its crossbar is the middle column), shaded by channel 1.' },
  ];

  static override flags = {
    ...taskFlags,
    ...mazeSetFlags,
    index: Flags.integer({ description: 'Which maze of the set to draw (0-based, below --count; default 0).', default: 0, min: 0 }),
    path: Flags.option({ options: ['shortest'] as const, description: 'Overlay a path: shortest = a shortest path from start to goal.' })(),
    shade: Flags.integer({ helpValue: 'CHANNEL', description: 'ASCII only: shade open cells by this channel\'s cue intensity (0-based channel).', min: 0 }),
    svg: Flags.string({ helpValue: 'FILE', description: 'Write an SVG picture to this file (via a temporary file and a rename) instead of printing ASCII.' }),
    'cell-size': Flags.integer({ description: 'SVG only: side of one cell in pixels.', default: 32, min: 8 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(EnvRender);
    const options = taskOptionsFromFlags(flags);
    if (flags.index >= flags.count) {
      throw new PrnnError(`--index must be below --count ${flags.count} (got ${flags.index})`);
    }
    if (flags.shade !== undefined && flags.shade >= options.channels) {
      throw new PrnnError(`--shade must be a channel index in [0, ${options.channels - 1}] (got ${flags.shade})`);
    }
    const set = generateOneMaze(options, flags.seed, flags.count, flags.index);
    const path = flags.path === 'shortest' ? shortestPath(set, 0) : undefined;
    if (flags.svg !== undefined) {
      if (flags.shade !== undefined) throw new PrnnError('--shade applies to ASCII output only; the SVG always shows every channel');
      await writeOutputFile('--svg', flags.svg, renderSvg(set, 0, {
        path,
        cellSize: flags['cell-size'],
        title: `prnn ${options.kind} maze ${flags.index} of ${flags.count} (seed ${flags.seed}), ${options.size}×${options.size}`,
      }));
      this.log(`Wrote ${flags.svg}`);
      return;
    }
    this.log(renderAscii(set, 0, { path, shadeChannel: flags.shade }));
    const maze = set.maze(0);
    this.log(
      `${options.kind} maze ${flags.index} of ${flags.count} (seed ${flags.seed}), ${options.size}×${options.size}: ` +
        `fastest solution ${maze.fastestSolution}, dMax ${maze.dMax}. ${ASCII_LEGEND}` +
        (flags.shade === undefined ? '' : `; cue shade of channel ${flags.shade}: "${ASCII_SHADES}" from 0 to 1`),
    );
  }
}
