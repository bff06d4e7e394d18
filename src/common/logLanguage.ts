// How an editor recognises a missed-block log by its content: the first line is a JSON object
// holding the record's identifying fields, in any order (a foreign writer orders keys its own
// way). package.json's `firstLine` for the missed-block-log language is this same text
// (test/unit/log-language.test.ts checks they are equal).
export const FIRST_LINE_PATTERN =
  '^\\uFEFF?\\s*\\{(?=.*"block_number"\\s*:)(?=.*"expected_timestamp"\\s*:)(?=.*"severity"\\s*:)(?=.*"reason"\\s*:)';

const FIRST_LINE = new RegExp(FIRST_LINE_PATTERN);

export function looksLikeMissedBlockRecord(firstLine: string): boolean {
  return FIRST_LINE.test(firstLine);
}
