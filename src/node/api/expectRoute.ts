// POST /expect: expected transactions (JSON Lines, or a JSON array with content-type
// application/json) judged with the live monitor's node; the records go through the monitor like
// its own (log, store, alerts, metrics, /events) and the answer lists them. Bad input is a 400 that
// names each bad line; nothing is judged then.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatExpectationErrors, parseExpectationArray, parseExpectations, type ParsedExpectations } from '../../core/expectations';
import type { ApiProvider } from './provider';
import { HttpError, sendJson } from './respond';

/** Bodies beyond this are refused (a few thousand signed transactions). */
export const MAX_EXPECT_BODY_BYTES = 8 << 20;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_EXPECT_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_EXPECT_BODY_BYTES} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function serveExpect(req: IncomingMessage, res: ServerResponse, provider: ApiProvider, chain?: string): Promise<void> {
  if (!provider.expect) throw new HttpError(404, 'POST /expect needs a live monitor with a node (mbm watch --listen)');
  const text = await readBody(req);
  let parsed: ParsedExpectations;
  if (/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      throw new HttpError(400, `body is not JSON (${(err as Error).message})`);
    }
    parsed = parseExpectationArray(v);
  } else parsed = parseExpectations(text);
  if (parsed.errors.length > 0) return sendJson(res, 400, { error: formatExpectationErrors(parsed.errors), errors: parsed.errors });
  if (parsed.expectations.length === 0) throw new HttpError(400, 'no expectations in the body');
  const out = await provider.expect(parsed.expectations, chain);
  if (out.errors.length > 0) return sendJson(res, 400, { error: formatExpectationErrors(out.errors), errors: out.errors });
  sendJson(res, 200, { judged: out.judged, included: out.included, missed: out.records.length, failures: out.failures, records: out.records });
}
