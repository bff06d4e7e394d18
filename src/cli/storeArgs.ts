// The --from-postgres flags' checks and their error type, without the database driver: `mbm export`
// and `mbm report` load pg (about 50 ms) only when the flag is given.
export class StoreCliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreCliError';
  }
}

/** `--chain-id N` (repeatable, comma lists): whole numbers. */
export function parseChainIds(v: readonly string[] | undefined): number[] | undefined {
  if (!v?.length) return undefined;
  return v
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map((x) => {
      if (!/^\d+$/.test(x) || !Number.isSafeInteger(Number(x))) throw new StoreCliError(`--chain-id must be a chain id (a whole number), got ${JSON.stringify(x)}`);
      return Number(x);
    });
}
