/**
 * A request can be followed into the deal's workflow: the id the API answers in
 * `X-Request-Id` is in the deal's history, as the Temporal header of the Workflow Update the
 * request sent (and of the workflow's start, for the request that opened the deal). Every
 * problem body of the running API carries the same id as its header.
 */
import { randomUUID } from 'node:crypto';
import type { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { QUALIFICATION_FACTS } from '../../../fixtures/deal-events';
import { REQUEST_ID_TEMPORAL_HEADER } from '../../../api/request-id';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import { httpClient } from '../../support/http';
import { useStackWithRep } from '../../support/api-stack';

const ctx = useStackWithRep();

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The request id a history event's Temporal header carries, if any. */
function requestIdIn(header: temporal.api.common.v1.IHeader | null | undefined): string | undefined {
  const payload = header?.fields?.[REQUEST_ID_TEMPORAL_HEADER];
  return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
}

const updateRequestIds = (events: HistoryEvent[]) =>
  events
    .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input)
    .filter((input) => input !== undefined && input !== null)
    .map((input) => ({ name: input!.name, requestId: requestIdIn(input!.header) }));

describe('the request id in the deal’s history', () => {
  it('is the header of the update each request sent, and of the start of the workflow the first one opened', async () => {
    const api = httpClient(ctx.stack.baseUrl, ctx.rep.token);
    const openId = `it-open-${randomUUID()}`;
    const created = await api.post(
      '/v1/opportunities',
      { title: 'Followed', company: 'Trace Co' },
      { 'x-request-id': openId },
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe(openId);
    const eventId = `it-event-${randomUUID()}`;
    const moved = await api.post(
      `/v1/opportunities/${created.body.id}/events`,
      { type: 'RECORD_QUALIFICATION', facts: QUALIFICATION_FACTS },
      { 'x-request-id': eventId },
    );
    expect(moved.status).toBe(200);
    expect(moved.headers.get('x-request-id')).toBe(eventId);

    const history = await ctx.stack.temporal.workflow.getHandle(dealWorkflowId(created.body.id)).fetchHistory();
    const events = history.events ?? [];
    expect(updateRequestIds(events)).toEqual([
      { name: 'openDeal', requestId: openId },
      { name: 'applyDealEvent', requestId: eventId },
    ]);
    const started = events.find((e) => e.workflowExecutionStartedEventAttributes);
    expect(requestIdIn(started?.workflowExecutionStartedEventAttributes?.header)).toBe(openId);
  });

  it('is generated when the caller sends none, and is still the one in the history', async () => {
    const api = httpClient(ctx.stack.baseUrl, ctx.rep.token);
    const created = await api.post('/v1/opportunities', { title: 'Unnamed', company: 'Trace Co' });
    const id = created.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const history = await ctx.stack.temporal.workflow.getHandle(dealWorkflowId(created.body.id)).fetchHistory();
    expect(updateRequestIds(history.events ?? [])).toEqual([{ name: 'openDeal', requestId: id }]);
  });
});

describe('the request id in problem bodies', () => {
  it('equals the X-Request-Id header on 401, 404, 422 and 400 answers of the API', async () => {
    const anonymous = httpClient(ctx.stack.baseUrl);
    const rep = httpClient(ctx.stack.baseUrl, ctx.rep.token);
    const answers = [
      await anonymous.get('/v1/opportunities', { 'x-request-id': 'given-401' }),
      await rep.get(`/v1/opportunities/${randomUUID()}`),
      await rep.post('/v1/opportunities', { title: 'x', company: 'y', stage: 'won' }),
      await rep.get('/v1/opportunities?limit=1000'),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 404, 422, 400]);
    for (const answer of answers) {
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.requestId).toBe(answer.headers.get('x-request-id'));
    }
    expect(answers[0].body.requestId).toBe('given-401');
  });
});
