import { readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';

/**
 * File systems on which SQLite's WAL mode is unsafe: WAL needs shared memory (a mapped -shm file) that
 * only works when every process sits on the same machine, and POSIX locks that these do not honour
 * reliably. On them the store uses a rollback journal, and cluster jobs should write shards to local disk.
 */
const NETWORK_FILE_SYSTEMS = new Set([
  'nfs', 'nfs4', 'lustre', 'gpfs', 'cifs', 'smb3', 'smbfs', 'ceph', 'fuse.ceph', 'glusterfs', 'fuse.glusterfs',
  'beegfs', 'fuse.beegfs', 'fuse.sshfs', 'afs', 'pvfs2', 'orangefs', 'panfs', 'wekafs', '9p', 'virtiofs',
]);

/**
 * The file system holding a path (from /proc/self/mountinfo): its type, mount point and whether it is a network file
 * system.
 */
export interface FileSystemInfo {
  readonly type: string;
  readonly mountPoint: string;
  readonly network: boolean;
}

/** Undo the octal escapes of /proc/mounts (a space is `\040`). */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The mount whose mount point holds `path` (an existing, resolved path): the longest matching prefix. */
export function mountOf(mountsText: string, path: string): FileSystemInfo | undefined {
  let best: FileSystemInfo | undefined;
  for (const line of mountsText.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 3) continue;
    const mountPoint = unescapeMount(fields[1]);
    const inside = path === mountPoint || mountPoint === '/' || path.startsWith(mountPoint.endsWith(sep) ? mountPoint : mountPoint + sep);
    if (inside && (best === undefined || mountPoint.length >= best.mountPoint.length)) {
      best = { type: fields[2], mountPoint, network: NETWORK_FILE_SYSTEMS.has(fields[2]) };
    }
  }
  return best;
}

/** The file system holding `path` (or its nearest existing parent), from /proc/self/mounts; undefined off Linux. */
export function fileSystemOf(path: string): FileSystemInfo | undefined {
  let mounts: string;
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return undefined;
  }
  let at = resolve(path);
  for (;;) {
    try {
      at = realpathSync(at);
      break;
    } catch {
      const up = dirname(at);
      if (up === at) break;
      at = up;
    }
  }
  return mountOf(mounts, at);
}

/** SQLite journal mode of a store: WAL, a rollback journal (DELETE), or `auto` (chosen by the file system). */
export type JournalChoice = 'auto' | 'wal' | 'delete';
/** Every {@link JournalChoice}, for flag validation. */
export const JOURNAL_CHOICES: readonly JournalChoice[] = ['auto', 'wal', 'delete'];

/** `auto`: WAL on a local disk, a rollback journal (DELETE) on a network file system. */
export function journalModeFor(path: string, choice: JournalChoice): 'wal' | 'delete' {
  if (choice !== 'auto') return choice;
  return fileSystemOf(path)?.network ? 'delete' : 'wal';
}
