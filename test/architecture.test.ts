/**
 * The folder rules of docs/architecture.md, checked on the real import graph of src/ and
 * projections/: no two source files share a name, no file imports itself through others, and no
 * folder imports one it may not. The checks are also run on small synthetic graphs, so a broken
 * check fails here instead of passing everything.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  duplicateNames,
  importCycles,
  importGraph,
  ruleViolations,
  sourceFiles,
  type ImportRules,
} from './helpers/importGraph.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** docs/architecture.md, as a table: each folder and the folders it may import. */
const RULES: ImportRules = {
  'src/events': [],
  'src/lib': ['src/config'],
  // src/config.ts and its parts in src/config/: areaOf puts both in this one area.
  'src/config': ['src/ledger', 'src/privacy', 'src/lib'],
  'src/ledger': ['src/store', 'src/events', 'src/lib'],
  'src/store': ['src/ledger', 'src/privacy', 'src/events', 'src/lib', 'src/config'],
  'src/privacy': ['src/store', 'src/ledger', 'src/events', 'src/lib', 'src/config'],
  'src/validation': ['src/events', 'src/lib'],
  'src/compilot': ['src/events', 'src/lib', 'src/config'],
  'src/http': ['src/store', 'src/lib'],
  'src/ingress': ['src/http', 'src/store', 'src/ledger', 'src/events', 'src/validation', 'src/lib'],
  'src/processing': ['src/compilot', 'src/store', 'src/events', 'src/lib'],
  projections: ['src/events', 'src/store'],
  'src/readmodel': ['projections', 'src/compilot', 'src/events', 'src/lib'],
  'src/projector': [
    'projections',
    'src/readmodel',
    'src/store',
    'src/privacy',
    'src/events',
    'src/lib',
    'src/config',
  ],
  'src/reconcile': [
    'projections',
    'src/readmodel',
    'src/processing',
    'src/compilot',
    'src/store',
    'src/events',
    'src/lib',
  ],
  'src/retention': [
    'projections',
    'src/readmodel',
    'src/projector',
    'src/processing',
    'src/store',
    'src/events',
    'src/lib',
    'src/config',
  ],
  'src/audit': [
    'src/retention',
    'projections',
    'src/readmodel',
    'src/reconcile',
    'src/ingress',
    'src/ledger',
    'src/privacy',
    'src/store',
    'src/events',
    'src/lib',
  ],
  'src/query': [
    'src/audit',
    'src/http',
    'projections',
    'src/readmodel',
    'src/reconcile',
    'src/store',
    'src/events',
    'src/lib',
  ],
  'src/ui': [
    'src/audit',
    'src/query',
    'src/http',
    'src/cli',
    'projections',
    'src/readmodel',
    'src/store',
    'src/events',
    'src/lib',
  ],
  'src/simulator': ['src/compilot', 'src/events', 'src/lib'],
  // The composition root: src/service.ts and its parts in src/service/ (one area for both).
  'src/service': '*',
  'src/cli': '*',
};

/** The projections' storage codecs: only the projections and the read model use them. */
const CODEC = /\b(?:encode|decode)(?:Customer|Kyc)\b|Codec\.js'/;
const CODEC_USERS = ['projections/', 'src/readmodel/', 'src/projector/'];

const files = sourceFiles(ROOT, ['src', 'projections']);
const graph = importGraph(ROOT, files);

void t.test('no two source files share a name', async (t) => {
  t.ok(files.length > 100, 'the source tree was found');
  const named = sourceFiles(ROOT, ['src', 'projections', 'bench', 'scripts']);
  t.same(duplicateNames(named), []);
});

void t.test('no source file imports itself through other files', async (t) => {
  t.ok(
    [...graph.values()].some((targets) => targets.length > 0),
    'imports were parsed',
  );
  t.same(importCycles(graph), []);
});

void t.test('every folder imports only the folders docs/architecture.md allows', async (t) => {
  t.same(ruleViolations(graph, RULES), []);
});

void t.test('only the projections and the read model decode projection storage', async (t) => {
  const offenders = files.filter(
    (file) =>
      !CODEC_USERS.some((prefix) => file.startsWith(prefix)) &&
      readFileSync(`${ROOT}/${file}`, 'utf8')
        .split('\n')
        .some((line) => /^\s*(import|export|\})/.test(line) && CODEC.test(line)),
  );
  t.same(offenders, []);
});

void t.test('the checks catch what they are for, on a synthetic graph', async (t) => {
  t.same(duplicateNames(['src/a/errors.ts', 'src/b/errors.ts', 'src/b/other.ts']), ['errors.ts']);
  const cyclic = new Map([
    ['src/a/one.ts', ['src/a/two.ts']],
    ['src/a/two.ts', ['src/a/three.ts']],
    ['src/a/three.ts', ['src/a/one.ts']],
    ['src/a/four.ts', ['src/a/one.ts']],
  ]);
  t.same(importCycles(cyclic), [
    ['src/a/one.ts', 'src/a/two.ts', 'src/a/three.ts', 'src/a/one.ts'],
  ]);
  t.same(importCycles(new Map([['src/a/self.ts', ['src/a/self.ts']]])), [
    ['src/a/self.ts', 'src/a/self.ts'],
  ]);
  t.same(
    importCycles(
      new Map([
        ['src/a/one.ts', ['src/a/two.ts']],
        ['src/a/two.ts', []],
      ]),
    ),
    [],
  );

  const layered = new Map([
    ['projections/pure.ts', ['src/query/router.ts']],
    ['src/query/router.ts', ['projections/pure.ts', 'src/config.ts']],
    ['src/config.ts', []],
    ['src/unlisted/x.ts', []],
  ]);
  t.same(
    ruleViolations(layered, { projections: [], 'src/query': ['projections'], 'src/config': [] }),
    [
      'projections/pure.ts imports src/query/router.ts: projections may not import src/query',
      'src/query/router.ts imports src/config.ts: src/query may not import src/config',
      'src/unlisted/x.ts: folder src/unlisted has no import rules (add it to the table)',
    ],
  );
});

void t.test('imports are read from real files, type-only and re-exports included', async (t) => {
  const dir = t.testdir({
    src: {
      a: {
        'one.ts': "import type { X } from './two.js';\nexport const y: X = 1;\n",
        'two.ts': "export { y } from './one.js';\nexport type X = number;\n",
        'view.tsx': "import { y } from './one.js';\nimport 'node:fs';\n",
      },
    },
  });
  const found = sourceFiles(dir, ['src']);
  t.same(found, ['src/a/one.ts', 'src/a/two.ts', 'src/a/view.tsx']);
  const parsed = importGraph(dir, found);
  t.same(parsed.get('src/a/one.ts'), ['src/a/two.ts']);
  t.same(parsed.get('src/a/view.tsx'), ['src/a/one.ts']);
  t.equal(importCycles(parsed).length, 1);
});
