// Runs inside VS Code's extension host (bundled by ../runTests.ts). A minimal runner — no mocha —
// over the tests in extension.tests.ts; a failure rejects run(), which makes VS Code exit non-zero.
import { tests } from './extension.tests';

export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const t of tests) {
    const t0 = Date.now();
    try {
      await t.fn();
      console.log(`  ✔ ${t.name} (${Date.now() - t0} ms)`);
    } catch (err) {
      console.error(`  ✘ ${t.name}\n${err instanceof Error ? err.stack : String(err)}`);
      failures.push(t.name);
    }
  }
  if (failures.length) throw new Error(`${failures.length} of ${tests.length} failed: ${failures.join('; ')}`);
}
