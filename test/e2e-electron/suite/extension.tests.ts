// What the desktop suite checks through the API (the UI is covered by the code-server suite):
// activation, every contributed command registered, and Start Monitoring writing the records of a
// missed-slot gap into the workspace log.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';

interface Contributed {
  command: string;
  title: string;
  category?: string;
}

const ID = 'missed-block-monitor.missed-block-monitor';
const rpcUrl = process.env.MBM_E2E_RPC!;
const ws = process.env.MBM_E2E_WS!;

async function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const j = (await res.json()) as { result?: T; error?: { message: string } };
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result as T;
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function commandByTitle(title: string): string {
  const cmds = (vscode.extensions.getExtension(ID)!.packageJSON as { contributes: { commands: Contributed[] } }).contributes.commands;
  const c = cmds.find((x) => x.title === title || `${x.category}: ${x.title}` === title);
  assert.ok(c, `a contributed command titled "${title}"`);
  return c.command;
}

export const tests: { name: string; fn: () => Promise<void> }[] = [
  {
    name: 'activates, and every contributed command is registered',
    fn: async () => {
      const ext = vscode.extensions.getExtension(ID);
      assert.ok(ext, `${ID} is installed`);
      await ext.activate();
      const registered = new Set(await vscode.commands.getCommands(true));
      const cmds = (ext.packageJSON as { contributes: { commands: Contributed[] } }).contributes.commands;
      assert.ok(cmds.length >= 9);
      for (const c of cmds) assert.ok(registered.has(c.command), `${c.command} registered`);
    },
  },
  {
    name: 'Start Monitoring writes the missed slots of a gap into logs/missed_blocks.jsonl',
    fn: async () => {
      await vscode.commands.executeCommand(commandByTitle('Start Monitoring'));
      const log = path.join(ws, 'logs', 'missed_blocks.jsonl');
      const latest = await rpc<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
      const t = Math.max(Number(latest.timestamp), Math.floor(Date.now() / 1000));
      await rpc('evm_setNextBlockTimestamp', [t + 1]);
      await rpc('evm_mine');
      await rpc('evm_setNextBlockTimestamp', [t + 5]); // 3 empty slots
      await rpc('evm_mine');
      const lines = await until('3 missed_slot records in the log', () => {
        if (!existsSync(log)) return undefined;
        const recs = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind?: string });
        return recs.filter((r) => r.kind === 'missed_slot').length >= 3 && recs;
      });
      assert.ok(lines.length >= 3);
      await vscode.commands.executeCommand(commandByTitle('Stop Monitoring'));
    },
  },
];
