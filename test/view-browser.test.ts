import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTaskOptions } from '@prnn/env';
import { evaluatePolicy, OnnxPolicy, PolicyEvaluator, TEST_SET_SEED_OFFSET, TrialRecorder } from '@prnn/agents';
import { CHROMIUM_MISSING, CONTENT_TYPES, findChromium, launchChromium, type LaunchedChromium } from '@prnn/viewer';
import type { Page } from 'playwright-core';
import { linearPolicy } from '../packages/agents/test/onnx-test-models.js';
import { runCli, trainTinyRunCli } from './run-cli.js';
import { startView, type RunningView } from './view-server.js';

// The page in a real headless Chromium (Debian's /usr/bin/chromium; .ci/run installs it): the trials it plays
// with onnxruntime-web equal those prnn computes in Node with onnxruntime-node for the same maze and seed.
const chromium = findChromium();
if (!chromium) console.warn(`view-browser tests skipped: ${CHROMIUM_MISSING}`);

interface PageTrial {
  label: string;
  path: number[];
  actions: number[];
  fitness: number | null;
  mean: number | null;
}
interface Probe {
  ready: boolean;
  runs: number;
  firstStepAt: number | null;
  messages(): string[];
  trials(): PageTrial[];
  sweep: null | { running: boolean; results: (number | null)[][] };
}

const MAZES = 40;
const RUN_SEED = 3;
const TEST_MAZES = 24;
// fc with seed 1, so that "each network's own seed" differs from the page's seed control (0)
const NETWORKS = ['fc_seed1', 'hh+oh_seed0'];
let dir: string;
let run: string;
let view: RunningView;
let browser: LaunchedChromium;
let page: Page;
const consoleErrors: string[] = [];

/**
 * The trial of maze `maze` as Node's evaluator plays it (onnxruntime-node), and the set's mean fitness; by default
 * as `prnn eval --policy --seed 0 --mazes MAZES` (test set from seed + 1 000 003).
 */
async function nodeTrial(
  file: string,
  maze: number,
  noise: number,
  { task = resolveTaskOptions('track', {}), seed = 0, mazeSeed = seed + TEST_SET_SEED_OFFSET, mazes = MAZES } = {},
) {
  const policy = await OnnxPolicy.load(file);
  try {
    const evaluator = new PolicyEvaluator({ task, mazes, mazeSeed, noise: [noise] });
    const recorder = new TrialRecorder(maze, policy.obsSize, task.steps);
    const result = await evaluator.evaluate(policy, seed, recorder);
    const trial = recorder.result();
    return { path: trial.path, actions: trial.actions, fitness: trial.fitness, mean: result.fitness[0] };
  } finally {
    await policy.release();
  }
}

const probe = (p: Page) => p.evaluate(() => {
  const v = (window as unknown as { prnnViewer: Probe }).prnnViewer;
  return { runs: v.runs, messages: v.messages(), trials: v.trials(), firstStepAt: v.firstStepAt };
});

async function setInput(p: Page, name: string, value: string, event: 'input' | 'change') {
  const before = (await probe(p)).runs;
  await p.evaluate(([n, v, e]) => {
    const input = document.querySelector(`[name=${n}]`) as HTMLInputElement;
    input.value = v;
    input.dispatchEvent(new Event(e, { bubbles: true }));
  }, [name, value, event] as const);
  await p.waitForFunction((b) => (window as unknown as { prnnViewer: Probe }).prnnViewer.runs > b, before);
}

describe.skipIf(!chromium)('prnn view in Chromium', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prnn-view-browser-'));
    run = join(dir, 'run');
    trainTinyRunCli(run, { episodes: 40, seed: RUN_SEED, seeds: 2 });
    for (const id of NETWORKS) {
      expect(runCli(['export', '--run', run, '--id', id, '--out', join(dir, `${id}.onnx`)]).status).toBe(0);
    }
    view = await startView(['--run', run, ...NETWORKS.flatMap((id) => ['--show', id])]);
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    await page.goto(view.url);
    await page.waitForFunction(() => (window as unknown as { prnnViewer?: Probe }).prnnViewer?.ready === true, undefined, { timeout: 60_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await view?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads with both networks and animates', async () => {
    const state = await probe(page);
    expect(state.messages).toEqual([]);
    expect(state.trials.map((t) => t.label)).toEqual(['fc · seed 1', 'hh+oh · seed 0']);
    expect(state.firstStepAt).not.toBeNull();
    expect(await page.locator('.panel canvas').count()).toBe(8);
  });

  it('a run starts as prnn eval --run: the run\'s test set, each network\'s seed, the mean = its stored fitness', async () => {
    const { trials } = await probe(page);
    for (const [k, id] of NETWORKS.entries()) {
      const seed = Number(id.slice(-1));
      const node = await nodeTrial(join(dir, `${id}.onnx`), 0, 0.05, { seed, mazeSeed: RUN_SEED + TEST_SET_SEED_OFFSET, mazes: TEST_MAZES });
      expect(trials[k].path).toEqual(node.path);
      expect(trials[k].fitness).toBe(node.fitness);
      const stored = JSON.parse(await readFile(join(run, 'networks', id, 'result.json'), 'utf8')).fitness as number;
      expect(trials[k].mean).toBeCloseTo(stored, 12);
    }
  });

  it('shared seed: the trial prnn eval --policy plays in Node: same path, actions and fitness, and its mean', async () => {
    await setInput(page, 'seedMode', 'shared', 'change');
    await setInput(page, 'mazes', String(MAZES), 'change');
    await setInput(page, 'maze', '5', 'change');
    const { trials } = await probe(page);
    for (const [k, id] of NETWORKS.entries()) {
      const file = join(dir, `${id}.onnx`);
      const node = await nodeTrial(file, 5, 0.05);
      expect(trials[k].path).toEqual(node.path);
      expect(trials[k].actions).toEqual(node.actions);
      expect(trials[k].fitness).toBe(node.fitness);
      expect(trials[k].path.length).toBe(trials[k].actions.length + 1);
      const cli = runCli(['eval', '--policy', file, '--mazes', String(MAZES), '--noise', '0.05', '--seed', '0', '--json']);
      expect(trials[k].mean).toBe(JSON.parse(cli.stdout).fitness[0]);
    }
  });

  it('the σs slider re-runs the trials with that noise', async () => {
    const before = (await probe(page)).trials;
    await setInput(page, 'noise', '0.4', 'input');
    const after = (await probe(page)).trials;
    expect(after.map((t) => [t.path, t.mean])).not.toEqual(before.map((t) => [t.path, t.mean]));
    const node = await nodeTrial(join(dir, 'fc_seed1.onnx'), 5, 0.4);
    expect(after[0].path).toEqual(node.path);
    expect(after[0].mean).toBe(node.mean);
    await setInput(page, 'noise', '0.05', 'input');
  });

  it('another maze kind: a General maze, the same trial as in Node', async () => {
    await setInput(page, 'kind', 'general', 'change');
    const { trials } = await probe(page);
    const node = await nodeTrial(join(dir, 'hh+oh_seed0.onnx'), 5, 0.05, { task: resolveTaskOptions('general', {}) });
    expect(trials[1].path).toEqual(node.path);
    expect(trials[1].fitness).toBe(node.fitness);
    expect(trials[1].mean).toBe(node.mean);
    await setInput(page, 'kind', 'track', 'change');
  });

  it('the static build plays the same trials from a plain static web server; the address carries the settings', async () => {
    const site = join(dir, 'site');
    expect(runCli(['view', '--run', run, ...NETWORKS.flatMap((id) => ['--show', id]), '--mazes', String(MAZES), '--static', site]).status).toBe(0);
    const server = createServer(async (req, res) => {
      const path = join(site, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/\/$/, '/index.html'));
      try {
        const body = await readFile(path);
        res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const other = await browser.context.newPage();
    try {
      await other.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/?seeds=shared&maze=3&noise=0.2`);
      await other.waitForFunction(() => (window as unknown as { prnnViewer?: Probe }).prnnViewer?.ready === true, undefined, { timeout: 60_000 });
      const { trials, messages } = await probe(other);
      expect(messages).toEqual([]);
      const node = await nodeTrial(join(dir, 'fc_seed1.onnx'), 3, 0.2);
      expect(trials[0].path).toEqual(node.path);
      expect(trials[0].mean).toBe(node.mean);
      expect(new URL(other.url()).searchParams.get('maze')).toBe('3');
    } finally {
      await other.close();
      server.close();
    }
  });

  it('the sweep in the worker gives prnn eval\'s fitness per σs', async () => {
    await page.fill('input[name=sweepMazes]', '30');
    await page.fill('input[name=sweepNoise]', '0,0.25,0.5');
    await page.click('#sweep');
    await page.waitForFunction(() => {
      const s = (window as unknown as { prnnViewer: Probe }).prnnViewer.sweep;
      return s !== null && !s.running;
    });
    const results = await page.evaluate(() => (window as unknown as { prnnViewer: Probe }).prnnViewer.sweep!.results);
    const policy = await OnnxPolicy.load(join(dir, 'hh+oh_seed0.onnx'));
    const node = await evaluatePolicy(policy, { task: resolveTaskOptions('track', {}), mazes: 30, noise: [0, 0.25, 0.5], seed: 0 });
    await policy.release();
    expect(results[1]).toEqual(node.fitness);
    expect(await page.locator('#sweep-plot polyline').count()).toBe(2);
  });

  it('bad files dropped on the page get a clear message, and a screenshot is written', async () => {
    const notOnnx = join(dir, 'readme.onnx');
    await writeFile(notOnnx, 'not a model');
    const misfit = join(dir, 'misfit.onnx');
    await writeFile(misfit, linearPolicy(8, new Float32Array(40), new Float32Array(5), {
      nodes: [
        { opType: 'MatMul', inputs: ['obs', 'W'], outputs: ['z0'] },
        { opType: 'Add', inputs: ['z0', 'b'], outputs: ['scores'] },
        { opType: 'Identity', inputs: ['state'], outputs: ['state_out'] },
      ],
      outputs: [
        { name: 'scores', elemType: 1, shape: ['batch', 5] },
        { name: 'state_out', elemType: 1, shape: ['batch', 1] },
      ],
    }));
    await page.setInputFiles('#file-input', [notOnnx, misfit]);
    await page.waitForFunction(() => (window as unknown as { prnnViewer: Probe }).prnnViewer.messages().length >= 2);
    const text = (await page.locator('#messages').textContent()) ?? '';
    expect(text).toContain('policy readme.onnx is not an ONNX model');
    expect(text).toMatch(/policy misfit\.onnx does not follow the prnn-policy\/1 contract: missing output q; extra output scores/);
    expect((await probe(page)).trials).toHaveLength(2);
    const shot = process.env.PRNN_VIEW_SCREENSHOT ?? join(dir, 'view.png');
    await page.locator('#messages').evaluate((el) => (el.textContent = ''));
    await page.screenshot({ path: shot, fullPage: true });
    const png = await readFile(shot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
