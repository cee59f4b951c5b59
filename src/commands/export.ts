import { Flags } from '@oclif/core';
import {
  initBackend,
  loadPlugins,
  loadRun,
  META,
  readOnnxModelHeader,
  runNetworkOnnx,
  selectOneNetwork,
} from '@prnn/agents';
import { BaseCommand } from '../cli/base-command.js';
import { withFlagAsync } from '../cli/flag-errors.js';
import { writeOutputFile } from '../cli/write-output-file.js';

export interface ExportOutput {
  id: string;
  arch: string;
  seed: number;
  file: string;
  bytes: number;
  obsSize: number;
  stateSize: number;
}

export default class Export extends BaseCommand {
  static override summary = 'Export one trained network of a run as an ONNX policy (obs, state → q, state_out).';
  static override description =
    'Writes the network picked by --arch/--seed (or --id) from the run directory --run as an ONNX model that ' +
    'follows the prnn policy contract (docs/readme-onnx.md): inputs obs [batch, 4·C] and state [batch, S], ' +
    'outputs q [batch, 5] and state_out [batch, S], with the architecture, flags, hidden size and training ' +
    'settings in its metadata. When the selection is ambiguous or matches nothing, the error lists the run\'s networks.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> --run runs/track --arch fc --seed 0 --out fc.onnx', description: 'Export FC, seed 0.' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/track --arch hh+oh --out hh-oh.onnx --json', description: 'The run\'s only hh+oh network, JSON on stdout.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    run: Flags.string({ description: 'Run directory written by `prnn train --out`.', required: true }),
    arch: Flags.string({ description: 'Architecture of the network (fc, ff, hh+oh, ff-large, or a reference index 0–127).' }),
    seed: Flags.integer({ description: 'Seed of the network.', min: 0, max: 0xffffffff }),
    id: Flags.string({ description: 'Network id as listed in run.json (e.g. fc_seed0), instead of --arch/--seed.' }),
    out: Flags.string({ description: 'The ONNX file to write (temp file + rename).', required: true }),
  };

  async run(): Promise<ExportOutput> {
    const { flags } = await this.parse(Export);
    const run = await withFlagAsync('--run', undefined, () => loadRun(flags.run));
    const registry = await loadPlugins({ cwd: process.cwd() });
    // a family without its own exporter is traced to ONNX by running its step once (tfjs cpu is enough)
    await initBackend('cpu');
    const net = selectOneNetwork(run, { id: flags.id, arch: flags.arch, seed: flags.seed }, (spec) => registry.canonicalName(spec));
    const architecture = registry.architecture(net.result.arch?.family ?? net.entry.family);
    const bytes = await runNetworkOnnx(run, net, architecture);
    await writeOutputFile('--out', flags.out, bytes);
    const meta = readOnnxModelHeader(bytes).metadata;
    const output: ExportOutput = {
      id: net.entry.id,
      arch: net.entry.arch,
      seed: net.entry.seed,
      file: flags.out,
      bytes: bytes.length,
      obsSize: Number(meta[META.obsSize]),
      stateSize: Number(meta[META.stateSize]),
    };
    this.log(
      `Wrote ${output.id} (${output.arch}, seed ${output.seed}) to ${output.file}: ${output.bytes} bytes, ` +
        `obs [batch, ${output.obsSize}], state [batch, ${output.stateSize}] → q [batch, 5], state_out [batch, ${output.stateSize}]`,
    );
    return output;
  }
}
