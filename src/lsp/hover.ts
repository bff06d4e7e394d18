// Hover on a record: what happened to which block, when (UTC and relative), how late, whether it
// was recovered, and the streak it is part of. Every value from the record is escaped: metadata and
// source labels are written by whoever writes the log.
import { MarkupKind, type Hover } from 'vscode-languageserver';
import { parseLogLine } from '../node/log/validate';
import type { MissedBlock } from '../core/model';
import type { LogDocument } from './documentModel';
import { markdownText as md } from './escape';
import { streakIndexOf, type StreakGroup } from './streakIndex';
import { blockRange, streakSummary } from './summary';
import { duration, isoUtc, relative } from './time';

/** Metadata members shown; values are cut to this many characters. */
const METADATA_SHOWN = 12;
const VALUE_CHARS = 120;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function when(unix: number, now: number): string {
  return `${md(isoUtc(unix))} · ${md(relative(unix, now))}`;
}

function delay(r: MissedBlock): string {
  const d = r.actual_timestamp - r.expected_timestamp;
  if (d === 0) return 'on time (actual = expected)';
  return d > 0 ? `${md(d)} s after expected (${md(duration(d))})` : `${md(-d)} s **before** expected (inconsistent)`;
}

function recovery(r: MissedBlock): string {
  const attempts = plural(r.recovery_attempts, 'attempt');
  if (!r.recovered) return `not recovered · ${md(attempts)}`;
  const at = r.recovered_at !== undefined ? ` at ${md(isoUtc(r.recovered_at))}` : '';
  const took = r.recovery_ms !== undefined ? ` in ${md(duration(r.recovery_ms / 1000))}` : '';
  return `recovered${at}${took} · ${md(attempts)}`;
}

function streakLine(g: StreakGroup, line: number): string {
  const s = g.streak;
  const pos = g.lines.indexOf(line);
  const which = pos >= 0 ? ` · record ${pos + 1} of ${g.lines.length}` : '';
  const lines = g.lines.length > 1 ? ` · lines ${g.lines[0] + 1}–${g.lines[g.lines.length - 1] + 1}` : '';
  return md(`${blockRange(s)} · ${streakSummary(s)} · worst ${g.worst}${which}${lines}`);
}

/** JSON of a metadata value; one nested thousands of levels deep (valid JSON) overflows JSON.stringify. */
function jsonPreview(v: unknown): string {
  try {
    return String(JSON.stringify(v));
  } catch {
    return Array.isArray(v) ? '[…]' : '{…}';
  }
}

function metadataRows(meta: Record<string, unknown>): string[] {
  const entries = Object.entries(meta);
  const rows = entries.slice(0, METADATA_SHOWN).map(([k, v]) => {
    const text = typeof v === 'string' ? v : jsonPreview(v);
    return `| ${md(k, 40)} | ${md(text, VALUE_CHARS)} |`;
  });
  if (entries.length > METADATA_SHOWN) rows.push(`| … | ${entries.length - METADATA_SHOWN} more |`);
  return rows;
}

/** The hover for `line`, or null when it holds no record. Call after doc.whenParsed(). */
export function hoverAt(doc: LogDocument, line: number, nowSec: number): Hover | null {
  if (doc.entry(line)?.state !== 'record') return null;
  const text = doc.lineText(line);
  const p = parseLogLine(line === 0 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!p.ok) return null;
  const r = p.record;
  const index = streakIndexOf(doc);
  const group = index.groupOfLine(line);
  const replacedBy = index.supersededBy(line);

  const out: string[] = [];
  out.push(`**Block ${md(r.block_number)}** · ${md(r.kind ?? 'gap')} · ${md(r.reason)} · **${md(r.severity)}**`);
  if (replacedBy !== undefined) out.push('', `_Superseded by line ${replacedBy + 1}, a later record of the same block and kind._`);
  out.push('', '| | |', '|:--|:--|');
  out.push(`| detected | ${when(r.timestamp, nowSec)} |`);
  out.push(`| expected | ${when(r.expected_timestamp, nowSec)} |`);
  out.push(`| actual | ${when(r.actual_timestamp, nowSec)} |`);
  out.push(`| delay | ${delay(r)} |`);
  out.push(`| recovery | ${recovery(r)} |`);
  if (group) out.push(`| streak | ${streakLine(group, replacedBy ?? line)} |`);
  out.push(`| alert | ${r.alert_sent ? 'sent' : 'not sent'} |`);
  if (r.slot !== undefined) out.push(`| slot | ${md(r.slot)} |`);
  if (r.reorg_depth !== undefined) out.push(`| reorg depth | ${md(r.reorg_depth)} |`);
  if (r.source !== undefined) out.push(`| source | ${md(r.source, VALUE_CHARS)} |`);
  if (r.chain_id !== undefined) out.push(`| chain | ${md(r.chain_id)} |`);
  if (r.block_hash !== undefined) out.push(`| block hash | ${md(r.block_hash)} |`);
  const meta = metadataRows(r.metadata);
  if (meta.length > 0) out.push('', '**metadata**', '', '| | |', '|:--|:--|', ...meta);
  return {
    contents: { kind: MarkupKind.Markdown, value: out.join('\n') },
    range: { start: { line, character: 0 }, end: { line, character: text.length } },
  };
}
