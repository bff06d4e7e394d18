// `npm run gen:settings`: writes package.json's `contributes.configuration` and its Restricted Mode
// list from the one declaration of the settings (src/core/settings.ts). test/unit/settings-gen.test.ts
// fails when package.json is not what this writes. `--check`: exit 1 instead of writing.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withGeneratedSettings } from '../src/core/settings';

const file = path.join(__dirname, '..', 'package.json');
const before = readFileSync(file, 'utf8');
const after = `${JSON.stringify(withGeneratedSettings(JSON.parse(before) as Record<string, unknown>), null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('package.json settings differ from src/core/settings.ts: run `npm run gen:settings`');
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(file, after);
  console.log('package.json: settings regenerated from src/core/settings.ts');
} else console.log('package.json: settings up to date');
