import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/*
 * The layers, each folder importing only those below it:
 *
 *   machines/    the domain core: nothing of ours
 *   workflows/   machines/ (activities/ by `import type` only)
 *   notifications/  machines/: signing, URL checks, HTTP sending, payload and email text (NT1)
 *   db/          machines/, notifications/
 *   activities/  db/, machines/, notifications/, workflows/<name>/messages (other workflow modules by `import type`)
 *   api/         db/, machines/, workflows/<name>/messages and .../search-attributes (others by `import type`)
 *   infra/, scripts/   the composition root: everything
 *   fixtures/    test data the tests and the benchmarks share: machines/ only
 *   bench/, test/      everything above; bench/ never test/
 *
 * Below the composition root the logger is a port: `import type` from infra/logger only.
 * Enforced per folder with `no-restricted-imports` (test/unit/infra/layers.test.ts plants
 * an upward import in each folder and expects it refused).
 */

/** A relative import of the top-level `folder` (the code uses no path aliases), except the sub-paths `unless` matches. */
const into = (folder, unless = '') => `^(\\.\\./)+${folder}${unless ? `(?!${unless})` : ''}(/|$)`;
const refuse = (folders, why, options = {}) =>
  folders.map((folder) => ({ regex: into(folder), message: why, ...options }));
const ROOT = 'infra/ and scripts/ are the composition root: they import this layer, not the other way round';
const belowTheRoot = [
  { regex: into('infra', '/logger$'), message: `${ROOT} (the logger by \`import type\` only).` },
  {
    regex: '^(\\.\\./)+infra/logger$',
    message: 'The logger is a port below the composition root: `import type` only.',
    allowTypeImports: true,
  },
  ...refuse(['scripts'], `${ROOT}.`),
];
/** Workflow modules other than `modules` (a regex alternation) by `import type` only. */
const workflowsOnlyThrough = (modules, why) => ({
  regex: into('workflows', `/[^/]+/(${modules})$`),
  message: `${why}; anything else of workflows/ by \`import type\` only.`,
  allowTypeImports: true,
});
const notTestCode = (where) =>
  refuse(['test', 'bench', 'fixtures'], `${where} does not import test or benchmark code.`);

/** The one `no-restricted-imports` of a folder (a later config block would replace, not add to, an earlier one's). */
const layer = (folder, patterns, { pure = false } = {}) => ({
  files: [`${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: pure
          ? nodeBuiltins.map((name) => ({
              name,
              message: `No Node builtins in ${folder}/: it must stay deterministic and pure.`,
            }))
          : [],
        patterns,
      },
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.data/**',
      '.tools/**',
      'coverage/**',
      'db/migrations/**',
      'test/artifacts/**',
      'api/static/**',
      'dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['*.js', '*.cjs'],
    languageOptions: {
      globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read loosely typed JSON responses.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  layer(
    'machines',
    [
      ...refuse(
        ['workflows', 'activities', 'db', 'api', 'infra', 'scripts', 'test', 'bench', 'fixtures'],
        'machines/ is the domain core: it imports nothing of ours.',
      ),
    ],
    {
      pure: true,
    },
  ),
  layer(
    'workflows',
    [
      ...refuse(['activities'], 'Workflow code reaches activities through proxyActivities: `import type` only.', {
        allowTypeImports: true,
      }),
      ...refuse(
        ['db', 'api', 'infra', 'scripts', 'test', 'bench', 'fixtures'],
        'Workflow code is replayed and must stay deterministic: it imports machines/ only.',
      ),
    ],
    { pure: true },
  ),
  layer('notifications', [
    ...refuse(
      ['workflows', 'activities', 'db', 'api', 'infra', 'scripts', 'test', 'bench', 'fixtures'],
      'notifications/ builds on machines/ only: the senders and the API use it.',
    ),
  ]),
  layer('db', [
    ...refuse(['workflows', 'activities', 'api'], 'db/ builds on machines/ only.'),
    ...belowTheRoot,
    ...notTestCode('db/'),
  ]),
  layer('activities', [
    workflowsOnlyThrough('messages', 'Activities see a workflow through its messages module'),
    ...refuse(['api'], 'Activities build on db/, machines/ and workflow messages, never on the API.'),
    ...belowTheRoot,
    ...notTestCode('activities/'),
  ]),
  layer('api', [
    workflowsOnlyThrough(
      'messages|search-attributes',
      'The API sees a workflow through its messages and search attributes',
    ),
    ...refuse(
      ['activities'],
      'The API builds on db/, machines/ and workflow messages; it reaches activities only through workflows.',
    ),
    ...belowTheRoot,
    ...notTestCode('api/'),
  ]),
  layer('infra', notTestCode('infra/')),
  layer('scripts', notTestCode('scripts/')),
  layer(
    'fixtures',
    refuse(
      ['workflows', 'activities', 'db', 'api', 'infra', 'scripts', 'test', 'bench'],
      'fixtures/ is test data: it builds on machines/ only.',
    ),
  ),
  layer('bench', refuse(['test'], 'Benchmarks do not import tests; share test data through fixtures/.')),
);
