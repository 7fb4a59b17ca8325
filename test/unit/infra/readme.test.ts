import fs from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../../infra/config';
import { DEAL_SEARCH_ATTRIBUTES } from '../../../workflows/deal/search-attributes';

const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');

describe('the README matches the code', () => {
  it('documents every configuration variable and no stale ones', () => {
    const documented = [...readme.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    const inCode = Object.keys(configSchema.shape);
    const searchAttributes = DEAL_SEARCH_ATTRIBUTES.map((key) => key.name);
    expect(documented.filter((name) => !searchAttributes.includes(name)).sort()).toEqual([...inCode].sort());
  });

  it('[DL1] documents every search attribute ops can filter on', () => {
    for (const key of DEAL_SEARCH_ATTRIBUTES) expect(readme).toContain(`| \`${key.name}\` |`);
  });

  it('shows the test command that .ci/run runs', () => {
    const ci = fs.readFileSync(path.resolve(__dirname, '../../../.ci/run'), 'utf8');
    expect(readme).toContain('npm test');
    expect(ci.trim().split('\n').at(-1)).toBe('npm test');
  });
});
