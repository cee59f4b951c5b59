// Plugins may decorate their classes (@injectable/@inject): the metadata polyfill must exist before any
// plugin module is evaluated, and every way of building a registry passes through this file.
import 'reflect-metadata';
import { Container } from 'inversify';
import { register as registerWithEnv } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import type { Architecture, ArchInfo, ArchSizeOptions } from './architecture.js';
import type { Environment, RegisterEnvironment } from './environment.js';
import type { Learner } from './learner.js';
import type { Metric } from './metric.js';
import { KernelSet, WEIGHT_FED_ONNX_OPERATION, type Kernel } from './kernel.js';
import type { TaskSource } from './task-source.js';
import { withCompiledPath } from '../compiler/kernel.js';
import { withCompiledJacobian } from '../compiler/jacobian-kernel.js';
import type { PrnnPlugin } from './plugin.js';
import { TYPES, type ServiceKind } from './tokens.js';
import type { FitnessEvaluator, ProgressReporter, TrainerRuntime, TrainingLogger } from './services.js';

/** One registered service, as `prnn plugins` lists it. */
export interface RegistryEntry {
  readonly kind: ServiceKind;
  readonly name: string;
  readonly plugin: string;
  /** The npm package that ships the plugin. */
  readonly package: string;
  readonly version: string;
}

/** Environment sets already registered with @prnn/env in this process (plugin, name): @prnn/env ids are global. */
const registeredWithEnv = new Set<string>();

interface Registered<T> {
  readonly service: T;
  readonly entry: RegistryEntry;
}

const KINDS: readonly { kind: ServiceKind; id: symbol; key: (s: never) => unknown }[] = [
  { kind: 'architecture', id: TYPES.Architecture, key: (s: Architecture) => s.family },
  { kind: 'learner', id: TYPES.Learner, key: (s: Learner) => s.name },
  { kind: 'metric', id: TYPES.Metric, key: (s: Metric) => s.name },
  { kind: 'environment', id: TYPES.Environment, key: (s: Environment) => s.name },
  { kind: 'task', id: TYPES.Task, key: (s: TaskSource) => s.id },
  { kind: 'kernel', id: TYPES.Kernel, key: (s: Kernel) => (s && typeof s.family === 'string' && typeof s.operation === 'string' && typeof s.name === 'string' ? `${s.family}/${s.operation}/${s.name}` : undefined) },
];

/** The services of every loaded plugin, by kind and name. Built by `createContainer`. */
export class Registry {
  readonly #byKind = new Map<ServiceKind, Map<string, Registered<unknown>>>();

  /** @internal use `createContainer`. */
  constructor(
    readonly container: Container,
    readonly plugins: readonly PrnnPlugin[],
    registered: readonly Registered<unknown>[],
  ) {
    for (const { kind } of KINDS) this.#byKind.set(kind, new Map());
    for (const r of registered) this.#byKind.get(r.entry.kind)!.set(r.entry.name, r);
  }

  #all<T>(kind: ServiceKind): T[] {
    return [...this.#byKind.get(kind)!.values()].map((r) => r.service as T);
  }

  #one<T>(kind: ServiceKind, name: string): T {
    const found = this.#byKind.get(kind)!.get(name);
    if (!found) {
      const known = [...this.#byKind.get(kind)!.keys()];
      const what = kind === 'architecture' ? 'architecture family' : kind;
      throw new PrnnError(
        `${what} ${JSON.stringify(name)} is registered by no loaded plugin; ${known.length ? `loaded: ${known.join(', ')}` : `no ${kind} is registered`}`,
      );
    }
    return found.service as T;
  }

  /** Every registered architecture family, in load order. */
  architectures(): Architecture[] {
    return this.#all('architecture');
  }
  /** Every registered learner, in load order. */
  learners(): Learner[] {
    return this.#all('learner');
  }
  /** Every registered metric, in load order. */
  metrics(): Metric[] {
    return this.#all('metric');
  }
  /** Every registered environment plugin, in load order. */
  environments(): Environment[] {
    return this.#all('environment');
  }
  /** The architecture of this family; a PrnnError listing the loaded families when there is none. */
  architecture(family: string): Architecture {
    return this.#one('architecture', family);
  }
  /** The learner of this name; a PrnnError listing the loaded learners when there is none. */
  learner(name: string): Learner {
    return this.#one('learner', name);
  }
  /** The metric of this name; a PrnnError listing the loaded metrics when there is none. */
  metric(name: string): Metric {
    return this.#one('metric', name);
  }
  /** The environment plugin of this name; a PrnnError listing the loaded ones when there is none. */
  environment(name: string): Environment {
    return this.#one('environment', name);
  }
  /** Every registered task source, in load order. */
  tasks(): TaskSource[] {
    return this.#all('task');
  }
  /** The task source of this id; a PrnnError listing the loaded ones when there is none. */
  task(id: string): TaskSource {
    return this.#one('task', id);
  }
  /** Every registered kernel, in load order. */
  allKernels(): Kernel[] {
    return this.#all('kernel');
  }
  /**
   * The kernels of `family` (what a TrainJob carries): those registered for it, plus the `compiled` path for a
   * family defined by its step that has no population kernel (see compiler/kernel.ts), and its `compiled`
   * jacobian kernel after any registered one (see compiler/jacobian-kernel.ts).
   */
  kernels(family: string): KernelSet {
    const registered = this.allKernels().filter((k) => k.family === family);
    const architecture = this.#byKind.get('architecture')!.get(family)?.service as Architecture | undefined;
    return new KernelSet(family, withCompiledJacobian(architecture, withCompiledPath(architecture, registered)));
  }
  /** The plugin that registered a service. */
  pluginOf(kind: ServiceKind, name: string): RegistryEntry | undefined {
    const found = this.#byKind.get(kind)!.get(name);
    return found ? { ...found.entry } : undefined;
  }

  /**
   * Resolves a user's architecture spec (`fc`, `hh+oh`, `ff-large`, or `family:spec` to pick a family) by
   * asking every family. A spec that two families claim must be written `family:spec`.
   */
  resolveArch(spec: string, opts: ArchSizeOptions): ArchInfo {
    const colon = spec.indexOf(':');
    if (colon > 0) {
      const family = spec.slice(0, colon);
      const inner = spec.slice(colon + 1);
      const arch = this.architecture(family).resolve(inner, opts);
      if (!arch) throw new PrnnError(`architecture ${JSON.stringify(inner)} is not a member of family ${family}${this.#examples()}`);
      return arch;
    }
    const matches: ArchInfo[] = [];
    const failures: string[] = [];
    for (const family of this.architectures()) {
      try {
        const arch = family.resolve(spec, opts);
        if (arch) matches.push(arch);
      } catch (err) {
        // A family that recognises the spec but rejects its sizes explains why; keep that message.
        if (err instanceof PrnnError) failures.push(err.message);
        else throw err;
      }
    }
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) {
      throw new PrnnError(
        `architecture ${JSON.stringify(spec)} is ambiguous: families ${matches.map((a) => a.family).join(', ')} ` +
          `all have it; write family:spec, e.g. ${matches[0].family}:${spec}`,
      );
    }
    if (failures.length === 1 && this.architectures().length === 1) throw new PrnnError(failures[0]);
    throw new PrnnError(`unknown architecture ${JSON.stringify(spec)}${this.#examples()}`);
  }

  /** The canonical name of a user's architecture spec (`oh+hh` → `hh+oh`), or undefined when no family has it. */
  canonicalName(spec: string): string | undefined {
    try {
      return this.resolveArch(spec, { channels: 2, hidden: 8 }).name;
    } catch (err) {
      if (err instanceof PrnnError) return undefined;
      throw err;
    }
  }

  #examples(): string {
    const families = this.architectures().map((a) => {
      const names = a.list({ channels: 2, hidden: 8 }).map((x) => x.name);
      const shown = names.length > 4 ? [...names.slice(0, 3), names[names.length - 1]] : names;
      return `${a.family} (e.g. ${shown.join(', ')})`;
    });
    return families.length ? `; families: ${families.join('; ')}` : '; no architecture family is registered';
  }

  /**
   * Has every Environment plugin register its ids — by default with @prnn/env's registry, where they are
   * global, so a plugin's environments already registered in this process are skipped.
   */
  registerEnvironments(register?: RegisterEnvironment): void {
    for (const { service, entry } of this.#byKind.get('environment')!.values()) {
      const env = service as Environment;
      const key = `${entry.plugin}\u0000${entry.name}`;
      if (!register && registeredWithEnv.has(key)) continue;
      try {
        env.register(register ?? registerWithEnv);
      } catch (err) {
        throw new PrnnError(
          `plugin ${entry.plugin}: environment ${entry.name} could not register: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (!register) registeredWithEnv.add(key);
    }
  }

  /** The trainer runtime bound to `TYPES.TrainerRuntime` (the last binding wins; the built-in is `trainRun`). */
  trainer(): TrainerRuntime {
    if (!this.container.isBound(TYPES.TrainerRuntime)) throw new PrnnError('no trainer runtime is bound (TYPES.TrainerRuntime); load the built-in plugins');
    const all = this.container.getAll<TrainerRuntime>(TYPES.TrainerRuntime);
    return all[all.length - 1];
  }

  /**
   * The fitness evaluator bound to `TYPES.Evaluator` (the last binding wins; the built-in evaluation plugin binds
   * `evaluateRun` and `evaluatePolicy`), as a plugin's `onActivation` decorators left it.
   */
  evaluator(): FitnessEvaluator {
    if (!this.container.isBound(TYPES.Evaluator)) throw new PrnnError('no fitness evaluator is bound (TYPES.Evaluator); load the built-in plugins');
    const all = this.container.getAll<FitnessEvaluator>(TYPES.Evaluator);
    return all[all.length - 1];
  }

  /** The training loggers bound to `TYPES.Logger`, in load order (none by default). */
  loggers(): TrainingLogger[] {
    return this.container.isBound(TYPES.Logger) ? this.container.getAll<TrainingLogger>(TYPES.Logger) : [];
  }

  /**
   * The progress reporter bound to `TYPES.ProgressReporter` (the last binding wins, so a plugin loaded later
   * rebinds one loaded earlier), or `fallback` when none is bound. `fallback` is bound first to
   * `TYPES.DefaultProgressReporter`, so a plugin's reporter may wrap it (decorate) rather than replace it.
   */
  progressReporter(fallback: ProgressReporter): ProgressReporter {
    if (this.container.isBound(TYPES.DefaultProgressReporter)) this.container.unbindSync(TYPES.DefaultProgressReporter);
    this.container.bind<ProgressReporter>(TYPES.DefaultProgressReporter).toConstantValue(fallback);
    if (!this.container.isBound(TYPES.ProgressReporter)) return fallback;
    const all = this.container.getAll<ProgressReporter>(TYPES.ProgressReporter);
    return all[all.length - 1] ?? fallback;
  }

  /** Every registered service with the plugin that provided it, in load order. */
  list(): RegistryEntry[] {
    return KINDS.flatMap(({ kind }) => [...this.#byKind.get(kind)!.values()].map((r) => ({ ...r.entry })));
  }
}

/** The members each kind of service must have (functions), checked when a plugin registers one. */
const REQUIRED_METHODS: Readonly<Record<ServiceKind, readonly string[]>> = {
  architecture: ['list', 'resolve', 'createPopulation'],
  learner: ['defaults', 'configure', 'train'],
  metric: ['measure'],
  environment: ['register'],
  kernel: [],
  task: ['options', 'generateInto', 'generateSet'],
};

/** What is wrong with a registered service, or undefined when it has the contract's shape. */
function malformed(kind: ServiceKind, service: unknown): string | undefined {
  if (!service || typeof service !== 'object') return `it is ${service === null ? 'null' : typeof service}, not an object`;
  const s = service as Record<string, unknown>;
  const missing = REQUIRED_METHODS[kind].filter((m) => typeof s[m] !== 'function');
  if (kind === 'kernel') {
    if (s.operation === 'population' && typeof s.create !== 'function') missing.push('create');
    if (s.operation === 'jacobian' && typeof s.sensitivity !== 'function') missing.push('sensitivity');
    if (s.operation === WEIGHT_FED_ONNX_OPERATION && typeof s.model !== 'function') missing.push('model');
    const known = ['population', 'jacobian', WEIGHT_FED_ONNX_OPERATION];
    if (!known.includes(s.operation as string) && typeof s.run !== 'function') missing.push('run');
  }
  if (missing.length) return `${missing.join(', ')} must be ${missing.length === 1 ? 'a function' : 'functions'}`;
  return undefined;
}

function checkPlugin(plugin: PrnnPlugin, index: number): void {
  const m = plugin?.manifest;
  const label = typeof m?.name === 'string' && m.name ? m.name : `#${index}`;
  if (!m || typeof m.name !== 'string' || !m.name || typeof m.version !== 'string') {
    throw new PrnnError(`plugin ${label} has no valid manifest: expected { name: string, version: string }`);
  }
  const mod = plugin.module as unknown as { load?: unknown } | undefined;
  if (!mod || typeof mod.load !== 'function') {
    throw new PrnnError(`plugin ${label} has no valid module: expected an inversify ContainerModule`);
  }
}

/**
 * Loads the plugins' ContainerModules, in order, into one inversify Container and indexes what each bound
 * to `TYPES.*`. A name bound twice (by two plugins, or twice by one) is an error naming both plugins.
 */
export function createContainer(input: readonly PrnnPlugin[] | { readonly plugins: readonly PrnnPlugin[] }): Registry {
  const plugins = Array.isArray(input) ? (input as readonly PrnnPlugin[]) : (input as { plugins: readonly PrnnPlugin[] }).plugins;
  const container = new Container({ defaultScope: 'Singleton' });
  const registered: Registered<unknown>[] = [];
  const owner = new Map<string, string>();
  const counts = new Map<symbol, number>(KINDS.map(({ id }) => [id, 0]));
  plugins.forEach((plugin, index) => {
    checkPlugin(plugin, index);
    const { name: pluginName, version } = plugin.manifest;
    try {
      container.loadSync(plugin.module);
    } catch (err) {
      throw Object.assign(new PrnnError(`plugin ${pluginName} failed to load: ${err instanceof Error ? err.message : String(err)}`), { cause: err });
    }
    for (const { kind, id, key } of KINDS) {
      let services: unknown[];
      try {
        services = container.isBound(id) ? container.getAll(id) : [];
      } catch (err) {
        throw new PrnnError(
          `plugin ${pluginName}: a ${kind} cannot be created: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      // Bindings resolve in registration order, so the ones after the previous count are this plugin's.
      for (const service of services.slice(counts.get(id))) {
        const name = service && typeof service === 'object' ? (key as (s: unknown) => unknown)(service) : undefined;
        if (typeof name !== 'string' || name.length === 0) {
          throw new PrnnError(`plugin ${pluginName} registered a ${kind} without a name`);
        }
        const previous = owner.get(`${kind}:${name}`);
        if (previous !== undefined) {
          throw new PrnnError(
            `${kind} ${JSON.stringify(name)} is registered twice: by plugin ${previous} and by plugin ${pluginName}`,
          );
        }
        const problem = malformed(kind, service);
        if (problem) throw new PrnnError(`plugin ${pluginName} registered a malformed ${kind} ${JSON.stringify(name)}: ${problem}`);
        owner.set(`${kind}:${name}`, pluginName);
        registered.push({ service, entry: { kind, name, plugin: pluginName, package: plugin.manifest.package ?? pluginName, version } });
      }
      counts.set(id, services.length);
    }
  });
  return new Registry(container, plugins, registered);
}
