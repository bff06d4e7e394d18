// Compiles a contract of test/fixtures with npm `solc` (the compiler as JavaScript/WebAssembly:
// nothing is downloaded). Used by the expected-transaction tests and bench/expect.mjs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Compiled {
  abi: unknown[];
  /** Creation bytecode, 0x hex. */
  bytecode: string;
  compiler: string;
}

/** `dir`: where the source is (default test/fixtures; callers loaded as ES modules pass it). */
export function compileFixture(file: string, contract: string, dir = join(__dirname, '..', 'fixtures')): Compiled {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { compile(input: string): string; version(): string };
  const source = readFileSync(join(dir, file), 'utf8');
  const input = {
    language: 'Solidity',
    sources: { [file]: { content: source } },
    settings: { evmVersion: 'cancun', optimizer: { enabled: false }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join('\n')}`);
  const c = out.contracts?.[file]?.[contract];
  if (!c) throw new Error(`solc: no contract ${contract} in ${file}`);
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, compiler: solc.version() };
}
