import fs from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../../infra/config';
import { DEAL_SEARCH_ATTRIBUTES } from '../../../workflows/deal/search-attributes';

/* The README and the pages it points to say what the code does: every setting, every search
 * attribute, links that resolve, and benchmark figures that are dated and reproducible. */

const root = path.resolve(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const docPages = fs
  .readdirSync(path.join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);
const pages = ['README.md', 'bench/README.md', ...docPages];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
const anchorsIn = (file: string) => [...read(file).matchAll(/^#+ (.+)$/gm)].map((match) => anchorOf(match[1]));

describe('the README', () => {
  const readme = read('README.md');

  it('stays short: at most 160 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(160);
  });

  it('links every page of docs/ and the benchmarks page', () => {
    for (const page of [...docPages, 'bench/README.md']) expect(readme).toContain(`](${page})`);
  });

  it('shows the test command that .ci/run runs', () => {
    const ci = read('.ci/run');
    expect(readme).toContain('npm test');
    expect(ci.trim().split('\n').at(-1)).toBe('npm test');
  });
});

describe('the documentation pages', () => {
  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, target] of read(page).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [file, anchor] = target.split('#');
        const resolved = file ? path.posix.normalize(path.posix.join(path.posix.dirname(page), file)) : page;
        if (!fs.existsSync(path.join(root, resolved))) broken.push(`${page} → ${target}`);
        else if (anchor && resolved.endsWith('.md') && !anchorsIn(resolved).includes(anchor))
          broken.push(`${page} → ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('name only npm scripts that package.json has', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    for (const page of pages) {
      for (const [, name] of read(page).matchAll(/npm run ([\w:-]+)/g))
        expect({ page, name, known: scripts.includes(name) }).toEqual({ page, name, known: true });
    }
  });

  it('docs/configuration.md documents every configuration variable and no stale ones', () => {
    const documented = [...read('docs/configuration.md').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual(Object.keys(configSchema.shape).sort());
  });

  it('docs/operations.md documents every search attribute ops can filter on', () => {
    const operations = read('docs/operations.md');
    for (const key of DEAL_SEARCH_ATTRIBUTES) expect(operations).toContain(`| \`${key.name}\` |`);
  });
});

describe('bench/README.md', () => {
  const bench = read('bench/README.md');
  // The preamble holds the commands and the machine; every measured figure sits under a heading.
  const sections = bench.split(/^(?=#{2,3} )/m).slice(1);
  const FIGURE = /\d[\d,.]*\s?(ms|s|\/s|MiB|KiB|GiB)\b|^\|[^\n]*\d/m;
  const MEASURED = /^Measured (\d{4}-\d{2}-\d{2})\b[^\n]*?`(npm run bench -- [^`]+)`/m;

  it('dates every figure and names the command that reproduces it, and its result files have that date', () => {
    const withFigures = sections.filter((section) => FIGURE.test(section));
    expect(withFigures.length).toBeGreaterThanOrEqual(4);
    for (const section of withFigures) {
      const heading = section.split('\n')[0];
      const measured = MEASURED.exec(section);
      expect({ heading, measured: measured !== null }).toEqual({ heading, measured: true });
      for (const [, file] of section.matchAll(/`(bench\/results\/[\w.-]+\.json)`/g)) {
        const { date } = JSON.parse(read(file)) as { date: string };
        expect({ heading, file, date: date.slice(0, 10) }).toEqual({ heading, file, date: measured![1] });
      }
    }
  });

  it('uses only bench names and options that bench/run.ts accepts', () => {
    const run = read('bench/run.ts');
    const names = [.../const BENCHES = \[([^\]]*)\]/.exec(run)![1].matchAll(/'([a-z-]+)'/g)].map((match) => match[1]);
    const options = [...run.matchAll(/\b(?:flag|value)\('([a-z-]+)'\)/g)].map((match) => match[1]);
    const takesValue = [...run.matchAll(/\bvalue\('([a-z-]+)'\)/g)].map((match) => match[1]);
    expect(names.length).toBeGreaterThan(0);
    const commands = [...bench.matchAll(/npm run bench(?: -- ([^`#\n]*))?/g)].map((match) => (match[1] ?? '').trim());
    expect(commands.length).toBeGreaterThan(5);
    for (const command of commands) {
      const tokens = command.match(/'[^']*'|\S+/g) ?? [];
      for (let i = 0; i < tokens.length; i += 1) {
        const token = tokens[i];
        if (!token.startsWith('--')) {
          expect({ command, name: token, known: names.includes(token) }).toEqual({ command, name: token, known: true });
          continue;
        }
        const option = token.slice(2).split('=')[0];
        expect({ command, option, known: options.includes(option) }).toEqual({ command, option, known: true });
        if (takesValue.includes(option) && !token.includes('=')) i += 1;
      }
    }
  });
});
