// `mbm train --features F --log L [--k SLOTS] [--block-time S] [--output weights.json]`: label each
// features-log line by whether a miss (gap, delayed, missed slot) is detected in the log within the
// next k slots (lines within k slots after a miss are left out: the outage, not its run-up), fit a logistic model (plain gradient descent) and write its weights as JSON for
// `[risk] model`. Exit 0 written, 2 bad usage or unreadable input.
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readLogBatches } from '../../node/log/reader';
import { fitLogistic, missTimes, parseFeaturesLine, trainingSet, type FeaturesLine } from '../../core/risk';
import { processIO, type CommandIO } from '../readLogs';
import { EXIT_OK, UsageError, parseIntOption } from '../util';

export interface TrainArgs {
  features: string;
  log: string;
  k: number;
  blockTimeS: number;
  output: string;
  epochs?: number;
}

export async function readFeatures(path: string): Promise<FeaturesLine[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read features log ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const out: FeaturesLine[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(parseFeaturesLine(line));
    } catch (e) {
      throw new UsageError(`${path}:${i + 1}: not a features line (${(e as Error).message})`);
    }
  });
  return out;
}

export async function runTrain(a: TrainArgs, io: CommandIO = processIO()): Promise<number> {
  if (a.k < 1) throw new UsageError('--k must be at least 1 slot');
  const lines = await readFeatures(a.features);
  const records: { kind?: string; timestamp: number; source?: string }[] = [];
  for await (const batch of readLogBatches(a.log)) for (const e of batch) records.push(e.record);
  const misses = missTimes(records);
  const set = trainingSet(lines, misses, a.k * a.blockTimeS);
  let fit;
  try {
    fit = fitLogistic(
      set.rows,
      set.labels,
      a.epochs ? { epochs: a.epochs } : {},
    );
  } catch (e) {
    throw new UsageError(`${a.features}: ${(e as Error).message}`);
  }
  await writeFile(a.output, `${JSON.stringify({ ...fit.model, k: a.k }, null, 2)}\n`);
  const l0 = fit.losses[0]!.toFixed(4);
  const l1 = fit.losses[fit.losses.length - 1]!.toFixed(4);
  io.stderr.write(`mbm train: ${lines.length} lines (${fit.positives} within ${a.k} slots before one of ${misses.length} misses, ${set.skipped} in a miss's aftermath left out), loss ${l0} → ${l1}, weights written to ${a.output}\n`);
  return EXIT_OK;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('fit the early-warning model on a features log labelled by its missed-block log')
    .requiredOption('--features <file>', 'features log (<log>.features.jsonl)')
    .requiredOption('--log <file>', 'the missed-block log of the same node')
    .option('--k <slots>', 'a line is positive when a miss follows within this many slots', parseIntOption('--k'), 3)
    .option('--block-time <seconds>', 'seconds per slot', (v) => {
      const n = Number(v);
      if (!(n > 0)) throw new UsageError(`--block-time must be a number of seconds > 0, got ${JSON.stringify(v)}`);
      return n;
    }, 12)
    .option('--output <file>', 'weights JSON to write', 'weights.json')
    .action(async (o: { features: string; log: string; k: number; blockTime: number; output: string }) => {
      process.exitCode = await runTrain({ features: o.features, log: o.log, k: o.k, blockTimeS: o.blockTime, output: o.output });
    });
}
