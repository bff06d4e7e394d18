// grafana/missed-blocks.dashboard.json: importable as is (datasource as an input variable), every
// query names a metric we export, and every query is valid PromQL (promtool check rules).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MissedBlockMetrics } from '../../src/node/api/metrics';

interface Target {
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  gridPos: { h: number; w: number; x: number; y: number };
}

const file = path.resolve(__dirname, '../../grafana/missed-blocks.dashboard.json');
const dash = JSON.parse(readFileSync(file, 'utf8'));
const panels: Panel[] = dash.panels.filter((p: Panel) => p.type !== 'row');
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** What Grafana substitutes before the query reaches Prometheus. */
const expand = (e: string) => e.replaceAll('${prefix}', 'mev_relay_').replaceAll('$__rate_interval', '5m').replaceAll('$__range', '6h').replaceAll('$instance', '.*').replaceAll('$chain', '.*');

describe('Grafana dashboard', () => {
  test('importable: the datasource is an input variable used by every panel and query', () => {
    assert.deepEqual(dash.__inputs.map((i: { name: string; type: string; pluginId: string }) => [i.name, i.type, i.pluginId]), [['DS_PROMETHEUS', 'datasource', 'prometheus']]);
    assert.equal(dash.id, null, 'no instance-specific id');
    assert.equal(typeof dash.uid, 'string');
    for (const p of panels) {
      assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${DS_PROMETHEUS}' }, p.title);
      for (const t of p.targets ?? []) assert.deepEqual(t.datasource, { type: 'prometheus', uid: '${DS_PROMETHEUS}' }, p.title);
    }
    const uids = [...JSON.stringify(dash).matchAll(/"uid":\s*"([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(uids)].sort(), ['${DS_PROMETHEUS}', '-- Grafana --', 'mbm-missed-blocks'].sort());
    assert.equal(new Set(dash.panels.map((p: Panel) => p.id)).size, dash.panels.length, 'panel ids are unique');
    for (const p of dash.panels as Panel[]) assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the 24-column grid`);
  });

  test('has the panels the issue asks for', () => {
    const find = (re: RegExp, type?: string) => panels.find((p) => re.test(p.title) && (!type || p.type === type));
    assert.match(find(/by reason/)?.targets?.[0].expr ?? '', /sum by \(reason\).*blocks_missed_total/);
    assert.ok(find(/streak/i, 'timeseries')?.targets?.some((t) => /current_missed_streak/.test(t.expr)));
    assert.match(find(/Recovery time/, 'heatmap')?.targets?.[0].expr ?? '', /missed_block_duration_seconds_bucket/);
    assert.match(find(/Head block per source/)?.targets?.[0].expr ?? '', /by \(source\).*head_block/);
  });

  test('every metric a query names is one we export', async () => {
    const exported = new Set(
      [...(await new MissedBlockMetrics().exposition()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
      ),
    );
    for (const { panel, expr } of exprs) {
      const names = [...expand(expr).matchAll(/\bmev_relay_[a-z_]+/g)].map((m) => m[0]);
      assert.ok(names.length > 0, `${panel}: names a metric`);
      for (const n of names) assert.ok(exported.has(n), `${panel}: ${n} is exported`);
    }
  });

  test('every query is valid PromQL (promtool check rules)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-dash-'));
    try {
      const rules = ['groups:', '  - name: dashboard', '    rules:', ...exprs.flatMap((e, i) => [`      - record: dashboard:query_${i}`, `        expr: ${JSON.stringify(expand(e.expr))}`])];
      writeFileSync(path.join(dir, 'rules.yml'), `${rules.join('\n')}\n`);
      const r = spawnSync('promtool', ['check', 'rules', path.join(dir, 'rules.yml')], { encoding: 'utf8' });
      if (r.error) throw new Error(`promtool not found: install the Debian package \`prometheus\` (${r.error.message})`);
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
