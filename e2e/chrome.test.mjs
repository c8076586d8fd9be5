// The page's chrome (issues 8 and 15): controls that show the run in force,
// a toolbar that leaves the replicas on the first screen, a status that tells
// catching up from diverging, every violation reachable, quiet remarks that
// are not alarms, and a skip link first in the tab order. Debian's Chromium,
// the release build, a fresh context per test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  screenshot, tid, write, useBrowser,
} from './support.mjs';

const { browser, server, withPage } = useBrowser();

const LAPTOP = { width: 1366, height: 768 };

const selectValue = (page, id) => page.inputValue(`select${tid(id)}`);

/** Opens the import/export menu, as a user does, if it is closed. */
async function openFileMenu(page) {
  if (!(await page.locator(tid('export-json')).isVisible())) {
    await page.click(`${tid('file-menu')} > summary`);
  }
}

/** The run in force, as the exported scenario file says. */
async function exported(page) {
  await openFileMenu(page);
  const waiting = page.waitForEvent('download', { timeout: 60_000 });
  await page.click(tid('export-json'));
  const scenario = JSON.parse((await readFile(await (await waiting).path())).toString('utf8'));
  return { delivery: scenario.delivery, conflicts: scenario.conflicts, replicas: scenario.replicas };
}

/** What the three controls say, and how many replicas are drawn. */
async function controls(page) {
  return {
    delivery: await selectValue(page, 'delivery'),
    conflicts: await selectValue(page, 'conflicts'),
    replicas: Number(await page.inputValue(tid('replica-count'))),
    drawn: await page.locator('[data-drop-replica]').count(),
  };
}

/** The controls agree with the run: the export's rules and the replicas drawn. */
async function assertControlsShowTheRun(page, what) {
  const shown = await controls(page);
  const run = await exported(page);
  assert.deepEqual(
    { delivery: shown.delivery, conflicts: shown.conflicts, replicas: shown.replicas },
    run,
    `${what}: the controls say what runs`,
  );
  assert.equal(shown.drawn, run.replicas, `${what}: as many replicas drawn as the count says`);
  return shown;
}

test('selectors show the run in force after a preset (the issue 15 repro), and after undo', async () => {
  await withPage(async (page) => {
    await page.selectOption(`select${tid('delivery')}`, 'unordered');
    await page.selectOption(`select${tid('delivery')}`, 'causal');
    await page.selectOption(`select${tid('replica-count')}`, '3');
    await page.selectOption(`select${tid('replica-count')}`, '2');
    assert.equal((await controls(page)).drawn, 2);

    await page.selectOption(`select${tid('scenario')}`, 'unordered-stale');
    const shown = await assertControlsShowTheRun(page, 'after the preset');
    assert.equal(shown.delivery, 'unordered');
    assert.equal(shown.replicas, 3);
    assert.equal(await selectValue(page, 'scenario'), 'unordered-stale');

    // Undo, by button and by key: whatever run comes back, the controls say it.
    await page.click(tid('undo'));
    await assertControlsShowTheRun(page, 'after Undo');
    await page.keyboard.press('Control+z');
    await assertControlsShowTheRun(page, 'after Ctrl+Z');
  });
});

test('selectors show the run in force after an import and a preset chosen twice', async () => {
  await withPage(async (page) => {
    await page.selectOption(`select${tid('conflicts')}`, 'lww');
    await page.selectOption(`select${tid('scenario')}`, 'concurrent-writes-multi-value');
    await assertControlsShowTheRun(page, 'after a preset');
    const file = {
      version: 1, replicas: 4, delivery: 'fifo', conflicts: 'lww',
      steps: [{ op: 'write', replica: 3, key: 'k', value: 'v' }],
    };
    await page.setInputFiles(tid('import'), {
      name: 'four.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)),
    });
    await page.waitForFunction(() => document.querySelectorAll('[data-drop-replica]').length === 4);
    const shown = await assertControlsShowTheRun(page, 'after an import');
    assert.deepEqual([shown.delivery, shown.conflicts, shown.replicas], ['fifo', 'lww', 4]);
    assert.equal(await selectValue(page, 'scenario'), '', 'an import is not a preset');
  });
});

test('status: catching up is said calmly; diverging, with nothing left in flight, is the warning', async () => {
  await withPage(async (page) => {
    const converged = page.locator(tid('converged'));
    await write(page, 0, 'x', '1');
    assert.equal(await converged.getAttribute('data-converged'), 'false', 'the replicas do not agree now');
    assert.equal(await converged.getAttribute('data-state'), 'catching');
    assert.match(await converged.textContent(), /B and C have not received m1 yet/);
    assert.doesNotMatch(await converged.textContent(), /differ|diverge/);

    // B receives it: only C is behind.
    await page.click(`${tid('lane-1')} ${tid('inflight')}[data-message="1"] ${tid('deliver')}`);
    assert.match(await converged.textContent(), /C has not received m1 yet/);
    assert.doesNotMatch(await converged.textContent(), /\bB\b/);

    // C's copy is lost: nothing is on its way, and the stores still differ.
    await page.click(`${tid('lane-2')} ${tid('inflight')}[data-message="1"] ${tid('drop')}`);
    assert.equal(await page.locator(tid('inflight')).count(), 0);
    assert.equal(await converged.getAttribute('data-converged'), 'false');
    assert.equal(await converged.getAttribute('data-state'), 'bad');
    assert.match(await converged.textContent(), /diverged.*differ on x/);
  });
});

test('violations: more than 50 are counted, the hidden ones said, and "show all" lists every one', async () => {
  await withPage(async (page) => {
    // Under unordered, B delivers A's writes m2..m61 without m1: 60 violations.
    const steps = [];
    for (let i = 1; i <= 61; i++) steps.push({ op: 'write', replica: 0, key: 'x', value: String(i) });
    for (let m = 2; m <= 61; m++) steps.push({ op: 'deliver', message: m, to: 1 });
    const file = { version: 1, replicas: 2, delivery: 'unordered', conflicts: 'overwrite', steps };
    await page.setInputFiles(tid('import'), {
      name: 'sixty.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)),
    });
    const items = page.locator(`${tid('violations')} > *`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="violations"] > *').length > 50);
    const count = await items.count();
    assert.equal(count, 60, 'one child per violation');
    assert.match(await page.locator('.violations-title').textContent(), /60 causal violations/);
    const visible = async () => items.evaluateAll((els) => els.filter((e) => e.checkVisibility()).length);
    assert.equal(await visible(), 50);
    assert.equal(await page.getAttribute(tid('violations-hidden'), 'data-hidden'), '10');
    assert.match(await page.locator(tid('violations-hidden')).textContent(), /10 not shown/);

    await page.click(tid('violations-all'));
    assert.equal(await visible(), 60);
    assert.equal(await page.getAttribute(tid('violations-all'), 'aria-expanded'), 'true');
    // The oldest, m2 delivered without m1, is there.
    assert.equal(await items.last().getAttribute('data-message'), '2');
    assert.equal(await items.last().getAttribute('data-missing'), '1');
    await page.click(tid('violations-all'));
    assert.equal(await visible(), 50);
  });
});

test('a benign remark is quiet, moves nothing and is not an alert; bad input is still the alert', async () => {
  await withPage(async (page) => {
    const before = await page.locator(tid('replica-0')).boundingBox();
    await page.keyboard.press('Control+Shift+Z'); // nothing to redo
    const remark = page.locator(tid('error'));
    await remark.waitFor();
    assert.match(await remark.textContent(), /nothing to redo/i);
    assert.notEqual(await remark.getAttribute('role'), 'alert');
    assert.equal(await remark.getAttribute('role'), 'status');
    assert.equal(await page.locator('[role="alert"]').count(), 0);
    assert.deepEqual(await page.locator(tid('replica-0')).boundingBox(), before, 'the page did not move');

    // A bad seed is bad input: the red alert.
    await page.fill(tid('seed'), 'twelve');
    await page.press(tid('seed'), 'Enter');
    const alert = page.locator(`${tid('error')}[role="alert"]`);
    await alert.waitFor();
    assert.match(await alert.textContent(), /seed/i);
  });
});

test('the skip link is the first tab stop and leads to the replicas; the first write field comes in a few tabs', async () => {
  await withPage(async (page) => {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'skip');
    assert.ok(await page.locator(tid('skip')).isVisible(), 'visible once focused');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'replicas');
    assert.equal(await page.evaluate(() => location.hash), '', 'the address keeps no fragment');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'write-key-0');

    // Without the skip link, the first write field is still near.
    await page.evaluate(() => document.activeElement.blur());
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator('h1').click();
    let stops = 0;
    while (stops < 40) {
      await page.keyboard.press('Tab');
      stops += 1;
      if (await page.evaluate(() => document.activeElement?.dataset.testid === 'write-key-0')) break;
    }
    assert.ok(stops < 16, `${stops} tab stops before the first write field`);
  }, { viewport: LAPTOP });
});

test('at 1366x768, the classic preset at its hold step shows every clock, store, lane and the held message on the first screen', async () => {
  await withPage(async (page) => {
    await page.selectOption(`select${tid('scenario')}`, 'classic');
    await page.locator(tid('timeline')).fill('4');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="held-2"] [data-message]').length === 1);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'chrome-laptop-hold');
    const within = async (selector) => {
      const box = await page.locator(selector).boundingBox();
      assert.ok(box, `${selector} is drawn`);
      assert.ok(box.y >= 0 && box.y + box.height <= LAPTOP.height, `${selector} at ${box.y}..${box.y + box.height} fits 768 px`);
    };
    for (const r of [0, 1, 2]) {
      await within(tid(`clock-${r}`));
      await within(tid(`store-${r}`));
      await within(tid(`lane-${r}`));
    }
    await within(`${tid('held-2')} [data-message="2"]`);
  }, { viewport: LAPTOP });
});

test('exports sit in the import/export menu and say that they export; autoplay\'s step says it is random', async () => {
  await withPage(async (page) => {
    await openFileMenu(page);
    for (const [id, words] of [
      ['export-json', /export scenario file/i],
      ['export-svg', /export diagram as svg/i],
      ['export-png', /export diagram as png/i],
      ['export-shiviz', /export shiviz log/i],
    ]) {
      assert.match(await page.locator(tid(id)).textContent(), words);
    }
    // Escape closes the menu and gives its button the focus back.
    await page.locator(tid('export-svg')).focus();
    await page.keyboard.press('Escape');
    assert.equal(await page.locator(tid('export-svg')).isVisible(), false);
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'SUMMARY');
    // Autoplay's step says it is random, apart from a scenario's "Next".
    assert.match(await page.locator(tid('step')).textContent(), /random delivery/i);
  });
});
