import { Flags } from '@oclif/core';
import { JOURNAL_CHOICES, type JournalChoice } from '@prnn/sweeps';

/** Flags shared by the sweep commands that open the store. */
export const storeFlags = {
  store: Flags.string({ description: 'Results store (default DIR/results.sqlite).' }),
  journal: Flags.option({
    options: JOURNAL_CHOICES as readonly JournalChoice[],
    description: 'SQLite journal: auto (WAL on a local disk, a rollback journal on NFS, Lustre, GPFS and other network file systems), wal or delete.',
    default: 'auto' as JournalChoice,
  })(),
  'busy-timeout': Flags.integer({ description: 'Milliseconds to wait for another process\'s lock on the store before failing.', default: 10_000, min: 0 }),
};
