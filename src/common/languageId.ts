// The log language's id, apart from lspProtocol.ts: the extension host needs the id at activation,
// and lspProtocol's import of the LSP protocol library would load it with the id.
export const LANGUAGE_ID = 'missed-block-log';
