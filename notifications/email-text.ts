import type { WebhookEventType } from '../machines/opportunity/notifications';
import { links, webhookPayload, type PayloadPerson, type WebhookPayload } from './payload';
import type { LoadedNotification } from './types';

/**
 * The plain-text emails of NT1: one as something happens, and the daily digest. They go to people
 * of the agency only. Each is rendered from the non-internal webhook payload, so client-internal
 * text (K1), which only `data.internal` could carry, cannot reach an email. They name people and
 * deals; ids appear only inside links.
 */

/** A task in someone's digest (the db layer loads them in this shape). */
export interface DigestTask {
  id: string;
  title: string;
  kind: string;
  dueAt: Date;
  deal: { id: string; title: string; company: string } | null;
}

export interface EmailText {
  subject: string;
  text: string;
}

const SUBJECT_MAX = 150;

/**
 * One line of readable text: control characters (a title's line break could forge a line of the
 * mail, a subject's could forge a header) become spaces, and lone surrogates the replacement
 * character, which every mail encoder can write.
 */
function clean(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const pairs = unit >= 0xd800 && unit <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pairs) {
      out += text.slice(i, i + 2);
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) out += '\uFFFD';
    else if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f) || unit === 0x2028 || unit === 0x2029) out += ' ';
    else out += text[i];
  }
  return out.trim();
}

const label = (code: string) => clean(code).replace(/_/g, ' ');
const nameOf = (person: PayloadPerson | null | undefined) => (person?.name ? clean(person.name) : 'someone');
function when(value: Date | string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? 'an unknown time' : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
const quoted = (title: string) => `"${clean(title)}"`;

type Data = WebhookPayload['data'];
const dealName = (d: Data) => (d.deal ? `${clean(d.deal.title)} (${clean(d.deal.company)})` : 'a deal');
const holder = (owner: PayloadPerson | null | undefined, queue: string | null | undefined) =>
  owner ? nameOf(owner) : queue ? `the ${label(queue)} queue` : 'nobody yet';
function taskLine(d: Data): string {
  const task = d.task;
  return task ? `${quoted(task.title)} (${label(task.kind)})` : 'a task';
}

/** What happened, in one sentence per type. */
const HEADLINES: Record<WebhookEventType, (d: Data) => string> = {
  'deal.created': (d) => `New deal ${dealName(d)}, owned by ${nameOf(d.deal?.owner)}.`,
  'deal.stage_changed': (d) =>
    `${dealName(d)} moved from ${label(d.deal?.stageBefore ?? 'unknown')} to ${label(d.deal?.stage ?? 'unknown')}.`,
  'deal.overdue': (d) => `${dealName(d)} is overdue: its next action is past due.`,
  'deal.paused': (d) =>
    `${dealName(d)} is paused (${(d.pauseReasons ?? []).map(label).join(', ') || 'no reason given'}).`,
  'deal.lost': (d) => `${dealName(d)} was lost${d.lostReason ? ` (${label(d.lostReason)})` : ''}.`,
  'deal.won': (d) => `${dealName(d)} was won.`,
  'deal.handed_off': (d) => `${dealName(d)} was handed off to delivery.`,
  'handoff.blocked': (d) =>
    `The handoff of ${dealName(d)} is blocked: ${(d.blockers ?? []).map((b) => `${label(b.code)} (${clean(b.detail)})`).join('; ')}.`,
  'proposal.submitted': (d) =>
    `The proposal for ${dealName(d)} was submitted by ${nameOf(d.actor)} and waits for approval.`,
  'proposal.approved': (d) => `The proposal for ${dealName(d)} was approved by ${nameOf(d.actor)}.`,
  'proposal.sent': (d) => `The proposal for ${dealName(d)} was sent to the client.`,
  'proposal.viewed': (d) => `The client viewed the proposal for ${dealName(d)}.`,
  'task.created': (d) =>
    `New task ${taskLine(d)} for ${holder(d.task?.owner, d.task?.queue)}, due ${when(d.task?.dueAt ?? '')}.`,
  'task.assigned': (d) => {
    const before =
      d.task && ('previousOwner' in d.task || 'previousQueue' in d.task)
        ? ` (before: ${holder(d.task.previousOwner, d.task.previousQueue)})`
        : '';
    return `The task ${taskLine(d)} is now with ${holder(d.task?.owner, d.task?.queue)}${before}, due ${when(d.task?.dueAt ?? '')}.`;
  },
  'task.overdue': (d) => `The task ${taskLine(d)} is overdue: it was due ${when(d.task?.dueAt ?? '')}.`,
};

/** The subject's opening, per type; the task's or the deal's title follows. */
const SUBJECTS: Record<WebhookEventType, string> = {
  'deal.created': 'New deal',
  'deal.stage_changed': 'Deal moved',
  'deal.overdue': 'Deal overdue',
  'deal.paused': 'Deal paused',
  'deal.lost': 'Deal lost',
  'deal.won': 'Deal won',
  'deal.handed_off': 'Deal handed off',
  'handoff.blocked': 'Handoff blocked',
  'proposal.submitted': 'Proposal waiting for approval',
  'proposal.approved': 'Proposal approved',
  'proposal.sent': 'Proposal sent',
  'proposal.viewed': 'Proposal viewed by the client',
  'task.created': 'New task',
  'task.assigned': 'Task assigned',
  'task.overdue': 'Task overdue',
};

const subjectOf = (text: string) => {
  const line = clean(text);
  return line.length > SUBJECT_MAX
    ? `${Array.from(line)
        .slice(0, SUBJECT_MAX - 1)
        .join('')}…`
    : line;
};

const FOOTER =
  'This is an internal notification. Choose immediate, digest or off with ' +
  'PUT /v1/users/me/notification-preferences.';

/** The email a person gets at once for a notification (their preference being `immediate`). */
export function notificationEmail(n: LoadedNotification, to: { name: string }, baseUrl: string): EmailText {
  const { type, data } = webhookPayload(n, { internal: false, baseUrl });
  const topic = data.task?.title ?? data.deal?.title;
  const lines = [`Hello ${clean(to.name)},`, '', HEADLINES[type](data), ''];
  if (data.deal)
    lines.push(
      `Deal: ${dealName(data)}, stage ${label(data.deal.stage ?? 'unknown')}, owned by ${nameOf(data.deal.owner)}.`,
    );
  if (data.links.task) lines.push(`Open the task: ${data.links.task}`);
  if (data.links.deal) lines.push(`Open the deal: ${data.links.deal}`, `Its timeline: ${data.links.timeline}`);
  lines.push('', FOOTER);
  return { subject: subjectOf(topic ? `${SUBJECTS[type]}: ${topic}` : SUBJECTS[type]), text: lines.join('\n') };
}

function digestSection(heading: string, tasks: DigestTask[], baseUrl: string): string[] {
  if (tasks.length === 0) return [];
  const items = tasks.flatMap((task) => [
    `- ${quoted(task.title)} (${label(task.kind)}), due ${when(task.dueAt)}` +
      (task.deal ? ` - ${clean(task.deal.title)} (${clean(task.deal.company)})` : ''),
    `  ${links.task(baseUrl, task.id)}`,
  ]);
  return [`${heading} (${tasks.length}):`, ...items, ''];
}

/** A person's daily digest: their open tasks overdue, then those due by the end of `date`. */
export function digestEmail(input: {
  to: { name: string };
  date: string;
  due: DigestTask[];
  overdue: DigestTask[];
  baseUrl: string;
}): EmailText {
  const date = clean(input.date);
  const sections = [
    ...digestSection('Overdue', input.overdue, input.baseUrl),
    ...digestSection(`Due by the end of ${date}`, input.due, input.baseUrl),
  ];
  const text = [
    `Hello ${clean(input.to.name)},`,
    '',
    ...(sections.length > 0 ? sections : ['Nothing of yours is due or overdue.', '']),
    FOOTER,
  ].join('\n');
  return {
    subject: subjectOf(`Your tasks for ${date}: ${input.overdue.length} overdue, ${input.due.length} due`),
    text,
  };
}
