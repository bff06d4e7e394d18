// The workspace's logs found by VS Code itself: workspace.findFiles (a search in the editor's own
// search process, .gitignore not applied, so an ignored log folder is still searched) for the
// logs already there, and a FileSystemWatcher on the same globs for logs added and removed later.
// The extension host then neither walks the workspace nor hears of every change to every file in
// it (chokidar did both on the host's event loop: a monitor appending to a log made it re-list the
// log's folder every second). The same rule as the chokidar search decides what counts
// (discoverable: depth, hidden and skipped folders, the log's name).
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import { discoverable, type Discover } from './logWatcher';

const GLOBS = ['**/missed_blocks*.jsonl', '**/*.mbl.jsonl'];
/** Not searched at all (discoverable skips these and hidden folders anyway; this spares the search). */
const EXCLUDE = '**/{node_modules,bower_components,target}/**';
/** More logs than any workspace holds: a bound on what one search returns. */
const MAX_FOUND = 10_000;

export const vscodeDiscovery: Discover = async (roots, depth, on) => {
  const watchers = GLOBS.map((g) => vscode.workspace.createFileSystemWatcher(g, false, true, false));
  const take = (uri: vscode.Uri, f: (file: string) => void) => {
    if (uri.scheme === 'file' && discoverable(roots, depth, uri.fsPath)) f(uri.fsPath);
  };
  for (const w of watchers) {
    w.onDidCreate((u) => take(u, on.add));
    w.onDidDelete((u) => take(u, on.unlink));
  }
  // The folders' own top level first, at once: the usual place of a log, read before the search
  // process (which may take a second to start in a fresh window) answers. Found twice is found once.
  await Promise.all(
    roots.map(async (root) => {
      try {
        for (const d of await readdir(root, { withFileTypes: true })) if (d.isFile()) take(vscode.Uri.file(path.join(root, d.name)), on.add);
      } catch {
        // an unreadable folder: the search below says what it can
      }
    }),
  );
  try {
    const found = await Promise.all(GLOBS.map((g) => vscode.workspace.findFiles(g, EXCLUDE, MAX_FOUND)));
    for (const uri of found.flat()) take(uri, on.add);
  } catch (err) {
    on.warn(`searching the workspace for logs: ${(err as Error).message}`);
  }
  return { close: () => watchers.forEach((w) => w.dispose()) };
};
