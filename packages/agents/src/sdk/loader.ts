import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrnnError, parseJsonFile } from '@prnn/core';
import { createContainer, type Registry } from './container.js';
import { builtinPlugins } from '../builtins/index.js';
import type { PrnnPlugin } from './plugin.js';

/**
 * The project file that lists the plugins to load (read from the working directory; package.json's `prnn` key also
 * works).
 */
export const CONFIG_FILE = 'prnn.config.json';

function readJson(file: string): unknown {
  return parseJsonFile(readFileSync(file, 'utf8'), file);
}

function checkNames(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new PrnnError(`${where} must be an array of plugin package names or paths`);
  }
  return value as string[];
}

/** The plugins named by `prnn.config.json` ("plugins"), else by `package.json` ("prnn.plugins"), in `cwd`. */
export function configuredPluginNames(cwd: string): string[] {
  const config = path.join(cwd, CONFIG_FILE);
  if (existsSync(config)) {
    const json = readJson(config) as { plugins?: unknown } | null;
    return json && json.plugins !== undefined ? checkNames(json.plugins, `"plugins" in ${config}`) : [];
  }
  const pkg = path.join(cwd, 'package.json');
  if (existsSync(pkg)) {
    const json = readJson(pkg) as { prnn?: { plugins?: unknown } } | null;
    const plugins = json?.prnn?.plugins;
    return plugins === undefined ? [] : checkNames(plugins, `"prnn.plugins" in ${pkg}`);
  }
  return [];
}

function isPathSpec(spec: string): boolean {
  return spec.startsWith('.') || path.isAbsolute(spec);
}

/** Entry file of a package directory: exports["."] (import/default), else module, else main, else index.js. */
function packageEntry(dir: string): string {
  const file = path.join(dir, 'package.json');
  if (!existsSync(file)) return path.join(dir, 'index.js');
  const pkg = readJson(file) as { exports?: unknown; module?: string; main?: string };
  let entry: unknown = pkg.exports;
  if (entry && typeof entry === 'object' && '.' in entry) entry = (entry as Record<string, unknown>)['.'];
  while (entry && typeof entry === 'object') {
    const conditions = entry as Record<string, unknown>;
    entry = conditions.import ?? conditions.node ?? conditions.default;
  }
  return path.join(dir, typeof entry === 'string' ? entry : (pkg.module ?? pkg.main ?? 'index.js'));
}

/** Finds a package by name the way Node would from `cwd`, falling back to the package's ESM entry. */
function resolvePackage(spec: string, cwd: string): string {
  try {
    return createRequire(path.join(cwd, 'noop.js')).resolve(spec);
  } catch {
    // ESM-only packages (exports with only "import") are invisible to require.resolve; look them up.
    for (let dir = cwd; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', spec);
      if (existsSync(candidate)) return packageEntry(candidate);
      if (path.dirname(dir) === dir) break;
    }
    throw new Error(`package not found from ${cwd}`);
  }
}

function resolveSpec(spec: string, cwd: string): string {
  if (!isPathSpec(spec)) return resolvePackage(spec, cwd);
  const full = path.resolve(cwd, spec);
  if (!existsSync(full)) throw new Error(`no such file or directory: ${full}`);
  return statSync(full).isDirectory() ? packageEntry(full) : full;
}

/**
 * Where the syntax error of a JavaScript file is, as `file:line` or `file:line:column` (Node's import() of an
 * ES module does not say): `node --check` parses the file and prints the place. Undefined when the file itself
 * parses (the error is in a module it imports) or the check cannot run.
 */
function syntaxErrorLocation(file: string): string | undefined {
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0 || typeof r.stderr !== 'string') return undefined;
  const lines = r.stderr.split('\n');
  const at = /^(.*):(\d+)$/.exec(lines[0] ?? '');
  if (!at) return undefined;
  const caret = (lines[2] ?? '').indexOf('^');
  return caret >= 0 && /\S/.test(lines[1] ?? '') ? `${at[1]}:${at[2]}:${caret + 1}` : `${at[1]}:${at[2]}`;
}

/** Imports one plugin (package name, or path relative to `cwd`) and checks that it exports a PrnnPlugin. */
export async function importPlugin(spec: string, cwd: string): Promise<PrnnPlugin> {
  let exports: Record<string, unknown>;
  let file: string | undefined;
  try {
    file = resolveSpec(spec, cwd);
    exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const where = err instanceof SyntaxError && file !== undefined ? syntaxErrorLocation(file) : undefined;
    const detail = where === undefined ? reason : `SyntaxError: ${reason} at ${where}; fix the file`;
    throw Object.assign(new PrnnError(`plugin ${JSON.stringify(spec)} could not be imported: ${detail}`), { cause: err });
  }
  const plugin = (exports.default ?? exports.plugin) as PrnnPlugin | undefined;
  const manifest = plugin?.manifest;
  if (!manifest || typeof manifest.name !== 'string' || !manifest.name || typeof manifest.version !== 'string') {
    throw new PrnnError(
      `plugin ${JSON.stringify(spec)} has no valid manifest: its default export (or export "plugin") must be ` +
        `{ manifest: { name, version }, module: ContainerModule }`,
    );
  }
  if (!plugin.module || typeof (plugin.module as unknown as { load?: unknown }).load !== 'function') {
    throw new PrnnError(`plugin ${JSON.stringify(spec)} (${manifest.name}) has no valid module: expected an inversify ContainerModule`);
  }
  return plugin;
}

/** Options of `loadPlugins`: where the configuration is read, and extra plugins to load after it. */
export interface LoadPluginsOptions {
  /** Where prnn.config.json / package.json are read and relative plugin paths resolve (default: process.cwd()). */
  readonly cwd?: string;
  /**
   * Built-in plugins of other packages (e.g. @prnn/sweeps' results store), loaded after the SDK's own and before
   * the configured ones, so that a configured plugin rebinds or decorates what they bind.
   */
  readonly builtins?: readonly PrnnPlugin[];
  /** More plugins, after the configured ones: specs to import, or plugin objects. */
  readonly extra?: readonly (string | PrnnPlugin)[];
}

/**
 * The registry of the built-in plugins plus those configured in `cwd` and any `extra`. Environment plugins
 * have registered their ids with @prnn/env when it returns, so `make(id)` knows them.
 */
export async function loadPlugins(opts: LoadPluginsOptions = {}): Promise<Registry> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const plugins: PrnnPlugin[] = [...builtinPlugins(), ...(opts.builtins ?? [])];
  for (const spec of configuredPluginNames(cwd)) plugins.push(await importPlugin(spec, cwd));
  for (const extra of opts.extra ?? []) plugins.push(typeof extra === 'string' ? await importPlugin(extra, cwd) : extra);
  const registry = createContainer(plugins);
  registry.registerEnvironments();
  return registry;
}
