/**
 * zod 4 schemas of every event the machine accepts. The API reuses them for its request
 * bodies and its OpenAPI document; the workflow validates updates with them.
 *
 * Objects are strict: an unknown field is refused, never silently dropped. Gates that the
 * event's own payload can satisfy (next action, lost reason, reactivation window) are left
 * optional here so a refused move can name them as gate codes (409), not as bad input.
 */
import { z } from 'zod';
import { clientDomainKey, isClientDomain } from './client-identity';
import {
  ACTOR_ROLES,
  CONNECTOR_ACCESS_STATES,
  CONTRACT_STATES,
  DISCOVERY_FACTS,
  HANDOFF_RECORDS,
  LOST_REASONS,
  PAYMENT_STATES,
  PROPOSAL_SECTION_KINDS,
  QUALIFICATION_FACTS,
  SUMMARY_KINDS,
  TASK_QUEUES,
  type EventType,
} from './vocabulary';

/** Only whitespace (the empty string is left to `min(1)`, so it gets one issue, not two). */
const blank = (s: string): boolean => s.length > 0 && s.trim().length === 0;

/**
 * Why (as an issue message) a string is not text a person could mean and Postgres can store,
 * or undefined when it is: a lone surrogate (not well-formed Unicode: a `text` column would
 * get U+FFFD, `jsonb` refuses it), NUL (refused by `text` and `jsonb` alike) or any other
 * control character (C0, DEL, C1). Free text (`multiline`) may hold tab, LF and CR.
 * A plain loop over code units: no shared regex (this module is deep-frozen in the worker).
 */
export function unsafeTextReason(value: string, multiline: boolean): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const pairsWithNext = unit <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (!pairsWithNext) return `must be well-formed Unicode: lone surrogate U+${hex(unit)} at index ${i}`;
      i++;
      continue;
    }
    const control = unit < 0x20 || (unit >= 0x7f && unit <= 0x9f);
    if (control && !(multiline && (unit === 0x09 || unit === 0x0a || unit === 0x0d))) {
      return `must not contain control characters${multiline ? ' other than tab and line breaks' : ''}: U+${hex(unit)} at index ${i}`;
    }
  }
  return undefined;
}
const hex = (unit: number): string => unit.toString(16).toUpperCase().padStart(4, '0');

export interface SafeTextOptions {
  max: number;
  /** Default 1; with a minimum, a blank string is refused. */
  min?: number;
  /** Tab and line breaks allowed (free text); otherwise one line without any control character (ids, names, filters). */
  multiline?: boolean;
  /** Trims surrounding whitespace before the length checks (names and titles). */
  trim?: boolean;
}

/**
 * The one string primitive of the machine and the API: at most `max` UTF-16 code units of
 * well-formed Unicode without NUL or control characters (see `unsafeTextReason`).
 */
export function safeText({ max, min = 1, multiline = false, trim = false }: SafeTextOptions) {
  const base = trim ? z.string().trim() : z.string();
  const sized = base.min(min).max(max);
  const nonBlank = min > 0 && !trim ? sized.refine((s) => !blank(s), 'must not be blank') : sized;
  return nonBlank.superRefine(safeTextCheck(multiline));
}

/** The check of `safeText`, for string formats that need it too (URLs). */
export const safeTextCheck =
  (multiline: boolean) =>
  (value: string, ctx: z.RefinementCtx): void => {
    const reason = unsafeTextReason(value, multiline);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  };

/** A non-blank free text of at most `max` characters: tab and line breaks allowed, no other control character. */
export const text = (max: number) => safeText({ max, multiline: true });
/** A non-blank one-line string of at most `max` characters (ids, names, filters). */
export const line = (max: number) => safeText({ max });
const id = line(200);

/**
 * The years every date and date-time must fall in (inclusive, UTC): what a person could mean
 * for a deal, and well inside what Postgres and `Date#toISOString` can hold.
 */
export const DATE_YEAR_MIN = 1900;
export const DATE_YEAR_MAX = 2200;
const EARLIEST_MS = Date.UTC(DATE_YEAR_MIN, 0, 1);
const AFTER_LATEST_MS = Date.UTC(DATE_YEAR_MAX + 1, 0, 1);
// Checked only on a well-formed value, so a malformed one gets one issue, not two.
const inRange = {
  message: `must be within the years ${DATE_YEAR_MIN} to ${DATE_YEAR_MAX} (UTC)`,
  when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0,
};

/** Whether an ISO date or date-time (already well-formed) names an instant within the years allowed. */
function inDateRange(iso: string): boolean {
  const ms = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isFinite(ms) && ms >= EARLIEST_MS && ms < AFTER_LATEST_MS;
}

const isoDateTimeSchema = z.iso.datetime({ offset: true }).refine(inDateRange, inRange);
// A pattern of its own rather than zod's shared `regexes.date`: zod resets a pattern's
// `lastIndex` before each test, and the worker freezes zod's exports (infra/worker.ts).
const isoDateSchema = z.stringFormat('date', new RegExp(z.regexes.date.source)).refine(inDateRange, inRange);

const actorSchema = z.strictObject({
  id,
  role: z.enum(ACTOR_ROLES),
});
export type Actor = z.infer<typeof actorSchema>;

const nextActionSchema = z.strictObject({
  description: text(500),
  dueAt: isoDateTimeSchema,
  ownerId: id,
});

/** Fields every event carries. */
const common = {
  actor: actorSchema,
  at: isoDateTimeSchema,
  nextAction: nextActionSchema.optional(),
};

/** At least one of `keys` must be present (for fact events whose fields are all optional). */
const atLeastOne =
  (keys: readonly string[]) =>
  (value: Record<string, unknown>): boolean =>
    keys.some((k) => value[k] !== undefined);
const atLeastOneMessage = (keys: readonly string[]) => ({ message: `give at least one of: ${keys.join(', ')}` });

const nonEmptyFacts = <K extends string>(keys: readonly [K, ...K[]]) =>
  z
    .partialRecord(z.enum(keys), text(5_000))
    .refine((facts) => Object.keys(facts).length > 0, 'record at least one fact');

// ---- moves of the stage path -------------------------------------------------------

const qualifyEventSchema = z.strictObject({ type: z.literal('QUALIFY'), ...common });
const startDiscoveryEventSchema = z.strictObject({ type: z.literal('START_DISCOVERY'), ...common });
const startAuditEventSchema = z.strictObject({ type: z.literal('START_AUDIT'), ...common });
const startProposalEventSchema = z.strictObject({ type: z.literal('START_PROPOSAL'), ...common });
const submitForApprovalEventSchema = z.strictObject({ type: z.literal('SUBMIT_FOR_APPROVAL'), ...common });
const approveEventSchema = z.strictObject({ type: z.literal('APPROVE'), ...common });
const rejectEventSchema = z.strictObject({ type: z.literal('REJECT'), ...common, reason: text(2_000) });
const sendProposalEventSchema = z.strictObject({
  type: z.literal('SEND_PROPOSAL'),
  ...common,
  decisionDeadline: isoDateTimeSchema.optional(),
  probability: z.number().min(0).max(100).optional(),
});
const recordViewEventSchema = z.strictObject({ type: z.literal('RECORD_VIEW'), ...common });
const recordObjectionEventSchema = z.strictObject({
  type: z.literal('RECORD_OBJECTION'),
  ...common,
  objectionId: id,
  summary: text(2_000),
});
const acceptEventSchema = z.strictObject({ type: z.literal('ACCEPT'), ...common });
const markWonEventSchema = z.strictObject({ type: z.literal('MARK_WON'), ...common });
const markLostEventSchema = z.strictObject({
  type: z.literal('MARK_LOST'),
  ...common,
  /** Missing => gate `lost_reason`. */
  reason: z.enum(LOST_REASONS).optional(),
  /** Competitor context, budget issue or no-fit reason; required for those reasons (gate `lost_reason`). */
  detail: text(2_000).optional(),
  /** When the reactivation window opens; missing or not after `at` => gate `reactivation_window`. */
  reactivateAt: isoDateTimeSchema.optional(),
});
const reactivateEventSchema = z.strictObject({ type: z.literal('REACTIVATE'), ...common });
const handoffRecordsSchema = z.strictObject(
  Object.fromEntries(HANDOFF_RECORDS.map((r) => [r, z.boolean()])) as Record<
    (typeof HANDOFF_RECORDS)[number],
    z.ZodBoolean
  >,
);
const completeHandoffEventSchema = z.strictObject({
  type: z.literal('COMPLETE_HANDOFF'),
  ...common,
  records: handoffRecordsSchema,
});
const reviseProposalEventSchema = z.strictObject({
  type: z.literal('REVISE_PROPOSAL'),
  ...common,
  reason: text(2_000),
});

// ---- facts ---------------------------------------------------------------------------

const recordQualificationEventSchema = z.strictObject({
  type: z.literal('RECORD_QUALIFICATION'),
  ...common,
  facts: nonEmptyFacts(QUALIFICATION_FACTS),
});

const CONSENT_FIELDS = ['consent', 'contactTimingValid', 'sourceContextValid', 'decisionPathVerified'] as const;
const recordConsentEventSchema = z
  .strictObject({
    type: z.literal('RECORD_CONSENT'),
    ...common,
    consent: z.enum(['granted', 'withdrawn']).optional(),
    contactTimingValid: z.boolean().optional(),
    sourceContextValid: z.boolean().optional(),
    decisionPathVerified: z.boolean().optional(),
  })
  .refine(atLeastOne(CONSENT_FIELDS), atLeastOneMessage(CONSENT_FIELDS));

const VERIFICATION_FIELDS = ['scopeVerified', 'timelineVerified', 'decisionPathVerified'] as const;
const recordVerificationEventSchema = z
  .strictObject({
    type: z.literal('RECORD_VERIFICATION'),
    ...common,
    scopeVerified: z.boolean().optional(),
    timelineVerified: z.boolean().optional(),
    decisionPathVerified: z.boolean().optional(),
  })
  .refine(atLeastOne(VERIFICATION_FIELDS), atLeastOneMessage(VERIFICATION_FIELDS));

const recordFollowUpEventSchema = z.strictObject({
  type: z.literal('RECORD_FOLLOW_UP'),
  ...common,
  note: text(2_000).optional(),
});

const recordDiscoveryEventSchema = z.strictObject({
  type: z.literal('RECORD_DISCOVERY'),
  ...common,
  facts: nonEmptyFacts(DISCOVERY_FACTS),
});

const recordAuditEvidenceEventSchema = z.strictObject({
  type: z.literal('RECORD_AUDIT_EVIDENCE'),
  ...common,
  evidenceId: id,
  summary: text(5_000),
});

const recordProposalSectionEventSchema = z.strictObject({
  type: z.literal('RECORD_PROPOSAL_SECTION'),
  ...common,
  section: z.enum(PROPOSAL_SECTION_KINDS),
  sectionId: id.optional(),
});

const recordClientSafeSummaryEventSchema = z.strictObject({
  type: z.literal('RECORD_CLIENT_SAFE_SUMMARY'),
  ...common,
  kind: z.enum(SUMMARY_KINDS),
});

/** The message the proposal link is sent with; its text is an attachment, approved with the summaries. */
const recordProposalMessageEventSchema = z.strictObject({ type: z.literal('RECORD_PROPOSAL_MESSAGE'), ...common });

/** Names exactly what it approves: the proposal version and the revision of each summary (AP1). */
const approveClientSafeSummaryEventSchema = z.strictObject({
  type: z.literal('APPROVE_CLIENT_SAFE_SUMMARY'),
  ...common,
  proposalVersion: z.int().min(1).max(1_000_000),
  summaries: z
    .partialRecord(z.enum(SUMMARY_KINDS), z.int().min(1).max(1_000_000))
    .refine((named) => Object.keys(named).length > 0, 'name at least one summary and its revision'),
  /** The revision of the drafted proposal message, when there is one. */
  message: z.int().min(1).max(1_000_000).optional(),
});

/** A person completing one of the deal's tasks; the API checks the task is the deal's and open. */
const completeTaskEventSchema = z.strictObject({
  type: z.literal('COMPLETE_TASK'),
  ...common,
  taskId: z.uuid(),
  note: text(2_000).optional(),
});

const resolveObjectionEventSchema = z.strictObject({
  type: z.literal('RESOLVE_OBJECTION'),
  ...common,
  objectionId: id,
});

const CONTRACT_FIELDS = ['contractState', 'paymentState', 'kickoffDate', 'onboardingOwner', 'launchBlockers'] as const;
const recordContractEventSchema = z
  .strictObject({
    type: z.literal('RECORD_CONTRACT'),
    ...common,
    contractState: z.enum(CONTRACT_STATES).optional(),
    paymentState: z.enum(PAYMENT_STATES).optional(),
    kickoffDate: isoDateSchema.optional(),
    onboardingOwner: id.optional(),
    /** Replaces the recorded list; `[]` records "no launch blockers". */
    launchBlockers: z.array(text(1_000)).max(100).optional(),
  })
  .refine(atLeastOne(CONTRACT_FIELDS), atLeastOneMessage(CONTRACT_FIELDS));

// ---- handoff context (HO1) ---------------------------------------------------------------

/** The client the deal is handed to: an existing client by id, or a new one by name (and domain). */
const recordHandoffClientEventSchema = z
  .strictObject({
    type: z.literal('RECORD_HANDOFF_CLIENT'),
    ...common,
    clientId: z.uuid().optional(),
    name: safeText({ max: 200, trim: true }).optional(),
    domain: line(253)
      .refine((d) => isClientDomain(clientDomainKey(d)), 'must be a host name such as example.com')
      .optional(),
  })
  .refine((e) => e.clientId !== undefined || e.name !== undefined, {
    message: 'give clientId (an existing client) or name (a new one)',
    path: ['name'],
  });

// Its own copy of zod's pattern, as with dates: the worker freezes zod's shared regexes.
const emailSchema = z
  .email({ pattern: new RegExp(z.regexes.email.source) })
  .max(254)
  .superRefine(safeTextCheck(false));

/** Who will log in to the portal; replaces the recorded list. */
const recordPortalContactsEventSchema = z.strictObject({
  type: z.literal('RECORD_PORTAL_CONTACTS'),
  ...common,
  contacts: z
    .array(z.strictObject({ name: safeText({ max: 200, trim: true }), email: emailSchema }))
    .min(1)
    .max(50)
    .refine((list) => new Set(list.map((c) => c.email.toLowerCase())).size === list.length, 'each email only once'),
});

/** A provider account delivery connects; recording the same `connectorId` again updates it (access granted, ...). */
const recordConnectorAccountEventSchema = z.strictObject({
  type: z.literal('RECORD_CONNECTOR_ACCOUNT'),
  ...common,
  connectorId: id,
  provider: safeText({ max: 100, trim: true }),
  accountRef: safeText({ max: 200, trim: true }),
  access: z.enum(CONNECTOR_ACCESS_STATES),
});

/** A data feed reporting reads; `connectorId` names a recorded connector account (gate `known_connector`). */
const recordDataSourceEventSchema = z.strictObject({
  type: z.literal('RECORD_DATA_SOURCE'),
  ...common,
  sourceId: id,
  kind: safeText({ max: 100, trim: true }),
  name: safeText({ max: 200, trim: true }),
  connectorId: id,
});

const baselineFigureSchema = z.strictObject({
  metric: safeText({ max: 100, trim: true }),
  value: z.number().min(0).max(1e12),
  unit: safeText({ max: 50, trim: true }),
  period: safeText({ max: 100, trim: true }),
  measuredIn: safeText({ max: 200, trim: true }),
});

/** The audit's lead-flow figures (monthly leads, response time, booked jobs...); replaces the recorded ones. */
const recordReportingBaselineEventSchema = z.strictObject({
  type: z.literal('RECORD_REPORTING_BASELINE'),
  ...common,
  figures: z
    .array(baselineFigureSchema)
    .min(1)
    .max(50)
    .refine((list) => new Set(list.map((f) => f.metric.toLowerCase())).size === list.length, 'each metric only once'),
});

/** The catalogue services sold (S2); the API checks each is an active service. Replaces the recorded list. */
const recordServicesSoldEventSchema = z.strictObject({
  type: z.literal('RECORD_SERVICES_SOLD'),
  ...common,
  serviceIds: z
    .array(z.uuid())
    .min(1)
    .max(50)
    .refine((ids) => new Set(ids).size === ids.length, 'each service only once'),
});

// ---- daily pipeline work (OW1) ------------------------------------------------------------

/** Hands the deal (and its open tasks of the previous owner) to another owner. */
const reassignEventSchema = z.strictObject({
  type: z.literal('REASSIGN'),
  ...common,
  ownerId: id,
  /** The new owner's name as the users table has it; the API sets it, whatever a caller sends. */
  ownerName: safeText({ max: 200, trim: true }).optional(),
  reason: text(1_000).optional(),
});

/** An internal note (its text is an attachment); `forHandoff` notes travel to the delivery project. */
const recordNoteEventSchema = z.strictObject({
  type: z.literal('RECORD_NOTE'),
  ...common,
  pinned: z.boolean().optional(),
  forHandoff: z.boolean().optional(),
});

// ISO 4217 as this runtime knows it; checked by a set lookup, not a shared regex (see unsafeTextReason).
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const currencySchema = z
  .string()
  .length(3)
  .refine((code) => CURRENCIES.has(code), 'must be an ISO 4217 currency code in capitals, such as EUR or USD');

const UPDATE_FIELDS = ['title', 'company', 'contact', 'value', 'expectedCloseDate', 'probability'] as const;
/** Corrects the deal's own fields; `null` clears one (not title or company). Each change keeps before and after. */
const updateDealEventSchema = z
  .strictObject({
    type: z.literal('UPDATE_DEAL'),
    ...common,
    title: safeText({ max: 300, trim: true }).optional(),
    company: safeText({ max: 300, trim: true }).optional(),
    contact: z
      .strictObject({
        name: safeText({ max: 200, trim: true }),
        email: emailSchema.nullable().optional(),
        phone: safeText({ max: 50, trim: true }).nullable().optional(),
      })
      .nullable()
      .optional(),
    value: z
      .strictObject({ amountCents: z.int().min(0).max(1e13), currency: currencySchema })
      .nullable()
      .optional(),
    expectedCloseDate: isoDateSchema.nullable().optional(),
    probability: z.int().min(0).max(100).nullable().optional(),
  })
  .refine(atLeastOne(UPDATE_FIELDS), atLeastOneMessage(UPDATE_FIELDS));

/** Exactly one of a person or a queue owns a task. */
const oneTaskOwner = (t: { ownerId?: string; queue?: string }): boolean =>
  (t.ownerId === undefined) !== (t.queue === undefined);
const oneTaskOwnerMessage = { message: 'give exactly one of ownerId (a person) or queue', path: ['ownerId'] };

/** A task made by hand on the deal; the API chooses its id. */
const createTaskEventSchema = z
  .strictObject({
    type: z.literal('CREATE_TASK'),
    ...common,
    taskId: z.uuid(),
    title: safeText({ max: 300, trim: true }),
    dueAt: isoDateTimeSchema,
    ownerId: id.optional(),
    queue: z.enum(TASK_QUEUES).optional(),
    note: text(2_000).optional(),
  })
  .refine(oneTaskOwner, oneTaskOwnerMessage);

/** Gives one of the deal's open tasks to a person or a queue; the API checks it is the deal's and open. */
const assignTaskEventSchema = z
  .strictObject({
    type: z.literal('ASSIGN_TASK'),
    ...common,
    taskId: z.uuid(),
    ownerId: id.optional(),
    queue: z.enum(TASK_QUEUES).optional(),
  })
  .refine(oneTaskOwner, oneTaskOwnerMessage);

/** Closes one of the deal's open tasks as no longer needed, with why. */
const cancelTaskEventSchema = z.strictObject({
  type: z.literal('CANCEL_TASK'),
  ...common,
  taskId: z.uuid(),
  note: text(2_000).optional(),
});

const setNextActionEventSchema = z.strictObject({
  type: z.literal('SET_NEXT_ACTION'),
  ...common,
  nextAction: nextActionSchema,
});

/** Every event, discriminated on `type`. */
const dealEventSchema = z.discriminatedUnion('type', [
  qualifyEventSchema,
  startDiscoveryEventSchema,
  startAuditEventSchema,
  startProposalEventSchema,
  submitForApprovalEventSchema,
  approveEventSchema,
  rejectEventSchema,
  sendProposalEventSchema,
  recordViewEventSchema,
  recordObjectionEventSchema,
  acceptEventSchema,
  markWonEventSchema,
  markLostEventSchema,
  reactivateEventSchema,
  completeHandoffEventSchema,
  reviseProposalEventSchema,
  recordQualificationEventSchema,
  recordConsentEventSchema,
  recordVerificationEventSchema,
  recordFollowUpEventSchema,
  recordDiscoveryEventSchema,
  recordAuditEvidenceEventSchema,
  recordProposalSectionEventSchema,
  recordClientSafeSummaryEventSchema,
  recordProposalMessageEventSchema,
  approveClientSafeSummaryEventSchema,
  resolveObjectionEventSchema,
  recordContractEventSchema,
  recordHandoffClientEventSchema,
  recordPortalContactsEventSchema,
  recordConnectorAccountEventSchema,
  recordDataSourceEventSchema,
  recordReportingBaselineEventSchema,
  recordServicesSoldEventSchema,
  setNextActionEventSchema,
  reassignEventSchema,
  recordNoteEventSchema,
  updateDealEventSchema,
  createTaskEventSchema,
  assignTaskEventSchema,
  cancelTaskEventSchema,
  completeTaskEventSchema,
]);

export type DealEvent = z.infer<typeof dealEventSchema>;
export type DealEventOf<T extends EventType> = Extract<DealEvent, { type: T }>;

// The schema covers exactly the vocabulary's event types (checked at compile time).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameEventTypes: Same<DealEvent['type'], EventType> = true;
void _sameEventTypes;

export interface EventIssue {
  path: string;
  message: string;
}

/**
 * The schemas the API and the tests build on. They are reached through a function, never
 * exported as constants: the worker shares this module among all its cached workflows and
 * deep-freezes whatever the module's exports reach (infra/worker.ts, SHARED_WORKFLOW_MODULES),
 * and a frozen zod 4 schema cannot parse, since zod memoises members on the instance.
 */
export const eventSchemas = () =>
  ({ dealEvent: dealEventSchema, isoDateTime: isoDateTimeSchema, isoDate: isoDateSchema }) as const;

/** Validates an unknown value as an event; issues name the field at fault. */
export function parseDealEvent(input: unknown): { ok: true; event: DealEvent } | { ok: false; issues: EventIssue[] } {
  const result = dealEventSchema.safeParse(input);
  if (result.success) return { ok: true, event: result.data };
  const issues: EventIssue[] = [];
  for (const issue of result.error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: base ? `${base}.${key}` : key, message: `unknown field "${key}"` });
      }
    } else {
      issues.push({ path: base || '(event)', message: issue.message });
    }
  }
  return { ok: false, issues };
}
