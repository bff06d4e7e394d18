// Everything shown from a record is untrusted text (metadata, source labels, even the JSON error
// that quotes the line). Two renderings: plain text (diagnostics, outline, CodeLens) with control
// and bidi-override characters neutralised, and Markdown (hovers) with every ASCII punctuation
// character backslash-escaped, so no link, image, HTML, heading or table cell can be injected and
// bare URLs are not autolinked.

// The same class as the CLI's safeText (src/cli/format.ts), so a diagnostic reads exactly like the
// `mbm validate` line for it.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const MD_PUNCTUATION = /[!-/:-@[-`{-~]/g;

/** Control and bidi characters → '?', cut to `max` characters (never inside a surrogate pair). */
export function plainText(v: unknown, max = Infinity): string {
  let s = String(v).replace(UNSAFE, '?');
  if (s.length > max) {
    let cut = max;
    const c = s.charCodeAt(cut - 1);
    if (c >= 0xd800 && c <= 0xdbff) cut--;
    s = `${s.slice(0, cut)}…`;
  }
  return s;
}

/** plainText, then safe to place anywhere in Markdown, including a table cell. */
export function markdownText(v: unknown, max = Infinity): string {
  return plainText(v, max).replace(MD_PUNCTUATION, '\\$&');
}
