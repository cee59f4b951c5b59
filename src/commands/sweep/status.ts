import { setTimeout as sleep } from 'node:timers/promises';
import { Args, Flags } from '@oclif/core';
import { sweepStatus, type SweepStatus as Status } from '@prnn/sweeps';
import { BaseCommand } from '../../cli/base-command.js';
import { formatSeconds } from '../../cli/progress-bar.js';

/** One line: stored + in-progress share of the planned networks as a bar, the rate and the ETA. */
function progressLine(s: Status): string {
  const width = 30;
  const frac = s.planned > 0 ? Math.min(1, (s.done + s.unmerged + s.inProgress) / s.planned) : 0;
  const stored = s.planned > 0 ? Math.round(((s.done + s.unmerged) / s.planned) * width) : 0;
  const running = Math.max(0, Math.round(frac * width) - stored);
  const bar = `[${'#'.repeat(stored)}${'='.repeat(running)}`.padEnd(width + 1, '-') + ']';
  const rate =
    s.networksPerSecond === null ? 'rate: not known yet'
    : `${s.networksPerSecond.toPrecision(3)} networks/s (${s.rateSource === 'running' ? 'live' : 'stored'}) ETA ${s.etaSeconds === null ? '?' : formatSeconds(s.etaSeconds)}`;
  const c = s.chunks;
  return `${bar} ${(frac * 100).toFixed(1)}% ${s.done.toLocaleString('en-US')}/${s.planned.toLocaleString('en-US')} stored, ${c.running} chunk${c.running === 1 ? '' : 's'} running; ${rate}`;
}

export default class SweepStatus extends BaseCommand {
  static override summary = 'Show which chunks of a sweep are done, running, interrupted or missing, with networks/s and an ETA.';
  static override description =
    'done: every network of the chunk is in the store; unmerged: a published shard waits for prnn sweep merge; ' +
    'running: a live process holds the chunk (its progress file says how far it has trained); interrupted: a work ' +
    'directory with a checkpoint and no process; missing: not started. The bar shows stored networks (#) and the ' +
    "running chunks' trained share (=). The rate is the running chunks' live training rate, else the stored " +
    'networks over the time since the earliest stored chunk started. --watch redraws until the sweep is ' +
    'stored (a line per interval when stdout is not a terminal). --json includes planned, done and inProgress ' +
    '(counts of networks), unmerged, the chunk counts and every chunk with its progress.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> sweeps/smoke', description: 'A summary and a bar.' },
    { command: '<%= config.bin %> <%= command.id %> sweeps/small --watch 5', description: 'A live bar, redrawn every 5 seconds until every network is stored (Ctrl-C ends it).' },
    { command: '<%= config.bin %> <%= command.id %> sweeps/paper --json', description: 'For scripts: planned, done, inProgress, chunks, networksPerSecond, etaSeconds.' },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'Sweep directory.', required: true }),
  };

  static override flags = {
    store: Flags.string({ description: 'Results store (default DIR/results.sqlite).' }),
    chunks: Flags.boolean({ description: 'List every chunk that is not done.', default: false }),
    watch: Flags.integer({ description: 'Redraw every this many seconds until every network is stored (not with --json).', min: 1, max: 3600, exclusive: ['json'] }),
  };

  async run(): Promise<Status> {
    const { args, flags } = await this.parse(SweepStatus);
    let s = await sweepStatus(args.dir, { store: flags.store });
    if (this.jsonEnabled()) return s;
    this.log(`sweep ${s.sweep} (plan ${s.planHash}): ${s.planned.toLocaleString('en-US')} networks in ${s.chunks.total} chunks`);
    if (flags.watch !== undefined) {
      const tty = process.stdout.isTTY === true;
      let stop = false;
      const onSignal = () => {
        stop = true;
      };
      process.once('SIGINT', onSignal);
      try {
        for (;;) {
          const line = progressLine(s);
          if (tty) process.stdout.write(`\r\u001b[2K${line}`);
          else this.log(line);
          if (stop || s.done + s.unmerged >= s.planned) break;
          await sleep(flags.watch * 1000);
          if (stop) break;
          s = await sweepStatus(args.dir, { store: flags.store });
        }
      } finally {
        process.off('SIGINT', onSignal);
        if (tty) process.stdout.write('\n');
      }
    } else this.log(progressLine(s));
    const c = s.chunks;
    this.log(`chunks: ${c.total} — ${c.done} done, ${c.unmerged} unmerged, ${c.running} running, ${c.interrupted} interrupted, ${c.missing} missing`);
    if (s.unmerged > 0) this.log(`${s.unmerged} networks wait in shards: prnn sweep merge ${args.dir}`);
    if (flags.chunks) {
      for (const k of s.perChunk.filter((x) => x.state !== 'done')) {
        const p = k.progress;
        const how = p ? `, ${p.phase} ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')}${p.phase === 'training' ? ' network-episodes' : ' networks'}` : '';
        this.log(`  chunk ${k.index}: ${k.state} (${k.stored}/${k.networks} stored${how})`);
      }
    }
    return s;
  }
}
