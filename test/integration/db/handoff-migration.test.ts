/**
 * Migration 0009 on a database the old handoff wrote to: placeholder rows go, complete rows stay,
 * existing clients get a name key (duplicates kept apart), and projects get the scope and line
 * items of their deal's latest sent proposal.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { closeDb, createDb, type Db } from '../../../db/client';
import { MIGRATIONS_FOLDER, runMigrations } from '../../../db/migrate';
import { testDb } from '../../support/db';

const BEFORE = '0008_services_catalogue';

/** A copy of the migrations folder that ends at `last`. */
function migrationsUpTo(last: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'));
  const end = journal.entries.findIndex((e: { tag: string }) => e.tag === last);
  journal.entries = journal.entries.slice(0, end + 1);
  fs.mkdirSync(path.join(dir, 'meta'));
  fs.writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const entry of journal.entries as { tag: string }[])
    fs.copyFileSync(path.join(MIGRATIONS_FOLDER, `${entry.tag}.sql`), path.join(dir, `${entry.tag}.sql`));
  return dir;
}

let admin: Db;
let fresh: Db;
let name: string;
beforeAll(async () => {
  admin = testDb();
  name = `handoff_migration_${randomBytes(6).toString('hex')}`;
  await admin.execute(sql.raw(`CREATE DATABASE "${name}"`));
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  fresh = createDb(url.toString(), { max: 2 });
});
afterAll(async () => {
  await closeDb(fresh);
  await admin.execute(sql.raw(`DROP DATABASE "${name}" WITH (FORCE)`));
  await closeDb(admin);
});

const ids = {
  deal: randomUUID(),
  bare: randomUUID(),
  acme: randomUUID(),
  acmeAgain: randomUUID(),
  cafe: randomUUID(),
  proposal: randomUUID(),
  goodAccount: randomUUID(),
  placeholderAccount: randomUUID(),
  user: randomUUID(),
};

/** What the handoff before 0009 left: placeholders beside complete rows, clients sharing a name. */
async function writeLegacyData(db: Db): Promise<void> {
  const q = (text: string, values: unknown[] = []) => db.$client.query(text, values);
  for (const id of [ids.deal, ids.bare])
    await q(
      `INSERT INTO opportunities (id, title, company, owner_id, workflow_id, snapshot, version, stage)
       VALUES ($1, 'Deal', 'Acme', 'rep-1', $2, '{}'::jsonb, 1, 'handed_off')`,
      [id, `deal-${id}`],
    );
  await q(
    `INSERT INTO clients (id, key, opportunity_id, name, created_at) VALUES
       ($1, 'c1', $4, 'Acme Plumbing, LLC', now() - interval '2 days'),
       ($2, 'c2', $4, 'acme  plumbing', now() - interval '1 day'),
       ($3, 'c3', $4, 'Sun & Sea Co', now())`,
    [ids.acme, ids.acmeAgain, ids.cafe, ids.deal],
  );
  await q(
    `INSERT INTO proposals (id, opportunity_id, version, status, created_by, sent_at)
     VALUES ($1, $2, 1, 'sent', 'rep-1', now())`,
    [ids.proposal, ids.deal],
  );
  await q(
    `INSERT INTO proposal_sections (proposal_id, section, body) VALUES ($1, 'scope', '  Routing for two sites '),
       ($1, 'timeline', 'Six weeks')`,
    [ids.proposal],
  );
  await q(
    `INSERT INTO proposal_line_items (proposal_id, position, description, quantity, unit_price_cents)
     VALUES ($1, 1, 'Monthly', 2, 9900), ($1, 0, 'Setup', 1, 250000)`,
    [ids.proposal],
  );
  await q(
    `INSERT INTO projects (key, opportunity_id, client_id, name, owner_id) VALUES
       ('p1', $1, $3, 'Acme delivery', 'rep-1'), ('p2', $2, $3, 'Bare delivery', 'rep-1')`,
    [ids.deal, ids.bare, ids.acme],
  );
  await q(
    `INSERT INTO client_services (key, opportunity_id, client_id, name) VALUES
       ('s-placeholder', $1, $2, NULL), ('s-real', $1, $2, 'Lead-flow automation')`,
    [ids.deal, ids.acme],
  );
  await q(
    `INSERT INTO connector_accounts (id, key, opportunity_id, client_id, provider, external_account_id) VALUES
       ($3, 'a-real', $1, $2, 'HubSpot', 'portal 4411'), ($4, 'a-placeholder', $1, $2, 'Google Ads', NULL)`,
    [ids.deal, ids.acme, ids.goodAccount, ids.placeholderAccount],
  );
  await q(
    `INSERT INTO data_sources (key, opportunity_id, client_id, kind, name, connector_account_id) VALUES
       ('d-real', $1, $2, 'crm', 'HubSpot leads', $3),
       ('d-on-placeholder', $1, $2, 'ads', 'Ads spend', $4),
       ('d-placeholder', $1, $2, NULL, NULL, NULL)`,
    [ids.deal, ids.acme, ids.goodAccount, ids.placeholderAccount],
  );
  await q(`INSERT INTO users (id, name, email, role, client_id) VALUES ($1, 'Dana', $2, 'portal', $3)`, [
    ids.user,
    `dana-${ids.user}@example.com`,
    ids.acme,
  ]);
  await q(
    `INSERT INTO portal_users (key, opportunity_id, client_id, email, name, user_id) VALUES
       ('u-real', $1, $2, $3, 'Dana', $4), ('u-placeholder', $1, $2, NULL, NULL, NULL)`,
    [ids.deal, ids.acme, `dana-${ids.user}@example.com`, ids.user],
  );
}

const keys = async (table: string): Promise<string[]> =>
  (await fresh.$client.query(`SELECT key FROM ${table} ORDER BY key`)).rows.map((r) => r.key);

describe('migration 0009 on data the old handoff wrote', () => {
  it('[HO1] [H1] deletes only the placeholder rows, keys the existing clients and gives projects their scope', async () => {
    const client = await fresh.$client.connect();
    const upTo = migrationsUpTo(BEFORE);
    try {
      await migrate(drizzle(client), { migrationsFolder: upTo });
    } finally {
      client.release();
      fs.rmSync(upTo, { recursive: true, force: true });
    }
    await writeLegacyData(fresh);

    await runMigrations(fresh);

    expect(await keys('client_services')).toEqual(['s-real']);
    expect(await keys('connector_accounts')).toEqual(['a-real']);
    expect(await keys('data_sources')).toEqual(['d-real']);
    expect(await keys('portal_users')).toEqual(['u-real']);
    const clients = await fresh.$client.query('SELECT id, name_key, domain FROM clients ORDER BY created_at');
    expect(clients.rows).toEqual([
      { id: ids.acme, name_key: 'acme plumbing', domain: null },
      { id: ids.acmeAgain, name_key: `acme plumbing #${ids.acmeAgain}`, domain: null },
      { id: ids.cafe, name_key: 'sun and sea', domain: null },
    ]);
    const projects = await fresh.$client.query('SELECT key, scope, line_items FROM projects ORDER BY key');
    expect(projects.rows).toEqual([
      {
        key: 'p1',
        scope: 'Routing for two sites',
        line_items: [
          { description: 'Setup', quantity: 1, unitPriceCents: 250000, serviceId: null },
          { description: 'Monthly', quantity: 2, unitPriceCents: 9900, serviceId: null },
        ],
      },
      { key: 'p2', scope: '', line_items: [] },
    ]);
    const blockers = await fresh.$client.query('SELECT handoff_blockers FROM opportunities WHERE id = $1', [ids.deal]);
    expect(blockers.rows).toEqual([{ handoff_blockers: [] }]);
  });
});
