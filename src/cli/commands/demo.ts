// `mbm demo [--listen HOST:PORT] [--log FILE] [--duration SECONDS]`: a local anvil from
// node_modules, a looped script of real faults against it, and the monitor watching it, so a
// newcomer sees real records within a minute. Ctrl-C (or --duration) stops all of it, anvil too.
import { Option, type Command } from 'commander';
import { ANVIL_HINT, anvilAvailable, startAnvil, type AnvilNode } from '../../node/chain/anvil';
import { defaultConfig } from '../../core/config';
import { runFaultLoop } from '../demo/faults';
import { endpointsFromUrls } from '../../node/endpoints';
import { DEFAULT_LOG_PATH } from '../../node/log/files';
import { MonitorService } from '../../node/service';
import { colors } from '../../node/consoleText';
import { parseIntOption, parseListen, UsageError } from '../util';
import { runUntilStopped } from './watch';

export interface DemoOptions {
  listen?: string;
  log?: string;
  /** Stop after this many seconds (tests, recordings). */
  duration?: number;
  /** Seconds of normal mining between faults. Default 8. */
  faultGap?: number;
}

/** Short enough that a whole fault loop fits in about a minute. */
const BLOCK_TIME_S = 1;
const MAX_DELAY_S = 3;

export async function demoAction(opts: DemoOptions, signal?: AbortSignal): Promise<number> {
  const err = colors(process.stderr);
  const say = (m: string) => process.stderr.write(`${err.cyan(`» ${m}`)}\n`);
  const listen = opts.listen !== undefined ? parseListen(opts.listen) : undefined;
  if (!anvilAvailable()) throw new UsageError(ANVIL_HINT);
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = opts.duration !== undefined ? setTimeout(() => stop.abort(), opts.duration * 1000) : undefined;

  say('starting anvil (from node_modules) on a free loopback port…');
  let node: AnvilNode | undefined;
  try {
    // persist: the chain survives the scripted kill -9 (anvil --state), as a real node's would.
    node = await startAnvil({ blockTime: BLOCK_TIME_S, persist: true });
    say(`anvil at ${node.wsUrl}, a block every ${BLOCK_TIME_S} s; faults start in ${opts.faultGap ?? 8} s`);
    const config = defaultConfig();
    Object.assign(config.monitoring, {
      expectedBlockTimeMs: BLOCK_TIME_S * 1000,
      maxBlockDelayMs: MAX_DELAY_S * 1000,
      retryAttempts: 3,
      retryDelayMs: 1000,
      alertThreshold: 8,
    });
    // Batches flush every second so `mbm tail` in another terminal keeps up.
    Object.assign(config.logging, { logFilePath: opts.log ?? DEFAULT_LOG_PATH, batchTimeoutMs: 1000, enableConsoleLogging: true });
    const svc = new MonitorService({
      config,
      endpoints: endpointsFromUrls([node.wsUrl]),
      // Each demo run is a fresh chain: resuming from an earlier run's checkpoint would be wrong.
      checkpointPath: false,
      // Reconnect slowly enough that the outage's burst of blocks lands before we are back.
      source: { backoff: { initialMs: 2000, maxMs: 4000 }, heartbeatMs: 2000, timeoutMs: 3000 },
    });
    const faults = runFaultLoop({ node, blockTime: BLOCK_TIME_S, maxDelay: MAX_DELAY_S, signal: stop.signal, say }, (opts.faultGap ?? 8) * 1000);
    const code = await runUntilStopped(svc, { records: true, signal: stop.signal, listen });
    stop.abort();
    await faults;
    return code;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onOuterAbort);
    stop.abort();
    await node?.stop();
  }
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('start a local anvil, inject real faults on a loop and watch them being detected (Ctrl-C stops everything)')
    .option('--listen <host:port>', 'also serve the HTTP API (/health /stats /metrics /report /export /events) here')
    .option('--log <file>', 'JSONL log to write', DEFAULT_LOG_PATH)
    .option('--duration <seconds>', 'stop after this many seconds', parseIntOption('--duration'))
    // For tests and recordings: a shorter pause between faults.
    .addOption(new Option('--fault-gap <seconds>', 'seconds of normal mining between faults').argParser(parseIntOption('--fault-gap')).hideHelp())
    .action(async (opts: DemoOptions) => {
      const code = await demoAction(opts);
      if (code !== 0) process.exitCode = code;
    });
}
