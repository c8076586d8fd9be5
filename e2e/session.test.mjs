// End-to-end flows of the session (issues 8 and 15): no load loses work
// (Undo after a reset, a replica count, a preset, an import or a link), a
// preset opens at its start and is told step by step, imports and links obey
// the write form's rules and are checked whole, a link pasted into an open
// tab is followed, the controls show the run in force, and long loads go in
// slices with progress. Debian's Chromium via playwright-core, against the
// release build; every test opens a fresh context and fails on console errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ROOT, screenshot, shareFragment, tid, write, useBrowser,
} from './support.mjs';

const { browser, server, withPage } = useBrowser();

const ONE_UNDO_AWAY = 'Your previous run is one Undo away.';

/** What the page shows of the session: replicas, rules, timeline. */
async function shown(page) {
  return page.evaluate(() => {
    const all = (sel) => [...document.querySelectorAll(sel)];
    const one = (sel) => document.querySelector(sel);
    return {
      replicas: all('[data-drop-replica]').map((_, r) => ({
        clock: one(`[data-testid="clock-${r}"]`)?.dataset.clock,
        store: all(`[data-testid="store-${r}"] [data-key]`).map((e) => `${e.dataset.key}=${e.dataset.value}`),
        held: all(`[data-testid="held-${r}"] [data-message]`).map((e) => e.dataset.message),
        lane: all(`[data-testid="lane-${r}"] [data-testid="inflight"]`).map((e) => e.dataset.message),
      })),
      timeline: `${one('[data-testid="timeline"]').value}/${one('[data-testid="timeline"]').max}`,
    };
  });
}

/** What the controls say: delivery, conflicts, replica count (their DOM values). */
async function controls(page) {
  return {
    delivery: await page.inputValue(`select${tid('delivery')}`),
    conflicts: await page.inputValue(`select${tid('conflicts')}`),
    replicas: await page.inputValue(tid('replica-count')),
  };
}

/** What the replicas run: how many are drawn, and the rules of the run (the scenario export's). */
async function running(page) {
  return page.evaluate(() => ({ replicas: document.querySelectorAll('[data-drop-replica]').length }));
}

async function logLines(page) {
  return page.locator(`${tid('log')} > li`).allTextContents();
}

async function errorTexts(page) {
  return page.locator(tid('error')).allTextContents();
}

async function importFile(page, name, contents) {
  await page.setInputFiles(tid('import'), { name, mimeType: 'application/json', buffer: Buffer.from(contents) });
}

/** Waits until no load is under way. */
async function loaded(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="progress"]'), null, { timeout: 120_000 });
}

const scenario = (steps, extra = {}) => JSON.stringify({ version: 1, replicas: 3, ...extra, steps });
const writeStep = (replica, key, value) => ({ op: 'write', replica, key, value });

/** A little work: two writes, one delivered, the timeline one step back. */
async function someWork(page) {
  await write(page, 0, 'x', '1');
  await page.click(`${tid('lane-1')} ${tid('inflight')}[data-message="1"] ${tid('deliver')}`);
  await write(page, 1, 'y', '2');
  await page.click(tid('undo'));
  return shown(page);
}

test('no load loses work: Undo (button or Ctrl+Z) after a reset, a replica count, a preset, an import or a link returns to the session before', async () => {
  const link = shareFragment({ branches: [[writeStep(2, 'k', 'v')]] });
  const loads = [
    ['reset', (page) => page.click(tid('reset'))],
    ['replica count', (page) => page.selectOption(tid('replica-count'), '5')],
    ['preset', (page) => page.selectOption(`select${tid('scenario')}`, 'classic')],
    ['import', (page) => importFile(page, 'a.json', scenario([writeStep(2, 'z', '3')]))],
    ['link', (page) => page.evaluate((hash) => { location.hash = hash; }, link)],
  ];
  for (const [name, load] of loads) {
    for (const how of ['button', 'Ctrl+Z']) {
      await withPage(async (page) => {
        const before = await someWork(page);
        await load(page);
        await page.waitForFunction(
          (text) => [...document.querySelectorAll('[data-testid="log"] > li')].some((l) => l.textContent === text),
          ONE_UNDO_AWAY,
        );
        assert.notDeepEqual(await shown(page), before, `${name} changed the session`);
        assert.equal(await page.isDisabled(tid('undo')), false);
        if (how === 'button') await page.click(tid('undo'));
        else {
          await page.locator('h1').click();
          await page.keyboard.press('Control+z');
        }
        await loaded(page);
        assert.deepEqual(await shown(page), before, `Undo (${how}) after the ${name}`);
        assert.deepEqual(await errorTexts(page), []);
      });
    }
  }
});

test('a preset opens at its start and each step forward is told as it happens', async () => {
  await withPage(async (page) => {
    await page.selectOption(`select${tid('scenario')}`, 'classic');
    assert.equal(await page.inputValue(tid('timeline')), '0');
    assert.deepEqual((await shown(page)).replicas.map((r) => r.clock), ['0,0,0', '0,0,0', '0,0,0']);
    const steps = Number(await page.getAttribute(tid('timeline'), 'max'));
    assert.equal(steps, 6);
    for (let i = 1; i <= steps; i++) {
      // Next (the scenario's next step, not autoplay's random Step) and Redo do the same.
      if (i % 2) {
        assert.equal(await page.textContent(tid('next')), `Next: step ${i} \u25b8`);
        await page.click(tid('next'));
      } else await page.click(tid('redo'));
      assert.equal(await page.inputValue(tid('timeline')), String(i));
      if (i === 4) {
        // C holds m2: the moment the preset exists for, on screen.
        assert.deepEqual(await page.locator(`${tid('held-2')} [data-message]`).count(), 1);
        assert.equal((await logLines(page))[0], 'C received m2 from B and held it back: it waits for A#1 (m1).');
        await screenshot(page, 'session-preset-held-laptop');
      }
    }
    const lines = await logLines(page);
    assert.ok(lines.includes('A wrote x = 1 (m1) and sent it to B, C.'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('C received m1 from A and delivered it')), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('C delivered m2 from B out of its hold-back buffer')), lines.join('\n'));
    assert.ok(!lines.some((l) => l.startsWith('Redid')), lines.join('\n'));
    assert.equal(await page.isDisabled(tid('redo')), true, 'at its end');
    assert.equal(await page.locator(tid('next')).count(), 0, 'no next step at its end');
    assert.deepEqual(await errorTexts(page), []);
  }, { viewport: { width: 1366, height: 768 } });
});

test('the timeline tells what it plays forward, on a phone too', async () => {
  await withPage(async (page) => {
    await page.selectOption(`select${tid('scenario')}`, 'classic');
    await page.locator(tid('timeline')).fill('4');
    assert.equal((await logLines(page))[0], 'C received m2 from B and held it back: it waits for A#1 (m1).');
    await screenshot(page, 'session-timeline-phone');
  }, { viewport: { width: 390, height: 844 } });
});

test('imports and links obey the write form: a long key, a control character, a noncharacter are refused and change nothing', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    const before = await shown(page);
    const cases = [
      ['long.json', 'k'.repeat(500), /long\.json was not imported: step 1: the write at B: the key has 500 characters; a key can have at most 24/],
      ['ctl.json', 'a\u0001b', /ctl\.json was not imported: step 1: the write at B: the key holds the character U\+0001/],
      ['nonchar.json', 'a\uFFFEb', /nonchar\.json was not imported: step 1: the write at B: the key holds the character U\+FFFE/],
    ];
    for (const [file, key, pattern] of cases) {
      await importFile(page, file, scenario([writeStep(1, key, '1')]));
      await page.waitForFunction((f) => document.querySelector('[data-testid="error"]')?.textContent.includes(f), file);
      const errors = await errorTexts(page);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0], pattern);
      assert.deepEqual(await shown(page), before, `${file} changed nothing`);
    }
    await screenshot(page, 'session-import-refused-laptop');
  }, { viewport: { width: 1366, height: 768 } });

  // The same key in a link: refused when it opens, and a fresh page.
  const url = `${server.url}#${shareFragment({ branches: [[writeStep(0, 'a\u0001b', '1')]] })}`;
  await withPage(async (page) => {
    const errors = await errorTexts(page);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /shared session could not be read \(step 1: the write at A: the key holds the character U\+0001/);
    assert.match(errors[0], /fresh/);
    assert.deepEqual((await shown(page)).replicas.map((r) => r.clock), ['0,0,0', '0,0,0', '0,0,0']);
  }, { url });
});

test('a link is checked whole when it opens: a bad step after its cursor is refused at once; a replica count is not a step', async () => {
  const bad = shareFragment({ cursor: 1, branches: [[writeStep(0, 'x', '1'), writeStep(200, 'x', '1')]] });
  await withPage(async (page) => {
    const errors = await errorTexts(page);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /shared session could not be read \(step 2: /);
    assert.equal(await page.inputValue(tid('timeline')), '0');
    assert.equal(await page.isDisabled(tid('redo')), true, 'nothing to redo into');
  }, { url: `${server.url}#${bad}` });

  const nine = shareFragment({ replicas: 9, branches: [[]] });
  await withPage(async (page) => {
    const errors = await errorTexts(page);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /9/);
    assert.doesNotMatch(errors[0], /step/);
  }, { url: `${server.url}#${nine}` });
});

test('a link pasted into a tab that shows the page is followed, and the session before is one Undo away', async () => {
  const link = shareFragment({ delivery: 'fifo', branches: [[writeStep(1, 'from', 'link')]] });
  await withPage(async (page) => {
    const before = await someWork(page);
    const reloads = [];
    page.on('load', () => reloads.push(page.url()));
    // Only the fragment changes: the browser does not reload.
    await page.goto(`${server.url}#${link}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="store-1"] [data-key="from"]'));
    assert.deepEqual(reloads, [], 'no reload');
    assert.equal(await page.inputValue(tid('timeline')), '1');
    assert.ok((await logLines(page)).includes(ONE_UNDO_AWAY));
    await page.click(tid('undo'));
    await loaded(page);
    assert.deepEqual(await shown(page), before);
  });
});

test('the controls show the run in force after a preset, an import, a link and an undo (issue 15)', async () => {
  await withPage(async (page) => {
    // The probe's steps: unordered then causal, 3 then 2 replicas, then the preset unordered-stale.
    await page.selectOption(`select${tid('delivery')}`, 'unordered');
    await page.selectOption(`select${tid('delivery')}`, 'causal');
    await page.selectOption(tid('replica-count'), '3');
    await page.selectOption(tid('replica-count'), '2');
    assert.deepEqual(await controls(page), { delivery: 'causal', conflicts: 'overwrite', replicas: '2' });
    await page.selectOption(`select${tid('scenario')}`, 'unordered-stale');
    const stale = JSON.parse(await readFile(join(ROOT, 'scenarios', 'unordered-stale.json'), 'utf8'));
    const expected = {
      delivery: stale.delivery ?? 'causal',
      conflicts: stale.conflicts ?? 'overwrite',
      replicas: String(stale.replicas ?? 3),
    };
    assert.deepEqual(expected, { delivery: 'unordered', conflicts: 'overwrite', replicas: '3' }, 'the probe\'s preset');
    assert.equal((await running(page)).replicas, 3);
    assert.deepEqual(await controls(page), expected, 'after the preset');

    // Undo: back to two replicas under causal delivery.
    await page.click(tid('undo'));
    await loaded(page);
    assert.equal((await running(page)).replicas, 2);
    assert.deepEqual(await controls(page), { delivery: 'causal', conflicts: 'overwrite', replicas: '2' }, 'after the undo');

    // Redo: the preset again; played to its end, unordered delivery lets a violation happen.
    await page.click(tid('redo'));
    await loaded(page);
    await page.locator(tid('timeline')).fill(await page.getAttribute(tid('timeline'), 'max'));
    assert.equal((await running(page)).replicas, 3);
    assert.ok((await page.locator(`${tid('violations')} > *`).count()) > 0, 'unordered delivery runs');
    assert.deepEqual(await controls(page), expected, 'after the redo');

    // An import.
    await importFile(page, 'lww.json', scenario([writeStep(3, 'x', '1')], { replicas: 4, delivery: 'fifo', conflicts: 'lww' }));
    await page.waitForFunction(() => document.querySelectorAll('[data-drop-replica]').length === 4);
    assert.deepEqual(await controls(page), { delivery: 'fifo', conflicts: 'lww', replicas: '4' }, 'after the import');

    // A link.
    const link = shareFragment({ replicas: 5, delivery: 'unordered', conflicts: 'multi-value', branches: [[writeStep(4, 'x', '1')]] });
    await page.evaluate((hash) => { location.hash = hash; }, link);
    await page.waitForFunction(() => document.querySelectorAll('[data-drop-replica]').length === 5);
    assert.deepEqual(await controls(page), { delivery: 'unordered', conflicts: 'multi-value', replicas: '5' }, 'after the link');
    await page.click(tid('undo'));
    await page.waitForFunction(() => document.querySelectorAll('[data-drop-replica]').length === 4);
    assert.deepEqual(await controls(page), { delivery: 'fifo', conflicts: 'lww', replicas: '4' }, 'after undoing the link');
  });
});

test('importing 5,000 writes shows progress and the page answers while it loads', async () => {
  const steps = Array.from({ length: 5000 }, (_, i) => writeStep(i % 3, `k${i % 10}`, String(i)));
  await withPage(async (page) => {
    await write(page, 0, 'mine', '1');
    // Record what the progress bar says each time it changes: a load that
    // went in slices shows it part way, more than once.
    await page.evaluate(() => {
      window.seen = [];
      const look = () => {
        const p = document.querySelector('[data-testid="progress"]');
        if (p) window.seen.push({ done: Number(p.dataset.done), total: Number(p.dataset.total), text: p.textContent });
      };
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await importFile(page, 'big.json', scenario(steps));
    await page.waitForFunction(() => window.seen.length > 0);
    // The page answers while it loads: what is typed goes into the form
    // (it also goes in if the load ended first; the slices say it yields).
    await page.fill(tid('write-key-1'), 'typed');
    assert.equal(await page.inputValue(tid('write-key-1')), 'typed');
    await loaded(page);
    const seen = await page.evaluate(() => window.seen);
    const partial = seen.filter((p) => p.done > 0 && p.done < p.total);
    const distinct = new Set(partial.map((p) => p.done));
    assert.ok(distinct.size >= 2, `progress shown part way, at two points at least: ${JSON.stringify(seen.slice(0, 5))}`);
    assert.ok(seen.every((p) => p.total === 5000));
    assert.match(partial[0].text, /Importing big\.json: step [\d,]+ of 5,000/);
    assert.equal(await page.inputValue(tid('timeline')), '5000');
    assert.ok((await logLines(page)).includes('Imported big.json: 5000 steps.'));
    assert.equal(await page.inputValue(tid('write-key-1')), 'typed', 'the load kept what was typed meanwhile');
    // And a move of the timeline across thousands of steps goes in slices too.
    await page.locator(tid('timeline')).fill('10');
    await loaded(page);
    await page.waitForFunction((sel) => document.querySelector(sel)?.value === '10', tid('timeline'));
    await page.locator(tid('timeline')).fill('5000');
    await loaded(page);
    await page.waitForFunction((sel) => document.querySelector(sel)?.value === '5000', tid('timeline'));
  }, { viewport: { width: 1366, height: 768 } });
});

/** Counts, in `window.progressShown`, the changes of the page while its progress bar shows. */
function watchProgress() {
  window.progressShown = 0;
  new MutationObserver(() => {
    if (document.querySelector('[data-testid="progress"]')) window.progressShown += 1;
  }).observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
}

test('a crafted link of 10,000 writes among 8 replicas goes in slices, is refused with a message, and a reload after it is not locked', async () => {
  // Eight events a write: a link holds more than the page shows.
  const link = shareFragment({ replicas: 8, branches: [Array.from({ length: 10_000 }, (_, i) => writeStep(i % 8, 'k', 'v'))] });
  assert.ok(link.length <= 100_000, `${link.length} characters`);
  await withPage(async (page) => {
    // The load can end between two polls of a locator: the watcher counts
    // the slices the progress bar showed, from before the page's script ran.
    await page.waitForFunction(() => window.progressShown > 0);
    // The page answers while it loads: typing goes into the form.
    await page.fill(tid('write-key-0'), 'typed');
    assert.equal(await page.inputValue(tid('write-key-0')), 'typed');
    await loaded(page);
    const shown = await page.evaluate(() => window.progressShown);
    assert.ok(shown > 1, `the progress bar changed ${shown} times: the load went in slices`);
    const errors = await errorTexts(page);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /shared session could not be read \(its run has more than 50,000 events, more than the page can show at once/);
    assert.match(errors[0], /so a fresh one was started/);
    assert.equal(await page.inputValue(tid('timeline')), '0');
    assert.ok(!page.url().includes('#s='), 'the refused link leaves the address');
    await page.reload();
    await page.locator(tid('replica-0')).waitFor();
    assert.equal(await page.locator(tid('progress')).count(), 0);
    assert.deepEqual(await errorTexts(page), []);
  }, { url: `${server.url}#${link}`, init: watchProgress });
});
