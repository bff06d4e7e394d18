// The container, tested as far as this machine can without a container engine: compose.yaml
// validates with Debian's docker-compose (services, loopback ports, required variables), the
// Prometheus config passes promtool, Grafana provisioning points at the repository's dashboard, the
// Dockerfile runs as a non-root user with a HEALTHCHECK and volumes; and the Dockerfile's install
// steps run for real: `npm pack`, the tarball installed (as `npm install --global`) into an empty
// prefix, `mbm --version`, `mbm watch` against anvil answering the HEALTHCHECK's own command.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startAnvil, stopAllAnvils } from '../helpers/anvil';
import { cliArgs, ROOT } from '../helpers/cli';
import { waitFor } from '../helpers/wait';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) if (c.exitCode === null) process.kill(-c.pid!, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await stopAllAnvils();
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'mbm-container-'));
  dirs.push(d);
  return d;
}

function run(cmd: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { cwd: o.cwd ?? ROOT, env: o.env ?? process.env, timeout: o.timeoutMs ?? 120_000, maxBuffer: 16 << 20 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr }),
    ),
  );
}

const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const composeEnv = { ...process.env, POSTGRES_PASSWORD: 'pw-for-config-check', MBM_RPC_URL: 'ws://node.example:8546' };

/** The JSON-array command of the Dockerfile's HEALTHCHECK. */
function healthcheckCommand(): string[] {
  const m = /^HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile);
  assert.ok(m, 'a HEALTHCHECK with a JSON-array CMD');
  return JSON.parse(m[1]) as string[];
}

describe('compose.yaml, Prometheus and Grafana config', () => {
  test('docker-compose config validates it: five services, ports on loopback only', async () => {
    const r = await run('docker-compose', ['-f', 'compose.yaml', 'config'], { env: composeEnv });
    assert.equal(r.code, 0, r.stderr);
    const services = await run('docker-compose', ['-f', 'compose.yaml', 'config', '--services'], { env: composeEnv });
    assert.deepEqual(services.stdout.trim().split('\n').sort(), ['grafana', 'mbm', 'postgres', 'prometheus', 'redis']);
    const ports = [...r.stdout.matchAll(/^\s*- (\S+:\d+:\d+\/tcp)$/gm)].map((m) => m[1]).sort();
    assert.deepEqual(ports, ['127.0.0.1:3000:3000/tcp', '127.0.0.1:9090:9090/tcp', '127.0.0.1:9400:9400/tcp']);
    assert.match(r.stdout, /MBM_POSTGRES_URL: postgres:\/\/mbm:pw-for-config-check@postgres:5432\/mbm/);
    assert.match(r.stdout, /- --rpc\n\s*- ws:\/\/node\.example:8546\n/);
  });

  test('without POSTGRES_PASSWORD and MBM_RPC_URL it refuses and says which to set', async () => {
    const env = { ...process.env };
    delete env.POSTGRES_PASSWORD;
    delete env.MBM_RPC_URL;
    const r = await run('docker-compose', ['-f', 'compose.yaml', 'config'], { env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /set (POSTGRES_PASSWORD|MBM_RPC_URL)/);
  });

  test('promtool accepts the scrape config, which scrapes the port mbm listens on', async () => {
    const r = await run('promtool', ['check', 'config', 'deploy/prometheus.yml']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
    assert.match(readFileSync(path.join(ROOT, 'deploy/prometheus.yml'), 'utf8'), /targets: \["mbm:9400"\]/);
    assert.match(dockerfile, /^EXPOSE 9400$/m);
  });

  test('Grafana provisions the repository dashboard folder and a Prometheus datasource the dashboard resolves', () => {
    const provider = readFileSync(path.join(ROOT, 'deploy/grafana/provisioning/dashboards/mbm.yml'), 'utf8');
    assert.match(provider, /path: \/var\/lib\/grafana\/dashboards\/mbm$/m);
    assert.match(readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8'), /- \.\/grafana:\/var\/lib\/grafana\/dashboards\/mbm:ro/);
    assert.ok(readdirSync(path.join(ROOT, 'grafana')).includes('missed-blocks.dashboard.json'));
    assert.match(readFileSync(path.join(ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'), /type: prometheus\n\s*uid: prometheus\n\s*access: proxy\n\s*url: http:\/\/prometheus:9090/);
    const dash = JSON.parse(readFileSync(path.join(ROOT, 'grafana/missed-blocks.dashboard.json'), 'utf8')) as { templating: { list: { name: string; type: string; query: unknown }[] } };
    // Provisioned files get no import step: ${DS_PROMETHEUS} is resolved by a datasource variable.
    const ds = dash.templating.list.find((v) => v.name === 'DS_PROMETHEUS');
    assert.deepEqual([ds?.type, ds?.query], ['datasource', 'prometheus']);
  });

  test('the Dockerfile: two stages, non-root user, HEALTHCHECK on /health, config and log volumes', () => {
    assert.equal([...dockerfile.matchAll(/^FROM /gm)].length, 2);
    assert.match(dockerfile, /^COPY --from=build /m);
    const user = /^USER (\S+)$/m.exec(dockerfile);
    assert.ok(user && user[1] !== 'root' && user[1] !== '0', 'runs as a non-root user');
    assert.ok(dockerfile.indexOf('USER mbm') > dockerfile.indexOf('npm install --global'), 'the user is set after the install');
    assert.match(dockerfile, /^VOLUME \["\/config", "\/logs"\]$/m);
    assert.match(healthcheckCommand().join(' '), /http:\/\/127\.0\.0\.1:9400\/health/);
  });
});

describe('the Dockerfile install steps, run here', () => {
  test('npm pack → install into an empty prefix → mbm --version; mbm watch against anvil passes the HEALTHCHECK, fails it when the node is gone', { timeout: 300_000 }, async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    if (cliArgs()[0] !== path.join(ROOT, 'dist/cli.js')) {
      const b = await run(process.execPath, ['esbuild.mjs']);
      assert.equal(b.code, 0, b.stderr);
    }
    const work = tempDir();
    const packed = await run('npm', ['pack', '--pack-destination', work]);
    assert.equal(packed.code, 0, packed.stderr);
    const tarball = path.join(work, `missed-block-monitor-${pkg.version}.tgz`);
    const prefix = path.join(work, 'prefix');
    // The Dockerfile's install line, with --prefix standing in for the image's /usr/local.
    const install = /npm install --global (.*) \/tmp\/pkg\/missed-block-monitor-\*\.tgz/.exec(dockerfile);
    assert.ok(install, 'the Dockerfile installs the packed tarball globally');
    const inst = await run('npm', ['install', '--global', '--prefix', prefix, ...install[1].split(' '), '--prefer-offline', tarball], { cwd: work, timeoutMs: 240_000 });
    assert.equal(inst.code, 0, inst.stderr);
    const mbm = path.join(prefix, 'bin', 'mbm');
    const v = await run(mbm, ['--version'], { cwd: work });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), pkg.version);

    const node = await startAnvil({ blockTime: 1 });
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const k of ['MBM_POSTGRES_URL', 'MBM_REDIS_URL', 'MBM_API_TOKEN']) delete env[k];
    const child = spawn(mbm, ['watch', '--rpc', node.wsUrl, '--log', path.join(work, 'logs', 'missed_blocks.jsonl'), '--listen', `127.0.0.1:${port}`], {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.add(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const [cmd, ...args] = healthcheckCommand();
    const check = () => run(cmd === 'node' ? process.execPath : cmd, args.map((a) => a.replace('127.0.0.1:9400', `127.0.0.1:${port}`)), { cwd: work, timeoutMs: 10_000 });
    await waitFor(async () => (await check()).code === 0, { what: `the HEALTHCHECK to pass (${stderr})`, timeoutMs: 30_000, intervalMs: 250 });
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as Record<string, unknown>;
    assert.equal(typeof health, 'object');

    await node.kill('SIGKILL');
    await waitFor(async () => (await check()).code === 1, { what: `the HEALTHCHECK to fail with the node gone (${stderr})`, timeoutMs: 60_000, intervalMs: 500 });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))));
    assert.equal(code, 0, stderr);
  });
});
