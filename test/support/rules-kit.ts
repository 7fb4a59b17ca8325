/**
 * Small helpers for the rule tests of issue 17 (test/integration/api/rules.test.ts): a deal and
 * its reads through HTTP, whole lists across pages, and what the Temporal UI shows of a deal.
 */
import { randomUUID } from 'node:crypto';
import { DEAL_PAUSED, DEAL_STAGE } from '../../workflows/deal/search-attributes';
import type { Api } from './api-deal';
import { eventually } from './kit';
import type { TestStack } from './stack';

/** Creates a lead through HTTP and returns its id. */
export async function createLead(api: Api, fields: { source?: string } = {}): Promise<string> {
  const created = await api.post('/v1/opportunities', {
    title: 'Rules of the guide',
    company: `Rules ${randomUUID().slice(0, 8)}`,
    ...fields,
  });
  if (created.status !== 201) throw new Error(`creating a lead answered ${created.status}`);
  return created.body.id as string;
}

/** A deal's event endpoint and reads, as one caller. */
export function dealApi(api: Api, id: string) {
  return {
    send: (body: Record<string, unknown>) => api.post(`/v1/opportunities/${id}/events`, body),
    read: async () => (await api.get(`/v1/opportunities/${id}`)).body,
    get: (path: string) => api.get(`/v1/opportunities/${id}${path}`),
  };
}

/** Every item of a paged list (follows `nextCursor`). */
export async function allPages(api: Api, path: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const query: string = `${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await api.get(`${path}${query}`);
    if (page.status !== 200) throw new Error(`GET ${path} answered ${page.status}: ${JSON.stringify(page.body)}`);
    items.push(...page.body.items);
    cursor = page.body.nextCursor ?? null;
  } while (cursor);
  return items;
}

/** Every task of a deal, whatever its state. */
export const tasksOf = (api: Api, id: string, filter = ''): Promise<any[]> =>
  allPages(api, `/v1/tasks?opportunityId=${id}${filter}`);

/** The deal's timeline (accepted events and the workflow's own notes). */
export const timelineOf = (api: Api, id: string): Promise<any[]> => allPages(api, `/v1/opportunities/${id}/events`);

/** The deal's entry on GET /v1/ops/stuck (asked as ops), or undefined when it is not listed. */
export async function stuckEntry(ops: Api, ownerId: string, id: string): Promise<any> {
  return (await allPages(ops, `/v1/ops/stuck?ownerId=${ownerId}`)).find((deal) => deal.id === id);
}

/** The codes of a deal's reasons on the stuck list (empty when not listed). */
export async function stuckCodes(ops: Api, ownerId: string, id: string): Promise<string[]> {
  return ((await stuckEntry(ops, ownerId, id))?.reasons ?? []).map((reason: { code: string }) => reason.code);
}

/**
 * What the Temporal UI shows of a deal's workflow: its DealStage and DealPaused search attributes,
 * read once DealStage names `stage` (both are upserted together).
 */
export async function temporalView(stack: TestStack, workflowId: string, stage: string) {
  return eventually(async () => {
    const described = await stack.temporal.workflow.getHandle(workflowId).describe();
    const attributes = described.typedSearchAttributes;
    if (attributes.get(DEAL_STAGE) !== stage) return undefined;
    return { stage, paused: attributes.get(DEAL_PAUSED) ?? null };
  }, 15_000);
}
