import { builtinModules } from 'node:module';
import type { Plugin } from 'vite';

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/**
 * Fails a browser build on the first import of a Node built-in (`node:fs`, `path`, …), naming the importer.
 * Vite would otherwise stub such modules silently and the page would break at run time.
 */
export function noNodeBuiltins(found?: string[]): Plugin {
  return {
    name: 'prnn-no-node-builtins',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!BUILTINS.has(source) && !source.startsWith('node:')) return null;
      const line = `${source} imported by ${importer ?? '(entry)'}`;
      if (found) {
        found.push(line);
        return { id: source, external: true };
      }
      this.error(`the browser bundle must not import Node built-ins: ${line}`);
    },
  };
}
