/**
 * The machine's input primitives, which the API's schemas reuse: text that Postgres can store
 * and a person could mean, and dates within the documented years (1900 to 2200). The refusal
 * at the edge, with 422 through HTTP, is test/integration/api/hostile-input.test.ts.
 */
import {
  applyEvent,
  DATE_YEAR_MAX,
  DATE_YEAR_MIN,
  eventSchemas,
  line,
  safeText,
  text,
  unsafeTextReason,
} from '../../../machines/opportunity';
import { ev, newDeal } from './support';

const messages = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  (result.error?.issues ?? []).map((i) => i.message);

describe('safe text', () => {
  const free = text(100);
  const oneLine = line(100);

  it.each([
    ['emoji', 'Deal 😀 signed 👍🏽'],
    ['CJK', '見積もりを送付しました'],
    ['accents and RTL', 'Café Zürich — שלום'],
    ['newline', 'first line\nsecond line'],
    ['CRLF', 'first line\r\nsecond line'],
    ['tab', 'a\tb'],
  ])('free text accepts %s', (_name, value) => {
    expect(free.safeParse(value)).toEqual({ success: true, data: value });
  });

  it.each([
    ['NUL', 'nul \u0000 title', 'U+0000'],
    ['BEL', 'bell \u0007', 'U+0007'],
    ['ESC', 'esc \u001b[31m', 'U+001B'],
    ['DEL', 'del \u007f', 'U+007F'],
    ['NEL (C1)', 'next \u0085 line', 'U+0085'],
    ['CSI (C1)', 'csi \u009b', 'U+009B'],
    ['a lone low surrogate', 'a\udc00b', 'U+DC00'],
    ['a lone high surrogate', 'a\ud83db', 'U+D83D'],
    ['a lone high surrogate at the end', 'ab\ud83d', 'U+D83D'],
    ['a reversed pair', 'a\ude00\ud83d', 'U+DE00'],
  ])('free text refuses %s, naming the character', (_name, value, code) => {
    const result = free.safeParse(value);
    expect(result.success).toBe(false);
    expect(messages(result)).toEqual([expect.stringContaining(code)]);
  });

  it('one-line strings (ids, names, filters) refuse tab and line breaks too', () => {
    expect(oneLine.safeParse('rep-1 ✓').success).toBe(true);
    for (const value of ['a\nb', 'a\rb', 'a\tb', '\u0000'])
      expect([value, oneLine.safeParse(value).success]).toEqual([value, false]);
  });

  it('keeps the length and blank checks, and trims before checking when asked', () => {
    expect(messages(free.safeParse('   '))).toEqual(['must not be blank']);
    expect(free.safeParse('x'.repeat(101)).success).toBe(false);
    expect(free.safeParse('').success).toBe(false);
    const trimmed = safeText({ max: 3, trim: true });
    expect(trimmed.safeParse('  abc  ')).toEqual({ success: true, data: 'abc' });
    expect(trimmed.safeParse('   ').success).toBe(false);
  });

  it('unsafeTextReason accepts every well-formed pair and refuses what is not', () => {
    expect(unsafeTextReason('\ud83d\ude00\ud83d\ude00', false)).toBeUndefined();
    expect(unsafeTextReason('\ud83d\ud83d\ude00', false)).toContain('U+D83D at index 0');
    expect(unsafeTextReason('', false)).toBeUndefined();
  });

  it('the machine refuses a NUL or a lone surrogate in any string an event takes, ids included', () => {
    const refused = (event: Record<string, unknown>) => {
      const result = applyEvent(newDeal(), event);
      if (result.ok || result.code !== 'invalid_event')
        throw new Error(`expected invalid_event for ${JSON.stringify(event)}`);
      return result.issues.map((i) => i.path);
    };
    expect(refused(ev('RECORD_QUALIFICATION', { facts: { source: 'nul \u0000' } }))).toEqual(['facts.source']);
    expect(refused(ev('RECORD_QUALIFICATION', { facts: { service_fit: 'a\udc00b' } }))).toEqual(['facts.service_fit']);
    expect(
      refused(
        ev('SET_NEXT_ACTION', {
          nextAction: { description: 'call \u0000', dueAt: '2026-06-01T09:00:00Z', ownerId: 'rep-1' },
        }),
      ),
    ).toEqual(['nextAction.description']);
    expect(
      refused(
        ev('SET_NEXT_ACTION', {
          nextAction: { description: 'call', dueAt: '2026-06-01T09:00:00Z', ownerId: 'rep\u0000' },
        }),
      ),
    ).toEqual(['nextAction.ownerId']);
    expect(refused(ev('QUALIFY', { actor: { id: 'rep\udc00', role: 'rep' } }))).toEqual(['actor.id']);
    expect(refused(ev('RECORD_OBJECTION', { objectionId: 'o\n1', summary: 'too dear' }))).toEqual(['objectionId']);
  });
});

describe('dates', () => {
  const { isoDateTime, isoDate } = eventSchemas();

  it.each(['1900-01-01T00:00:00Z', '2026-06-01T09:00:00+02:00', '2200-12-31T23:59:59.999Z'])(
    'accepts the date-time %s',
    (value) => {
      expect(isoDateTime.safeParse(value).success).toBe(true);
    },
  );

  it.each([
    '0000-01-01T00:00:00Z',
    '1899-12-31T23:59:59Z',
    '2201-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '1900-01-01T00:30:00+01:00',
  ])('refuses the date-time %s with the range in the message', (value) => {
    expect(messages(isoDateTime.safeParse(value))).toEqual([
      `must be within the years ${DATE_YEAR_MIN} to ${DATE_YEAR_MAX} (UTC)`,
    ]);
  });

  it('applies the same range to dates', () => {
    expect(isoDate.safeParse('1900-01-01').success).toBe(true);
    expect(isoDate.safeParse('2200-12-31').success).toBe(true);
    expect(isoDate.safeParse('1899-12-31').success).toBe(false);
    expect(isoDate.safeParse('2201-01-01').success).toBe(false);
  });

  it('gives a malformed date-time one issue, not a second one about the range', () => {
    expect(messages(isoDateTime.safeParse('soon'))).toHaveLength(1);
  });

  it('the machine refuses a year-0 due date and a kickoff date out of range, naming the field', () => {
    const paths = (event: Record<string, unknown>) => {
      const result = applyEvent(newDeal(), event);
      return result.ok ? [] : result.code === 'invalid_event' ? result.issues.map((i) => i.path) : [result.code];
    };
    expect(
      paths(
        ev('SET_NEXT_ACTION', { nextAction: { description: 'call', dueAt: '0000-01-01T00:00:00Z', ownerId: 'rep-1' } }),
      ),
    ).toEqual(['nextAction.dueAt']);
    expect(paths(ev('RECORD_CONTRACT', { kickoffDate: '1899-12-31' }))).toEqual(['kickoffDate']);
  });
});
