import { randomBytes } from 'node:crypto';
import { rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PrnnError } from './errors.js';

/** A Node.js file-system error: its code (ENOSPC, EROFS, …), the path it concerns and the call that failed. */
export interface SystemErrorInfo {
  readonly code: string;
  readonly path?: string;
  readonly syscall?: string;
}

/** What each file-system error means, and what the user can do about it (`{flag}` names the flag). */
const MEANING: Readonly<Record<string, { readonly reason: string; readonly advice: string }>> = {
  ENOSPC: { reason: 'no space left on the device', advice: 'free space there or choose another {flag}, then run the command again' },
  EDQUOT: { reason: 'the disk quota is exhausted', advice: 'free space there or choose another {flag}, then run the command again' },
  EROFS: { reason: 'the file system is read-only', advice: 'choose a writable {flag}' },
  EACCES: { reason: 'permission denied', advice: 'choose a {flag} you may write, or change its permissions' },
  EPERM: { reason: 'operation not permitted', advice: 'choose a {flag} you may write, or change its permissions' },
  ENOENT: { reason: 'no such file or directory (or it cannot be created there)', advice: 'check the path{given}' },
  ENOTDIR: { reason: 'a part of the path is a file, not a directory', advice: 'check the path{given}' },
  EISDIR: { reason: 'it is a directory', advice: 'give {flag} a file name' },
  EEXIST: { reason: 'it already exists', advice: 'remove it or choose another {flag}' },
  EMFILE: { reason: 'too many open files', advice: 'raise the limit (ulimit -n) or use fewer --workers' },
  ENFILE: { reason: 'too many open files on this system', advice: 'close other programs or raise the system limit' },
  ENAMETOOLONG: { reason: 'the path is too long', advice: 'choose a shorter {flag}' },
  EIO: { reason: 'an input/output error of the device', advice: 'check the disk, or choose another {flag}' },
  EBUSY: { reason: 'the file is busy', advice: 'wait for the program using it to finish, or choose another {flag}' },
};

/** The error codes {@link systemErrorMessage} explains. */
export const EXPLAINED_SYSTEM_ERRORS: readonly string[] = Object.keys(MEANING);

/** The file-system error in `error` or its causes (at most five deep), or undefined. */
export function systemErrorInfo(error: unknown): SystemErrorInfo | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      const { path, syscall } = e as NodeJS.ErrnoException;
      return { code, ...(typeof path === 'string' ? { path } : {}), ...(typeof syscall === 'string' ? { syscall } : {}) };
    }
    e = (e as Error & { cause?: unknown }).cause;
  }
  return undefined;
}

/** What the failed call was doing, in words: `write`, `create`, `read`, … */
function verbOf(syscall: string | undefined): string {
  switch (syscall) {
    case 'mkdir':
    case 'mkdtemp':
      return 'create';
    case 'open':
    case 'write':
    case 'rename':
    case 'copyfile':
    case 'fsync':
    case 'ftruncate':
      return 'write';
    case 'read':
    case 'scandir':
      return 'read';
    case 'unlink':
    case 'rmdir':
    case 'rm':
      return 'remove';
    default:
      return 'use';
  }
}

/** The parts of a file-system error's line: what failed on which path, why, and what to do. */
export interface SystemErrorParts {
  readonly verb: string;
  readonly path?: string;
  readonly reason: string;
  readonly advice?: string;
}

/** {@link SystemErrorParts} of the file-system error in `error` (undefined when there is none). */
export function systemErrorParts(error: unknown, where: { readonly flag?: string; readonly path?: string } = {}): SystemErrorParts | undefined {
  const info = systemErrorInfo(error);
  if (!info) return undefined;
  // prnn writes `<path>.tmp-…` and renames it: the user named <path>
  const path = (info.path ?? where.path)?.replace(/\.tmp-[0-9a-z-]+$/i, '');
  const meaning = MEANING[info.code];
  const verb = verbOf(info.syscall);
  if (!meaning) return { verb, path, reason: (error as Error).message.split('\n')[0] };
  const advice = meaning.advice.replaceAll('{given}', where.flag ? ` given to ${where.flag}` : '').replaceAll('{flag}', where.flag ?? 'location');
  return { verb, path, reason: meaning.reason, advice };
}

/**
 * One line for a file-system error: the flag that named the path (when known), the path, what went wrong and
 * what to do, e.g. `--out: cannot write runs/a/run.json: no space left on the device; free space there or
 * choose another --out, then run the command again`. Undefined when `error` holds no file-system error.
 */
export function systemErrorMessage(error: unknown, where: { readonly flag?: string; readonly path?: string } = {}): string | undefined {
  const parts = systemErrorParts(error, where);
  if (!parts) return undefined;
  const head = `${where.flag ? `${where.flag}: ` : ''}cannot ${parts.verb} ${parts.path ?? 'a file'}`;
  return `${head}: ${parts.reason}${parts.advice ? `; ${parts.advice}` : ''}`;
}

/** `error` as a PrnnError of {@link systemErrorMessage} when it is a file-system error, else unchanged. */
export function explainSystemError(error: unknown, where: { readonly flag?: string; readonly path?: string } = {}): unknown {
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
    throw explainSystemError(error, { flag, path: dir });
  }
  await rm(probe, { force: true });
}

/** Bytes available to this user on the file system holding the existing path `dir`. */
export async function availableBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}
