import { WEBHOOK_EVENT_TYPES } from '../../../machines/opportunity/notifications';
import { digestEmail, notificationEmail, type DigestTask } from '../../../notifications/email-text';
import { ids, INTERNAL_NOTE, loaded, people } from './support';

const baseUrl = 'https://crm.example.com';
const rita = { name: 'Rita Rep' };
const userIds = [ids.owner, ids.rep, ids.approver];

/** Ids only inside links: a line that shows one is a link line. */
function idsOutsideLinks(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.includes(`${baseUrl}/v1/`))
    .flatMap((line) => [...userIds, ids.deal, ids.task, ids.notification].filter((id) => line.includes(id)));
}

describe('[NT1] immediate email text', () => {
  it.each(WEBHOOK_EVENT_TYPES)('%s: names the deal, no ids outside links, no internal text, no gaps', (type) => {
    const { subject, text } = notificationEmail(loaded(type), rita, baseUrl);
    expect(text).toMatch(/^Hello Rita Rep,\n/);
    expect(text).toContain('Website rebuild (Acme GmbH)');
    expect(subject).toMatch(/Website rebuild|Call about the proposal/);
    expect(idsOutsideLinks(text)).toEqual([]);
    expect(`${subject}${text}`).not.toContain(INTERNAL_NOTE);
    expect(`${subject}${text}`).not.toMatch(/undefined|null|\[object|NaN/);
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it('a task assigned: who has it now and before, when it is due, the deal and its owner, links', () => {
    const { subject, text } = notificationEmail(loaded('task.assigned'), { name: 'Olivia Owner' }, baseUrl);
    expect(subject).toBe('Task assigned: Call about the proposal');
    expect(text).toContain(
      'The task "Call about the proposal" (follow up) is now with Olivia Owner (before: Rita Rep), due 2025-03-04 14:00 UTC.',
    );
    expect(text).toContain('Deal: Website rebuild (Acme GmbH), stage proposal, owned by Olivia Owner.');
    expect(text).toContain(`Open the task: ${baseUrl}/v1/tasks/${ids.task}`);
    expect(text).toContain(`Open the deal: ${baseUrl}/v1/opportunities/${ids.deal}`);
  });

  it('an approval waiting: names who submitted it', () => {
    const { subject, text } = notificationEmail(loaded('proposal.submitted'), { name: 'Arno Approver' }, baseUrl);
    expect(subject).toBe('Proposal waiting for approval: Website rebuild');
    expect(text).toContain(
      `The proposal for Website rebuild (Acme GmbH) was submitted by ${people[ids.rep]} and waits for approval.`,
    );
  });

  it('a client view: says so, without the raw view event', () => {
    const { subject, text } = notificationEmail(loaded('proposal.viewed'), { name: 'Olivia Owner' }, baseUrl);
    expect(subject).toBe('Proposal viewed by the client: Website rebuild');
    expect(text).toContain('The client viewed the proposal for Website rebuild (Acme GmbH).');
    expect(text).not.toContain('viewer');
  });

  it('a title with line breaks cannot forge a header or a line; a long one is cut in the subject', () => {
    const base = loaded('task.created');
    const forged = 'Call\r\nBcc: everyone@example.com\nClick http://evil.example';
    const n = { ...base, data: { ...base.data, task: { ...base.data.task!, title: forged } } };
    const { subject, text } = notificationEmail(n, rita, baseUrl);
    expect(subject).toBe('New task: Call  Bcc: everyone@example.com Click http://evil.example');
    expect(text.split('\n').some((line) => line.startsWith('Bcc:') || line.startsWith('Click'))).toBe(false);
    const long = { ...base, data: { ...base.data, task: { ...base.data.task!, title: 'x'.repeat(500) } } };
    expect(Array.from(notificationEmail(long, rita, baseUrl).subject)).toHaveLength(150);
  });
});

const task = (id: string, title: string, dueAt: string, deal: DigestTask['deal']): DigestTask => ({
  id,
  title,
  kind: 'next_action',
  dueAt: new Date(dueAt),
  deal,
});

describe('[NT1] digest email text', () => {
  const deal = { id: ids.deal, title: 'Website rebuild', company: 'Acme GmbH' };
  const overdueId = 'aaaaaaaa-0000-4000-8000-000000000001';
  const dueId = 'aaaaaaaa-0000-4000-8000-000000000002';

  it('lists overdue tasks first, then those due today, with deals and links', () => {
    const { subject, text } = digestEmail({
      to: rita,
      date: '2025-03-04',
      overdue: [task(overdueId, 'Send the audit', '2025-03-02T10:00:00Z', deal)],
      due: [task(dueId, 'Renew the ops check', '2025-03-04T16:30:00Z', null)],
      baseUrl: `${baseUrl}/`,
    });
    expect(subject).toBe('Your tasks for 2025-03-04: 1 overdue, 1 due');
    expect(text).toBe(
      [
        'Hello Rita Rep,',
        '',
        'Overdue (1):',
        '- "Send the audit" (next action), due 2025-03-02 10:00 UTC - Website rebuild (Acme GmbH)',
        `  ${baseUrl}/v1/tasks/${overdueId}`,
        '',
        'Due by the end of 2025-03-04 (1):',
        '- "Renew the ops check" (next action), due 2025-03-04 16:30 UTC',
        `  ${baseUrl}/v1/tasks/${dueId}`,
        '',
        'This is an internal notification. Choose immediate, digest or off with PUT /v1/users/me/notification-preferences.',
      ].join('\n'),
    );
  });

  it('says so when nothing is due', () => {
    const { subject, text } = digestEmail({ to: rita, date: '2025-03-04', overdue: [], due: [], baseUrl });
    expect(subject).toBe('Your tasks for 2025-03-04: 0 overdue, 0 due');
    expect(text).toContain('Nothing of yours is due or overdue.');
  });
});
