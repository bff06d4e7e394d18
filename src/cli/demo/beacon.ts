// `mbm demo --beacon`: a Lodestar dev chain next to the demo's anvil (8 genesis validators, 2 s
// slots, loopback only). Validators 0..5 run throughout; 6..7 run in a process the demo starts
// and kills on a loop, so their slots are missed for a while, then proposed again. Needs Lodestar
// installed by scripts/install-lodestar.sh (or $MBM_LODESTAR).
import { LodestarDevChain, lodestarBinary } from '../../node/beacon/lodestar';
import { freePort } from '../../node/chain/anvil';
import { abortableSleep } from '../../node/sleep';

export interface BeaconDemo {
  url: string;
  /** The validator whose misses the demo watches (High, named in alerts). */
  watched: number;
  loop: Promise<void>;
  stop(): Promise<void>;
}

export async function startBeaconDemo(say: (m: string) => void, signal: AbortSignal): Promise<BeaconDemo> {
  if (!lodestarBinary()) throw new Error('--beacon needs Lodestar: run scripts/install-lodestar.sh once (about two minutes), or set MBM_LODESTAR to its binary');
  const chain = new LodestarDevChain({ genesisTime: Math.floor(Date.now() / 1000) + 12 });
  try {
    const bn = chain.beaconNode('beacon', await freePort(), await freePort());
    say(`starting Lodestar (a beacon node, 8 validators, 2 s slots) at ${bn.url}; first slot in about 12 s`);
    await bn.startAndWait();
    chain.validator('validators-0-5', bn, '0..5').start();
    const vc67 = chain.validator('validators-6-7', bn, '6..7');
    const loop = (async () => {
      // Off for two epochs (their slots are missed), on for two, and so on.
      while (!signal.aborted) {
        say('beacon: validators 6 and 7 are offline: their slots will be missed');
        await abortableSleep(32_000, signal);
        if (signal.aborted) break;
        say('beacon: validators 6 and 7 are back');
        vc67.start();
        await abortableSleep(32_000, signal);
        await vc67.kill('SIGKILL');
      }
    })();
    return { url: bn.url, watched: 6, loop, stop: () => chain.stop() };
  } catch (err) {
    await chain.stop();
    throw err;
  }
}
