// oclif writes commands in the order they finished loading, which varies from run to run; sorting them by
// id keeps the committed oclif.manifest.json stable, so it only changes when a command or flag does.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const file = new URL('../oclif.manifest.json', import.meta.url);
const manifest = JSON.parse(readFileSync(file, 'utf8'));
manifest.commands = Object.fromEntries(Object.keys(manifest.commands).sort().map((id) => [id, manifest.commands[id]]));
const temporary = new URL(`../oclif.manifest.json.tmp-${process.pid}`, import.meta.url);
writeFileSync(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
renameSync(temporary, file);
