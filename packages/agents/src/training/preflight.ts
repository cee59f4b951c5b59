import { PrnnError } from '@prnn/core';
import type { Architecture, PopulationMember } from '../sdk/architecture.js';
import type { KernelSet } from '../sdk/kernel.js';

/** A family's Architecture and kernels (what `familyParts` gives). */
export type FamilyLookup = (family: string) => { readonly architecture: Architecture; readonly kernels?: KernelSet };

/**
 * Checks, before any episode is trained, that every network of `members` can take the final test: the test
 * runs each network's ONNX policy in onnxruntime, so its family must export one. A family with a weight-fed
 * ONNX kernel for an architecture needs nothing more; any other architecture is exported once with zero
 * weights of its shapes, which runs the family's exporter (for a family defined by its step: the tracer, which
 * refuses a tfjs kernel it cannot map). A failure is a PrnnError naming `--arch`, the architecture and the fix,
 * so that no run trains to its end and then fails.
 */
export function checkFinalTestExport(members: readonly PopulationMember[], families: FamilyLookup, channels: number): void {
  const checked = new Set<string>();
  for (const { arch } of members) {
    const key = `${arch.family}\u0000${arch.name}\u0000${arch.hidden}`;
    if (checked.has(key)) continue;
    checked.add(key);
    const { architecture, kernels } = families(arch.family);
    if (kernels?.weightFedOnnx()[0]?.model(arch, channels)) continue;
    const where = `--arch ${arch.name}: architecture family ${arch.family}`;
    if (!architecture.exportOnnx) {
      throw new PrnnError(`${where} has no ONNX export, which the final test needs; give the family an exportOnnx (checked before training: nothing was trained)`);
    }
    const shapes = architecture.weightShapes?.(arch, channels);
    if (!shapes) continue;
    const zeros: Record<string, Float32Array> = {};
    for (const [name, shape] of Object.entries(shapes)) zeros[name] = new Float32Array(shape.reduce((a, b) => a * b, 1));
    try {
      architecture.exportOnnx(arch, zeros, {}, channels);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw Object.assign(new PrnnError(`${where} cannot be exported to ONNX, which the final test needs: ${reason} (checked before training: nothing was trained)`), { cause: error });
    }
  }
}
