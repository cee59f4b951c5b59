import type { TaskOptions } from '@prnn/env';
import { parseNoiseSpec, type SessionPolicy } from '@prnn/agents/browser';
import { MAX_POLICIES, VIEWER_CONFIG_FILE, VIEWER_CONFIG_FORMAT, type ViewerConfig } from '../shared/viewer-config.js';
import { POLICY_COLOURS } from './colours.js';
import { kindDefaults, readControls, writeControls, type TrialControls } from './controls.js';
import { Messages, messageOf } from './messages.js';
import { openPolicy } from './ort-runtime.js';
import { PolicyPanel } from './policy-panel.js';
import { Player } from './player.js';
import { plotSweep, type SweepLine } from './sweep-plot.js';
import type { SweepMessage, SweepRequest } from './sweep-protocol.js';
import { runTrial, trialSeeds, type TrialParams } from './trial-runner.js';

interface Slot {
  readonly panel: PolicyPanel;
  readonly bytes: Uint8Array;
  /** The network's own seed (run networks), used in seed mode `network`. */
  readonly seed?: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('controls');
const messages = new Messages($('messages'));
const status = $('status');
const slots: Slot[] = [];
let config: ViewerConfig | undefined;
let task: TaskOptions | undefined;
let params: TrialParams | undefined;
let runId = 0;
let rerun: Promise<void> = Promise.resolve();

/** What tests and benchmarks read (window.prnnViewer). */
const probe = {
  ready: false,
  /** performance.now() when the first animated step was drawn (ms since navigation start). */
  firstStepAt: null as number | null,
  runs: 0,
  /** ms since navigation start at each stage of the first load (config, sessions, trials). */
  marks: {} as Record<string, number>,
  sweep: null as null | { running: boolean; frames: number; started: number; seconds: number; fps: number | null; results: (number | null)[][] },
  messages: () => messages.texts,
  trials: () =>
    slots.map(({ panel }) => ({
      label: panel.label,
      path: panel.outcome?.trial.path ?? [],
      actions: panel.outcome?.trial.actions ?? [],
      fitness: panel.outcome?.trial.fitness ?? null,
      mean: panel.outcome?.mean ?? null,
    })),
  params: () => params,
};
(window as unknown as { prnnViewer: typeof probe }).prnnViewer = probe;

const player = new Player((t) => {
  for (const { panel } of slots) panel.draw(t);
  if (t >= 1 && probe.firstStepAt === null) probe.firstStepAt = performance.now();
});

function maxSteps(): number {
  return Math.max(0, ...slots.map(({ panel }) => panel.steps()));
}

/** Re-plays every policy's trial with the current controls; a newer request supersedes an older one. */
function runAll(): Promise<void> {
  const id = ++runId;
  rerun = rerun.then(async () => {
    if (id !== runId || !params) return;
    const p = params;
    try {
      for (const { panel, seed } of slots) {
        const outcome = await runTrial(panel.policy, p, seed);
        if (id !== runId) return;
        panel.show(outcome, p.maze, p.task.steps);
      }
      messages.set('run', null);
    } catch (error) {
      messages.set('run', messageOf(error));
      return;
    }
    probe.runs++;
    player.load(maxSteps());
  });
  return rerun;
}

/** The trial settings in the address (?kind=&seed=&seeds=&mazes=&maze=&noise=), so a view can be shared as a link. */
function writeAddress(p: TrialParams): void {
  const query = new URLSearchParams({
    kind: p.task.kind,
    seed: String(p.seed),
    seeds: p.seedMode,
    mazes: String(p.mazes),
    maze: String(p.maze),
    noise: String(p.noise),
  });
  history.replaceState(null, '', `${location.pathname}?${query}`);
}

function fromAddress(base: ViewerConfig): TrialControls & { task: TaskOptions } {
  const query = new URLSearchParams(location.search);
  const number = (key: string, fallback: number) => (query.has(key) && Number.isFinite(Number(query.get(key))) ? Number(query.get(key)) : fallback);
  const kind = query.get('kind');
  const t = kind === 'track' || kind === 'general' || kind === 'h' ? (kind === base.task.kind ? base.task : kindDefaults(kind, base.task)) : base.task;
  const seeds = query.get('seeds');
  const seedMode = seeds === 'shared' || seeds === 'network' ? seeds : base.run ? 'network' : 'shared';
  return { task: t, seed: number('seed', base.seed), seedMode, mazes: number('mazes', base.mazes), maze: number('maze', 0), noise: number('noise', base.noise) };
}

function readParams(): boolean {
  if (!task) return false;
  try {
    params = readControls(form, task, config?.run?.runSeed);
    task = params.task;
    writeAddress(params);
    messages.set('params', null);
    return true;
  } catch (error) {
    messages.set('params', messageOf(error));
    return false;
  }
}

/** Shows a policy in a new panel; `opening` lets callers open several sessions at once (the initial load). */
async function addPolicy(bytes: Uint8Array, label: string, seed?: number, opening?: Promise<SessionPolicy>): Promise<void> {
  const key = `load:${label}`;
  if (slots.length >= MAX_POLICIES) {
    messages.set(key, `${label}: at most ${MAX_POLICIES} policies are shown side by side; remove one first`);
    return;
  }
  let policy: SessionPolicy;
  try {
    policy = await (opening ?? openPolicy(bytes, label));
  } catch (error) {
    messages.set(key, messageOf(error));
    return;
  }
  if (!task) return;
  if (policy.obsSize !== 4 * task.channels) {
    if (slots.length > 0) {
      messages.set(key, `policy ${label} reads obs of size ${policy.obsSize} (C = ${policy.obsSize / 4} channels) but the task has C = ${task.channels}: its obs size must be 4·C = ${4 * task.channels}`);
      await policy.release();
      return;
    }
    task = kindDefaults(task.kind, { ...task, channels: policy.obsSize / 4, activeChannels: new Array(policy.obsSize / 4).fill(1) });
    writeControls(form, task, params ?? { seed: 0, seedMode: 'shared', mazes: 100, maze: 0, noise: 0.05 });
  }
  messages.set(key, null);
  const colour = POLICY_COLOURS.find((c) => !slots.some((s) => s.panel.colour === c)) ?? POLICY_COLOURS[0];
  const panel: PolicyPanel = new PolicyPanel(policy, label, colour, () => {
    const k = slots.findIndex((s) => s.panel === panel);
    if (k >= 0) slots.splice(k, 1);
    panel.element.remove();
    void policy.release();
    player.load(maxSteps());
  });
  slots.push({ panel, bytes, ...(seed !== undefined ? { seed } : {}) });
  $('panels').append(panel.element);
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${(await response.text()).trim() || response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function addEntry(id: string): Promise<void> {
  const entry = config?.policies.find((p) => p.id === id);
  if (!entry) return;
  try {
    await addPolicy(await fetchBytes(entry.url), entry.label, entry.seed);
  } catch (error) {
    messages.set(`load:${entry.label}`, messageOf(error));
  }
}

async function addFiles(files: Iterable<File>): Promise<void> {
  for (const file of files) await addPolicy(new Uint8Array(await file.arrayBuffer()), file.name);
  if (readParams()) await runAll();
}

// ---- sweep (Web Worker) ----
let worker: Worker | undefined;
let sweepId = 0;

function startSweep(): void {
  if (!params || slots.length === 0) {
    messages.set('sweep', 'sweep: load a policy first');
    return;
  }
  let noise: number[];
  let mazes: number;
  try {
    noise = parseNoiseSpec((form.elements.namedItem('sweepNoise') as HTMLInputElement).value);
    mazes = Number((form.elements.namedItem('sweepMazes') as HTMLInputElement).value);
    if (!Number.isInteger(mazes) || mazes < 1 || mazes > 100_000) throw new Error(`sweep mazes must be an integer in [1, 100000] (got ${mazes})`);
  } catch (error) {
    messages.set('sweep', messageOf(error));
    return;
  }
  messages.set('sweep', null);
  worker ??= new Worker(new URL('./sweep-worker.ts', import.meta.url), { type: 'module' });
  const id = ++sweepId;
  const lines: SweepLine[] = slots.map(({ panel }) => ({ label: panel.label, colour: panel.colour, fitness: [] }));
  const sweep = { running: true, frames: 0, started: performance.now(), seconds: 0, fps: null as number | null, results: lines.map(() => []) as (number | null)[][] };
  probe.sweep = sweep;
  const statusEl = $('sweep-status');
  statusEl.textContent = `running ${mazes} mazes × ${noise.length} levels…`;
  const countFrames = () => {
    if (!sweep.running) return;
    sweep.frames++;
    requestAnimationFrame(countFrames);
  };
  requestAnimationFrame(countFrames);
  worker.onmessage = (event: MessageEvent<SweepMessage>) => {
    const m = event.data;
    if (m.id !== id) return;
    if (m.type === 'result') {
      sweep.results[m.index] = m.fitness;
      statusEl.textContent = `running ${mazes} mazes × ${noise.length} levels… ${m.index + 1} of ${lines.length} policies done`;
      const area = m.robustness === null ? '' : ` (robustness ${m.robustness.toFixed(3)})`;
      lines[m.index] = { ...lines[m.index], label: `${lines[m.index].label}${area}`, fitness: m.fitness };
      $('sweep-section').hidden = false;
      plotSweep($('sweep-plot'), noise, lines);
    } else if (m.type === 'done') {
      sweep.running = false;
      sweep.seconds = (performance.now() - sweep.started) / 1000;
      sweep.fps = sweep.frames / sweep.seconds;
      statusEl.textContent = `${mazes} mazes × ${noise.length} levels in ${sweep.seconds.toFixed(1)} s`;
    } else {
      sweep.running = false;
      statusEl.textContent = '';
      messages.set('sweep', `sweep: ${m.message}`);
    }
  };
  const p = params;
  const request: SweepRequest = {
    id,
    task: p.task,
    mazeSeed: trialSeeds(p).mazeSeed,
    mazes,
    noise,
    policies: slots.map(({ panel, bytes, seed }) => ({ label: panel.label, seed: trialSeeds(p, seed).seed, bytes: bytes.slice().buffer })),
  };
  worker.postMessage(request, request.policies.map((p) => p.bytes));
}

// ---- wiring ----
function wire(): void {
  form.addEventListener('change', (event) => {
    const target = event.target as HTMLInputElement;
    if (target.name === 'speed') {
      player.speed = Number(target.value);
      return;
    }
    if (target.name === 'sweepMazes' || target.name === 'sweepNoise' || target.type === 'file' || target.id === 'network-list') return;
    if (target.name === 'kind' && task && params) {
      task = kindDefaults(target.value as TaskOptions['kind'], task);
      writeControls(form, task, params);
    }
    if (readParams()) void runAll();
  });
  (form.elements.namedItem('noise') as HTMLInputElement).addEventListener('input', () => {
    if (readParams()) void runAll();
  });
  const togglePlay = () => {
    player.playing = !player.playing;
    $('play').textContent = player.playing ? 'pause' : 'play';
  };
  const stepOnce = () => {
    player.playing = false;
    $('play').textContent = 'play';
    player.step();
  };
  $('play').addEventListener('click', togglePlay);
  $('step').addEventListener('click', stepOnce);
  // space: play/pause, →: step, Home: restart (not while typing in a field)
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    if (event.key === ' ') togglePlay();
    else if (event.key === 'ArrowRight') stepOnce();
    else if (event.key === 'Home') player.restart();
    else return;
    event.preventDefault();
  });
  $('restart').addEventListener('click', () => player.restart());
  $('add-network').addEventListener('click', async () => {
    await addEntry(($('network-list') as HTMLSelectElement).value);
    await runAll();
  });
  $<HTMLInputElement>('file-input').addEventListener('change', async (event) => {
    const input = event.target as HTMLInputElement;
    await addFiles(Array.from(input.files ?? []));
    input.value = '';
  });
  $('sweep').addEventListener('click', startSweep);
  const overlay = $('drop-overlay');
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    overlay.hidden = false;
  });
  document.addEventListener('dragleave', () => (overlay.hidden = true));
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    overlay.hidden = true;
    void addFiles(Array.from(event.dataTransfer?.files ?? []));
  });
}

async function start(): Promise<void> {
  wire();
  try {
    const response = await fetch(VIEWER_CONFIG_FILE);
    if (!response.ok) throw new Error(`${VIEWER_CONFIG_FILE}: ${response.status} ${response.statusText}`);
    config = (await response.json()) as ViewerConfig;
    if (config.format !== VIEWER_CONFIG_FORMAT) throw new Error(`${VIEWER_CONFIG_FILE} is not a prnn viewer configuration (format ${String(config.format)})`);
  } catch (error) {
    messages.set('config', `cannot load the viewer configuration: ${messageOf(error)}`);
    status.textContent = 'no configuration';
    return;
  }
  const initial = fromAddress(config);
  probe.marks.config = performance.now();
  task = initial.task;
  writeControls(form, task, initial);
  readParams();
  $('seed-mode').hidden = config.run === undefined;
  const list = $<HTMLSelectElement>('network-list');
  for (const entry of config.policies) {
    const option = document.createElement('option');
    option.value = entry.id;
    const fitness = typeof entry.fitness === 'number' ? ` · fitness ${entry.fitness.toFixed(3)}` : '';
    option.textContent = `${entry.label}${fitness}`;
    list.append(option);
  }
  list.disabled = config.policies.length === 0;
  if (config.report) {
    const link = $<HTMLAnchorElement>('report-link');
    link.href = config.report;
    link.hidden = false;
  }
  const loaded = await Promise.all(
    config.initial.map(async (id) => {
      const entry = config!.policies.find((p) => p.id === id);
      try {
        return entry ? { entry, bytes: await fetchBytes(entry.url) } : undefined;
      } catch (error) {
        messages.set(`load:${id}`, messageOf(error));
        return undefined;
      }
    }),
  );
  probe.marks.fetched = performance.now();
  const opening = loaded.map((item) => {
    if (!item) return undefined;
    const session = openPolicy(item.bytes, item.entry.label);
    session.catch(() => undefined); // reported by addPolicy
    return session;
  });
  for (const [k, item] of loaded.entries()) if (item) await addPolicy(item.bytes, item.entry.label, item.entry.seed, opening[k]);
  probe.marks.sessions = performance.now();
  await runAll();
  probe.marks.trials = performance.now();
  const run = config.run ? `run ${config.run.dir} (${config.run.networks} networks)` : `${config.policies.length} policies`;
  status.textContent = `${run} · task ${task.kind} ${task.size}×${task.size}, ${task.channels} channels, ${task.steps} steps`;
  probe.ready = true;
  document.body.dataset.ready = 'true';
}

void start().catch((error) => {
  messages.set('start', messageOf(error));
});
