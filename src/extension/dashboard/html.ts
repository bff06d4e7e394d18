// The dashboard's HTML: a static skeleton with no data in it (data arrives by message and is
// inserted as text), one stylesheet and one script from the extension's built media, and a
// Content Security Policy that allows nothing else: no inline script or style, no handler
// attributes, no network. Pure (no vscode), so a unit test can check the policy.
import { randomBytes } from 'node:crypto';

export interface HtmlParts {
  /** webview.cspSource: the origin local resources are served from. */
  cspSource: string;
  /** Fresh for every load of the HTML. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** 128 random bits, base64: a CSP nonce nobody can guess. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function contentSecurityPolicy(p: Pick<HtmlParts, 'cspSource' | 'nonce'>): string {
  return [`default-src 'none'`, `style-src ${p.cspSource}`, `img-src ${p.cspSource}`, `font-src ${p.cspSource}`, `script-src 'nonce-${p.nonce}'`].join('; ');
}

export function dashboardHtml(p: HtmlParts): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(p))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(p.styleUri)}">
<title>Missed Blocks Dashboard</title>
</head>
<body>
<header class="top">
  <h1>Missed Blocks</h1>
  <span id="source" class="muted"></span>
  <span id="status" class="muted" role="status" aria-live="polite">Loading…</span>
</header>
<section id="replay" class="replay" hidden aria-label="Replay">
  <button id="replay-toggle" type="button">Pause</button>
  <label>Speed <select id="replay-speed"></select></label>
  <span id="replay-info" class="muted"></span>
  <button id="replay-stop" type="button">Stop</button>
</section>
<section class="controls" aria-label="Filters">
  <div class="filter" id="filter-severities" data-label="Severity"></div>
  <div class="filter" id="filter-reasons" data-label="Reason"></div>
  <div class="filter" id="filter-sources" data-label="Source"></div>
  <div class="range"><span id="range-text" class="muted">All time</span> <button id="range-reset" type="button" hidden>Show all time</button></div>
</section>
<section class="headline" id="headline" aria-label="Headline numbers"></section>
<section class="grid">
  <figure class="card wide"><figcaption>Missed over time, by severity <span class="muted">(drag to select a range)</span></figcaption><div id="chart-timeline" class="chart"></div><div class="legend" id="legend-severity"></div></figure>
  <figure class="card"><figcaption>Reasons</figcaption><div id="chart-reasons" class="bars"></div></figure>
  <figure class="card"><figcaption>Streaks <span class="muted">(each bar one streak, height = its length)</span></figcaption><div id="chart-streaks" class="chart"></div></figure>
  <figure class="card"><figcaption>Recovery time</figcaption><div id="chart-recovery" class="chart"></div></figure>
  <figure class="card wide"><figcaption>Slots <span class="muted">(one row per epoch of 32 slots, newest first)</span></figcaption><div class="legend" id="legend-cells"></div><div id="heatmap" class="heatmap"></div></figure>
  <figure class="card wide"><figcaption>Newest records</figcaption><div class="table-wrap"><table id="recent"><thead><tr><th>Detected</th><th>Block</th><th>Kind</th><th>Reason</th><th>Severity</th><th>Recovered</th><th>Source</th><th>Metadata</th></tr></thead><tbody></tbody></table></div></figure>
</section>
<script nonce="${attr(p.nonce)}" src="${attr(p.scriptUri)}"></script>
</body>
</html>
`;
}
