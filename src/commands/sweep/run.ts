import { Args, Flags } from '@oclif/core';
import { initBackend } from '@prnn/agents';
import { join } from 'node:path';
import { STORE_FILE, WORK_DIR, loadSweepPlugins, readPlan, runSweep, selectChunks, sweepStatus, type ChunkReport } from '@prnn/sweeps';
import { checkDiskSpace, storeBytes, trainRunBytes } from '../../cli/disk-space.js';
import { BaseCommand } from '../../cli/base-command.js';
import { withFlagAsync } from '../../cli/flag-errors.js';
import { ProgressBar } from '../../cli/progress-bar.js';
import { StopSignals } from '../../cli/stop-signals.js';
import { storeFlags } from '../../cli/sweep-flags.js';
import { defaultWorkers, workersFlag } from '../../cli/workers-flag.js';

/**
 * Refuses, before any training, a store location without room for the networks of the chosen chunks that are
 * not stored yet (with --shard-dir: the largest chosen chunk's shard), naming the flag that gave the path.
 */
async function checkStoreSpace(
  dir: string,
  plan: Awaited<ReturnType<typeof readPlan>>,
  chunks: readonly number[] | undefined,
  flags: { store?: string; 'shard-dir'?: string; 'work-dir'?: string; 'busy-timeout'?: number },
): Promise<void> {
  const chosen = plan.chunks.filter((c) => chunks === undefined || chunks.includes(c.index));
  const parameters = (c: (typeof plan.chunks)[number]) => plan.networks.slice(c.from, c.to).map((n) => n.arch.parameters);
  if (flags['shard-dir'] !== undefined) {
    const largest = chosen.reduce<(typeof chosen)[number] | undefined>((most, c) => (most === undefined || c.to - c.from > most.to - most.from ? c : most), undefined);
    if (largest) await checkDiskSpace('--shard-dir', flags['shard-dir'], storeBytes(parameters(largest)), `the shard of chunk ${largest.index} (${largest.to - largest.from} networks)`);
    return;
  }
  // networks already in the store take no more room (a store that cannot be read fails the run with its own line)
  const stored = await sweepStatus(dir, { store: flags.store, workDir: flags['work-dir'], busyTimeoutMs: flags['busy-timeout'] }).then(
    (s) => new Map(s.perChunk.map((c) => [c.index, c.stored])),
    () => new Map<number, number>(),
  );
  const pending = chosen.flatMap((c) => parameters(c).slice(stored.get(c.index) ?? 0));
  const store = flags.store ?? join(dir, STORE_FILE);
  await checkDiskSpace(flags.store === undefined ? 'DIR' : '--store', store, storeBytes(pending), `storing ${pending.length} network${pending.length === 1 ? '' : 's'}`);
}

export default class SweepRun extends BaseCommand {
  static override summary = 'Train, measure and store the chunks of a sweep that are not stored yet.';
  static override description =
    'Each chunk trains as one population in DIR/work/chunk-<i> (checkpointed every checkpointEvery episodes ' +
    'of the plan), then every network is measured (noise sweep, metrics) and written to the store in its own ' +
    'transaction, and the chunk\'s run directory moves to DIR/runs/chunk-<i>. Which chunks: --chunk, --chunks, else the Slurm array task ' +
    '(SLURM_ARRAY_TASK_ID + --chunk-offset), else all. SIGINT or SIGTERM stops at the next checkpoint and exits ' +
    '(130/143) with one line; kill -9 loses at most the episodes since the last checkpoint. Running the same ' +
    'command again continues with results identical to an uninterrupted run; stored chunks are skipped. ' +
    '--shard-dir writes each chunk to a shard on node-local storage and publishes it to DIR/shards for ' +
    'prnn sweep merge (what the Slurm scripts do).';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> sweeps/smoke', description: 'Every chunk not stored yet, on every core.' },
    { command: '<%= config.bin %> <%= command.id %> sweeps/paper --chunks 0-9 --workers 2', description: 'Chunks 0 to 9.' },
    { command: 'SLURM_ARRAY_TASK_ID=3 <%= config.bin %> <%= command.id %> sweeps/paper --shard-dir /tmp/prnn', description: 'As a Slurm array task: chunk 3 into a node-local shard.' },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'Sweep directory (made by prnn sweep plan).', required: true }),
  };

  static override flags = {
    chunk: Flags.integer({ description: 'Run this chunk only.', min: 0 }),
    chunks: Flags.string({ description: 'Run these chunks: i-j, or a comma-separated list of indices and ranges (0-3,7).' }),
    'chunk-offset': Flags.integer({ description: 'Added to SLURM_ARRAY_TASK_ID (for arrays split by MaxArraySize).', default: 0, min: 0 }),
    workers: workersFlag({ description: 'Worker threads per chunk (default: the number of cores).' }),
    'shard-dir': Flags.string({ description: 'Write each chunk into a shard in this (node-local) directory, published to DIR/shards when done.' }),
    'work-dir': Flags.string({ description: 'Where chunks keep checkpoints until stored (default DIR/work).' }),
    backend: Flags.string({ description: 'tfjs backend: tensorflow, wasm or cpu (default: the fastest that loads).' }),
    ...storeFlags,
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(SweepRun);
    const chunks = selectChunks({ chunk: flags.chunk, chunks: flags.chunks, offset: flags['chunk-offset'], env: process.env });
    const backend = await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    // the built-ins with @prnn/sweeps' results store, then the configured plugins (which may rebind or decorate services)
    const registry = await loadSweepPlugins({ cwd: process.cwd() });
    // pre-flight: the work directory has room for the largest chunk's run (its checkpoints and results)
    const plan = await readPlan(args.dir);
    const largest = plan.chunks.reduce((most, c) => (c.to - c.from > most.to - most.from ? c : most), plan.chunks[0]);
    if (largest !== undefined) {
      const work = flags['work-dir'] ?? join(args.dir, WORK_DIR);
      const networks = plan.networks.slice(largest.from, largest.to);
      await checkDiskSpace(flags['work-dir'] === undefined ? 'DIR' : '--work-dir', work, trainRunBytes(networks.map((n) => n.arch.parameters)), `training chunk ${largest.index} (${networks.length} networks)`);
    }
    // pre-flight: the store (or, with --shard-dir, the largest chunk's shard) has room for what will be stored
    await checkStoreSpace(args.dir, plan, chunks, flags);
    const json = this.jsonEnabled();
    const stop = new StopSignals(json);
    const bar = new ProgressBar('sweep', 'net-episodes', !json && process.stderr.isTTY === true);
    // a plugin may rebind or decorate the progress reporter (TYPES.ProgressReporter); the bar is the fallback
    let current = 0;
    const progress = registry.progressReporter({ update: (p) => bar.update(p.done, p.total, p.rate, `chunk ${current}`), finish: () => bar.finish() });
    const line = (r: ChunkReport) => {
      progress.finish();
      if (json) return;
      const what =
        r.outcome === 'stored' ? `stored ${r.stored} of ${r.networks} networks in ${r.seconds.toFixed(1)} s`
        : r.outcome === 'skipped' ? 'already stored'
        : r.outcome === 'busy' ? `being run by ${r.heldBy ?? 'another process'}; skipped`
        : 'interrupted; checkpoint written';
      this.log(`chunk ${r.chunk}: ${what}`);
    };
    let result: Awaited<ReturnType<typeof runSweep>>;
    try {
      result = await runSweep({
        dir: args.dir,
        chunks,
        registry,
        backend,
        workers: flags.workers ?? defaultWorkers(),
        pluginsCwd: process.cwd(),
        store: flags.store,
        shardDir: flags['shard-dir'],
        workDir: flags['work-dir'],
        journal: flags.journal,
        busyTimeoutMs: flags['busy-timeout'],
        signal: stop.signal,
        onProgress: (p) => {
          current = p.chunk;
          progress.update({ done: p.done, total: p.total, rate: p.rate });
        },
        onChunk: line,
      });
    } finally {
      progress.finish();
      stop.dispose();
    }
    const stored = result.chunks.reduce((n, c) => n + c.stored, 0);
    if (result.interrupted) {
      process.stderr.write(`stopped by ${stop.received ?? 'a signal'}: checkpoint written; run the same command to continue\n`);
      process.exitCode = stop.exitCode;
    } else if (!json) {
      this.log(`sweep ${result.plan.sweep}: ${result.chunks.length} chunk${result.chunks.length === 1 ? '' : 's'} handled, ${stored} network${stored === 1 ? '' : 's'} stored; see prnn sweep status ${args.dir}`);
    }
    return { sweep: result.plan.sweep, interrupted: result.interrupted, stored, chunks: result.chunks };
  }
}
