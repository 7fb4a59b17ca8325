import { propertyRuns } from '../../support/kit';

describe('propertyRuns', () => {
  it("keeps each property's own count unless PROPERTY_RUNS is set", () => {
    expect(propertyRuns(2_000, {})).toBe(2_000);
    expect(propertyRuns(300, { PROPERTY_RUNS: '' })).toBe(300);
    expect(propertyRuns(2_000, { PROPERTY_RUNS: '50' })).toBe(50);
  });

  it('refuses a count that is not a positive integer', () => {
    for (const bad of ['0', '-5', '1.5', 'many'])
      expect(() => propertyRuns(10, { PROPERTY_RUNS: bad })).toThrow(/PROPERTY_RUNS/);
  });
});
