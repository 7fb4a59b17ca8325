import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { sql } from 'drizzle-orm';
import { closeDb, createDb, type Db } from '../../../db/client';
import { MIGRATIONS_FOLDER, runMigrations } from '../../../db/migrate';
import * as schema from '../../../db/schema';
import { testDb } from '../../support/db';

const H1_TABLES = [
  'client_services',
  'data_sources',
  'incoming_logs',
  'metric_snapshots',
  'automation_runs',
  'connector_accounts',
  'portal_users',
  'proposal_line_items',
];

interface Journal {
  entries: { idx: number; tag: string }[];
}
const journal: Journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'));

async function names(db: Db, query: ReturnType<typeof sql>): Promise<string[]> {
  const { rows } = await db.execute<{ name: string }>(query);
  return rows.map((r) => r.name);
}

const tableNames = (db: Db) =>
  names(db, sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`);

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => closeDb(db));

describe('migrations', () => {
  it('[H1] the data-hook tables exist under exactly their names', async () => {
    expect(await tableNames(db)).toEqual(expect.arrayContaining(H1_TABLES));
  });

  it('[H1] apply on an empty database, concurrently, and again as a no-op', async () => {
    const name = `migrations_${randomBytes(6).toString('hex')}`;
    await db.execute(sql.raw(`CREATE DATABASE "${name}"`));
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    const fresh = createDb(url.toString(), { max: 4 });
    try {
      await Promise.all([runMigrations(fresh), runMigrations(fresh)]);
      const applied = await names(fresh, sql`SELECT hash AS name FROM drizzle.__drizzle_migrations`);
      expect(applied).toHaveLength(journal.entries.length);
      await runMigrations(fresh);
      expect(await names(fresh, sql`SELECT hash AS name FROM drizzle.__drizzle_migrations`)).toEqual(applied);
      expect(await tableNames(fresh)).toEqual(
        expect.arrayContaining([
          ...H1_TABLES,
          'opportunities',
          'opportunity_events',
          'portal_client_texts',
          'portal_proposal_links',
        ]),
      );
      const triggers = await names(fresh, sql`SELECT tgname AS name FROM pg_trigger WHERE NOT tgisinternal`);
      expect(triggers).toEqual(
        expect.arrayContaining([
          'opportunity_events_append_only',
          'opportunities_never_deleted',
          'metric_snapshots_immutable',
        ]),
      );
    } finally {
      await closeDb(fresh);
      await db.execute(sql.raw(`DROP DATABASE "${name}" WITH (FORCE)`));
    }
  });

  it('the committed migrations match the drizzle schema (nothing left to generate)', async () => {
    const last = journal.entries[journal.entries.length - 1];
    const snapshotFile = path.join(MIGRATIONS_FOLDER, 'meta', `${String(last.idx).padStart(4, '0')}_snapshot.json`);
    const committed = JSON.parse(fs.readFileSync(snapshotFile, 'utf8'));
    const pending = await generateMigration(
      committed,
      generateDrizzleJson(schema as Record<string, unknown>, committed.id),
    );
    expect(pending).toEqual([]);
  });
});
