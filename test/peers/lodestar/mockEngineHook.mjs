// Preloaded into Lodestar 1.5.1 (`node --import ./mockEngineHook.mjs lodestar dev ... --execution.engineMock`)
// so its mock execution engine starts from a genesis block hash taken from MBM_MOCK_EL_GENESIS_HASH
// (a 32-byte hex value). Without it the mock's genesis hash is "" and blocks carry no execution
// payload. This is the README's one-line change, applied while loading instead of by editing the
// shared, cached install; with the variable unset nothing changes.
import { register } from 'node:module';

const hook = `
export async function load(url, context, next) {
  const r = await next(url, context);
  if (url.endsWith('/lib/options/beaconNodeOptions/execution.js')) {
    const src = String(r.source).replace('genesisBlockHash: "",', 'genesisBlockHash: process.env.MBM_MOCK_EL_GENESIS_HASH ?? "",');
    return { ...r, source: src };
  }
  return r;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url);
