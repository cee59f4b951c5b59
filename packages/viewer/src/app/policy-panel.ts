import { ACTION_NAMES, SENSOR_COUNT } from '@prnn/env';
import { META, type SessionPolicy } from '@prnn/agents/browser';
import { channelColour } from './colours.js';
import { HeatStrip } from './heat-strip.js';
import { MazeView } from './maze-view.js';
import type { TrialOutcome } from './trial-runner.js';

/** Rows of the state that are the hidden layer: [x (I), h (H), o (O)] for prnn's own policies, else all of it. */
export function hiddenSlice(policy: SessionPolicy): { offset: number; rows: number; what: string } {
  const hidden = Number(policy.metadata[META.hidden]);
  const family = policy.metadata[META.family];
  if (family === 'nine-pathway' && Number.isInteger(hidden) && policy.obsSize + hidden + 5 === policy.stateSize) {
    return { offset: policy.obsSize, rows: hidden, what: `hidden activity (${hidden} units)` };
  }
  return { offset: 0, rows: policy.stateSize, what: `recurrent state (${policy.stateSize} values)` };
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? 'undefined' : v.toFixed(4);
}

/** One policy's column: its maze and path, heat-map strips of what it sensed, its hidden activity and Q-values. */
export class PolicyPanel {
  readonly element: HTMLElement;
  outcome: TrialOutcome | undefined;
  private readonly maze = new MazeView();
  private readonly inputs: HeatStrip;
  private readonly hidden: HeatStrip;
  private readonly qs = new HeatStrip({ kind: 'per-step' }, (row) => `Q(${ACTION_NAMES[row]})`);
  private readonly fitness: HTMLElement;
  private readonly slice: { offset: number; rows: number; what: string };

  constructor(
    readonly policy: SessionPolicy,
    readonly label: string,
    readonly colour: string,
    onRemove: () => void,
  ) {
    const channels = policy.obsSize / SENSOR_COUNT;
    this.inputs = new HeatStrip(
      { kind: 'rows', colour: (row) => channelColour(row % channels) },
      (row) => `${ACTION_NAMES[Math.floor(row / channels)]} sensor, channel ${row % channels}`,
    );
    this.slice = hiddenSlice(policy);
    this.hidden = new HeatStrip({ kind: 'diverging' }, (row) => `${this.slice.offset > 0 ? 'h' : 'state'}[${row}]`);
    const el = document.createElement('section');
    el.className = 'panel';
    el.dataset.policy = label;
    const h = document.createElement('h3');
    const title = document.createElement('span');
    title.style.color = colour;
    title.textContent = label;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'remove';
    remove.textContent = 'remove';
    remove.addEventListener('click', onRemove);
    h.append(title, remove);
    const meta = document.createElement('div');
    meta.className = 'meta';
    const m = policy.metadata;
    const arch = m[META.architecture] ? `${m[META.architecture]}, ` : '';
    meta.textContent = `${arch}obs ${policy.obsSize}, state ${policy.stateSize}${m[META.seed] ? `, seed ${m[META.seed]}` : ''}`;
    this.fitness = document.createElement('div');
    this.fitness.className = 'fitness';
    const label_ = (text: string) => {
      const d = document.createElement('div');
      d.className = 'strip-label';
      d.textContent = text;
      return d;
    };
    const sensors = ACTION_NAMES.slice(0, SENSOR_COUNT).join('/');
    el.append(
      h,
      meta,
      this.maze.canvas,
      this.fitness,
      label_(`sensed inputs (${sensors} × ${channels} channels)`),
      this.inputs.canvas,
      label_(this.slice.what),
      this.hidden.canvas,
      label_('Q-values (left/right/up/down/stay; chosen action outlined)'),
      this.qs.canvas,
    );
    this.element = el;
  }

  show(outcome: TrialOutcome, maze: number, steps: number): void {
    this.outcome = outcome;
    const { trial } = outcome;
    const n = trial.actions.length;
    this.maze.setMaze(outcome.set, maze);
    this.inputs.set(trial.observations, trial.obsSize, 0, trial.obsSize, n, steps);
    this.hidden.set(trial.states, trial.stateSize, this.slice.offset, this.slice.rows, n, steps);
    this.qs.set(trial.q, 5, 0, 5, n, steps, trial.actions);
    this.fitness.textContent = `trial fitness ${fmt(trial.fitness)} · ${n} steps · mean over ${outcome.set.count} mazes ${fmt(outcome.mean)}`;
    this.fitness.dataset.fitness = String(trial.fitness);
  }

  /** Shows step t (agent at path[t]). */
  draw(t: number): void {
    const trial = this.outcome?.trial;
    if (!trial) return;
    this.maze.draw(trial.path, t, this.colour);
    this.inputs.draw(t);
    this.hidden.draw(t);
    this.qs.draw(t);
  }

  steps(): number {
    return this.outcome?.trial.actions.length ?? 0;
  }
}
