import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * `prepared()` caches a statement by its name per pool: two queries sharing a name would
 * silently run the first one's SQL. Every name in db/queries must be unique.
 */

const QUERIES = join(__dirname, '../../../db/queries');
const NAME = /prepared\(\s*\w+,\s*'([^']+)'/g;

function preparedNames(): { name: string; file: string }[] {
  return readdirSync(QUERIES)
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) =>
      [...readFileSync(join(QUERIES, file), 'utf8').matchAll(NAME)].map((m) => ({ name: m[1], file })),
    );
}

describe('prepared statement names', () => {
  it('finds the named statements of the query modules', () => {
    const files = new Set(preparedNames().map((n) => n.file));
    expect([...files]).toEqual(
      expect.arrayContaining(['proposals.ts', 'funnel.ts', 'metric-snapshots.ts', 'stuck-list.ts']),
    );
  });

  it('gives every statement its own name', () => {
    const byName = new Map<string, string[]>();
    for (const { name, file } of preparedNames()) byName.set(name, [...(byName.get(name) ?? []), file]);
    expect([...byName].filter(([, files]) => files.length > 1)).toEqual([]);
  });
});
