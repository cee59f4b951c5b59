import { Args, Flags } from '@oclif/core';
import { sweepStatus, type SweepStatus as Status } from '@prnn/sweeps';
import { BaseCommand } from '../../cli/base-command.js';
import { formatSeconds } from '../../cli/progress-bar.js';

export default class SweepStatus extends BaseCommand {
  static override summary = 'Show which chunks of a sweep are done, running, interrupted or missing, with networks/s and an ETA.';
  static override description =
    'done: every network of the chunk is in the store; unmerged: a published shard waits for prnn sweep merge; ' +
    'running: a live process holds the chunk; interrupted: a work directory with a checkpoint and no process; ' +
    'missing: not started. The rate is the stored networks over the time between the first and the last stored ' +
    'network. --json includes planned and done (counts of networks), unmerged, the chunk counts and every chunk.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> sweeps/smoke', description: 'A summary and a bar.' },
    { command: '<%= config.bin %> <%= command.id %> sweeps/paper --json', description: 'For scripts: planned, done, chunks, networksPerSecond, etaSeconds.' },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'Sweep directory.', required: true }),
  };

  static override flags = {
    store: Flags.string({ description: 'Results store (default DIR/results.sqlite).' }),
    chunks: Flags.boolean({ description: 'List every chunk that is not done.', default: false }),
  };

  async run(): Promise<Status> {
    const { args, flags } = await this.parse(SweepStatus);
    const s = await sweepStatus(args.dir, { store: flags.store });
    if (!this.jsonEnabled()) {
      const width = 30;
      const frac = s.planned > 0 ? s.done / s.planned : 0;
      const bar = `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '-')}]`;
      this.log(`sweep ${s.sweep} (plan ${s.planHash}): ${s.done.toLocaleString('en-US')} of ${s.planned.toLocaleString('en-US')} networks stored ${bar} ${(frac * 100).toFixed(1)}%`);
      const c = s.chunks;
      this.log(`chunks: ${c.total} — ${c.done} done, ${c.unmerged} unmerged, ${c.running} running, ${c.interrupted} interrupted, ${c.missing} missing`);
      if (s.unmerged > 0) this.log(`${s.unmerged} networks wait in shards: prnn sweep merge ${args.dir}`);
      this.log(
        s.networksPerSecond === null ? 'rate: not enough stored networks yet'
        : `rate: ${s.networksPerSecond.toPrecision(3)} networks/s; ETA ${s.etaSeconds === null ? '?' : formatSeconds(s.etaSeconds)}`,
      );
      if (flags.chunks) for (const k of s.perChunk.filter((x) => x.state !== 'done')) this.log(`  chunk ${k.index}: ${k.state} (${k.stored}/${k.networks} stored)`);
    }
    return s;
  }
}
