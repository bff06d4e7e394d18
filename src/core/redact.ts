// Webhook URLs carry their token in the path (Slack, Discord) or the query, SMTP has a password:
// nothing the alerts module logs, throws or persists may show them. Two layers: URLs are shown
// redacted wherever we name a peer, and every outgoing text passes through a Redactor that knows
// the configured secrets, in case a library quotes one back at us.

/** `https://hooks.slack.com/services/T0/B0/xyz?x=1` → `https://hooks.slack.com/services/***`. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '***';
  }
  const first = u.pathname.split('/').filter(Boolean)[0];
  // The first path segment names the API (services, api, webhook); what follows is the token.
  return `${u.protocol}//${u.host}${first ? `/${first}/***` : u.search || u.username ? '/***' : ''}`;
}

const URL_IN_TEXT = /\b(?:https?|wss?|smtps?):\/\/[^\s"'<>]+/gi;

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string | undefined>) {
    const set = new Set<string>();
    for (const s of secrets) {
      if (!s) continue;
      set.add(s);
      // A URL's token also leaks without its scheme and host (a path in a library's message).
      if (/^(?:https?|wss?):\/\//i.test(s)) {
        try {
          const u = new URL(s);
          if (u.pathname.length > 1) set.add(u.pathname + u.search);
          if (u.password) set.add(decodeURIComponent(u.password));
        } catch {
          /* not a URL after all: the whole string is enough */
        }
      }
    }
    // Longest first, so a URL is replaced before its own path is.
    this.secrets = [...set].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    return out.replace(URL_IN_TEXT, (m) => redactUrl(m));
  }

  /** An error's message, scrubbed, as a new Error (the original may carry secrets in its fields). */
  error(err: unknown, prefix = ''): Error {
    const msg = err instanceof Error ? err.message : String(err);
    return new Error(this.scrub(`${prefix}${msg}`));
  }
}
