import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, oneErrorLine, project, projectDirs, runCli, runCliBatch, trainTinyRunCli } from './run-cli.js';
import { spawnCli } from './sweep-helpers.js';

afterAll(() => {
  for (const d of projectDirs) rmSync(d, { recursive: true, force: true });
});

/** An architecture plugin whose step uses tf.elu, a tfjs kernel the step tracer has no ONNX mapping for. */
const ELU_PLUGIN = `
import { defineArchitecture, definePlugin, tf, TYPES } from '@prnn/agents';
const info = (hidden, channels) => ({ family: 'elu-rnn', name: 'elu', hidden, parameters: 4 * channels * hidden + hidden * hidden + hidden * 5 });
const arch = defineArchitecture({
  family: 'elu-rnn',
  description: 'an RNN of ELU units',
  list: ({ channels, hidden }) => [info(hidden, channels)],
  resolve: (spec, { channels, hidden }) => (spec === 'elu' ? info(hidden, channels) : undefined),
  parameters: (a, { inputs, outputs }) => ({ w_in: [inputs, a.hidden], w_hh: [a.hidden, a.hidden], w_out: [a.hidden, outputs] }),
  init: (a, { inputs, outputs }, rng) => ({
    w_in: Float32Array.from({ length: inputs * a.hidden }, () => rng.float() - 0.5),
    w_hh: Float32Array.from({ length: a.hidden * a.hidden }, () => (rng.float() - 0.5) / a.hidden),
    w_out: Float32Array.from({ length: a.hidden * outputs }, () => rng.float() - 0.5),
  }),
  stateSize: (a) => a.hidden,
  step(p, state, obs, noise) {
    const h = tf.elu(tf.add(tf.matMul(obs, p.w_in), tf.matMul(state, p.w_hh)));
    const z = tf.matMul(h, p.w_out);
    return { output: tf.softmax(noise ? tf.add(z, noise) : z), state: h };
  },
});
export const plugin = definePlugin({ manifest: { name: 'elu-rnn', version: '0.0.1' }, module: ({ bind }) => { bind(TYPES.Architecture).toConstantValue(arch); } });
`;

/**
 * The low-rank family with an exporter that fails on trained (non-zero) weights while PRNN_TEST_BREAK_EXPORT
 * is set: the pre-flight (zero weights) passes, the final test after training fails.
 */
const FLAKY_EXPORT_PLUGIN = `
import { definePlugin, TYPES } from '@prnn/agents';
import { lowRankArchitecture } from '@prnn/plugin-lowrank-rnn';
const arch = {
  ...lowRankArchitecture,
  family: 'flaky-rnn',
  list: (o) => lowRankArchitecture.list(o).map((a) => ({ ...a, family: 'flaky-rnn', name: 'flaky-' + a.name })),
  resolve: (spec, o) => { const a = spec.startsWith('flaky-') ? lowRankArchitecture.resolve(spec.slice(6), o) : undefined; return a && { ...a, family: 'flaky-rnn', name: spec }; },
  createPopulation: (members, o) => lowRankArchitecture.createPopulation(members.map((m) => ({ ...m, arch: { ...m.arch, family: 'lowrank-rnn', name: m.arch.name.slice(6) } })), o),
  network: (a, w, c) => lowRankArchitecture.network({ ...a, family: 'lowrank-rnn', name: a.name.slice(6) }, w, c),
  weightShapes: (a, c) => lowRankArchitecture.weightShapes({ ...a, name: a.name.slice(6) }, c),
  stateSize: (a, c) => lowRankArchitecture.stateSize({ ...a, name: a.name.slice(6) }, c),
  exportOnnx(a, w, m, c) {
    const trained = Object.values(w).some((v) => v.some((x) => x !== 0));
    if (process.env.PRNN_TEST_BREAK_EXPORT === '1' && trained) throw new Error('the exporter broke on trained weights');
    return lowRankArchitecture.exportOnnx({ ...a, family: 'lowrank-rnn', name: a.name.slice(6) }, w, m, c);
  },
};
export const plugin = definePlugin({ manifest: { name: 'flaky-rnn', version: '0.0.1' }, module: ({ bind }) => { bind(TYPES.Architecture).toConstantValue(arch); } });
`;

const TINY = ['--episodes', '12', '--test-mazes', '8', '--curve-points', '2', '--seed', '3', '--backend', 'cpu', '--workers', '1'];

function runWithEnv(args: string[], cwd: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'run.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a plugin step that cannot be exported to ONNX', () => {
  it('is refused before the first episode, naming --arch, the kernel and the fix; nothing is written', () => {
    const cwd = project({ 'prnn.config.json': JSON.stringify({ plugins: ['./elu.mjs'] }), 'elu.mjs': ELU_PLUGIN });
    const out = path.join(cwd, 'run');
    const train = runCli(['train', '--arch', 'fc,elu', ...TINY, '--out', out], { cwd });
    const line = oneErrorLine(train);
    expect(line).toMatch(/^Error: --arch elu: architecture family elu-rnn cannot be exported to ONNX/);
    expect(line).toMatch(/tfjs kernel Elu/);
    expect(line).toMatch(/exportOnnx/);
    // refused before training: no progress line, no run directory
    expect(existsSync(out)).toBe(false);
    const plan = oneErrorLine(runCli(['sweep', 'plan', path.join(cwd, 'sweep'), '--arch', 'elu', '--episodes', '12'], { cwd }));
    expect(plan).toMatch(/--arch elu: .*tfjs kernel Elu/);
    expect(existsSync(path.join(cwd, 'sweep'))).toBe(false);
  });
});

describe('a failure after training', () => {
  it('keeps the trained state, says how to finish, and --resume finishes with the uninterrupted run\u2019s weights', () => {
    const cwd = project({ 'prnn.config.json': JSON.stringify({ plugins: ['./flaky.mjs'] }), 'flaky.mjs': FLAKY_EXPORT_PLUGIN });
    const broken = path.join(cwd, 'broken');
    const args = ['train', '--arch', 'flaky-lowrank-r1', ...TINY, '--checkpoint-every', '5'];
    const failed = runWithEnv([...args, '--out', broken], cwd, { PRNN_TEST_BREAK_EXPORT: '1' });
    // training started (its memory line), then one error line, no stack trace
    expect(failed.status).toBe(2);
    const lines = failed.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^memory: /);
    const line = lines[1];
    expect(line).toMatch(/the exporter broke on trained weights/);
    expect(line).toContain(`kept in ${path.join(broken, 'checkpoint')}`);
    expect(line).toMatch(/--resume to finish$/);
    // the checkpoint of the last episode (12) is there, no result yet
    expect(readdirSync(path.join(broken, 'checkpoint')).some((f) => f === 'state-12.bin')).toBe(true);
    expect(existsSync(path.join(broken, 'networks', 'flaky-lowrank-r1_seed0', 'weights.bin'))).toBe(false);

    const resumed = runWithEnv([...args, '--out', broken, '--resume', '--json'], cwd, {});
    expect(resumed.status, resumed.stderr).toBe(0);
    const clean = path.join(cwd, 'clean');
    const reference = runWithEnv([...args, '--out', clean, '--json'], cwd, {});
    expect(reference.status, reference.stderr).toBe(0);
    const weights = (dir: string) => readFileSync(path.join(dir, 'networks', 'flaky-lowrank-r1_seed0', 'weights.bin'));
    expect(weights(broken).equals(weights(clean))).toBe(true);
    expect(JSON.parse(resumed.stdout).networks[0].fitness).toBe(JSON.parse(reference.stdout).networks[0].fitness);
  });
});

describe('what can be checked before work starts', () => {
  let run: string;
  let other: string;
  beforeAll(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'prnn-preflight-'));
    projectDirs.push(dir);
    run = path.join(dir, 'a');
    other = path.join(dir, 'b');
    trainTinyRunCli(run, { arch: 'fc', episodes: 20 });
    trainTinyRunCli(other, { arch: 'ff', episodes: 30 });
  });

  it('train --resume with a mistyped --out is refused instead of starting afresh', () => {
    const missing = path.join(path.dirname(run), 'a-typo');
    const empty = path.join(path.dirname(run), 'empty');
    mkdirSync(empty);
    // both wrong command lines in one node process (runCliBatch), each as `prnn train …` would run
    const [typo, nothing] = runCliBatch([['train', '--arch', 'fc', '--episodes', '20', '--resume', '--out', missing], ['train', '--arch', 'fc', '--episodes', '20', '--resume', '--out', empty]]);
    expect(oneErrorLine(typo)).toBe(`Error: --out ${missing}: nothing to resume (the directory does not exist); check the path, or drop --resume to start a new run`);
    expect(existsSync(missing)).toBe(false);
    expect(oneErrorLine(nothing)).toMatch(/nothing to resume \(no run\.json there\)/);
  });

  it('analyze refuses runs trained differently unless --allow-mixed, before any work', () => {
    const report = path.join(path.dirname(run), 'report');
    const line = oneErrorLine(runCli(['analyze', '--run', run, '--run', other, '--out', report, '--mazes', '5', '--noise', '0,0.5']));
    expect(line).toMatch(/trained differently \(episodes 30 vs 20\)/);
    expect(line).toMatch(/--allow-mixed/);
    expect(existsSync(report)).toBe(false);
    const mixed = runCli(['analyze', '--run', run, '--run', other, '--out', report, '--mazes', '5', '--noise', '0,0.5', '--metrics', 'fitness', '--allow-mixed', '--json']);
    expect(mixed.status, mixed.stderr).toBe(0);
    expect(JSON.parse(mixed.stdout).networks).toHaveLength(2);
  });
});

/** Mounts a tmpfs (root only; the caller skips when it cannot) and returns its directory. */
function mountTmpfs(options: string): string | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'prnn-mount-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return dir;
}

function unmount(dir: string | undefined): void {
  if (dir === undefined) return;
  spawnSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
}

const canMount = (() => {
  const dir = mountTmpfs('size=16k');
  unmount(dir);
  if (dir === undefined) console.warn('preflight.test: cannot mount a tmpfs here (needs root); the full-disk and read-only tests skip');
  return dir !== undefined;
})();

describe.skipIf(!canMount)('a full disk and a read-only file system', () => {
  let full: string | undefined;
  let roomy: string | undefined;
  let readOnly: string | undefined;
  let run: string;
  beforeAll(() => {
    full = mountTmpfs('size=24k');
    roomy = mountTmpfs('size=512k');
    readOnly = mountTmpfs('ro,size=16k');
    const dir = mkdtempSync(path.join(tmpdir(), 'prnn-disk-'));
    projectDirs.push(dir);
    run = path.join(dir, 'run');
    trainTinyRunCli(run, { arch: 'fc', episodes: 20 });
  });
  afterAll(() => {
    unmount(full);
    unmount(roomy);
    unmount(readOnly);
  });

  it('a read-only --out is named with its path before any work (train, analyze, eval, export)', () => {
    const ro = readOnly!;
    // the three wrong command lines in one node process (runCliBatch), each as `prnn …` would run
    const [train, analyze, exported] = runCliBatch([
      ['train', '--arch', 'fc', '--episodes', '20', '--out', path.join(ro, 'run')],
      ['analyze', '--run', run, '--out', path.join(ro, 'report'), '--mazes', '5'],
      ['export', '--run', run, '--out', path.join(ro, 'onnx')],
    ]);
    expect(oneErrorLine(train)).toBe(
      `Error: --out: cannot create directory ${path.join(ro, 'run')}: the file system is read-only; choose a writable --out`,
    );
    expect(oneErrorLine(analyze)).toBe(
      `Error: --out: cannot write ${ro}: the file system is read-only; choose a writable --out`,
    );
    expect(oneErrorLine(exported)).toMatch(new RegExp(`^Error: --out: cannot \\w+ ${ro}.*read-only; choose a writable --out$`));
  });

  it('an estimated need above the free space is refused before training', () => {
    const line = oneErrorLine(runCli(['train', '--arch', 'all', '--seeds', '8', '--episodes', '20', '--out', path.join(full!, 'big')]));
    expect(line).toMatch(new RegExp(`^Error: --out: ${path.join(full!, 'big')} has [\\d.]+ kB free, and training 1032 networks needs about [\\d.]+ MB; free space there or choose another --out$`));
    expect(existsSync(path.join(full!, 'big'))).toBe(false);
  });

  it('a disk that fills up during training is named with the file and the flag; what was written before is kept', async () => {
    const dir = path.join(path.dirname(run), 'sweep');
    expect(runCli(['sweep', 'plan', dir, '--arch', 'fc,hh+oh', '--seeds', '4', '--episodes', '20', '--test-mazes', '10', '--noise', '0,0.5', '--chunk-size', '4', '--checkpoint-every', '5']).status).toBe(0);
    const plan = readFileSync(path.join(dir, 'plan.json'), 'utf8');
    const work = path.join(roomy!, 'work');
    // the work directory passes the pre-flight; the test hook freezes the run after its first checkpoint, the disk
    // is then filled (another job's files), and the run continues
    const running = spawnCli(['sweep', 'run', dir, '--work-dir', work, '--workers', '1'], { PRNN_TEST_FAULT: 'SIGSTOP@checkpoint:1' });
    expect(await running.stopped()).toBe(true);
    spawnSync('sh', ['-c', `head -c 10000000 /dev/zero > ${path.join(roomy!, 'filler')}`]);
    running.kill('SIGCONT');
    const r = await running.done;
    const line = oneErrorLine({ status: r.code, stdout: r.stdout, stderr: r.stderr });
    expect(line).toMatch(new RegExp(`^Error: --work-dir: cannot write ${work}/chunk-0/\\S+: no space left on the device; free space there or choose another --work-dir, then run the command again$`));
    // the plan and the store written before the disk filled are whole
    expect(readFileSync(path.join(dir, 'plan.json'), 'utf8')).toBe(plan);
    const status = runCli(['sweep', 'status', dir, '--json']);
    expect(status.status, status.stderr).toBe(0);
  });

  it('a work directory without room for a chunk is refused before training', () => {
    const dir = path.join(path.dirname(run), 'sweep-small');
    expect(runCli(['sweep', 'plan', dir, '--arch', 'fc,hh+oh', '--seeds', '4', '--episodes', '20', '--chunk-size', '8']).status).toBe(0);
    const line = oneErrorLine(runCli(['sweep', 'run', dir, '--work-dir', path.join(full!, 'w')]));
    expect(line).toMatch(new RegExp(`^Error: --work-dir: ${path.join(full!, 'w')} has [\\d.]+ kB free, and training chunk 0 \\(8 networks\\) needs about [\\d.]+ kB; free space there or choose another --work-dir$`));
  });

  it('an export to a full disk leaves the file already there as it was', () => {
    const target = path.join(full!, 'eval.json');
    writeFileSync(target, 'earlier results\n');
    // fill the rest of the disk
    const filler = path.join(full!, 'filler');
    spawnSync('sh', ['-c', `head -c 100000 /dev/zero > ${filler}`]);
    const line = oneErrorLine(runCli(['eval', '--run', run, '--mazes', '5', '--noise', '0,0.5', '--out', target]));
    // a disk filled to the last byte fails the pre-flight probe of --out's directory; one with a few bytes left fails the write
    expect(line).toMatch(new RegExp(`^Error: --out: cannot write ${target}: (${full!} takes no files \\()?no space left on the device`));
    expect(readFileSync(target, 'utf8')).toBe('earlier results\n');
    rmSync(filler, { force: true });
  });
});
