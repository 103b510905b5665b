import Table from 'cli-table3';

/** A compact table (no rules between rows) for every terminal report. */
export function table(head: string[], opts: { colWidths?: number[]; wordWrap?: boolean } = {}): InstanceType<typeof Table> {
  return new Table({
    head,
    style: { head: [], border: [], compact: true },
    ...(opts.colWidths ? { colWidths: opts.colWidths } : {}),
    wordWrap: opts.wordWrap ?? false,
  });
}
