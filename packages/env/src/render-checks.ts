import { PrnnError } from '@prnn/core';

// Argument checks shared by the ASCII and SVG renderers.

export function checkCell(name: string, cell: number, size: number): void {
  const cells = size * size;
  if (!Number.isInteger(cell) || cell < 0 || cell >= cells) {
    throw new PrnnError(`${name} must be a cell index (row*size + col) in [0, ${cells - 1}] (got ${cell})`);
  }
}

export function checkPath(path: ArrayLike<number>, size: number): void {
  for (let k = 0; k < path.length; k++) checkCell(`path[${k}]`, path[k], size);
}

export function checkChannel(name: string, channel: number, channels: number): void {
  if (!Number.isInteger(channel) || channel < 0 || channel >= channels) {
    throw new PrnnError(`${name} must be a channel index in [0, ${channels - 1}] (got ${channel})`);
  }
}
