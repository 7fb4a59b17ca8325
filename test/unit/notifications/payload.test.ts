import fc from 'fast-check';
import { WEBHOOK_EVENT_TYPES } from '../../../machines/opportunity/notifications';
import { notificationEmail } from '../../../notifications/email-text';
import { webhookPayload, webhookPayloadSchema } from '../../../notifications/payload';
import type { LoadedNotification } from '../../../notifications/types';
import { propertyRuns } from '../../support/kit';
import { ids, INTERNAL_NOTE, loaded } from './support';

const baseUrl = 'https://crm.example.com/';
const outside = { internal: false, baseUrl };

describe('[NT1] webhook payloads', () => {
  it.each(WEBHOOK_EVENT_TYPES)('%s: versioned, matches the documented schema exactly, survives JSON', (type) => {
    for (const internal of [false, true]) {
      const payload = webhookPayload(loaded(type), { internal, baseUrl });
      expect(payload).toMatchObject({ type, timestamp: '2025-03-01T09:30:00.000Z', version: 1 });
      // zod drops keys it does not know: equality means no field is undocumented.
      expect(webhookPayloadSchema.parse(payload)).toEqual(payload);
      expect(JSON.parse(JSON.stringify(payload))).toEqual(payload);
    }
  });

  it('names the deal, its stage change, its owner and the actor, with links to the deal and its timeline', () => {
    const payload = webhookPayload(loaded('proposal.submitted'), outside);
    expect(payload.data).toEqual({
      deal: {
        id: ids.deal,
        title: 'Website rebuild',
        company: 'Acme GmbH',
        stage: 'approval',
        stageBefore: 'proposal',
        owner: { id: ids.owner, name: 'Olivia Owner' },
      },
      actor: { id: ids.rep, name: 'Rita Rep' },
      links: {
        deal: `https://crm.example.com/v1/opportunities/${ids.deal}`,
        timeline: `https://crm.example.com/v1/opportunities/${ids.deal}/events`,
      },
    });
  });

  it('task.assigned: the task with its owner, who had it before, its due time in ISO form and its link', () => {
    const { data } = webhookPayload(loaded('task.assigned'), outside);
    expect(data.task).toEqual({
      id: ids.task,
      kind: 'follow_up',
      title: 'Call about the proposal',
      owner: { id: ids.owner, name: 'Olivia Owner' },
      queue: null,
      dueAt: '2025-03-04T14:00:00.000Z',
      previousOwner: { id: ids.rep, name: 'Rita Rep' },
      previousQueue: null,
    });
    expect(data.links.task).toBe(`https://crm.example.com/v1/tasks/${ids.task}`);
    expect(data.actor).toEqual({ id: ids.approver, name: 'Arno Approver' });
  });

  it('a task without a deal has no deal and no deal links; an unknown owner id has no name; system is named', () => {
    const base = loaded('task.created');
    const n: LoadedNotification = {
      ...base,
      deal: null,
      actorId: 'system',
      data: { task: { ...base.data.task!, ownerId: 'ext-owner-7', kind: 'webhook_failing' } },
    };
    const { data } = webhookPayload(n, outside);
    expect(data.deal).toBeNull();
    expect(data.links).toEqual({ task: `https://crm.example.com/v1/tasks/${ids.task}` });
    expect(data.task!.owner).toEqual({ id: 'ext-owner-7', name: null });
    expect(data.actor).toEqual({ id: 'system', name: 'system' });
  });

  it('carries the facts its type captured: lost reason, blockers (code and detail only), pause reasons', () => {
    expect(webhookPayload(loaded('deal.lost'), outside).data.lostReason).toBe('budget');
    const blocked = loaded('handoff.blocked');
    const withRef = {
      ...blocked,
      data: { ...blocked.data, blockers: [{ code: 'connector_access', detail: 'not granted', ref: 'x' } as never] },
    };
    expect(webhookPayload(withRef, outside).data.blockers).toEqual([
      { code: 'connector_access', detail: 'not granted' },
    ]);
    expect(webhookPayload(loaded('deal.paused'), outside).data.pauseReasons).toEqual(['consent', 'timing']);
    expect(webhookPayload(loaded('deal.won'), outside).data).not.toHaveProperty('lostReason');
  });

  it('client-internal text only for internal subscriptions (K1)', () => {
    const n = loaded('proposal.approved');
    const internal = webhookPayload(n, { internal: true, baseUrl });
    expect(internal.data.internal).toEqual({ approval: 'proposal', note: INTERNAL_NOTE });
    const outsider = webhookPayload(n, outside);
    expect(outsider.data).not.toHaveProperty('internal');
    expect(JSON.stringify(outsider)).not.toContain(INTERNAL_NOTE);
    expect(webhookPayload(loaded('deal.won'), { internal: true, baseUrl }).data.internal).toBeNull();
  });
});

/** Text a client-internal field could hold: NUL, lone surrogates, bidi controls, line breaks, marked so it can be found. */
const hostile = fc
  .array(fc.oneof(fc.string(), fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\u202E', '\r\n', '"}')), { maxLength: 6 })
  .map((parts) => `INTERNAL-${parts.join('')}`);
const internalValue = fc.dictionary(
  fc.string({ maxLength: 8 }),
  fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }), fc.record({ note: hostile, amount: fc.integer() })),
  { maxKeys: 5 },
);

describe('[NT1] property: internal text never leaves except to internal subscriptions', () => {
  it('for arbitrary internal payloads a non-internal payload and the email never contain them; JSON always works', () => {
    fc.assert(
      fc.property(fc.constantFrom(...WEBHOOK_EVENT_TYPES), internalValue, fc.string(), (type, internal, title) => {
        const base = loaded(type);
        const n: LoadedNotification = {
          ...base,
          data: { ...base.data, internal },
          deal: { ...base.deal!, title },
        };
        const outsider = JSON.stringify(webhookPayload(n, outside));
        expect(outsider).not.toContain('INTERNAL-');
        expect(JSON.parse(outsider).data).not.toHaveProperty('internal');
        const email = notificationEmail(n, { name: 'Rita Rep' }, baseUrl);
        expect(`${email.subject}\n${email.text}`).not.toContain('INTERNAL-');
        const insider = JSON.stringify(webhookPayload(n, { internal: true, baseUrl }));
        expect(JSON.parse(insider).data.internal).toEqual(JSON.parse(JSON.stringify(internal)));
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});
