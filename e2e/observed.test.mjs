// causal-check's link (`#check=`, README "The link"): the page opens the
// smallest failing case at its failing step, shows under each replica the
// node answered for what it answered beside what the engine expects
// (`[data-testid="observed"]`), keeps the session before one Undo away, and
// refuses a damaged link with a message, leaving the session as it was.
// A link made by the real checker (target/release/causal-check against
// toy-node) is opened too when the binaries are built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, run, tid, write, useBrowser } from './support.mjs';

const { server, withPage } = useBrowser();

/** base64url without padding of the JSON text, as causal-check makes it. */
const base64url = (text) => Buffer.from(text, 'utf8').toString('base64url');

/** B writes x=B1 then x=B2; m2 is delivered to A before m1: step 3 fails. */
const scenario = {
  version: 1,
  title: 'causal-check: delivered-too-early',
  replicas: 3,
  delivery: 'causal',
  conflicts: 'overwrite',
  steps: [
    { op: 'write', replica: 1, key: 'x', value: 'B1' },
    { op: 'write', replica: 1, key: 'x', value: 'B2' },
    { op: 'deliver', message: 2, to: 0 },
  ],
};

function document(changes = {}) {
  return {
    version: 1,
    kind: 'delivered-too-early',
    guarantee: 'monotonic-writes',
    scenario,
    step: 3,
    observed: [{ replica: 0, clock: [0, 2, 0], store: { x: 'B2' }, held: [] }],
    ...changes,
  };
}

const checkLink = (doc) => `#check=${base64url(JSON.stringify(doc))}`;

async function clocks(page) {
  return page.$$eval('[data-drop-replica]', (panels) =>
    panels.map((_, r) => document.querySelector(`[data-testid="clock-${r}"]`)?.dataset.clock),
  );
}

/** Waits until no load is under way. */
async function loaded(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="progress"]'));
}

test('a #check= link opens the case at its failing step with the node\'s answers beside the engine\'s, and Undo returns to the session before', async () => {
  await withPage(async (page) => {
    await write(page, 2, 'mine', 'kept');
    const before = await clocks(page);
    assert.deepEqual(before, ['0,0,0', '0,0,0', '0,0,1']);
    // Pasted into a tab that shows the page: only the fragment changes.
    await page.goto(`${server.url}${checkLink(document())}`);
    await page.locator(tid('observed')).waitFor();
    await loaded(page);
    assert.equal(await page.inputValue(tid('timeline')), '3', 'the timeline is at the failing step');
    assert.equal(await page.getAttribute(tid('timeline'), 'max'), '3');
    const observed = page.locator(tid('observed'));
    assert.equal(await observed.count(), 1, 'one answer: the node answered as A only');
    assert.equal(await observed.getAttribute('data-replica'), '0');
    assert.equal(await observed.getAttribute('data-clock'), '0,2,0');
    assert.equal(await observed.getAttribute('data-differs'), 'true');
    // It stands in A's column, beside A's panel.
    assert.equal(await page.locator(`.column:has(${tid('replica-0')}) ${tid('observed')}`).count(), 1);
    // Under causal delivery the engine holds m2 back at A: clock [0,0,0], no x.
    assert.equal(await page.getAttribute(tid('clock-0'), 'data-clock'), '0,0,0');
    const text = await observed.innerText();
    assert.match(text, /The node answered clock \[0,2,0\]; the engine expects \[0,0,0\]\./);
    assert.match(text, /x=B2/);
    assert.match(text, /holds back nothing; the engine holds back m2/);
    assert.equal(await observed.locator('[data-key="x"]').getAttribute('data-value'), 'B2');
    const top = await page.locator(tid('observed-case')).innerText();
    assert.match(top, /causal-check found: delivered-too-early \(monotonic-writes\) at step 3/);
    assert.match(top, /failing step/);

    assert.match(page.url(), /#check=/, 'the link stays in the address while it is what is shown');
    // Stepping back keeps the answers (they are about step 3, and say so).
    // (Undo right after a load returns to the session before: the timeline.)
    await page.locator(tid('timeline')).fill('2');
    await page.waitForFunction(() => document.querySelector('[data-testid="timeline"]').value === '2');
    assert.equal(await page.locator(tid('observed')).getAttribute('data-clock'), '0,2,0');
    assert.match(await page.locator(tid('observed-case')).innerText(), /The timeline is at step 2 now/);
    assert.doesNotMatch(page.url(), /#check=/, 'the session changed: a reload shows it, not the link');
    await page.click(tid('redo'));
    await page.waitForFunction(() => document.querySelector('[data-testid="timeline"]').value === '3');
    assert.equal(await page.locator(tid('observed')).count(), 1);

    // Back to the start, one more Undo returns to the session before: the
    // answers go with the case.
    await page.locator(tid('timeline')).fill('0');
    await page.waitForFunction(() => document.querySelector('[data-testid="timeline"]').value === '0');
    await page.click(tid('undo'));
    await loaded(page);
    await page.waitForFunction(() => !document.querySelector('[data-testid="observed"]'));
    assert.deepEqual(await clocks(page), before);
    assert.equal(await page.locator(tid('observed-case')).count(), 0);
  });
});

test('Undo right after opening a #check= link returns to the session before, and a reset takes the answers away', async () => {
  await withPage(async (page) => {
    await write(page, 1, 'y', '1');
    const before = await clocks(page);
    await page.goto(`${server.url}${checkLink(document())}`);
    await page.locator(tid('observed')).waitFor();
    await loaded(page);
    await page.click(tid('undo'));
    await loaded(page);
    await page.waitForFunction(() => !document.querySelector('[data-testid="observed"]'));
    assert.deepEqual(await clocks(page), before);
    // Redo comes back to the case; a reset ends it.
    await page.click(tid('redo'));
    await loaded(page);
    await page.click(tid('reset'));
    await loaded(page);
    await page.waitForFunction(() => !document.querySelector('[data-testid="observed-case"]'));
    assert.equal(await page.locator(tid('observed')).count(), 0);
  });
});

test('a damaged #check= link is refused with what was wrong, and the session stays as it was', async () => {
  const cases = [
    ['#check=%%%not-base64', /not base64url/],
    [`#check=${base64url('{"version":1,')}`, /not causal-check's document/],
    [checkLink(document({ version: 2 })), /version 2; this page reads version 1/],
    [checkLink(document({ step: 9 })), /failing step is 9, but its scenario has 3 steps/],
    [checkLink(document({ observed: [{ replica: 7, clock: [0, 0, 0], store: {}, held: [] }] })), /replica 7.*3 replicas/],
    [checkLink(document({ observed: [{ replica: 0, clock: [0, 0, 0], store: { x: 'v'.repeat(100) }, held: [] }] })), /A's answer/],
    [checkLink(document({ scenario: { ...scenario, steps: [{ op: 'deliver', message: 5, to: 1 }] }, step: 1 })), /message 5/],
    [checkLink(document({ scenario: { ...scenario, steps: [{ op: 'write', replica: 0, key: 'k'.repeat(200), value: 'v' }] }, step: 1 })), /key/i],
  ];
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    const before = await clocks(page);
    for (const [fragment, pattern] of cases) {
      await page.goto(`${server.url}${fragment}`);
      const error = page.locator(tid('error'));
      await page.waitForFunction(() => /causal-check's link could not be opened/.test(document.querySelector('[data-testid="error"]')?.textContent ?? ''));
      await loaded(page);
      const text = await error.innerText();
      assert.match(text, pattern, fragment.slice(0, 60));
      assert.match(text, /your session is kept as it was/);
      assert.equal(await error.getAttribute('role'), 'alert');
      assert.deepEqual(await clocks(page), before, 'the state is intact');
      assert.equal(await page.locator(tid('observed')).count(), 0);
      // The next link's message must be its own.
      await page.click(`.notice:has(${tid('error')}) button.dismiss`);
      await page.waitForFunction(() => !document.querySelector('[data-testid="error"]'));
    }
  });
});

test('a link made by the real causal-check (against toy-node) opens with the node\'s clock', async (t) => {
  const checker = join(ROOT, 'target', 'release', 'causal-check');
  const node = join(ROOT, 'target', 'release', 'toy-node');
  const exists = (p) => access(p).then(() => true, () => false);
  if (!(await exists(checker)) || !(await exists(node))) {
    try {
      await run('cargo', ['build', '--release', '-p', 'causal-check'], { cwd: ROOT, timeout: 900_000 });
    } catch (err) {
      t.skip(`cargo build --release -p causal-check failed: ${err.message.split('\n')[0]}`);
      return;
    }
  }
  let stdout;
  const out = await mkdtemp(join(tmpdir(), 'causal-observed-'));
  try {
    ({ stdout } = await run(checker, ['--cases', '20', '--seed', '1', '--out', out, '--page', 'http://x/', '--', node, '--flaw', 'no-causal-test'], { cwd: out, timeout: 300_000 }));
  } catch (err) {
    // Exit 1: flaws found, which is what this test wants.
    if (err.code !== 1) throw err;
    stdout = err.stdout;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  const flaws = stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const flaw = flaws.find((f) => f.link);
  assert.ok(flaw, `causal-check found a flaw in toy-node --flaw no-causal-test: ${stdout.slice(0, 200)}`);
  const fragment = flaw.link.slice(flaw.link.indexOf('#'));
  const doc = JSON.parse(Buffer.from(fragment.slice('#check='.length), 'base64url').toString('utf8'));
  assert.equal(doc.version, 1);
  await withPage(async (page) => {
    await page.goto(`${server.url}${fragment}`);
    await page.locator(tid('observed-case')).waitFor();
    await loaded(page);
    assert.equal(await page.inputValue(tid('timeline')), String(doc.step));
    assert.match(await page.locator(tid('observed-case')).innerText(), new RegExp(`causal-check found: ${flaw.kind} \\(${flaw.guarantee}\\)`));
    for (const o of doc.observed) {
      const shown = page.locator(`${tid('observed')}[data-replica="${o.replica}"]`);
      assert.equal(await shown.getAttribute('data-clock'), o.clock.join(','));
    }
    assert.equal(await page.locator(tid('observed')).count(), doc.observed.length);
  });
});

test('a #check= link opened in a new tab shows the case; a damaged one says so and starts afresh', async () => {
  await withPage(async (page) => {
    await page.locator(tid('observed')).waitFor();
    await loaded(page);
    assert.equal(await page.inputValue(tid('timeline')), '3');
    assert.equal(await page.locator(tid('observed')).getAttribute('data-clock'), '0,2,0');
    await page.screenshot({ path: join(ROOT, 'e2e', 'artifacts', 'observed.png'), fullPage: false }).catch(() => {});
  }, { url: `${server.url}${checkLink(document())}` });
  await withPage(async (page) => {
    await page.waitForFunction(() => document.querySelector('[data-testid="error"]'));
    const text = await page.locator(tid('error')).innerText();
    assert.match(text, /causal-check's link could not be opened \(it is version 3; this page reads version 1\), so a fresh session was started/);
    assert.deepEqual(await clocks(page), ['0,0,0', '0,0,0', '0,0,0']);
    // The refused link leaves the address: a reload is clean.
    assert.doesNotMatch(page.url(), /#check=/);
  }, { url: `${server.url}${checkLink(document({ version: 3 }))}` });
});
