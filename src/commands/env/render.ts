import { Flags } from '@oclif/core';
import { ASCII_LEGEND, ASCII_SHADES, renderAscii, renderSvg, shortestPath, type TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { checkPolicyChannels, OnnxPolicy, PolicyEvaluator, loadPlugins, loadRun, runNetworkOnnx, selectOneNetwork, META } from '@prnn/agents';
import { withFlagAsync } from '../../cli/flag-errors.js';
import { BaseCommand } from '../../cli/base-command.js';
import { generateOneMaze, mazeSetFlags } from '../../cli/maze-set-flags.js';
import { taskFlags, taskOptionsFromFlags } from '../../cli/task-flags.js';
import { writeOutputFile } from '../../cli/write-output-file.js';

export default class EnvRender extends BaseCommand {
  static override summary = 'Draw one maze: ASCII in the terminal, or an SVG file.';
  static override description =
    'Draws maze --index of the maze set (--seed, --count) built from the task flags. In the terminal: ' +
    '"##" walls, S start, G goal, o path; --shade C adds channel C\'s cue intensity. With --svg FILE: walls, ' +
    'one bar per channel per cell showing its cue, start, goal, path and a legend. With --policy FILE.onnx, or ' +
    '--run DIR --id ID (a trained network of a run), draws the path that policy takes greedily on the maze at ' +
    'sensor noise --sensor-noise (noise seed --noise-seed, default 0; with --run the network\'s own seed), ' +
    'and says whether it reached the goal.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'The first Track maze (seed 0) in the terminal.' },
    { command: '<%= config.bin %> <%= command.id %> --maze general --seed 1 --path shortest --shade 0', description: 'A General maze with its shortest path, shaded by channel 0\'s cues.' },
    { command: '<%= config.bin %> <%= command.id %> --maze general --cue-sparsity 0.3 --index 5 --svg maze.svg', description: 'Maze 5 of a sparser General set as an SVG file.' },
    { command: '<%= config.bin %> <%= command.id %> --maze h --index 1 --path shortest --shade 1', description: 'An H maze turned on its side (its crossbar is the middle column), shaded by channel 1.' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/track --id fc_seed0 --index 3 --svg fc-path.svg', description: 'The path a trained network takes on Track maze 3.' },
    { command: '<%= config.bin %> <%= command.id %> --policy fc.onnx --sensor-noise 0', description: 'An ONNX policy\'s path without sensor noise, in the terminal.' },
  ];

  static override flags = {
    ...taskFlags,
    ...mazeSetFlags,
    index: Flags.integer({ description: 'Which maze of the set to draw (0-based, below --count; default 0).', default: 0, min: 0 }),
    path: Flags.option({ options: ['shortest'] as const, description: 'Overlay a path: shortest = a shortest path from start to goal.' })(),
    shade: Flags.integer({ helpValue: 'CHANNEL', description: 'ASCII only: shade open cells by this channel\'s cue intensity (0-based channel).', min: 0 }),
    svg: Flags.string({ helpValue: 'FILE', description: 'Write an SVG picture to this file (via a temporary file and a rename) instead of printing ASCII.' }),
    'cell-size': Flags.integer({ description: 'SVG only: side of one cell in pixels.', default: 32, min: 8 }),
    policy: Flags.string({ helpValue: 'FILE', description: 'Draw the greedy path of this ONNX policy (prnn policy contract).', exclusive: ['run', 'path'] }),
    run: Flags.string({ helpValue: 'DIR', description: 'Draw the greedy path of network --id of this run directory.', dependsOn: ['id'], exclusive: ['policy', 'path'] }),
    id: Flags.string({ description: 'With --run: the network id (e.g. fc_seed0).', dependsOn: ['run'] }),
    'sensor-noise': Flags.string({ description: 'With --policy/--run: sensor noise σs of the drawn episode (default 0.05).' }),
    'noise-seed': Flags.integer({ description: 'With --policy/--run: seed of the sensor noise and tie-breaking (default 0; with --run the network\'s seed).', min: 0, max: 0xffffffff }),
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
    const agent = await this.agentPath(flags, options, set);
    const path = flags.path === 'shortest' ? shortestPath(set, 0) : agent?.path;
    if (flags.svg !== undefined) {
      if (flags.shade !== undefined) throw new PrnnError('--shade applies to ASCII output only; the SVG always shows every channel');
      await writeOutputFile('--svg', flags.svg, renderSvg(set, 0, {
        path,
        agent: agent?.path.at(-1),
        cellSize: flags['cell-size'],
        title: `prnn ${options.kind} maze ${flags.index} of ${flags.count} (seed ${flags.seed}), ${options.size}×${options.size}${agent ? `: ${agent.label}` : ''}`,
      }));
      this.log(`Wrote ${flags.svg}`);
      if (agent) this.log(agent.summary);
      return;
    }
    this.log(renderAscii(set, 0, { path, agent: agent?.path.at(-1), shadeChannel: flags.shade }));
    const maze = set.maze(0);
    this.log(
      `${options.kind} maze ${flags.index} of ${flags.count} (seed ${flags.seed}), ${options.size}×${options.size}: ` +
        `fastest solution ${maze.fastestSolution}, dMax ${maze.dMax}. ${ASCII_LEGEND}` +
        (flags.shade === undefined ? '' : `; cue shade of channel ${flags.shade}: "${ASCII_SHADES}" from 0 to 1`),
    );
    if (agent) this.log(agent.summary);
  }

  /** The greedy episode of --policy or --run/--id on the one maze of `set` (undefined without them). */
  private async agentPath(
    flags: { policy?: string; run?: string; id?: string; 'sensor-noise'?: string; 'noise-seed'?: number },
    task: TaskOptions,
    set: ReturnType<typeof generateOneMaze>,
  ): Promise<{ path: number[]; label: string; summary: string } | undefined> {
    if (flags.policy === undefined && flags.run === undefined) {
      for (const flag of ['sensor-noise', 'noise-seed'] as const) {
        if (flags[flag] !== undefined) throw new PrnnError(`--${flag} needs --policy or --run (it sets the drawn agent's episode)`);
      }
      return undefined;
    }
    const sigma = flags['sensor-noise'] === undefined ? 0.05 : Number(flags['sensor-noise']);
    if (!Number.isFinite(sigma) || sigma < 0) throw new PrnnError(`--sensor-noise must be a number ≥ 0 (got ${JSON.stringify(flags['sensor-noise'])})`);
    let policy: OnnxPolicy;
    let label: string;
    let seed = flags['noise-seed'] ?? 0;
    if (flags.policy !== undefined) {
      policy = await withFlagAsync('--policy', 'policy', () => OnnxPolicy.load(flags.policy as string));
      label = flags.policy;
    } else {
      const run = await withFlagAsync('--run', undefined, () => loadRun(flags.run as string));
      const net = await withFlagAsync('--id', undefined, async () => selectOneNetwork(run, { id: flags.id }));
      const registry = await loadPlugins({ cwd: process.cwd() });
      const architecture = registry.architecture(net.entry.family);
      policy = await OnnxPolicy.load(await runNetworkOnnx(run, net, architecture), { label: net.entry.id });
      label = net.entry.id;
      seed = flags['noise-seed'] ?? (Number(policy.metadata[META.seed]) || net.entry.seed);
    }
    try {
      checkPolicyChannels(flags.policy !== undefined ? `--policy ${flags.policy}` : `network ${label} of --run ${flags.run}`, policy.obsSize, task.channels);
      const evaluator = new PolicyEvaluator({ task, mazes: set, noise: [sigma] });
      // the cells trial 0 visits: its start, then one per step until it ends
      const path: number[] = [];
      const result = await evaluator.evaluate(policy, seed, {
        afterStep: ({ step, positions, finished }) => {
          if (step < 0 || finished[0] === 0) path.push(positions[0]);
        },
      });
      const reached = path.at(-1) === set.goal[0];
      const fitness = result.fitness[0];
      return {
        path,
        label: `${label}, σs ${sigma}`,
        summary:
          `${label} (σs ${sigma}, noise seed ${seed}): ${reached ? `reached the goal in ${path.length - 1} steps` : `did not reach the goal in ${path.length - 1} steps`}` +
          `, fitness ${fitness === null ? 'n/a' : fitness.toFixed(3)}`,
      };
    } finally {
      await policy.release();
    }
  }
}
