import { Flags } from '@oclif/core';
import { DEFAULT_HIDDEN, OPTIONAL_PATHWAYS, loadPlugins, type ArchInfo } from '@prnn/agents';
import { BaseCommand } from '../cli/base-command.js';

/** One line of `prnn archs --json`: the architecture, its family and the plugin that registered the family. */
export interface ArchListing {
  name: string;
  referenceIndex: number | null;
  flags: Record<string, boolean> | null;
  hidden: number;
  parameters: number;
  family: string;
  plugin: string;
}

function listing(arch: ArchInfo, plugin: string): ArchListing {
  return {
    name: arch.name,
    referenceIndex: arch.referenceIndex ?? null,
    flags: arch.flags ? { ...arch.flags } : null,
    hidden: arch.hidden,
    parameters: arch.parameters,
    family: arch.family,
    plugin,
  };
}

export default class Archs extends BaseCommand {
  static override summary = 'List the network architectures that can be trained.';
  static override description =
    'The 128 partially recurrent architectures of the 9-pathway family in reference-index order (flags ii, hh, ' +
    'oo, io, oi, hi, oh read as binary, ii most significant), then the large feed-forward network ff-large ' +
    '(34 hidden units), then the architectures of any plugin families (prnn.config.json). "weights" counts ' +
    'the weights of the present pathways.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'The table of the paper’s sweep (H = 8, 2 channels).' },
    { command: '<%= config.bin %> <%= command.id %> --json', description: 'Machine-readable: name, referenceIndex, flags, hidden, parameters.' },
    { command: '<%= config.bin %> <%= command.id %> --hidden 16 --channels 3', description: 'Other layer sizes.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    hidden: Flags.integer({ description: 'Hidden units H of the 128 architectures (ff-large keeps 34).', default: DEFAULT_HIDDEN, min: 1 }),
    channels: Flags.integer({ description: 'Cue channels C (inputs I = 4·C).', default: 2, min: 1 }),
  };

  async run(): Promise<ArchListing[]> {
    const { flags } = await this.parse(Archs);
    const registry = await loadPlugins({ cwd: process.cwd() });
    const sizes = { channels: flags.channels, hidden: flags.hidden };
    const families = registry.architectures();
    const archs = families.flatMap((family) => family.list(sizes));
    if (!this.jsonEnabled()) {
      // the first family's members by name alone, the others as family:name (what --arch takes)
      const shown = (a: ArchInfo) => (a.family === families[0]?.family ? a.name : `${a.family}:${a.name}`);
      const nameWidth = Math.max(4, ...archs.map((a) => shown(a).length));
      const hWidth = Math.max(3, ...archs.map((a) => String(a.hidden).length));
      const weightsWidth = Math.max(7, ...archs.map((a) => String(a.parameters).length));
      this.log(`${'#'.padStart(4)}  ${'name'.padEnd(nameWidth)}  ${'H'.padStart(hWidth)}  ${'weights'.padStart(weightsWidth)}  ${OPTIONAL_PATHWAYS.join(' ')}`);
      for (const a of archs) {
        const name = shown(a);
        const marks = a.flags ? OPTIONAL_PATHWAYS.map((p) => (a.flags![p] ? ' ✓' : ' ·')).join(' ') : '';
        this.log(`${String(a.referenceIndex ?? '').padStart(4)}  ${name.padEnd(nameWidth)}  ${String(a.hidden).padStart(hWidth)}  ${String(a.parameters).padStart(weightsWidth)}  ${marks}`);
      }
    }
    return archs.map((a) => listing(a, registry.pluginOf('architecture', a.family)?.plugin ?? ''));
  }
}
