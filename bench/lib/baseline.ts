/**
 * The plain baseline: an Express 5 + pg endpoint doing the same kind of write a transition
 * ends in (insert one event row + update the deal row, one transaction), no workflow.
 */
import express from 'express';
import type { Pool } from 'pg';

export const BASELINE_SCHEMA = `
  create table if not exists bench_baseline_deals (
    id uuid primary key,
    version integer not null default 0,
    stage text not null default 'lead',
    snapshot jsonb not null default '{}'::jsonb,
    updated_at timestamptz not null default now()
  );
  create table if not exists bench_baseline_events (
    id bigserial primary key,
    deal_id uuid not null references bench_baseline_deals(id),
    version integer not null,
    idempotency_key text not null unique,
    event_type text not null,
    payload jsonb not null,
    occurred_at timestamptz not null,
    recorded_at timestamptz not null default now()
  );
  create index if not exists bench_baseline_events_deal on bench_baseline_events (deal_id, id);
`;

export function baselineApp(pool: Pool) {
  const app = express();
  app.use(express.json({ limit: '100kb' }));
  app.post('/v1/baseline/:id/events', async (req, res) => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const updated = await client.query({
        name: 'baseline_update',
        text: `update bench_baseline_deals set version = version + 1, snapshot = $2, updated_at = now() where id = $1 returning version, stage`,
        values: [req.params.id, JSON.stringify(req.body)],
      });
      if (updated.rowCount === 0) {
        await client.query('rollback');
        res.status(404).json({ title: 'not found' });
        return;
      }
      const { version, stage } = updated.rows[0] as { version: number; stage: string };
      await client.query({
        name: 'baseline_insert',
        text: `insert into bench_baseline_events (deal_id, version, idempotency_key, event_type, payload, occurred_at) values ($1, $2, $3, $4, $5, now())`,
        values: [
          req.params.id,
          version,
          req.get('idempotency-key') ?? `${req.params.id}:${version}`,
          String(req.body?.type ?? 'EVENT'),
          JSON.stringify(req.body),
        ],
      });
      await client.query('commit');
      res.json({ id: req.params.id, version, stage });
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      res.status(500).json({ title: (error as Error).message });
    } finally {
      client.release();
    }
  });
  return app;
}
