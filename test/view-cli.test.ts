import { createServer, type Server } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linearPolicy } from '../packages/agents/test/onnx-test-models.js';
import { oneErrorLine, runCli, trainTinyRunCli } from './run-cli.js';
import { startView } from './view-server.js';

// `prnn view` without a browser: bad input is one error line, the server hands out the run's networks exported
// exactly as `prnn export` writes them, links the report, and `--static` writes a self-contained site.
let dir: string;
let run: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prnn-view-cli-'));
  run = join(dir, 'run');
  trainTinyRunCli(run);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prnn view: bad input', () => {
  it('a run directory without trained networks', async () => {
    const empty = join(dir, 'untrained');
    await mkdir(empty);
    await writeFile(join(empty, 'run.json'), await readFile(join(run, 'run.json')));
    const line = oneErrorLine(runCli(['view', '--run', empty, '--port', '0']));
    expect(line).toMatch(/^Error: --run .*untrained holds no trained network/);
    expect(oneErrorLine(runCli(['view', '--run', join(dir, 'nowhere'), '--port', '0']))).toMatch(/^Error: --run/);
  });

  it('a file that is not ONNX', async () => {
    const bad = join(dir, 'notes.onnx');
    await writeFile(bad, 'this is not a model\n');
    expect(oneErrorLine(runCli(['view', '--policy', bad, '--port', '0']))).toMatch(/^Error: .*notes\.onnx is not (an|a valid) ONNX model/);
  });

  it('an ONNX model that does not fit the policy contract, or reads another channel count', async () => {
    const misfit = join(dir, 'misfit.onnx');
    await writeFile(misfit, linearPolicy(8, new Float32Array(40), new Float32Array(5), {
      outputs: [
        { name: 'q', elemType: 1, shape: ['batch', 5] },
        { name: 'state_out', elemType: 1, shape: ['batch', 1] },
        { name: 'extra', elemType: 1, shape: ['batch', 1] },
      ],
      nodes: [
        { opType: 'MatMul', inputs: ['obs', 'W'], outputs: ['z0'] },
        { opType: 'Add', inputs: ['z0', 'b'], outputs: ['q'] },
        { opType: 'Identity', inputs: ['state'], outputs: ['state_out'] },
        { opType: 'Identity', inputs: ['state'], outputs: ['extra'] },
      ],
    }));
    expect(oneErrorLine(runCli(['view', '--policy', misfit, '--port', '0']))).toMatch(
      /^Error: .*policy misfit\.onnx does not follow the prnn-policy\/1 contract: extra output extra\. Expected inputs obs/,
    );
    const three = join(dir, 'three-channels.onnx');
    await writeFile(three, linearPolicy(12, new Float32Array(60), new Float32Array(5)));
    expect(oneErrorLine(runCli(['view', '--run', run, '--policy', three, '--port', '0']))).toMatch(
      /^Error: --policy .*three-channels\.onnx reads 12 observation values per step \(made for 3 cue channels\), but the task has 2 channels \(4·C = 8 values\): pass --channels 3, or a policy made for 2 channels$/,
    );
  });

  it('a busy port', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const line = oneErrorLine(runCli(['view', '--run', run, '--port', String(port)]));
      expect(line).toBe(`Error: --port ${port} is in use on 127.0.0.1: choose another port (or --port 0 for any free one)`);
    } finally {
      blocker.close();
    }
  });

  it('neither --run nor --policy, and --noise out of range', () => {
    expect(oneErrorLine(runCli(['view']))).toMatch(/^Error: give --run DIR or at least one --policy/);
    expect(oneErrorLine(runCli(['view', '--run', run, '--noise', '2']))).toMatch(/^Error: --noise must be a number in \[0, 0.5\]/);
  });
});

describe('prnn view: serving a run', () => {
  it('serves the page, its config, networks exported as prnn export writes them, and the report', async () => {
    await mkdir(join(run, 'report'), { recursive: true });
    await writeFile(join(run, 'report', 'report.html'), '<!doctype html><title>report</title>');
    const view = await startView(['--run', run]);
    try {
      const html = await (await fetch(view.url)).text();
      expect(html).toContain('<title>prnn view');
      const config = (await (await fetch(`${view.url}config.json`)).json()) as { initial: string[]; report?: string; policies: { id: string; url: string }[]; task: { kind: string } };
      expect(config.initial).toEqual(['fc_seed0', 'hh+oh_seed0']);
      expect(config.task.kind).toBe('track');
      expect(config.report).toBe('report/report.html');
      expect(await (await fetch(`${view.url}report/report.html`)).text()).toContain('<title>report</title>');
      expect((await fetch(`${view.url}report/../run.json`)).status).toBe(404);
      const exported = join(dir, 'hh-oh.onnx');
      expect(runCli(['export', '--run', run, '--id', 'hh+oh_seed0', '--out', exported]).status).toBe(0);
      const served = new Uint8Array(await (await fetch(`${view.url}${config.policies[1].url}`)).arrayBuffer());
      expect(Buffer.from(served).equals(await readFile(exported))).toBe(true);
      const script = /assets\/index-[^"]+\.js/.exec(html);
      expect(script).not.toBeNull();
      expect((await fetch(`${view.url}${script![0]}`)).headers.get('content-type')).toMatch(/^text\/javascript/);
      expect((await fetch(`${view.url}no-such-file.js`)).status).toBe(404);
    } finally {
      await view.stop();
      await rm(join(run, 'report'), { recursive: true, force: true });
    }
  });

  it('--open hands the URL to the system opener (xdg-open)', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin);
    const record = join(dir, 'opened.txt');
    // written under another name and renamed: the file appears only once it holds the whole line
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > ${JSON.stringify(`${record}.tmp`)} && mv ${JSON.stringify(`${record}.tmp`)} ${JSON.stringify(record)}\n`, {
      mode: 0o755,
    });
    const view = await startView(['--run', run, '--open'], { PATH: `${bin}:${process.env.PATH}` });
    try {
      // the opener runs detached: wait for its file (up to a minute on a loaded machine; no time is asserted)
      for (let k = 0; k < 1200 && !existsSync(record); k++) await new Promise((r) => setTimeout(r, 50));
      expect((await readFile(record, 'utf8')).trim()).toBe(view.url);
    } finally {
      await view.stop();
    }
  });

  it('--static writes the page, the wasm runtime and every policy, and refuses a foreign directory', async () => {
    const site = join(dir, 'site');
    await mkdir(join(run, 'report'), { recursive: true });
    await writeFile(join(run, 'report', 'report.html'), '<!doctype html><title>report</title>');
    const out = runCli(['view', '--run', run, '--static', site, '--json']);
    await rm(join(run, 'report'), { recursive: true, force: true });
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ policies: 2, report: true });
    expect(await readFile(join(site, 'report', 'report.html'), 'utf8')).toContain('<title>report</title>');
    expect(existsSync(join(site, 'index.html'))).toBe(true);
    const assets = await readdir(join(site, 'assets'));
    expect(assets.some((f) => /^ort-wasm-simd-threaded.*\.wasm$/.test(f))).toBe(true);
    const config = JSON.parse(await readFile(join(site, 'config.json'), 'utf8')) as { policies: { id: string }[] };
    expect(config.policies.map((p) => p.id)).toEqual(['fc_seed0', 'hh+oh_seed0']);
    const exported = join(dir, 'fc.onnx');
    expect(runCli(['export', '--run', run, '--id', 'fc_seed0', '--out', exported]).status).toBe(0);
    expect((await readFile(join(site, 'policies', 'fc_seed0.onnx'))).equals(await readFile(exported))).toBe(true);
    // a second build replaces the first; a directory of other files is refused
    expect(runCli(['view', '--run', run, '--static', site]).status).toBe(0);
    const foreign = join(dir, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'keep.txt'), 'mine');
    expect(oneErrorLine(runCli(['view', '--run', run, '--static', foreign]))).toMatch(/^Error: --static .*foreign exists and is neither empty nor/);
    expect(await readFile(join(foreign, 'keep.txt'), 'utf8')).toBe('mine');
  });
});
