// The house rules of docs/ARCHITECTURE.md, kept in code: every import arrow points down
// (extension → cli/lsp → node → common → core) and src/core/ does no I/O. A file that breaks a rule
// fails here with the import that breaks it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '../../src');

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Every module specifier a file imports or re-exports (static, dynamic, require). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push(m[1]!);
  return out;
}

/** The top folder of src/ a relative import lands in (core, common, node, cli, lsp, extension, webview). */
function layerOf(fromFile: string, spec: string): string {
  const target = path.normalize(path.join(path.dirname(fromFile), spec));
  return target.split(path.sep)[0]!;
}

// Pure npm packages the core may use: they parse text and touch no file, socket or clock.
const CORE_PACKAGES = new Set(['smol-toml']);

const MAY_IMPORT: Record<string, readonly string[]> = {
  core: ['core'],
  common: ['core', 'common'],
  node: ['core', 'common', 'node'],
  cli: ['core', 'common', 'node', 'cli'],
  lsp: ['core', 'common', 'node', 'lsp'],
  extension: ['core', 'common', 'node', 'lsp', 'extension'],
  webview: ['core', 'common', 'webview'],
};

test('importsOf finds static, dynamic, re-export and require specifiers', () => {
  const src = `import a from 'node:fs';\nexport { b } from "./b";\nconst c = await import('pg');\nconst d = require('ws');\nimport './side';\n`;
  assert.deepEqual(importsOf(src), ['node:fs', './b', 'pg', 'ws', './side']);
});

test('src/core imports nothing with I/O: no node:*, no npm package but pure parsers, nothing outside core', () => {
  const bad: string[] = [];
  const files = tsFiles('core');
  assert.ok(files.length >= 15, `expected the core's files, found ${files.length}`);
  for (const f of files) {
    const text = readFileSync(path.join(ROOT, f), 'utf8');
    for (const spec of importsOf(text)) {
      if (spec.startsWith('.')) {
        if (layerOf(f, spec) !== 'core') bad.push(`${f}: ${spec} (outside src/core)`);
      } else if (!CORE_PACKAGES.has(spec)) bad.push(`${f}: ${spec}`);
    }
    for (const g of ['process.', 'Buffer.', 'fetch(', 'setTimeout(', 'setInterval(']) {
      if (text.includes(g)) bad.push(`${f}: uses ${g} (a runtime global; pass it in from src/node)`);
    }
  }
  assert.deepEqual(bad, []);
});

test('every relative import points down the layers (extension → cli/lsp → node → common → core)', () => {
  const bad: string[] = [];
  for (const layer of Object.keys(MAY_IMPORT)) {
    for (const f of tsFiles(layer)) {
      for (const spec of importsOf(readFileSync(path.join(ROOT, f), 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const to = layerOf(f, spec);
        if (to === '..' && spec.endsWith('schema/missed-block.schema.json')) continue; // the published schema, data
        if (!MAY_IMPORT[layer]!.includes(to)) bad.push(`${f} → ${spec} (${layer} may not import ${to})`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test('src/ holds only the documented top folders', () => {
  const top = readdirSync(ROOT, { withFileTypes: true }).map((e) => (e.isDirectory() ? e.name : `${e.name} (file)`)).sort();
  assert.deepEqual(top, Object.keys(MAY_IMPORT).sort());
});

test('file names under src/ are camelCase (one convention)', () => {
  const bad = Object.keys(MAY_IMPORT).flatMap(tsFiles).filter((f) => !/^[a-z][a-zA-Z0-9]*\.ts$/.test(path.basename(f)));
  assert.deepEqual(bad, []);
});
