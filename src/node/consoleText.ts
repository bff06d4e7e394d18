// One line per record for terminals (`mbm tail`, `mbm watch`, `mbm demo`). Everything taken from
// a record is stripped of control characters first: a log is untrusted input and must not be
// able to move the cursor or recolour the terminal.
import { formatEth } from '../core/payloads';
import { createColors } from 'picocolors';
import type { MissedBlock, MissedBlockSeverity } from '../core/model';

export function useColor(stream: NodeJS.WriteStream): boolean {
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR) return true;
  return Boolean(stream.isTTY);
}

export function colors(stream: NodeJS.WriteStream = process.stdout) {
  return createColors(useColor(stream));
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function safeText(v: unknown): string {
  return String(v).replace(CONTROL, '?');
}

export function isoSeconds(unix: number): string {
  return new Date(unix * 1000).toISOString().replace('.000Z', 'Z');
}

export function formatRecord(r: MissedBlock, c = colors()): string {
  const paint: Record<MissedBlockSeverity, (s: string) => string> = {
    Low: c.dim,
    Medium: c.yellow,
    High: c.red,
    Critical: (s) => c.bold(c.red(s)),
  };
  const sev = paint[r.severity] ?? ((s: string) => s);
  const delay = r.actual_timestamp - r.expected_timestamp;
  const parts = [
    c.dim(isoSeconds(r.timestamp)),
    sev(r.severity.padEnd(8)),
    `#${r.block_number}`,
    (r.kind ?? 'gap').padEnd(11),
    r.reason,
    delay > 0 ? `+${delay}s` : '',
    r.reorg_depth ? `depth ${r.reorg_depth}` : '',
    r.kind === 'payload_missed' && r.payload_value_wei !== undefined ? `slot ${r.beacon_slot} ${formatEth(r.payload_value_wei)} via ${safeText(r.relay ?? '?')}` : '',
    r.recovered ? c.green(`recovered${r.recovery_ms !== undefined ? ` in ${Math.round(r.recovery_ms)} ms` : ''}`) : '',
    r.source ? c.dim(`[${safeText(r.source)}]`) : '',
  ];
  return parts.filter(Boolean).join(' ');
}
