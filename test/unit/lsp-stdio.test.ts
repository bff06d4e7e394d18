// The language server as other editors run it: a child process spoken to over its stdin/stdout by
// vscode-languageserver-protocol's client (test/helpers/lspServer.ts startLspOverStdio), started as
// `node server` with no transport flag and as `mbm lsp`. Every CodeLens carries a command the
// server itself lists and runs (Neovim reported `command: ""` as unsupported).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SHOW_STREAK_COMMAND } from '../../src/common/lspProtocol';
import { cliArgs } from '../helpers/cli';
import { SERVER_SOURCE, startLspOverStdio } from '../helpers/lspServer';
import { waitFor } from '../helpers/wait';

const file = path.join(__dirname, '..', 'fixtures', 'lsp', 'streaks-and-rewrite.mbl.jsonl');
const uri = pathToFileURL(file).href;
const text = readFileSync(file, 'utf8');

async function exercise(args: string[]): Promise<void> {
  const lsp = await startLspOverStdio(args);
  try {
    const commands = lsp.initializeResult?.capabilities.executeCommandProvider?.commands;
    assert.deepEqual(commands, [SHOW_STREAK_COMMAND]);
    lsp.open(uri, text);
    assert.deepEqual(await lsp.diagnostics(uri, 1), []);
    const lenses = (await lsp.codeLens(uri)) ?? [];
    assert.deepEqual(
      lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command, l.command?.arguments]),
      [
        [1, '5 blocks · 1 min 12 s · 3 recovered', SHOW_STREAK_COMMAND, [uri, 1]],
        [8, '2 blocks · 12 s · 1 recovered', SHOW_STREAK_COMMAND, [uri, 8]],
      ],
    );
    // Running a lens as a client would: the server answers with a message about that streak.
    for (const l of lenses) await lsp.executeCommand(l.command!.command, l.command!.arguments!);
    await waitFor('two showMessage notifications', () => lsp.messages.length === 2);
    assert.deepEqual(lsp.messages, [
      'Streak #100–#104: 5 blocks · 1 min 12 s · 3 recovered · worst Critical · lines 2–8',
      'Streak #300–#301: 2 blocks · 12 s · 1 recovered · worst High · lines 9–10',
    ]);
    assert.equal(lsp.stderr(), '', 'nothing on stderr');
  } finally {
    await lsp.stop();
  }
}

test('lsp over stdio: `node server` with no transport flag defaults to stdio', () => exercise(['--import', 'tsx', SERVER_SOURCE]));

test('lsp over stdio: `mbm lsp`', () => exercise([...cliArgs(), 'lsp']));
