/**
 * The layer rules of eslint.config.mjs (`no-restricted-imports`, one block per folder): an
 * upward import planted in each folder is refused, the imports each layer may make are not,
 * and the real tree breaks none of them. ESLint runs in a child process: it loads its
 * config with a dynamic import, which Jest's module sandbox does not support.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const RULE = 'no-restricted-imports';
const LAYERED_FOLDERS = [
  'machines',
  'workflows',
  'notifications',
  'activities',
  'db',
  'api',
  'infra',
  'scripts',
  'bench',
  'fixtures',
];

interface Plant {
  /** Where the planted module would live. */
  file: string;
  code: string;
}

const PROBE = `
const path = require('node:path');
const { ESLint } = require('eslint');
const { root, rule, plants, folders } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const ofRule = (messages) => messages.filter((m) => m.ruleId === rule);
(async () => {
  const eslint = new ESLint({ cwd: root });
  const planted = [];
  for (const plant of plants) {
    const [result] = await eslint.lintText(plant.code, { filePath: path.join(root, plant.file) });
    planted.push(ofRule(result.messages).map((m) => m.message));
  }
  const tree = (await eslint.lintFiles(folders)).flatMap((r) => ofRule(r.messages).map((m) => path.relative(root, r.filePath) + ':' + m.line + ' ' + m.message));
  process.stdout.write(JSON.stringify({ planted, tree }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** Lints the plants as if they were files of the tree, and the tree itself; only this rule's messages. */
function lint(plants: Plant[]): { planted: string[][]; tree: string[] } {
  const input = JSON.stringify({ root, rule: RULE, plants, folders: LAYERED_FOLDERS });
  return JSON.parse(
    execFileSync(process.execPath, ['-e', PROBE], { cwd: root, input, encoding: 'utf8', timeout: 60_000 }),
  );
}

const refused: [string, Plant][] = [
  [
    'notifications importing db',
    { file: 'notifications/planted.ts', code: "import { createDb } from '../db/client';\nvoid createDb;\n" },
  ],
  [
    'machines importing db',
    { file: 'machines/opportunity/planted.ts', code: "import { createDb } from '../../db/client';\nvoid createDb;\n" },
  ],
  [
    'machines importing a Node builtin',
    { file: 'machines/opportunity/planted.ts', code: "import { randomUUID } from 'node:crypto';\nvoid randomUUID;\n" },
  ],
  [
    'workflows importing activities as a value',
    {
      file: 'workflows/deal/planted.ts',
      code: "import { createActivities } from '../../activities';\nvoid createActivities;\n",
    },
  ],
  [
    'workflows importing a Node builtin',
    { file: 'workflows/deal/planted.ts', code: "import fs from 'fs';\nvoid fs;\n" },
  ],
  [
    'activities importing api',
    { file: 'activities/planted.ts', code: "import { createApp } from '../api/app';\nvoid createApp;\n" },
  ],
  [
    'activities importing workflow code as a value',
    {
      file: 'activities/planted.ts',
      code: "import { dealWorkflow } from '../workflows/deal/workflow';\nvoid dealWorkflow;\n",
    },
  ],
  [
    'api importing activities',
    {
      file: 'api/routes/planted.ts',
      code: "import { createActivities } from '../../activities';\nvoid createActivities;\n",
    },
  ],
  [
    'api importing the composition root',
    { file: 'api/planted.ts', code: "import { loadConfig } from '../infra/config';\nvoid loadConfig;\n" },
  ],
  [
    'api creating its own logger',
    { file: 'api/planted.ts', code: "import { createLogger } from '../infra/logger';\nvoid createLogger;\n" },
  ],
  [
    'db importing api',
    { file: 'db/queries/planted.ts', code: "import { createApp } from '../../api/app';\nvoid createApp;\n" },
  ],
  [
    'db importing workflows',
    {
      file: 'db/planted.ts',
      code: "import type { DealView } from '../workflows/deal/messages';\nexport type V = DealView;\n",
    },
  ],
  [
    'a src file importing test/',
    { file: 'api/routes/planted.ts', code: "import { testDb } from '../../test/support/db';\nvoid testDb;\n" },
  ],
  [
    'the composition root importing bench/',
    { file: 'infra/planted.ts', code: "import { median } from '../bench/lib/stats';\nvoid median;\n" },
  ],
  [
    'bench importing test/',
    { file: 'bench/planted.ts', code: "import { testDb } from '../test/support/db';\nvoid testDb;\n" },
  ],
  [
    'fixtures importing db',
    { file: 'fixtures/planted.ts', code: "import { createDb } from '../db/client';\nvoid createDb;\n" },
  ],
];

const allowed: [string, Plant][] = [
  [
    'workflows importing activity types',
    {
      file: 'workflows/deal/planted.ts',
      code: "import type { DealActivities } from '../../activities';\nexport type A = DealActivities;\n",
    },
  ],
  [
    'activities importing workflow messages',
    {
      file: 'activities/planted.ts',
      code: "import { DEAL_FAILURES } from '../workflows/deal/messages';\nvoid DEAL_FAILURES;\n",
    },
  ],
  [
    'activities importing a workflow type',
    {
      file: 'activities/planted.ts',
      code: "import type { HandoffInput } from '../workflows/deal/handoff';\nexport type H = HandoffInput;\n",
    },
  ],
  [
    'api importing db, the machine and search attributes',
    {
      file: 'api/planted.ts',
      code: "import { createDb } from '../db/client';\nimport { STAGES } from '../machines/opportunity';\nimport { DEAL_STAGE } from '../workflows/deal/search-attributes';\nvoid [createDb, STAGES, DEAL_STAGE];\n",
    },
  ],
  [
    'api importing the logger type',
    { file: 'api/planted.ts', code: "import type { Logger } from '../infra/logger';\nexport type L = Logger;\n" },
  ],
  [
    'the composition root importing every layer',
    {
      file: 'infra/planted.ts',
      code: "import { createApp } from '../api/app';\nimport { createActivities } from '../activities';\nimport { WORKFLOWS } from '../workflows/planted';\nvoid [createApp, createActivities, WORKFLOWS];\n",
    },
  ],
  [
    'bench importing fixtures',
    { file: 'bench/planted.ts', code: "import { eventsUpTo } from '../fixtures/deal-events';\nvoid eventsUpTo;\n" },
  ],
];

let result: ReturnType<typeof lint>;
beforeAll(() => {
  result = lint([...refused, ...allowed].map(([, plant]) => plant));
}, 90_000);

describe('the layer rules', () => {
  it.each(refused.map(([name], i) => [name, i] as const))('refuse %s', (_name, i) => {
    expect(result.planted[i].length).toBeGreaterThan(0);
  });

  it.each(allowed.map(([name], i) => [name, refused.length + i] as const))('allow %s', (_name, i) => {
    expect(result.planted[i]).toEqual([]);
  });

  it('hold for the whole tree', () => {
    expect(result.tree).toEqual([]);
  });
});
