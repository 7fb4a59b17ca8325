/** The JSON body shape limit, the canonical JSON of the idempotency hash, and money totals. */
import { bodyShapeIssue, MAX_BODY_DEPTH, MAX_BODY_NODES } from '../../../api/body-shape';
import { canonicalJson } from '../../../api/idempotency';
import {
  CLIENT_ATTACHMENTS,
  MAX_QUANTITY,
  MAX_TOTAL_CENTS,
  MAX_UNIT_PRICE_CENTS,
  totalCents,
  totalCentsOf,
} from '../../../machines/opportunity/attachments';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

describe('bodyShapeIssue', () => {
  it('accepts ordinary bodies and scalars', () => {
    expect(bodyShapeIssue({ type: 'RECORD_QUALIFICATION', facts: { source: 'Referral' } })).toBeUndefined();
    expect(bodyShapeIssue(nested(MAX_BODY_DEPTH))).toBeUndefined();
    expect(bodyShapeIssue(undefined)).toBeUndefined();
    expect(bodyShapeIssue('text')).toBeUndefined();
  });

  it('refuses a body nested deeper than the limit, at any depth, without recursion', () => {
    expect(bodyShapeIssue(nested(MAX_BODY_DEPTH + 1))).toBe(`nested deeper than ${MAX_BODY_DEPTH} levels`);
    expect(bodyShapeIssue(nested(200_000))).toBe(`nested deeper than ${MAX_BODY_DEPTH} levels`);
    expect(bodyShapeIssue({ a: { b: nested(MAX_BODY_DEPTH) } })).toBe(`nested deeper than ${MAX_BODY_DEPTH} levels`);
  });

  it('refuses more values and keys than the limit, counting keys too', () => {
    expect(bodyShapeIssue(new Array(MAX_BODY_NODES - 1).fill(0))).toBeUndefined();
    expect(bodyShapeIssue(new Array(MAX_BODY_NODES).fill(0))).toBe(`more than ${MAX_BODY_NODES} values and keys`);
    const wide = Object.fromEntries(Array.from({ length: MAX_BODY_NODES / 2 }, (_, i) => [`k${i}`, i]));
    expect(bodyShapeIssue(wide)).toBe(`more than ${MAX_BODY_NODES} values and keys`);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and writes JSON', () => {
    expect(canonicalJson({ b: [1, { d: 'x', c: null }], a: 'é"' })).toBe('{"a":"é\\"","b":[1,{"c":null,"d":"x"}]}');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('handles any depth without overflowing the stack', () => {
    const text = canonicalJson(nested(100_000));
    expect(text.length).toBe(200_001);
    expect(text.startsWith('[[[')).toBe(true);
  });
});

describe('money', () => {
  const section = (lineItems: unknown[]) =>
    CLIENT_ATTACHMENTS.RECORD_PROPOSAL_SECTION.safeParse({ body: 'Pricing', visibility: 'client_safe', lineItems });
  const fieldsOf = (result: ReturnType<typeof section>) => (result.error?.issues ?? []).map((i) => i.path.join('.'));
  const maxLine = { description: 'Line', quantity: MAX_QUANTITY, unitPriceCents: MAX_UNIT_PRICE_CENTS };

  it('keeps a line at the caps exact and within Number.MAX_SAFE_INTEGER', () => {
    expect(MAX_QUANTITY * MAX_UNIT_PRICE_CENTS).toBeLessThanOrEqual(MAX_TOTAL_CENTS);
    expect(MAX_TOTAL_CENTS).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    expect(section([maxLine]).success).toBe(true);
    expect(totalCents([maxLine])).toBe(1e15);
  });

  it('refuses the amounts of the issue: 999999 x 999999999999 and ten lines at the caps', () => {
    expect(fieldsOf(section([{ description: 'x', quantity: 999_999, unitPriceCents: 999_999_999_999 }]))).toEqual([
      'lineItems.0.quantity',
      'lineItems.0.unitPriceCents',
    ]);
    expect(fieldsOf(section(new Array(10).fill(maxLine)))).toEqual(['lineItems']);
  });

  it('sums without rounding', () => {
    // 2^53 + 1 cannot be written as a Number; as BigInt it is exact.
    expect(
      totalCentsOf([
        { quantity: 1, unitPriceCents: 2 ** 53 },
        { quantity: 1, unitPriceCents: 1 },
      ]),
    ).toBe(2n ** 53n + 1n);
    expect(
      totalCents([
        { quantity: 3, unitPriceCents: 90_000 },
        { unitPriceCents: 250_000 },
        { quantity: null, unitPriceCents: null },
      ]),
    ).toBe(520_000);
  });
});
