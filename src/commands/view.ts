import { spawn } from 'node:child_process';
import { Flags } from '@oclif/core';
import type { TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { loadPlugins, loadRun, type Architecture } from '@prnn/agents';
import { MAX_POLICIES, openViewerSource, startViewerServer, writeStaticViewer, type StaticViewerResult } from '@prnn/viewer';
import { BaseCommand } from '../cli/base-command.js';
import { withFlagAsync } from '../cli/flag-errors.js';
import { runTask } from '../cli/run-task.js';
import { taskFlags, taskOptionsFromFlags, type TaskFlagValues } from '../cli/task-flags.js';

export interface ViewServeOutput {
  url: string;
  port: number;
  policies: string[];
}

export type ViewOutput = ViewServeOutput | StaticViewerResult;

const TASK_FLAG_NAMES = Object.keys(taskFlags);

/** The system's "open this URL" command, or undefined where there is none. */
function opener(url: string): [string, string[]] {
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '', url]];
  return ['xdg-open', [url]];
}

export default class View extends BaseCommand {
  static override summary = 'Browser viewer: play up to four policies side by side in mazes, with sensed inputs, hidden activity and Q-values.';
  static override description =
    'Serves a page on 127.0.0.1 that generates mazes with @prnn/env and runs ONNX policies with onnxruntime-web ' +
    '(wasm) in the browser: the grid with its cues, each agent\'s path step by step (play, pause, step, speed), ' +
    'heat-map strips of what it sensed, its hidden activity and Q-values, and the trial fitness — the same trial, ' +
    'noise and fitness as `prnn eval` for that maze (--run: each network\'s seed and the run\'s test set, so the mean ' +
    'at the training σs is the stored fitness; --policy: `prnn eval --policy P --seed S --mazes M`). Controls change the ' +
    'maze kind and task, the seed and maze, and σs (re-run live); "sweep" plays many mazes in a Web Worker and plots ' +
    'fitness vs σs. --run lists the run\'s networks (exported on request, as `prnn export`) and links its analysis ' +
    'report when <run>/report/report.html exists; any ONNX file of the policy contract can also be dropped on the ' +
    'page. --static writes the page with its policies to a directory for any static web server.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> --run runs/demo', description: 'The demo run\'s networks, one per architecture, at http://127.0.0.1:8765/.' },
    { command: '<%= config.bin %> <%= command.id %> --policy fc.onnx --policy ff.onnx --port 9000 --open', description: 'Two exported policies side by side; opens the browser.' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/demo --static site', description: 'A static copy of the page with every network of the run, for GitHub Pages.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    run: Flags.string({ description: 'A run directory (`prnn train --out`): its trained networks.' }),
    policy: Flags.string({ description: `An ONNX policy file (prnn policy contract); repeat for up to ${MAX_POLICIES}.`, multiple: true }),
    show: Flags.string({ description: 'With --run: a network id (e.g. fc_seed0) shown at start; repeat (default one per architecture).', multiple: true }),
    port: Flags.integer({ description: 'Port on 127.0.0.1 (0: any free port).', default: 8765, min: 0, max: 65535 }),
    open: Flags.boolean({ description: 'Open the page in the system browser.', default: false }),
    static: Flags.string({ description: 'Write a static copy of the page, policies bundled, to this directory instead of serving.' }),
    seed: Flags.integer({
      description: 'Evaluation seed of the trials, as `prnn eval --policy --seed` (sensor noise, ties, test set); with --run the page starts with each network\'s own seed and the run\'s test set, as `prnn eval --run`.',
      default: 0,
      min: 0,
      max: 0xffffffff,
    }),
    mazes: Flags.integer({ description: 'Test mazes the trials are drawn from (default: the run\'s test-set size with --run, else 100; the page can change it).', min: 1, max: 100_000 }),
    noise: Flags.string({ description: 'Initial sensor noise σs of the slider, in [0, 0.5].', default: '0.05' }),
    ...taskFlags,
    maze: Flags.option({
      options: ['track', 'general', 'h'] as const,
      description: 'Maze kind: track, general or h (default: the run\'s task with --run, track with --policy).',
      helpGroup: 'TASK',
    })(),
  };

  async run(): Promise<ViewOutput> {
    const { flags } = await this.parse(View);
    const policies = flags.policy ?? [];
    if (!flags.run && policies.length === 0) throw new PrnnError('give --run DIR or at least one --policy FILE.onnx');
    if (policies.length > MAX_POLICIES) throw new PrnnError(`--policy: at most ${MAX_POLICIES} policies are shown side by side (got ${policies.length})`);
    if (flags.show && !flags.run) throw new PrnnError('--show needs --run (it picks networks of the run)');
    const noise = Number(flags.noise);
    if (!Number.isFinite(noise) || noise < 0 || noise > 0.5) throw new PrnnError(`--noise must be a number in [0, 0.5] (got ${JSON.stringify(flags.noise)})`);
    const values = flags as unknown as Partial<TaskFlagValues> & Record<string, unknown>;
    const anyTaskFlag = TASK_FLAG_NAMES.some((name) => values[name] !== undefined);
    let task: TaskOptions | undefined;
    let architecture: ((family: string) => Architecture | undefined) | undefined;
    if (flags.run) {
      const run = await withFlagAsync('--run', undefined, () => loadRun(flags.run as string));
      task = runTask(run.manifest.task, values);
      const registry = await loadPlugins({ cwd: process.cwd() });
      architecture = (family) => {
        try {
          return registry.architecture(family);
        } catch {
          return undefined;
        }
      };
    } else if (anyTaskFlag) {
      task = taskOptionsFromFlags({ ...(values as TaskFlagValues), maze: (values.maze as TaskOptions['kind'] | undefined) ?? 'track' });
    }
    const source = await openViewerSource({
      run: flags.run,
      policies,
      show: flags.show,
      task,
      seed: flags.seed,
      mazes: flags.mazes,
      noise,
      architecture,
    });
    if (flags.static !== undefined) {
      const result = await writeStaticViewer(source, flags.static);
      this.log(
        `Wrote the viewer with ${result.policies} polic${result.policies === 1 ? 'y' : 'ies'} (${result.bytes} bytes of ONNX)` +
          `${result.report ? ' and the analysis report' : ''} to ${result.dir}; serve it with any static web server.`,
      );
      return result;
    }
    const server = await startViewerServer(source, { port: flags.port });
    const output: ViewServeOutput = { url: server.url, port: server.port, policies: [...source.config.initial] };
    if (this.jsonEnabled()) this.logJson(output);
    else this.log(`prnn view: serving ${server.url} (${output.policies.length} of ${source.config.policies.length} policies shown; Ctrl-C to stop)`);
    if (flags.open) {
      const [command, args] = opener(server.url);
      const child = spawn(command, args, { stdio: 'ignore', detached: true });
      child.on('error', () => process.stderr.write(`Cannot open a browser here (${command} not found): open ${server.url} yourself\n`));
      child.unref();
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    // stopped by a signal: end quietly (oclif would otherwise print the --json output a second time)
    return this.exit(0);
  }
}
