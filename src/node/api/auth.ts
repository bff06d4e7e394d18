// Bearer-token check. Both sides are hashed first so the comparison is constant-time whatever the
// lengths (timingSafeEqual needs equal lengths, and an early length check would leak the length).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** A checker for `token`; undefined token → every request passes. */
export function bearerAuth(token: string | undefined): (req: IncomingMessage) => boolean {
  if (token === undefined) return () => true;
  if (token === '') throw new Error('an API token must not be empty');
  const want = digest(token);
  return (req) => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
    // Still hash something on a missing header, so its timing looks like a wrong token's.
    const ok = timingSafeEqual(digest(m ? m[1] : ''), want);
    return ok && m !== null;
  };
}
