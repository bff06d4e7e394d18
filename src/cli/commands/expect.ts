// `mbm expect [--rpc URL] [--config FILE] [--log FILE] [--confirmations N] FILE|-`: judge expected
// transactions (JSON Lines, schema/expectation.schema.json) against the node once their target
// blocks are final enough, and append a `tx_missed` record for each one that did not land, to the
// log `watch` writes (same writer, batching, rotation). Exit 0: every expectation judged and
// written, none missed; 1: some missed (or could not be judged or written); 2: bad input, each bad
// line named.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { defaultConfig } from '../../core/config';
import { formatExpectationErrors, parseExpectations } from '../../core/expectations';
import { createTransport } from '../../node/chain/transport';
import { loadConfigFile } from '../../node/configFile';
import { colors, safeText } from '../../node/consoleText';
import { endpointLabel } from '../../node/endpoints';
import { judgeExpectations } from '../../node/expect/judge';
import { expectSettingsFrom } from '../../node/expect/settings';
import { JsonlWriter, writerOptionsFrom } from '../../node/log/writer';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, parseIntOption, UsageError } from '../util';
import { DEFAULT_RPC, rpcUrlsFromConfig } from './watch';

export interface ExpectOptions {
  rpc?: string;
  config?: string;
  log?: string;
  confirmations?: number;
}

async function readInput(file: string): Promise<string> {
  if (file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function expectAction(file: string, opts: ExpectOptions, signal?: AbortSignal): Promise<number> {
  const err = colors(process.stderr);
  const config = opts.config ? loadConfigFile(opts.config) : defaultConfig();
  const settings = expectSettingsFrom(config);
  if (opts.confirmations !== undefined) settings.confirmations = opts.confirmations;
  const url = opts.rpc ?? rpcUrlsFromConfig(config)?.[0] ?? DEFAULT_RPC;
  let label: string;
  try {
    label = endpointLabel(url);
  } catch (e) {
    throw new UsageError(`--rpc: ${(e as Error).message}`);
  }
  if (opts.log) config.logging.logFilePath = opts.log;

  const parsed = parseExpectations(await readInput(file));
  if (parsed.errors.length > 0) {
    process.stderr.write(`${formatExpectationErrors(parsed.errors)}\n`);
    return EXIT_USAGE;
  }
  const rpc = createTransport(url, { label });
  let res;
  try {
    res = await judgeExpectations(parsed.expectations, {
      rpc,
      source: label,
      confirmations: settings.confirmations,
      waitTimeoutMs: settings.waitTimeoutMs,
      alertThreshold: config.monitoring.alertThreshold,
      signal,
    });
  } finally {
    await rpc.close();
  }
  if (res.errors.length > 0) {
    process.stderr.write(`${formatExpectationErrors(res.errors)}\n`);
    return EXIT_USAGE;
  }
  for (const f of res.failures) process.stderr.write(`${err.red(`block ${f.block} not judged (lines ${f.lines.join(', ')}): ${safeText(f.message)}`)}\n`);

  let unwritten = 0;
  if (res.records.length > 0 && config.logging.enableFileLogging && config.monitoring.logMissedBlocks) {
    const writer = new JsonlWriter(writerOptionsFrom(config.logging, { onError: (e) => process.stderr.write(`mbm: log ${safeText(config.logging.logFilePath)}: ${safeText(e.message)}\n`) }));
    await writer.open();
    for (const r of res.records) writer.write(r);
    await writer.close();
    unwritten = writer.pending;
  }
  for (const r of res.records) {
    const m = r.metadata;
    process.stdout.write(`#${r.block_number} ${r.reason} ${String(m.tx_hash)}${m.bundle !== undefined ? ` bundle ${safeText(String(m.bundle))}` : ''}: ${safeText(String(m.detail))}\n`);
  }
  const missed = res.records.length;
  process.stderr.write(
    `${err.dim(`-- ${res.judged} judged, ${res.included} included, ${missed} missed${missed > 0 ? `; written to ${safeText(config.logging.logFilePath)}` : ''}`)}\n`,
  );
  if (unwritten > 0) {
    process.stderr.write(`${err.red(`-- ${unwritten} records could not be written to ${safeText(config.logging.logFilePath)}`)}\n`);
    return EXIT_INVALID;
  }
  return missed > 0 || res.failures.length > 0 ? EXIT_INVALID : EXIT_OK;
}

export function register(program: Command): void {
  program
    .command('expect')
    .description('judge expected transactions/bundles (JSONL: {"block": N|"next", "raw"|"hash": "0x…"}) and log each one that missed its block')
    .argument('<file>', 'expectations, one JSON object a line; - reads standard input')
    .option('--rpc <url>', `node's JSON-RPC endpoint (http:// or ws://) (default: [rpc] urls of the config, else ${DEFAULT_RPC})`)
    .option('--config <file>', 'TOML config ([logging] for the log, [expect] confirmations / wait_timeout)')
    .option('--log <file>', 'JSONL log to append to (overrides logging.log_file_path)')
    .option('--confirmations <n>', 'blocks on top of the target before judging it (default: [expect] confirmations, else 0)', parseIntOption('--confirmations'))
    .action(async (file: string, opts: ExpectOptions) => {
      const code = await expectAction(file, opts);
      if (code !== 0) process.exitCode = code;
    });
}
