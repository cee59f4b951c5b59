import { join } from 'node:path';
import { shellWord } from '@prnn/sweeps';

/** The shell command that runs this prnn installation (for job scripts): this node binary and this bin/run.js. */
export function prnnCommand(root: string): string {
  return `${shellWord(process.execPath)} ${shellWord(join(root, 'bin', 'run.js'))}`;
}
