// Messages between the missed-block-log language client and server beyond standard LSP, declared
// once here and imported by both ends and by the tests (vscode-eslint's pattern: one namespace per
// custom message). Kept apart from src/protocol.ts, which is the host <-> webview protocol.
import { RequestType } from 'vscode-languageserver-protocol';

export { LANGUAGE_ID } from './languageId';

/**
 * The command every CodeLens carries (arguments: document URI, 0-based line of the streak's first
 * record). The server lists it in executeCommandProvider and runs it itself: it answers with a
 * window/showMessage describing the streak, so every client (VS Code, Neovim, Helix, Emacs) can
 * run a lens without knowing the command.
 */
export const SHOW_STREAK_COMMAND = 'missedBlockLog.showStreak';

export interface DocumentStatsParams {
  uri: string;
}

/** What the server holds for one open log; `parsedLines` is how the tests prove incremental parsing. */
export interface DocumentStats {
  version: number;
  lineCount: number;
  records: number;
  badLines: number;
  warnings: number;
  /** Lines not parsed yet (a big document is parsed in slices between requests). */
  pendingLines: number;
  /** Lines handed to parseLogLine since the document was opened (blank lines are not parsed). */
  parsedLines: number;
}

export namespace DocumentStatsRequest {
  export const method = 'missedBlocks/documentStats';
  export const type = new RequestType<DocumentStatsParams, DocumentStats | null, void>(method);
}
