/**
 * What the production profile's tests share: the topology the global setup started (through
 * the environment), clients that spread requests over both API processes, a stream of keyed
 * updates that retries as a client would, and the consistency check every fault test ends with.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { requestIdOf } from '../../api/idempotency';
import { closeDb, createDb, type Db } from '../../db/client';
import { ensureService } from '../../db/queries/services';
import { FIXTURE_SERVICE } from '../../fixtures/deal-events';
import { dealWorkflowId } from '../../workflows/deal/messages';
import type { Api } from '../support/api-deal';
import { dealConsistency, expectConsistent } from '../support/fault-harness';
import { httpClient } from '../support/http';
import { eventually, sleep } from '../support/kit';
import { createTestUser } from '../support/stack';
import { APIS, control, running, WORKERS, type PartName } from './control';

export type User = { id: string; token: string; role: 'admin' | 'ops' | 'rep' };

export interface Kit {
  db: Db;
  temporal: Client;
  apiUrls: string[];
  taskQueue: string;
  rep: User;
  ops: User;
  /** A client of `user` that sends each request to the next API process in turn. */
  spread(user: User): SpreadApi;
  close(): Promise<void>;
}

export type SpreadApi = Api & { served: number[] };

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through \`npm run test:production\``);
  return value;
}

export async function openKit(): Promise<Kit> {
  const db = createDb(required('DATABASE_URL'), { max: 4, applicationName: 'jest-production' });
  const connection = await Connection.connect({ address: required('TEMPORAL_ADDRESS') });
  const temporal = new Client({ connection, namespace: required('TEMPORAL_NAMESPACE') });
  // The happy path sells this catalogue service: its proposal lines and handoff name it.
  await ensureService(db, FIXTURE_SERVICE);
  const apiUrls = required('PRODUCTION_API_URLS').split(',');
  const user = async (role: User['role']): Promise<User> => ({ ...(await createTestUser(db, role)), role });
  return {
    db,
    temporal,
    apiUrls,
    taskQueue: required('TASK_QUEUE'),
    rep: await user('rep'),
    ops: await user('ops'),
    spread: (who) => spreadClient(apiUrls, who.token),
    async close() {
      await restore();
      await connection.close();
      await closeDb(db);
    },
  };
}

/** One client over several base URLs, round robin; `served` counts the requests each got. */
export function spreadClient(urls: string[], token: string): SpreadApi {
  const clients = urls.map((url) => httpClient(url, token));
  const served = urls.map(() => 0);
  let next = 0;
  const pick = () => {
    const i = next++ % clients.length;
    served[i] += 1;
    return clients[i];
  };
  return {
    served,
    get: ((...args) => pick().get(...args)) as Api['get'],
    post: ((...args) => pick().post(...args)) as Api['post'],
    patch: ((...args) => pick().patch(...args)) as Api['patch'],
    put: ((...args) => pick().put(...args)) as Api['put'],
    delete: ((...args) => pick().delete(...args)) as Api['delete'],
    raw: ((...args) => pick().raw(...args)) as Api['raw'],
  };
}

/** Opens `count` deals through the API; their ids. */
export async function openDeals(api: Api, count: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const created = await api.post('/v1/opportunities', {
      title: `${label} ${i}`,
      company: `${label} Co ${i}`,
      source: 'referral',
    });
    if (created.status !== 201)
      throw new Error(`opening a deal answered ${created.status}: ${JSON.stringify(created.body)}`);
    ids.push(created.body.id);
  }
  return ids;
}

/** What a stream of updates saw: the log keys acknowledged per deal, and every answer that was not 200. */
export interface UpdateStream {
  acknowledged: Map<string, string[]>;
  /** `<status> <code>` of every answer other than 200 (0: no answer), with its count. */
  refusals: Map<string, number>;
  /** Refusals outside the allowed ones. */
  unexpected: string[];
  total(): number;
  /** Stops after each deal's request in flight is answered with 200 (so the log holds nothing unacknowledged). */
  stop(): Promise<void>;
}

/**
 * Streams RECORD_QUALIFICATION updates to each deal, one at a time per deal, each under its own
 * Idempotency-Key, retried with the same key until it is acknowledged (as the API asks of a
 * client on 503 and 409), until `stop()`. `allowed` lists the refusals (`<status> <code>`) the
 * fault may cause; any other is recorded as unexpected.
 */
export function streamUpdates(
  api: Api,
  user: User,
  ids: string[],
  allowed: string[],
  perRequestMs = 120_000,
): UpdateStream {
  const acknowledged = new Map<string, string[]>(ids.map((id) => [id, []]));
  const refusals = new Map<string, number>();
  const unexpected: string[] = [];
  let stopping = false;
  const requestIdentity = { userId: user.id, role: user.role, clientId: null };
  const one = async (id: string, n: number) => {
    const key = randomUUID();
    const body = { type: 'RECORD_QUALIFICATION', facts: { urgency: `Stream ${n} of ${id.slice(0, 8)}` } };
    for (const deadline = Date.now() + perRequestMs; ; await sleep(300)) {
      const answer = await api
        .post(`/v1/opportunities/${id}/events`, body, { 'idempotency-key': key })
        .catch(() => ({ status: 0, body: { code: 'no_answer' } }));
      if (answer.status === 200) break;
      const refusal = `${answer.status} ${answer.body?.code ?? ''}`.trim();
      refusals.set(refusal, (refusals.get(refusal) ?? 0) + 1);
      if (!allowed.includes(refusal)) unexpected.push(`${refusal}: ${JSON.stringify(answer.body)}`);
      if (Date.now() > deadline)
        throw new Error(`no acknowledgement for ${key} in ${perRequestMs} ms (last ${refusal})`);
    }
    acknowledged.get(id)!.push(`${dealWorkflowId(id)}:${requestIdOf(requestIdentity, key)}`);
  };
  const loops = Promise.all(
    ids.map(async (id) => {
      for (let n = 0; !stopping; n += 1) await one(id, n);
    }),
  );
  loops.catch(() => undefined);
  return {
    acknowledged,
    refusals,
    unexpected,
    total: () => [...acknowledged.values()].reduce((sum, keys) => sum + keys.length, 0),
    async stop() {
      stopping = true;
      await loops;
    },
  };
}

/** Resolves once the stream has `count` more acknowledgements than now. */
export async function acknowledgedMore(stream: UpdateStream, count: number, timeoutMs = 60_000): Promise<void> {
  const target = stream.total() + count;
  for (const deadline = Date.now() + timeoutMs; stream.total() < target; await sleep(50))
    if (Date.now() > deadline)
      throw new Error(`the stream did not reach ${target} acknowledgements in ${timeoutMs} ms`);
}

/**
 * Every acknowledged key in the log once, versions contiguous, log, read model and workflow
 * agreeing (expectConsistent), and no streamed update in the log that was not acknowledged.
 */
export async function expectStreamConsistent(kit: Kit, stream: UpdateStream): Promise<void> {
  for (const [id, keys] of stream.acknowledged) {
    const state = await dealConsistency(kit.db, kit.temporal, id);
    expectConsistent(state, keys);
    const streamed = state.events.filter((e) => e.event_type === 'RECORD_QUALIFICATION').map((e) => e.idempotency_key);
    expect(streamed.sort()).toEqual([...keys].sort());
  }
}

/** A one-line account of a stream for the run's output. */
export function describeStream(stream: UpdateStream): string {
  const refused = [...stream.refusals].map(([what, n]) => `${n}× ${what}`).join(', ');
  return `${stream.total()} updates acknowledged over ${stream.acknowledged.size} deals; refusals retried: ${refused || 'none'}`;
}

/** Starts every part a failed test left stopped, so the next file finds the whole topology. */
export async function restore(): Promise<void> {
  const up = await running();
  for (const name of ['postgres', 'temporal', ...WORKERS, ...APIS] as PartName[])
    if (!up[name]) await control(name, 'start');
}

/** After a fault: every part of the topology runs again and both APIs are ready (Postgres, Temporal and a polling worker). */
export async function expectRecovered(kit: Kit): Promise<void> {
  expect(Object.entries(await running()).filter(([, up]) => !up)).toEqual([]);
  for (const url of kit.apiUrls)
    await eventually(
      async () => ((await httpClient(url).get('/health/ready')).status === 200 ? true : undefined),
      90_000,
    );
}

export const say = (line: string) => process.stdout.write(`[production] ${line}\n`);
