import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PrnnError } from '@prnn/core';

/** The built page (packages/viewer/dist/app): from src/node and from dist/node alike, two levels up. */
export function viewerAppDir(): string {
  const dir = fileURLToPath(new URL('../../dist/app/', import.meta.url));
  if (!existsSync(`${dir}index.html`)) {
    throw new PrnnError(`the viewer page is not built (${dir}index.html is missing): run \`npm run build\``);
  }
  return dir;
}
