// Security: log records are untrusted (any process can write the file). XSS, Markdown, link,
// codicon, ANSI and bidi payloads in every text field must come out as inert text from the tree
// model, the language server's hover (real server), notifications and the dashboard's data and
// DOM code; CSV exports must neutralise formula payloads (real `mbm export`, read back by Python's
// csv module); the HTTP API (real `mbm serve`) must refuse every route without the token and must
// not be reachable on a non-loopback address when bound to loopback.
//
// Restricted Mode sending nothing is covered in the real editor by test/e2e/extension.test.ts
// ("Restricted Mode: …"); src/extension/trust.ts has no pure part to test here (it is vscode glue).
// The same payloads in the real editor (tree, dashboard webview) are test/e2e/security.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type MarkupContent } from 'vscode-languageserver-protocol';
import { freePort } from '../../src/node/chain/anvil';
import { DashboardModel } from '../../src/common/dashboard/model';
import { decodeRow, encodeBatch, toDetail, type RecordDetail } from '../../src/common/dashboard/wire';
import { exportRecords } from '../../src/node/export/export';
import type { MissedBlock } from '../../src/core/model';
import { NotificationPolicy, recordEvents, thresholdEvent } from '../../src/extension/model/notifyPolicy';
import { statusBarView } from '../../src/extension/model/statusText';
import { summarize } from '../../src/extension/model/summary';
import { buildTree, recordNode, type LogInput, type TreeNode } from '../../src/extension/model/treeModel';
import { cliArgs, ROOT } from '../helpers/cli';
import { entriesOf, rec, T0 } from '../helpers/extensionRecords';
import { startLspServer, type LspSession } from '../helpers/lspServer';
import { waitFor } from '../helpers/wait';

/** A test server on loopback would count a hit on this URL; nothing here may even name it unescaped. */
const PAYLOADS = {
  img: '<img src=x onerror="window.__pwned=1">',
  script: '"><script>window.__pwned=1</script><"',
  jsUrl: 'javascript:alert(document.domain)',
  mdLink: '[click me](command:workbench.action.terminal.new)',
  mdImage: '![x](https://evil.example/x.png)',
  mdHtml: '<a href="command:workbench.action.terminal.new">open</a>',
  codicon: '$(alert) $(zap) $(x)',
  ansi: '\u001b[31mRED\u001b[0m \u001b]8;;http://evil.example\u0007link\u001b]8;;\u0007',
  bidi: 'invoice\u202eexe.txt\u202c \u2066x\u2069 \u200f',
  formula: "=cmd|' /C calc'!A0",
  long: `${'L'.repeat(20_000)}<b>end</b>`,
};
const ALL = Object.values(PAYLOADS);
const joined = ALL.join(' ');

/** Control characters (tab/newline allowed where said) and bidi overrides/isolates. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

function hostile(n: number, over: Partial<MissedBlock> = {}): MissedBlock {
  return rec(n, {
    severity: 'Critical',
    // source is limited to 256 characters by the schema: every payload but the long one.
    source: ALL.filter((p) => p !== PAYLOADS.long).join(' ').slice(0, 256),
    metadata: { ...PAYLOADS, [PAYLOADS.img]: PAYLOADS.script, [PAYLOADS.mdLink]: PAYLOADS.codicon, nested: { deep: [PAYLOADS.img] } },
    ...over,
  });
}
const hostileRecords = (): MissedBlock[] => [hostile(100), hostile(101, { kind: 'missed_slot', slot: 7 }), hostile(102, { reason: 'ChainReorg', kind: 'reorg', reorg_depth: 2 })];

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mbm-sec-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('tree model (labels, descriptions, tooltips)', () => {
  const opts = { alertThreshold: 2, restricted: false };
  const input = (displayName: string): LogInput => {
    const file = path.join(dir, 'missed_blocks.jsonl');
    const entries = entriesOf(file, hostileRecords());
    return { view: { file, displayName, badLines: 0 }, entries, summary: summarize(entries, { alertThreshold: 2, now: T0 }) };
  };
  const walk = (nodes: TreeNode[], out: TreeNode[] = []): TreeNode[] => {
    for (const n of nodes) {
      out.push(n);
      if (n.children) walk(n.children, out);
    }
    return out;
  };

  test('every string a node carries is plain, bounded text without control or bidi characters', () => {
    const nodes = walk(buildTree([input(`logs/${PAYLOADS.mdLink}${PAYLOADS.bidi}.jsonl`), input(PAYLOADS.img)], opts));
    const entries = input('x').entries;
    nodes.push(...entries.map((e) => recordNode(e, opts, 'r:')));
    assert.ok(nodes.length > 20);
    let tooltips = 0;
    for (const n of nodes) {
      for (const [k, v] of [['label', n.label], ['description', n.description], ['ariaLabel', n.ariaLabel]] as const) {
        if (v === undefined) continue;
        assert.ok(!CONTROL.test(v) && !v.includes('\n'), `${k} of ${n.id}: ${JSON.stringify(v.slice(0, 80))}`);
        assert.ok(!BIDI.test(v), `${k} of ${n.id} holds a bidi control`);
        assert.ok(v.length <= 400, `${k} of ${n.id} is ${v.length} long`);
      }
      if (n.tooltip !== undefined) {
        tooltips++;
        assert.equal(typeof n.tooltip, 'string', 'tooltips are plain strings, never Markdown');
        assert.ok(!CONTROL.test(n.tooltip) && !BIDI.test(n.tooltip), `tooltip of ${n.id}`);
        for (const line of n.tooltip.split('\n')) assert.ok(line.length <= 1000, `tooltip line of ${n.id} is ${line.length} long`);
      }
    }
    assert.ok(tooltips >= 3);
    // The payloads are shown as the text they are (so a user can see what is in the log).
    const tip = recordNode(entries[0], opts, 'r:').tooltip!;
    assert.ok(tip.includes(`img: ${PAYLOADS.img}`), tip);
    assert.ok(tip.includes(`Source: ${PAYLOADS.img}`), tip);
  });

  test('the status bar item: its text starts with our own codicon only; its tooltip is plain, clean text', () => {
    const l = input(`${PAYLOADS.codicon}${PAYLOADS.bidi}${PAYLOADS.ansi}`);
    const v = statusBarView({ log: { view: { ...l.view, live: { logFile: l.view.file, connection: 'down', downReason: PAYLOADS.codicon + PAYLOADS.bidi, source: PAYLOADS.mdLink + PAYLOADS.bidi } }, summary: l.summary }, restricted: false, alertThreshold: 2 });
    // Codicons render in status bar text: only the leading $(pulse) may be one.
    assert.equal(v.text.match(/\$\(/g)?.length, 1, v.text);
    for (const s of [v.text, v.tooltip, v.ariaLabel]) assert.ok(!CONTROL.test(s) && !BIDI.test(s), JSON.stringify(s));
  });

  test('tree.ts hands tooltips to VS Code as plain strings (no MarkdownString, no codicon-rendering label API)', () => {
    const src = readFileSync(path.join(ROOT, 'src/extension/tree.ts'), 'utf8');
    assert.match(src, /item\.tooltip = node\.tooltip;/);
    assert.ok(!/MarkdownString/.test(src));
    // Labels are block numbers and fixed words: a codicon in a log cannot reach one.
    const labels = walk(buildTree([input(PAYLOADS.codicon)], opts)).map((n) => n.label);
    assert.ok(labels.every((l) => !l.includes('$(')), labels.filter((l) => l.includes('$(')).join(', '));
  });
});

describe('notifications', () => {
  test('a hostile log name or record cannot put a link, control or bidi character in a notification', () => {
    const file = path.join(dir, 'x.jsonl');
    const entries = entriesOf(file, hostileRecords());
    const name = `${PAYLOADS.mdLink} ${PAYLOADS.mdImage} [a](https://evil.example) [b](file:///etc/passwd) ${PAYLOADS.ansi}${PAYLOADS.bidi}${PAYLOADS.long}`;
    const events = recordEvents(file, name, entries, 'Low');
    const s = summarize(entries, { alertThreshold: 2, now: T0 });
    const t = thresholdEvent(file, name, s, 2);
    assert.ok(t, 'the streak reached the threshold');
    const notice = new NotificationPolicy({ minIntervalMs: 0, now: () => 0 }).offer([t, ...events]);
    assert.ok(notice);
    for (const m of [t.message, ...events.map((e) => e.message), notice.message]) {
      // VS Code renders [text](https:|command:|file: …) in a notification message as a link.
      assert.ok(!/\]\((?:https?:|command:|file:)/i.test(m), m.slice(0, 200));
      assert.ok(!CONTROL.test(m) && !BIDI.test(m), JSON.stringify(m.slice(0, 200)));
      assert.ok(m.length < 400, `notification is ${m.length} long`);
    }
    assert.match(t.message, /\[click me\] \(command:/, 'the name is still readable');
  });
});

// ---------------------------------------------------------------------------------------------
// Language server hover and diagnostics (real server process).

describe('language server', () => {
  let lsp: LspSession;
  before(async () => {
    lsp = await startLspServer({ bundle: cliArgs()[0].endsWith(path.join('dist', 'cli.js')) });
  });
  after(() => lsp.stop());

  /** Markdown's active characters, unescaped. */
  const ACTIVE = /(?<!\\)[<>[\]`$!]|(?<!\\)\((?=command:|https?:|javascript:)/;

  test('hover escapes every payload (no HTML, link, image or codicon survives) and still shows it as text', async () => {
    const lines = hostileRecords().map((r) => JSON.stringify(r));
    // A metadata key and value of every kind, and unknown fields too.
    lines.push(JSON.stringify({ ...hostile(103), [PAYLOADS.mdHtml]: PAYLOADS.script }));
    const uri = pathToFileURL(path.join(dir, 'hostile.mbl.jsonl')).href;
    lsp.open(uri, `${lines.join('\n')}\n`);
    const ds = await lsp.diagnostics(uri, 1);
    assert.equal(ds.filter((d) => d.severity === DiagnosticSeverity.Error).length, 0, 'the records are valid');
    for (let i = 0; i < lines.length; i++) {
      const h = await lsp.hover(uri, i);
      assert.ok(h, `hover on line ${i + 1}`);
      const c = h.contents as MarkupContent;
      assert.equal(c.kind, 'markdown');
      // Our own markup uses only | * _ : and escapes. Strip that, then nothing active may remain.
      const m = ACTIVE.exec(c.value);
      assert.equal(m, null, `unescaped ${m?.[0]} at ${m?.index}: ${c.value.slice(Math.max(0, (m?.index ?? 0) - 60), (m?.index ?? 0) + 60)}`);
      assert.ok(!/javascript:/i.test(c.value), 'a javascript: URL stays escaped');
      assert.ok(!CONTROL.test(c.value.replace(/\n/g, '')) && !BIDI.test(c.value));
      assert.ok(c.value.length < 8_000, `hover is ${c.value.length} long (long values are cut)`);
      const visible = c.value.replace(/\\([!-/:-@[-`{-~])/g, '$1');
      assert.ok(visible.includes(PAYLOADS.img), 'the payload reads as text');
      assert.ok(visible.includes(PAYLOADS.mdLink));
    }
    lsp.close(uri);
  });

  test('diagnostics quoting a hostile value carry no control or bidi character', async () => {
    const base = JSON.stringify(hostile(1));
    const bad = [
      base.replace('"severity":"Critical"', `"severity":${JSON.stringify(PAYLOADS.ansi + PAYLOADS.bidi)}`),
      base.replace('"reason":"NetworkLatency"', `"reason":${JSON.stringify(PAYLOADS.img + PAYLOADS.bidi)}`),
      `${PAYLOADS.bidi}${PAYLOADS.ansi}`,
      `{"x":1,${PAYLOADS.ansi}}`,
    ];
    const uri = pathToFileURL(path.join(dir, 'hostile-bad.mbl.jsonl')).href;
    lsp.open(uri, bad.join('\n'));
    const ds = await lsp.diagnostics(uri, 1);
    assert.equal(ds.filter((d) => d.severity === DiagnosticSeverity.Error).length, bad.length);
    for (const d of ds) assert.ok(!CONTROL.test(d.message) && !BIDI.test(d.message), JSON.stringify(d.message));
    lsp.close(uri);
  });

  test('the extension shows hovers as untrusted Markdown without HTML', () => {
    const src = readFileSync(path.join(ROOT, 'src/extension/languageClient.ts'), 'utf8');
    assert.match(src, /markdown: \{ isTrusted: false, supportHtml: false \}/);
  });
});

// ---------------------------------------------------------------------------------------------
// Dashboard: data shaping (core) and the webview's DOM code, run against a recording fake DOM.

interface FakeEl {
  tagName: string;
  children: FakeEl[];
  attrs: Map<string, string>;
  text: string;
}
const violations: string[] = [];
function fakeElement(tag: string): FakeEl & Record<string, unknown> {
  const e = {
    tagName: tag.toUpperCase(),
    children: [] as FakeEl[],
    attrs: new Map<string, string>(),
    text: '',
    className: '',
    hidden: false,
    dataset: {} as Record<string, string>,
    listeners: 0,
    get textContent(): string {
      return this.text + this.children.map((c: FakeEl & { textContent?: string }) => c.textContent ?? '').join('');
    },
    set textContent(v: string) {
      this.children = [];
      this.text = String(v);
    },
    set innerHTML(v: string) {
      violations.push(`innerHTML = ${String(v).slice(0, 80)}`);
    },
    set outerHTML(v: string) {
      violations.push(`outerHTML = ${String(v).slice(0, 80)}`);
    },
    insertAdjacentHTML(_w: string, v: string) {
      violations.push(`insertAdjacentHTML ${v.slice(0, 80)}`);
    },
    setAttribute(k: string, v: string) {
      if (/^on/i.test(k) || /^\s*javascript:/i.test(v)) violations.push(`setAttribute(${k}, ${v.slice(0, 80)})`);
      this.attrs.set(k, String(v));
    },
    appendChild(c: FakeEl) {
      this.children.push(c);
      return c;
    },
    removeChild(c: FakeEl) {
      this.children = this.children.filter((x) => x !== c);
      return c;
    },
    get firstChild() {
      return this.children[0] ?? null;
    },
    addEventListener() {
      this.listeners++;
    },
  };
  return e as unknown as FakeEl & Record<string, unknown>;
}

describe('dashboard', () => {
  const file = path.join(dir ?? tmpdir(), 'missed_blocks.jsonl');
  const located = () => hostileRecords().map((record, i) => ({ record, file: PAYLOADS.img, line: i + 1 }));

  test('data shaping keeps payloads as data, unchanged (the webview must insert them as text)', () => {
    const batch = encodeBatch(located());
    const row = decodeRow(batch, 0);
    assert.equal(row.source, hostile(1).source, 'the source label is passed through as a string, not transformed into markup');
    const d = toDetail(located()[0]);
    assert.ok(d.metadata.length <= 2_000, 'metadata is cut for the table');
    assert.ok(d.metadata.includes(JSON.stringify(PAYLOADS.img).slice(1, -1)), 'metadata is JSON text');
    const m = new DashboardModel({ clock: { slotSeconds: 12, genesis: T0 } });
    m.apply(batch, located().map(toDetail));
    const v = m.view();
    assert.deepEqual(
      v.facets.sources.map((s) => s.name),
      [hostile(1).source],
    );
    void file;
  });

  test('the webview inserts record text with textContent only (recent table and filter chips, fake DOM)', async () => {
    const ids = new Map<string, ReturnType<typeof fakeElement>>();
    const doc = {
      createElement: (t: string) => fakeElement(t),
      getElementById: (id: string) => {
        if (!ids.has(id)) ids.set(id, fakeElement('div'));
        return ids.get(id);
      },
      write: (s: string) => violations.push(`document.write ${s.slice(0, 80)}`),
    };
    const g = globalThis as Record<string, unknown>;
    const had = g.document;
    g.document = doc;
    try {
      // Loaded by path: the webview's sources need the DOM lib, which the project's tsconfig leaves out.
      const load = (f: string) => import(pathToFileURL(path.join(ROOT, 'src/webview', f)).href);
      const { renderRecent } = (await load('recent.ts')) as { renderRecent(body: unknown, rows: RecordDetail[], reveal: (d: RecordDetail) => void): void };
      const { FilterBar } = (await load('filters.ts')) as {
        FilterBar: new (onFilter: (f: unknown) => void, onReset: () => void) => { update(facets: unknown, filter: unknown, range: null): void };
      };
      const body = fakeElement('tbody');
      const details = located().map(toDetail);
      renderRecent(body, details, () => undefined);
      assert.equal(body.children.length, details.length);
      const text = (body as unknown as { textContent: string }).textContent;
      assert.ok(text.includes(hostile(1).source!), 'the source shows as text');
      assert.ok(text.includes(JSON.stringify(PAYLOADS.img).slice(1, -1)), 'the metadata shows as text');
      const bar = new FilterBar(() => undefined, () => undefined);
      const m = new DashboardModel({ clock: { slotSeconds: 12, genesis: T0 } });
      m.apply(encodeBatch(located()));
      bar.update(m.view().facets, { reasons: [], severities: [], sources: [PAYLOADS.script] }, null);
      const chips = (ids.get('filter-sources') as unknown as { textContent: string }).textContent;
      assert.ok(chips.includes(hostile(1).source!) && chips.includes(PAYLOADS.script), chips.slice(0, 200));
      assert.deepEqual(violations, []);
    } finally {
      g.document = had;
    }
  });

  test('no webview source writes HTML from strings (static check, in addition to the one above)', () => {
    const dirOf = path.join(ROOT, 'src/webview');
    const files: string[] = [];
    const walkDir = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walkDir(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walkDir(dirOf);
    assert.ok(files.length >= 5);
    const banned = /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|\beval\(|new Function\(|srcdoc|setAttribute\(\s*['"]on/;
    for (const f of files) {
      const src = readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '');
      const m = banned.exec(src);
      assert.equal(m, null, `${path.relative(ROOT, f)}: ${m?.[0]}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Child processes: `mbm export`, `mbm serve`.

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...cliArgs(), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 64 << 20, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Python's csv module reads the file: the rows as a spreadsheet or pandas would get them. */
function pythonCsv(file: string): Promise<string[][]> {
  const script = 'import csv,json,sys\nwith open(sys.argv[1], newline="", encoding="utf-8") as f:\n    print(json.dumps(list(csv.reader(f))))';
  return new Promise((resolve, reject) =>
    execFile('python3', ['-c', script, file], { timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as string[][]))),
  );
}

const FORMULA_START = /^[=+\-@\t\r]/;

describe('CSV export', () => {
  test('`mbm export --format csv` (child process): payloads in every text field reach no cell; bad enums are rejected, not exported', async () => {
    const log = path.join(dir, 'formula.jsonl');
    const good = hostileRecords().map((r) => ({ ...r, metadata: { ...r.metadata, f1: '=1+1', f2: '+SUM(A1)', f3: '-2+3', f4: '@SUM(A1)', f5: '\t=1', f6: '\r=1' }, source: "=HYPERLINK(\"http://evil.example\",\"x\")" }));
    const badLines = ['=cmd|\' /C calc\'!A0', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1'].map((p, i) => JSON.stringify({ ...hostile(200 + i), reason: p }));
    writeFileSync(log, [...good.map((r) => JSON.stringify(r)), ...badLines].join('\n') + '\n');
    const out = path.join(dir, 'formula.csv');
    const r = await run(['export', '--format', 'csv', '--output', out, log]);
    assert.equal(r.code, 0, r.stderr);
    const rows = await pythonCsv(out);
    assert.deepEqual(rows[0], ['block_number', 'reason', 'severity', 'expected_timestamp', 'actual_timestamp', 'recovery_attempts', 'recovered', 'missed_at']);
    assert.equal(rows.length - 1, good.length, 'only the valid records are exported');
    for (const row of rows.slice(1)) for (const cell of row) assert.ok(!FORMULA_START.test(cell), `cell ${JSON.stringify(cell)}`);
    assert.match(r.stderr, /6 bad lines|bad line/);
    // JSON export keeps the hostile text exactly, as JSON strings.
    const j = await run(['export', '--format', 'json', log]);
    assert.equal(j.code, 0, j.stderr);
    const arr = JSON.parse(j.stdout) as MissedBlock[];
    assert.equal(arr.length, good.length);
    assert.equal(arr[0].metadata.img, PAYLOADS.img);
    assert.equal(arr[0].metadata.f5, '\t=1');
  });

  test('a formula in a text cell from any other producer is escaped (exportRecords → Python csv)', async () => {
    const forged = ['=cmd|\' /C calc\'!A0', '+SUM(A1)', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '=1\n=2'].map((p, i) =>
      ({ ...rec(300 + i), reason: p, severity: p }) as unknown as MissedBlock,
    );
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(c, _e, cb) {
        chunks.push(Buffer.from(c));
        cb();
      },
    });
    await exportRecords(forged, { format: 'csv', out: sink });
    const file = path.join(dir, 'forged.csv');
    writeFileSync(file, Buffer.concat(chunks));
    const rows = await pythonCsv(file);
    assert.equal(rows.length - 1, forged.length);
    for (const [i, row] of rows.slice(1).entries()) {
      for (const cell of [row[1], row[2]]) {
        assert.ok(!FORMULA_START.test(cell), `row ${i + 1}: ${JSON.stringify(cell)}`);
        assert.equal(cell, `'${(forged[i] as unknown as { reason: string }).reason}`, 'escaped with a leading quote, otherwise unchanged');
      }
    }
  });
});

describe('HTTP API (`mbm serve`, child process)', () => {
  const TOKEN = 'sec-test-token-3f9a';
  const ROUTES = ['/health', '/stats', '/metrics', '/report', '/report?format=text', '/export', '/export?format=json', '/events'];
  let child: ChildProcess | undefined;
  let port = 0;
  let stderr = '';

  before(async () => {
    const log = path.join(dir, 'served.jsonl');
    writeFileSync(log, `${hostileRecords().map((r) => JSON.stringify(r)).join('\n')}\n`);
    port = await freePort();
    child = spawn(process.execPath, [...cliArgs(), 'serve', '--listen', `127.0.0.1:${port}`, log], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', MBM_API_TOKEN: TOKEN },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => /serving .* on http/.test(stderr) || child!.exitCode !== null, { timeoutMs: 60_000 });
    assert.equal(child.exitCode, null, stderr);
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  /** Status of a request (the body is not awaited: /events never ends). */
  function status(host: string, p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host, port, path: p, method, headers, timeout: 30_000 }, (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      });
      req.on('timeout', () => req.destroy(new Error(`timeout ${p}`)));
      req.on('error', reject);
      req.end();
    });
  }

  test('every route: 401 without the token, with a wrong one, or with it anywhere but the header; 200 with it', async () => {
    const wrong: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: 'Bearer ' },
      { authorization: TOKEN },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { 'x-api-token': TOKEN },
    ];
    for (const r of [...ROUTES, '/nope', '/../etc/passwd']) {
      for (const h of wrong) assert.equal(await status('127.0.0.1', r, h), 401, `${r} ${JSON.stringify(h)}`);
      assert.equal(await status('127.0.0.1', `${r}${r.includes('?') ? '&' : '?'}token=${TOKEN}`), 401, `${r} token in the query`);
      assert.equal(await status('127.0.0.1', r, {}, 'HEAD'), 401, `HEAD ${r}`);
    }
    for (const r of ROUTES) assert.equal(await status('127.0.0.1', r, { authorization: `Bearer ${TOKEN}` }), 200, r);
    assert.equal(await status('127.0.0.1', '/nope', { authorization: `Bearer ${TOKEN}` }), 404, 'unknown paths are found out only with the token');
    assert.ok(!stderr.includes(TOKEN), 'the token is never printed');
  });

  test('bound to 127.0.0.1, the API is not reachable on this machine\'s other addresses', async (t) => {
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && (a.family === 'IPv4' || !a.address.startsWith('fe80')))
      .map((a) => a!.address);
    if (others.length === 0) {
      t.skip('this machine has no non-loopback address to try');
      return;
    }
    for (const addr of others) {
      const code = await new Promise<string>((resolve) => {
        const s = net.connect({ host: addr, port, timeout: 10_000 });
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('timeout', () => {
          s.destroy();
          resolve('timeout');
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      assert.equal(code, 'ECONNREFUSED', `${addr}:${port}`);
    }
    // And the same port on loopback does answer, so the refusals are about the address.
    assert.equal(await status('127.0.0.1', '/health', { authorization: `Bearer ${TOKEN}` }), 200);
    console.log(`security: refused on ${others.join(', ')} (port ${port})`);
  });
});

void joined;
