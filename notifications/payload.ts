import { z } from 'zod';
import {
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_PAYLOAD_VERSION,
  type WebhookEventType,
} from '../machines/opportunity/notifications';
import {
  EVENT_TYPES,
  FOLLOW_UP_PAUSE_REASONS,
  HANDOFF_BLOCKER_CODES,
  LOST_REASONS,
  PROPOSAL_PAUSE_REASONS,
  STAGES,
  TASK_KINDS,
  TASK_QUEUES,
} from '../machines/opportunity/vocabulary';
import type { LoadedNotification } from './types';

/**
 * The body of a webhook (NT1): `{type, timestamp, version, data}`, the Standard Webhooks shape.
 * Built from what the trigger captured when it happened (stage, owner, task...) and the names
 * known now. Client-internal text (K1) is only ever under `data.internal`, and only for internal
 * subscriptions; the email text is rendered from the non-internal payload, so it cannot carry it.
 */

export interface PayloadPerson {
  id: string;
  /** null when the id names no user (an owner given as a free id). */
  name: string | null;
}

export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  version: typeof WEBHOOK_PAYLOAD_VERSION;
  data: {
    deal: {
      id: string;
      title: string;
      company: string;
      stage: string | null;
      stageBefore: string | null;
      owner: PayloadPerson | null;
    } | null;
    task?: {
      id: string;
      kind: string;
      title: string;
      owner: PayloadPerson | null;
      queue: string | null;
      dueAt: string;
      previousOwner?: PayloadPerson | null;
      previousQueue?: string | null;
    };
    lostReason?: string | null;
    blockers?: { code: string; detail: string }[];
    pauseReasons?: string[];
    eventType?: string | null;
    actor: PayloadPerson | null;
    links: { deal?: string; timeline?: string; task?: string };
    internal?: unknown;
  };
}

// --- the documented schema (OpenAPI `webhooks`) --------------------------------------------------

const personSchema = z.object({
  id: z.string(),
  name: z.string().nullable().meta({ description: 'null when the id names no user' }),
});

const PAUSE_REASONS = [...new Set([...FOLLOW_UP_PAUSE_REASONS, ...PROPOSAL_PAUSE_REASONS])] as [string, ...string[]];

const dealSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    company: z.string(),
    stage: z.enum(STAGES).nullable().meta({ description: 'The stage when it happened (null if not captured)' }),
    stageBefore: z.enum(STAGES).nullable().meta({ description: 'deal.stage_changed and its kin: the stage it left' }),
    owner: personSchema.nullable(),
  })
  .nullable()
  .meta({ description: 'The deal it is about (null for a task without a deal, such as a webhook_failing task)' });

const taskSchema = z.object({
  id: z.uuid(),
  kind: z.enum(TASK_KINDS),
  title: z.string(),
  owner: personSchema.nullable().meta({ description: 'null while the task waits in a queue' }),
  queue: z.enum(TASK_QUEUES).nullable(),
  dueAt: z.iso.datetime(),
  previousOwner: personSchema.nullable().optional().meta({ description: 'task.assigned: who had it before' }),
  previousQueue: z.enum(TASK_QUEUES).nullable().optional(),
});

const linksSchema = z.object({
  deal: z.string().optional().meta({ example: 'https://crm.example.com/v1/opportunities/<id>' }),
  timeline: z.string().optional().meta({ example: 'https://crm.example.com/v1/opportunities/<id>/events' }),
  task: z.string().optional().meta({ example: 'https://crm.example.com/v1/tasks/<id>' }),
});

export const webhookPayloadSchema = z.object({
  type: z.enum(WEBHOOK_EVENT_TYPES),
  timestamp: z.iso.datetime().meta({ description: 'When it happened' }),
  version: z.literal(WEBHOOK_PAYLOAD_VERSION),
  data: z.object({
    deal: dealSchema,
    task: taskSchema.optional().meta({ description: 'task.* events' }),
    lostReason: z.enum(LOST_REASONS).nullable().optional().meta({ description: 'deal.lost' }),
    blockers: z
      .array(z.object({ code: z.enum(HANDOFF_BLOCKER_CODES), detail: z.string() }))
      .optional()
      .meta({ description: 'handoff.blocked: the blockers that appeared' }),
    pauseReasons: z.array(z.enum(PAUSE_REASONS)).optional().meta({ description: 'deal.paused' }),
    eventType: z.enum(EVENT_TYPES).nullable().optional().meta({ description: 'The deal event behind it, if any' }),
    actor: personSchema.nullable().meta({ description: 'Whose action it was (id `system` for the workflow)' }),
    links: linksSchema,
    internal: z
      .unknown()
      .optional()
      .meta({
        description:
          'Internal subscriptions only: the raw event payload, which may hold client-internal text ' +
          '(audit notes, pricing assumptions). Never present for other subscriptions.',
      }),
  }),
});

/** The schema documents a narrower shape (enums) of the same fields the builder fills. */
type SchemaFitsPayload<T extends WebhookPayload> = T;
export type DocumentedWebhookPayload = SchemaFitsPayload<z.infer<typeof webhookPayloadSchema>>;

// --- building one -------------------------------------------------------------------------------

/** Timestamps as `toISOString` writes them, whatever form the trigger's JSON gave. */
function isoOf(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** The workflow's own actions carry the id `system`, which names no user. */
export function personOf(n: LoadedNotification, id: string): PayloadPerson {
  return { id, name: n.people[id] ?? (id === 'system' ? 'system' : null) };
}
const personOrNull = (n: LoadedNotification, id: string | null | undefined) => (id ? personOf(n, id) : null);

function dealOf(n: LoadedNotification): WebhookPayload['data']['deal'] {
  if (!n.deal) return null;
  const captured = n.data.deal;
  return {
    id: n.deal.id,
    title: n.deal.title,
    company: n.deal.company,
    stage: captured?.stage ?? null,
    stageBefore: captured?.stageBefore ?? null,
    owner: personOrNull(n, captured?.ownerId),
  };
}

function taskOf(n: LoadedNotification): WebhookPayload['data']['task'] {
  const task = n.data.task;
  if (!task) return undefined;
  return {
    id: task.id,
    kind: task.kind,
    title: task.title,
    owner: personOrNull(n, task.ownerId),
    queue: task.queue,
    dueAt: isoOf(task.dueAt),
    ...('previousOwnerId' in task ? { previousOwner: personOrNull(n, task.previousOwnerId) } : {}),
    ...('previousQueue' in task ? { previousQueue: task.previousQueue ?? null } : {}),
  };
}

/** Where payloads and emails point: the API's resources under PUBLIC_BASE_URL. */
export const links = {
  deal: (baseUrl: string, id: string) => `${baseUrl.replace(/\/+$/, '')}/v1/opportunities/${id}`,
  timeline: (baseUrl: string, id: string) => `${links.deal(baseUrl, id)}/events`,
  task: (baseUrl: string, id: string) => `${baseUrl.replace(/\/+$/, '')}/v1/tasks/${id}`,
};

function linksOf(n: LoadedNotification, baseUrl: string): WebhookPayload['data']['links'] {
  const dealId = n.deal?.id ?? n.data.deal?.id;
  return {
    ...(dealId ? { deal: links.deal(baseUrl, dealId), timeline: links.timeline(baseUrl, dealId) } : {}),
    ...(n.data.task ? { task: links.task(baseUrl, n.data.task.id) } : {}),
  };
}

/** Copies the optional facts a type captured, leaving out those it did not. */
function factsOf(n: LoadedNotification) {
  const { lostReason, blockers, pauseReasons, eventType } = n.data;
  return {
    ...(lostReason !== undefined ? { lostReason } : {}),
    ...(blockers !== undefined ? { blockers: blockers.map(({ code, detail }) => ({ code, detail })) } : {}),
    ...(pauseReasons !== undefined ? { pauseReasons: [...pauseReasons] } : {}),
    ...(eventType !== undefined ? { eventType } : {}),
  };
}

/**
 * The payload one subscription receives. `internal` subscriptions also get `data.internal` (the raw
 * event payload); others never do, and nothing else in the payload is copied from it.
 */
export function webhookPayload(n: LoadedNotification, options: { internal: boolean; baseUrl: string }): WebhookPayload {
  const task = taskOf(n);
  return {
    type: n.type,
    timestamp: n.occurredAt.toISOString(),
    version: WEBHOOK_PAYLOAD_VERSION,
    data: {
      deal: dealOf(n),
      ...(task ? { task } : {}),
      ...factsOf(n),
      actor: personOrNull(n, n.actorId),
      links: linksOf(n, options.baseUrl),
      ...(options.internal ? { internal: n.data.internal ?? null } : {}),
    },
  };
}
