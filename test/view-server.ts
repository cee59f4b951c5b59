// Starts `prnn view … --port 0 --json` as a child process and reads the URL it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './run-cli.js';

export interface RunningView {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export function startView(args: string[]): Promise<RunningView> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'view', ...args, '--port', '0', '--json'], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`prnn view did not start: ${stderr}`)), 60_000);
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => reject(new Error(`prnn view exited with ${code}: ${stderr}`)));
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n')[0];
      if (!stdout.includes('\n')) return;
      clearTimeout(timer);
      const { url } = JSON.parse(line) as { url: string };
      resolve({
        url,
        child,
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
