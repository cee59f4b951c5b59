import { randomBytes } from 'node:crypto';
import { rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PrnnError } from './errors.js';

/**
 * What a failed file-system call was doing, as its error line says it: `cannot read …`, `cannot write …`,
 * `cannot create directory …`, `cannot rename … to …`, `cannot delete …`.
 */
export type FileOperation = 'read' | 'write' | 'create directory' | 'rename' | 'delete';

/** A Node.js file-system error: its code (ENOSPC, EROFS, …), the path it concerns, the call that failed and what it was doing. */
export interface SystemErrorInfo {
  readonly code: string;
  readonly path?: string;
  /** The second path of a rename or copy. */
  readonly dest?: string;
  readonly syscall?: string;
  /** The operation recorded on the error by {@link markFileOperation} (writeFileAtomic, makeDirectories, …). */
  readonly operation?: FileOperation;
}

/** The reason a code gives and what to do; `{flag}` names the flag, `{given}` adds ` given to <flag>`. */
interface Meaning {
  readonly reason: string;
  readonly advice: string;
}

/**
 * What each file-system error means, and what the user can do about it: `change` for an operation that
 * changes the file system (write, create directory, rename, delete), `read` where reading differs.
 */
const MEANING: Readonly<Record<string, { readonly change: Meaning; readonly read?: Meaning }>> = {
  ENOSPC: { change: { reason: 'no space left on the device', advice: 'free space there or choose another {flag}, then run the command again' } },
  EDQUOT: { change: { reason: 'the disk quota is exhausted', advice: 'free space there or choose another {flag}, then run the command again' } },
  EROFS: { change: { reason: 'the file system is read-only', advice: 'choose a writable {flag}' } },
  EACCES: {
    change: { reason: 'permission denied', advice: 'choose a {flag} you may write, or change its permissions' },
    read: { reason: 'permission denied', advice: 'change its permissions so that you may read it, or choose another {flag}' },
  },
  EPERM: {
    change: { reason: 'operation not permitted', advice: 'choose a {flag} you may write, or change its permissions' },
    read: { reason: 'operation not permitted', advice: 'change its permissions so that you may read it, or choose another {flag}' },
  },
  ENOENT: {
    change: { reason: 'no such file or directory (or it cannot be created there)', advice: 'check the path{given}' },
    read: { reason: 'no such file or directory', advice: 'check the path{given}' },
  },
  ENOTDIR: { change: { reason: 'a part of the path is a file, not a directory', advice: 'check the path{given}' } },
  EISDIR: {
    change: { reason: 'it is a directory', advice: 'give {flag} a file name' },
    read: { reason: 'it is a directory, not a file', advice: 'give {flag} a file' },
  },
  EEXIST: { change: { reason: 'it already exists', advice: 'remove it or choose another {flag}' } },
  ENOTEMPTY: { change: { reason: 'the directory is not empty', advice: 'empty or remove it, or choose another {flag}' } },
  EMFILE: { change: { reason: 'too many open files', advice: 'raise the limit (ulimit -n) or use fewer --workers' } },
  ENFILE: { change: { reason: 'too many open files on this system', advice: 'close other programs or raise the system limit' } },
  ENAMETOOLONG: { change: { reason: 'the path is too long', advice: 'choose a shorter {flag}' } },
  EIO: { change: { reason: 'an input/output error of the device', advice: 'check the disk, or choose another {flag}' } },
  EBUSY: { change: { reason: 'the file is busy', advice: 'wait for the program using it to finish, or choose another {flag}' } },
};

/** The error codes {@link systemErrorMessage} explains. */
export const EXPLAINED_SYSTEM_ERRORS: readonly string[] = Object.keys(MEANING);

const OPERATION_KEY = 'prnnFileOperation';

/**
 * Records on the file-system error `error` what the failed call was doing (kept when it already holds one: the
 * innermost helper knows best), so that its line says it; returns `error`. For calls whose system call does not
 * tell (`open` serves reads and writes, `stat` any of them).
 */
export function markFileOperation<T>(error: T, operation: FileOperation): T {
  if (error instanceof Error && (error as unknown as Record<string, unknown>)[OPERATION_KEY] === undefined) {
    Object.defineProperty(error, OPERATION_KEY, { value: operation, enumerable: false, configurable: true });
  }
  return error;
}

/** The file-system error in `error` or its causes (at most five deep), or undefined. */
export function systemErrorInfo(error: unknown): SystemErrorInfo | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      const { path, dest, syscall } = e as NodeJS.ErrnoException & { dest?: unknown };
      const operation = (e as unknown as Record<string, unknown>)[OPERATION_KEY] as FileOperation | undefined;
      return {
        code,
        ...(typeof path === 'string' ? { path } : {}),
        ...(typeof dest === 'string' ? { dest } : {}),
        ...(typeof syscall === 'string' ? { syscall } : {}),
        ...(operation !== undefined ? { operation } : {}),
      };
    }
    e = (e as Error & { cause?: unknown }).cause;
  }
  return undefined;
}

/** The operation a system call performs when the call alone says it; undefined for `open`, `stat`, … */
function operationOfSyscall(syscall: string | undefined): FileOperation | undefined {
  switch (syscall) {
    case 'mkdir':
    case 'mkdtemp':
      return 'create directory';
    case 'rename':
      return 'rename';
    case 'unlink':
    case 'rmdir':
    case 'rm':
      return 'delete';
    case 'read':
    case 'scandir':
    case 'opendir':
    case 'readlink':
      return 'read';
    case 'write':
    case 'copyfile':
    case 'fsync':
    case 'ftruncate':
      return 'write';
    default:
      return undefined;
  }
}

/** Codes that only a change of the file system meets: a full disk, a read-only file system. */
const CHANGE_ONLY = new Set(['ENOSPC', 'EDQUOT', 'EROFS']);

/**
 * What failed: the operation recorded on the error, else the one its system call performs, else the caller's
 * (`where.operation`), else `write` for a full or read-only disk; `open` (a neutral word) when nothing tells.
 */
function operationOf(info: SystemErrorInfo, given: FileOperation | undefined): FileOperation | 'open' {
  return info.operation ?? operationOfSyscall(info.syscall) ?? given ?? (CHANGE_ONLY.has(info.code) ? 'write' : 'open');
}

/** The parts of a file-system error's line: what failed on which path, why, and what to do. */
export interface SystemErrorParts {
  /** The operation in words: `read`, `write`, `create directory`, `rename`, `delete`, or `open` when nothing tells. */
  readonly verb: string;
  readonly path?: string;
  /** The destination of a rename. */
  readonly dest?: string;
  readonly reason: string;
  readonly advice?: string;
}

/** Where a file-system error happened, as far as the caller knows: the flag that named the path, the path, the operation. */
export interface SystemErrorWhere {
  readonly flag?: string;
  readonly path?: string;
  /** What the caller was doing, for system calls that do not tell (`open`, `stat`); a recorded or telling one wins. */
  readonly operation?: FileOperation;
}

/** prnn writes `<path>.tmp-…` and renames it: the user named <path>. */
const userPath = (path: string | undefined) => path?.replace(/\.tmp-[0-9a-z-]+$/i, '');

/** {@link SystemErrorParts} of the file-system error in `error` (undefined when there is none). */
export function systemErrorParts(error: unknown, where: SystemErrorWhere = {}): SystemErrorParts | undefined {
  const info = systemErrorInfo(error);
  if (!info) return undefined;
  const path = userPath(info.path ?? where.path);
  const verb = operationOf(info, where.operation);
  const dest = verb === 'rename' ? userPath(info.dest) : undefined;
  const meaning = MEANING[info.code];
  if (!meaning) return { verb, path, ...(dest ? { dest } : {}), reason: (error as Error).message.split('\n')[0] };
  const m = (verb === 'read' && meaning.read) || meaning.change;
  const advice = m.advice.replaceAll('{given}', where.flag ? ` given to ${where.flag}` : '').replaceAll('{flag}', where.flag ?? 'location');
  return { verb, path, ...(dest ? { dest } : {}), reason: m.reason, advice };
}

/**
 * One line for a file-system error: the flag that named the path (when known), the operation and the path, what
 * went wrong and what to do, e.g. `--out: cannot write runs/a/run.json: no space left on the device; free space
 * there or choose another --out, then run the command again`, or `--run: cannot read runs/a/run.json: permission
 * denied; change its permissions so that you may read it, or choose another --run`. Undefined when `error` holds no file-system error.
 */
export function systemErrorMessage(error: unknown, where: SystemErrorWhere = {}): string | undefined {
  const parts = systemErrorParts(error, where);
  if (!parts) return undefined;
  const head = `${where.flag ? `${where.flag}: ` : ''}cannot ${parts.verb} ${parts.path ?? 'a file'}${parts.dest ? ` to ${parts.dest}` : ''}`;
  return `${head}: ${parts.reason}${parts.advice ? `; ${parts.advice}` : ''}`;
}

/** `error` as a PrnnError of {@link systemErrorMessage} when it is a file-system error, else unchanged. */
export function explainSystemError(error: unknown, where: SystemErrorWhere = {}): unknown {
  if (error instanceof PrnnError) return error;
  const message = systemErrorMessage(error, where);
  return message === undefined ? error : Object.assign(new PrnnError(message), { cause: error });
}

/**
 * Checks that files can be written in the existing directory `dir` by writing and removing a one-byte
 * probe file (what a real write would meet: read-only file systems, permissions, a full disk). Throws the
 * PrnnError of {@link systemErrorMessage} naming `flag`.
 */
export async function probeWritableDirectory(dir: string, flag?: string): Promise<void> {
  const probe = join(dir, `.prnn-write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, new Uint8Array(1));
  } catch (error) {
    await rm(probe, { force: true }).catch(() => undefined);
    // the directory is what the user named; the probe's own name would only confuse
    if (error instanceof Error && ((error as NodeJS.ErrnoException).path === probe || (error as NodeJS.ErrnoException).path === undefined)) (error as NodeJS.ErrnoException).path = dir;
    throw explainSystemError(markFileOperation(error, 'write'), { flag, path: dir });
  }
  await rm(probe, { force: true });
}

/** Bytes available to this user on the file system holding the existing path `dir`. */
export async function availableBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}
