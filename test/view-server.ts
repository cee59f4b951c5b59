// Starts `prnn view … --port 0 --json` as a child process and reads the URL it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './run-cli.js';

export interface RunningView {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export function startView(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningView> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'view', ...args, '--port', '0', '--json'], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`prnn view ${why}; stdout: ${stdout}; stderr: ${stderr}`));
    const timer = setTimeout(() => fail('printed no URL within 60 s'), 60_000);
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(`exited with ${code}`);
    });
    child.stdout.on('data', (d) => {
      stdout += d;
      // the first complete line that is the --json document with the URL
      for (const line of stdout.split('\n').slice(0, -1)) {
        let url: string | undefined;
        try {
          url = (JSON.parse(line) as { url?: string }).url;
        } catch {
          continue;
        }
        if (typeof url !== 'string') continue;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({
          url,
          child,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
        return;
      }
    });
  });
}
