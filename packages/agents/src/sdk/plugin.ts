import { ContainerModule, type ContainerModuleLoadOptions } from 'inversify';

/** Who a plugin is: name, version and description, shown by `prnn plugins`. */
export interface PluginManifest {
  /** Usually the npm package name; what `prnn plugins` shows and error messages name. */
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  /** The npm package that ships the plugin, when it is not `name` (e.g. several built-ins share @prnn/agents). */
  readonly package?: string;
}

/**
 * A prnn plugin: a manifest plus an inversify ContainerModule that binds services to `TYPES.*`.
 * An npm package exposes it as its default export or as the named export `plugin`.
 */
export interface PrnnPlugin {
  readonly manifest: PluginManifest;
  readonly module: ContainerModule;
}

/** The synchronous function that binds a plugin's services (the body of an inversify ContainerModule). */
export type PluginBindings = (options: ContainerModuleLoadOptions) => void;

/**
 * Builds a plugin; `module` may be a ContainerModule or the synchronous function such a module would run.
 * Bindings must be synchronous: the registry is assembled synchronously.
 */
export function definePlugin(plugin: { manifest: PluginManifest; module: ContainerModule | PluginBindings }): PrnnPlugin {
  const bindings = plugin.module;
  // a bindings function's return value is ignored (inversify would take a returned object for an async load)
  const module = typeof bindings === 'function' ? new ContainerModule((options) => void bindings(options)) : bindings;
  return { manifest: { ...plugin.manifest }, module };
}
