import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ContainerModule } from 'inversify';
import { make, registeredEnvs } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArch } from '../src/architectures/nine-pathway/family.js';
import { archInfo } from '../src/architectures/nine-pathway/architecture.js';
import { builtinPlugins } from '../src/builtins/index.js';
import { createContainer } from '../src/sdk/container.js';
import { loadPlugins } from '../src/sdk/loader.js';
import { definePlugin } from '../src/sdk/plugin.js';
import { TYPES } from '../src/sdk/tokens.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A project directory with node_modules linked to the repository's, as a user's project would have. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'prnn-sdk-'));
  dirs.push(dir);
  symlinkSync(path.resolve(import.meta.dirname, '../../../node_modules'), path.join(dir, 'node_modules'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** A third-party architecture plugin, as plain ESM: family `toy`, members `toy-1` … `toy-3`. */
const TOY_PLUGIN = `
import { ContainerModule } from 'inversify';
const info = (n) => ({ family: 'toy', name: 'toy-' + n, hidden: n, parameters: 10 * n });
class ToyFamily {
  family = 'toy';
  description = 'a test family';
  list() { return [1, 2, 3].map(info); }
  resolve(spec) { const m = /^toy-(\\d)$/.exec(spec); return m ? info(Number(m[1])) : undefined; }
  createPopulation() { throw new Error('not trainable'); }
}
const envs = { name: 'toy-envs', description: 'test environments', ids: ['toy/Line-v0'],
  register(register) { register('toy/Line-v0', () => ({ line: true })); } };
export default {
  manifest: { name: 'prnn-plugin-toy', version: '1.2.3', description: 'test plugin' },
  module: new ContainerModule(({ bind }) => {
    bind(Symbol.for('prnn.Architecture')).to(ToyFamily);
    bind(Symbol.for('prnn.Environment')).toConstantValue(envs);
  }),
};
`;

describe('plugin SDK', () => {
  it('registers the built-ins through the same container as any plugin', async () => {
    const registry = await loadPlugins({ cwd: project({}) });
    const list = registry.list();
    expect(list).toContainEqual({ kind: 'architecture', name: 'nine-pathway', plugin: '@prnn/agents/nine-pathway', package: '@prnn/agents', version: '0.1.0' });
    expect(list).toContainEqual({ kind: 'metric', name: 'weight-norms', plugin: '@prnn/agents/metrics', package: '@prnn/agents', version: '0.1.0' });
    expect(list.filter((e) => e.kind === 'learner').map((e) => e.name)).toContain('dqn');
    expect(registry.architecture('nine-pathway').list({ channels: 2, hidden: 8 })).toHaveLength(129);
    expect(registry.resolveArch('hh+oh', { channels: 2, hidden: 8 })).toMatchObject({ family: 'nine-pathway', name: 'hh+oh', parameters: 104 + 64 + 40 });
    expect(registry.resolveArch('nine-pathway:fc', { channels: 2, hidden: 8 }).referenceIndex).toBe(127);
    expect(registry.resolveArch('FF-Large', { channels: 2, hidden: 8 })).toMatchObject({ name: 'ff-large', hidden: 34, parameters: 442 });
    expect(registry.resolveArch('fc', { channels: 2, hidden: 16 })).toMatchObject({ hidden: 16 });
    expect(() => registry.resolveArch('zzz', { channels: 2, hidden: 8 })).toThrow(/unknown architecture "zzz"; families: nine-pathway \(e\.g\. ff, oh, hi, ff-large\)/);
    expect(() => registry.resolveArch('hh+hh', { channels: 2, hidden: 8 })).toThrow(/each at most once/);
    expect(() => registry.architecture('toy')).toThrow(/architecture family "toy" is registered by no loaded plugin; loaded: nine-pathway/);
    expect(() => registry.learner('ppo')).toThrow(/learner "ppo" is registered by no loaded plugin; loaded: dqn/);
  });

  it('loads a plugin named in prnn.config.json and registers its architecture and environments', async () => {
    const cwd = project({ 'prnn.config.json': JSON.stringify({ plugins: ['./toy/index.mjs'] }), 'toy/index.mjs': TOY_PLUGIN });
    const registry = await loadPlugins({ cwd });
    expect(registry.list()).toContainEqual({ kind: 'architecture', name: 'toy', plugin: 'prnn-plugin-toy', package: 'prnn-plugin-toy', version: '1.2.3' });
    expect(registry.resolveArch('toy-2', { channels: 2, hidden: 8 })).toEqual({ family: 'toy', name: 'toy-2', hidden: 2, parameters: 20 });
    expect(() => registry.resolveArch('nope', { channels: 2, hidden: 8 })).toThrow(/toy \(e\.g\. toy-1, toy-2, toy-3\)/);
    // loadPlugins has registered the plugin's environments with @prnn/env.
    expect(registeredEnvs()).toContain('toy/Line-v0');
    expect(make('toy/Line-v0')).toEqual({ line: true });
    const registered: string[] = [];
    registry.registerEnvironments((id) => registered.push(id));
    expect(registered).toEqual(['toy/Line-v0']);
    // Loading the same plugin again in this process does not register its ids twice.
    await expect(loadPlugins({ cwd })).resolves.toBeDefined();
  });

  it('loads a plugin package named in package.json#prnn.plugins', async () => {
    const cwd = project({
      'package.json': JSON.stringify({ name: 'my-study', prnn: { plugins: ['prnn-plugin-toy'] } }),
      'node_modules-local/prnn-plugin-toy/package.json': JSON.stringify({ name: 'prnn-plugin-toy', type: 'module', exports: { '.': { import: './main.js' } } }),
      'node_modules-local/prnn-plugin-toy/main.js': TOY_PLUGIN,
    });
    // The package lives in a nested node_modules so the shared symlinked one stays untouched.
    const nested = path.join(cwd, 'study');
    mkdirSync(path.join(nested, 'node_modules'), { recursive: true });
    symlinkSync(path.join(cwd, 'node_modules-local/prnn-plugin-toy'), path.join(nested, 'node_modules/prnn-plugin-toy'));
    writeFileSync(path.join(nested, 'package.json'), JSON.stringify({ prnn: { plugins: ['prnn-plugin-toy'] } }));
    const registry = await loadPlugins({ cwd: nested });
    expect(registry.architectures().map((a) => a.family)).toEqual(['nine-pathway', 'toy']);
  });

  it('names the plugin when it cannot be imported or exports no valid plugin', async () => {
    const cwd = project({
      'broken.mjs': `throw new Error('boom at import');`,
      'empty.mjs': `export const x = 1;`,
      'nomodule.mjs': `export default { manifest: { name: 'half', version: '1.0.0' } };`,
      'badenv.mjs': `import { ContainerModule } from 'inversify';
export const plugin = { manifest: { name: 'bad-envs', version: '1.0.0' }, module: new ContainerModule(({ bind }) => {
  bind(Symbol.for('prnn.Environment')).toConstantValue({ name: 'oops', description: '', ids: ['no id'], register: (r) => r('no id', () => ({})) });
}) };`,
    });
    await expect(loadPlugins({ cwd, extra: ['./badenv.mjs'] })).rejects.toThrow(/plugin bad-envs: environment oops could not register: env id must look like/);
    await expect(loadPlugins({ cwd, extra: ['./broken.mjs'] })).rejects.toThrow(/plugin "\.\/broken\.mjs" could not be imported: boom at import/);
    await expect(loadPlugins({ cwd, extra: ['./empty.mjs'] })).rejects.toThrow(/plugin "\.\/empty\.mjs" has no valid manifest/);
    await expect(loadPlugins({ cwd, extra: ['./nomodule.mjs'] })).rejects.toThrow(/plugin "\.\/nomodule\.mjs" \(half\) has no valid module/);
    await expect(loadPlugins({ cwd, extra: ['prnn-plugin-missing'] })).rejects.toThrow(/plugin "prnn-plugin-missing" could not be imported/);
    writeFileSync(path.join(cwd, 'prnn.config.json'), '{ "plugins": [1] }');
    await expect(loadPlugins({ cwd })).rejects.toThrow(/"plugins" in .*prnn\.config\.json must be an array/);
    await expect(loadPlugins({ cwd: project({ 'prnn.config.json': '{ nope' }) })).rejects.toThrow(PrnnError);
  });

  it('rejects a name registered twice, naming both plugins', () => {
    const clash = definePlugin({
      manifest: { name: 'prnn-plugin-clash', version: '0.0.1' },
      module: ({ bind }) => {
        bind(TYPES.Architecture).toConstantValue({ ...builtinPlugins()[0], family: 'nine-pathway' });
      },
    });
    expect(() => createContainer([...builtinPlugins(), clash])).toThrow(
      'architecture "nine-pathway" is registered twice: by plugin @prnn/agents/nine-pathway and by plugin prnn-plugin-clash',
    );
    const metricTwice = definePlugin({
      manifest: { name: 'm', version: '1' },
      module: new ContainerModule(({ bind }) => {
        bind(TYPES.Metric).toConstantValue({ name: 'parameters', description: '', measure: () => 0 });
      }),
    });
    expect(() => createContainer([...builtinPlugins(), metricTwice])).toThrow(/metric "parameters" is registered twice: by plugin @prnn\/agents\/metrics and by plugin m/);
    expect(() => createContainer([{ manifest: { name: 'x', version: '1' } } as never])).toThrow(/plugin x has no valid module/);
    expect(createContainer({ plugins: builtinPlugins() }).list()).toEqual(createContainer(builtinPlugins()).list());
  });

  it('measures parameters and the Frobenius norm of all 9 pathways (0 when absent)', async () => {
    const registry = createContainer(builtinPlugins());
    const arch = parseArch('hh');
    const weights = { ih: new Float32Array(64).fill(0.5), ho: new Float32Array(40).fill(-1), hh: Float32Array.from({ length: 64 }, (_, j) => (j === 3 ? 2 : 0)) };
    expect(registry.metric('parameters').measure({ arch: archInfo(arch), weights })).toBe(168);
    const parameterNames = registry.architecture('nine-pathway').parameterNames?.();
    expect(registry.metric('weight-norms').measure({ arch: archInfo(arch), weights, parameterNames })).toEqual({
      ih: 4, ho: Math.sqrt(40), ii: 0, hh: 2, oo: 0, io: 0, oi: 0, hi: 0, oh: 0,
    });
  });
});

describe('the nine-pathway plugin', () => {
  it('creates populations from ArchInfo members on the generic and compiled paths, from the same seeds; the removed hand-kernel paths are named', async () => {
    const { initBackend } = await import('../src/backend.js');
    await initBackend('wasm');
    const registry = createContainer(builtinPlugins());
    const family = registry.architecture('nine-pathway');
    const sizes = { channels: 2, hidden: 8 };
    const members = ['fc', 'hh+oh', 'ff-large'].map((spec, n) => ({ arch: registry.resolveArch(spec, sizes), seed: 10 + n }));
    const kernels = registry.kernels('nine-pathway');
    // compiled where WebAssembly has SIMD (Node 20 has it), so it is the default
    expect(kernels.paths()).toEqual(['generic', 'compiled']);
    expect(kernels.resolvePath(undefined)).toBe('compiled');
    const generic = family.createPopulation(members, { channels: 2 });
    const compiled = kernels.population('compiled')!.create(members, { channels: 2 });
    expect([generic.implementation, compiled.implementation]).toEqual(['generic', 'compiled']);
    for (let n = 0; n < members.length; n++) expect(compiled.exportWeights(n)).toEqual(generic.exportWeights(n));
    expect(() => kernels.resolvePath('gpu')).toThrow(/path "gpu" is not available for family nine-pathway: available: generic, compiled/);
    // the hand-written kernels earlier versions had: one line saying so, and what there is instead
    for (const [path, was] of [['wasm-simd', 'AssemblyScript'], ['fused', 'JavaScript']]) {
      expect(() => kernels.resolvePath(path)).toThrow(
        new RegExp(`^family nine-pathway cannot train on path ${path}, which no longer exists in this prnn \\(the hand-written ${was} kernel, replaced by compiled\\); available: generic, compiled$`),
      );
    }
    generic.dispose();
    compiled.dispose();
  });
});

describe('jacobian kernels', () => {
  const kernelPlugin = (kernel: object) =>
    definePlugin({ manifest: { name: 'jac', version: '1.0.0' }, module: ({ bind }) => bind(TYPES.Kernel).toConstantValue(kernel) });

  it('are kept apart from the population and learning kernels of their family', () => {
    const kernel = { family: 'nine-pathway', operation: 'jacobian', name: 'slow', description: 'test', sensitivity: () => false };
    const kernels = createContainer([...builtinPlugins(), kernelPlugin(kernel)]).kernels('nine-pathway');
    const without = createContainer(builtinPlugins()).kernels('nine-pathway');
    // a plugin's jacobian kernel comes first; the family's derived `compiled` one (it is defined by its step) after it
    expect(kernels.jacobian()[0]).toBe(kernel);
    expect(kernels.jacobian().map((k) => k.name)).toEqual(['slow', 'compiled']);
    // the built-in paths (compiled where WebAssembly has SIMD) and learning kernels (none) are unchanged by it
    expect(kernels.paths()).toEqual(without.paths());
    expect(kernels.paths()).toContain('compiled');
    expect(kernels.learning('jacobian')).toEqual([]);
    expect(kernels.learning('selected-squared-error')).toEqual([]);
  });

  it('without sensitivity(): the plugin is refused, naming what is missing', () => {
    expect(() => createContainer([kernelPlugin({ family: 'x', operation: 'jacobian', name: 'k', description: 'd', run: () => true })])).toThrow(
      /^plugin jac registered a malformed kernel "x\/jacobian\/k": sensitivity must be a function$/,
    );
  });
});
