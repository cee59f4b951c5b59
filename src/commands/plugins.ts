import { loadPlugins, type RegistryEntry } from '@prnn/agents';
import { analysisMetricsPlugin } from '@prnn/analysis';
import { BaseCommand } from '../cli/base-command.js';

export default class Plugins extends BaseCommand {
  static override summary = 'List the loaded plugins and what each registers.';
  static override description =
    'Every architecture family, learner, metric, task, kernel and environment set, with the plugin that registered it and its ' +
    'version. Built-ins register exactly like third-party plugins; more plugins are named in prnn.config.json ' +
    '({ "plugins": ["package-or-path"] }) or package.json ("prnn": { "plugins": [...] }) in the working directory.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'A table of kind, name, plugin, package and version.' },
    { command: '<%= config.bin %> <%= command.id %> --json', description: 'The same as a JSON array.' },
  ];

  static override enableJsonFlag = true;

  async run(): Promise<RegistryEntry[]> {
    await this.parse(Plugins);
    const entries = (await loadPlugins({ cwd: process.cwd(), extra: [analysisMetricsPlugin] })).list();
    if (!this.jsonEnabled()) {
      const header = { kind: 'kind', name: 'name', plugin: 'plugin', package: 'package', version: 'version' };
      const rows = [header, ...entries];
      const width = (key: keyof RegistryEntry) => Math.max(...rows.map((r) => r[key].length));
      for (const r of rows) {
        const cells = (['kind', 'name', 'plugin', 'package'] as const).map((key) => r[key].padEnd(width(key)));
        this.log(`${cells.join('  ')}  ${r.version}`);
      }
    }
    return entries;
  }
}
