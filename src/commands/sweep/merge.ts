import { Args, Flags } from '@oclif/core';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { STORE_FILE, mergeShards, publishedShards, readPlan, type MergeResult } from '@prnn/sweeps';
import { BaseCommand } from '../../cli/base-command.js';
import { checkDiskSpace } from '../../cli/disk-space.js';
import { storeFlags } from '../../cli/sweep-flags.js';

export default class SweepMerge extends BaseCommand {
  static override summary = 'Merge the shards of array tasks into the sweep\'s store.';
  static override description =
    'Each shard (DIR/shards/chunk-<i>.sqlite, or the files given with --shard) is checked to belong to the same ' +
    'plan (sweep name and plan hash) and copied in one transaction with SQLite ATTACH + INSERT OR IGNORE, so a ' +
    'network is stored once however often it was run or merged. Merged shards of DIR/shards move to ' +
    'DIR/shards/merged. Runs as the dependent job of prnn sweep slurm.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> sweeps/paper', description: 'Merge every published shard.' },
    { command: '<%= config.bin %> <%= command.id %> sweeps/paper --shard /scratch/a.sqlite --shard /scratch/b.sqlite --json', description: 'Merge shard files from elsewhere.' },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'Sweep directory.', required: true }),
  };

  static override flags = {
    shard: Flags.string({ description: 'A shard file to merge (repeatable; default: every shard in DIR/shards).', multiple: true }),
    ...storeFlags,
  };

  async run(): Promise<MergeResult> {
    const { args, flags } = await this.parse(SweepMerge);
    // pre-flight: the store's file system has room for the shards' rows (their size, twice for the journal)
    const shards = flags.shard ?? (await publishedShards(args.dir, await readPlan(args.dir))).map((s) => s.path);
    const sizes = await Promise.all(shards.map((file) => stat(file).then((s) => s.size, () => 0)));
    const store = flags.store ?? join(args.dir, STORE_FILE);
    const bytes = 2 * sizes.reduce((a, b) => a + b, 0);
    if (bytes > 0) await checkDiskSpace(flags.store === undefined ? 'DIR' : '--store', store, bytes, `merging ${shards.length} shard${shards.length === 1 ? '' : 's'}`);
    const r = await mergeShards(args.dir, { shards: flags.shard, store: flags.store, journal: flags.journal, busyTimeoutMs: flags['busy-timeout'] });
    this.log(`merged ${r.shards.length} shard${r.shards.length === 1 ? '' : 's'}: ${r.added} network${r.added === 1 ? '' : 's'} added; the store holds ${r.stored} of ${r.planned} planned`);
    return r;
  }
}
