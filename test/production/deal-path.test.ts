/**
 * The deal path on the production topology: one deal from lead to handed_off through HTTP,
 * each request sent to the next of the two API processes, its workflow tasks and handoff
 * taken by whichever worker polls first, and the deal found in the server's Postgres
 * visibility store by the search attributes the workflow upserts.
 */
import { TEMPORAL_SERVER_VERSION } from '../../infra/temporal-production-server';
import { DEAL_OWNER, DEAL_STAGE } from '../../workflows/deal/search-attributes';
import { dealWorkflowId } from '../../workflows/deal/messages';
import { walk } from '../support/api-deal';
import { dealConsistency, expectConsistent } from '../support/fault-harness';
import { httpClient } from '../support/http';
import { eventually } from '../support/kit';
import { openDeals, openKit, say, type Kit } from './kit';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit?.close();
});

describe('the deal path on two APIs and two workers', () => {
  it('[PR1] runs on the full Temporal server: 4 history shards, Postgres persistence and visibility', async () => {
    const cluster = await kit.temporal.connection.workflowService.getClusterInfo({});
    expect(cluster).toMatchObject({
      serverVersion: TEMPORAL_SERVER_VERSION,
      historyShardCount: 4,
      persistenceStore: 'postgres12',
      visibilityStore: 'postgres12',
    });
  });

  it('walks a deal from lead to handed_off with requests alternating between the APIs', async () => {
    const started = Date.now();
    const apis = { rep: kit.spread(kit.rep), ops: kit.spread(kit.ops) };
    const [id] = await openDeals(apis.rep, 1, 'Production path');
    await walk(apis, id, kit.rep.id, 'lead', 'won');
    await eventually(async () => {
      const deal = await apis.rep.get(`/v1/opportunities/${id}`);
      return deal.body.stage === 'handed_off' ? deal : undefined;
    }, 60_000);

    // Each API process served its share, and each answers for the deal alike.
    for (const served of [apis.rep.served, apis.ops.served]) expect(Math.min(...served)).toBeGreaterThan(0);
    expect(Math.min(...apis.rep.served)).toBeGreaterThan(10);
    const views = await Promise.all(
      kit.apiUrls.map((url) => httpClient(url, kit.rep.token).get(`/v1/opportunities/${id}`)),
    );
    expect(views.map((view) => [view.status, view.body.stage, view.body.version])).toEqual(
      kit.apiUrls.map(() => [200, 'handed_off', views[0].body.version]),
    );

    // The visibility store (postgres12) answers a query on the custom search attributes.
    const listed = await eventually(async () => {
      const query = `WorkflowId = "${dealWorkflowId(id)}" AND DealStage = "handed_off" AND DealOwner = "${kit.rep.id}"`;
      for await (const workflow of kit.temporal.workflow.list({ query })) return workflow;
      return undefined;
    }, 30_000);
    expect(listed.typedSearchAttributes.get(DEAL_STAGE)).toBe('handed_off');
    expect(listed.typedSearchAttributes.get(DEAL_OWNER)).toBe(kit.rep.id);

    const state = await dealConsistency(kit.db, kit.temporal, id);
    expectConsistent(state, []);
    expect(state.workflow.stage).toBe('handed_off');
    say(
      `deal path: lead to handed_off in ${Date.now() - started} ms, ${state.events.length} log rows; ` +
        `requests per API: rep ${apis.rep.served.join('/')}, ops ${apis.ops.served.join('/')}`,
    );
  });
});
