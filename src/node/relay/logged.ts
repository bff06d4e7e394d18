// The payload_missed records the active log already holds, by record key: a restarted monitor judges
// its look-back slots again and must not write (or alert) them twice. An unreadable log is an
// empty answer, not an error.
import { recordKey } from '../../core/model';
import { readLog } from '../log/reader';

export async function loggedPayloadKeys(logPath: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const { record } of readLog(logPath, { siblings: false, filter: (r) => r.kind === 'payload_missed' })) out.push(recordKey(record));
  } catch {
    /* missing or unreadable: nothing logged to protect */
  }
  return out;
}
