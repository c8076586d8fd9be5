// End-to-end flows of the playground page, through its `data-testid`
// hooks, in Debian's Chromium driven by playwright-core against the
// release build (served under a sub-path). Every test opens a fresh browser
// context, so local storage starts empty, and fails on any console error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ROOT, TALL, cardSel, deliverButton, screenshot, settle, tid, write, useBrowser,
} from './support.mjs';

const { browser, server, withPage } = useBrowser();

async function clock(page, r) {
  return page.getAttribute(tid(`clock-${r}`), 'data-clock');
}

async function clocks(page) {
  const n = await page.locator('[data-testid^="replica-"][data-drop-replica]').count();
  const all = [];
  for (let r = 0; r < n; r++) all.push(await clock(page, r));
  return all;
}

/** Replica r's store as { key: value }. */
async function store(page, r) {
  return page.$$eval(`${tid(`store-${r}`)} [data-key]`, (els) =>
    Object.fromEntries(els.map((e) => [e.dataset.key, e.dataset.value])),
  );
}

/** The messages in replica r's hold-back buffer, in order. */
async function held(page, r) {
  return page.$$eval(`${tid(`held-${r}`)} [data-message]`, (els) => els.map((e) => e.dataset.message));
}

/** The messages of the cards in the lane to r, in lane order. */
async function lane(page, r) {
  return page.$$eval(`${tid(`lane-${r}`)} ${tid('inflight')}`, (els) => els.map((e) => e.dataset.message));
}

async function inFlight(page) {
  return page.locator(tid('inflight')).count();
}

async function errorTexts(page) {
  return page.locator(tid('error')).allTextContents();
}

/** Everything the replicas and the network show, to compare two runs. */
async function snapshot(page) {
  const n = await page.locator('[data-drop-replica]').count();
  const replicas = [];
  for (let r = 0; r < n; r++) {
    replicas.push({ clock: await clock(page, r), store: await store(page, r), held: await held(page, r), lane: await lane(page, r) });
  }
  return replicas;
}

function centre(box) {
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/**
 * Drags `source` (a selector) with the mouse: press at its centre, move in
 * small steps (past the 5 px threshold) to `to` ({x, y}, or a selector whose
 * centre is used), release.
 */
async function mouseDrag(page, source, to, { steps = 12 } = {}) {
  const box = await page.locator(source).boundingBox();
  assert.ok(box, `${source} is on the page`);
  const from = centre(box);
  let target = to;
  if (typeof to === 'string') {
    const tbox = await page.locator(to).boundingBox();
    assert.ok(tbox, `${to} is on the page`);
    target = centre(tbox);
  }
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 3, from.y + 3);
  await page.mouse.move(target.x, target.y, { steps });
  await page.mouse.up();
}

/** The classic run up to C holding B's write, through the buttons. */
async function classicUntilHeld(page) {
  await write(page, 0, 'x', '1');
  await deliverButton(page, 1, 1);
  await write(page, 1, 'y', '2');
  await deliverButton(page, 2, 2);
  assert.deepEqual(await held(page, 2), ['2']);
}

test('the classic scenario, done by dragging cards with the mouse', async () => {
  await withPage(async (page) => {
    // A writes x (Enter in the form writes too).
    await page.fill(tid('write-key-0'), 'x');
    await page.fill(tid('write-value-0'), '1');
    await page.press(tid('write-value-0'), 'Enter');
    assert.equal(await clock(page, 0), '1,0,0');
    assert.deepEqual(await lane(page, 1), ['1']);
    assert.deepEqual(await lane(page, 2), ['1']);
    const card = page.locator(cardSel(1, 1));
    assert.equal(await card.getAttribute('data-from'), '0');
    assert.equal(await card.getAttribute('data-to'), '1');

    // B gets it by drag, and writes y.
    await mouseDrag(page, cardSel(1, 1), tid('replica-1'));
    assert.deepEqual(await lane(page, 1), []);
    assert.equal(await clock(page, 1), '1,0,0');
    assert.deepEqual(await store(page, 1), { x: '1' });
    await write(page, 1, 'y', '2');
    assert.equal(await clock(page, 1), '1,1,0');

    // C gets B's write first: held back.
    await mouseDrag(page, cardSel(2, 2), tid('replica-2'));
    assert.deepEqual(await held(page, 2), ['2']);
    assert.equal(await clock(page, 2), '0,0,0');
    assert.deepEqual(await store(page, 2), {});
    const why = await page.locator(`${tid('held-2')} [data-message="2"]`).textContent();
    assert.match(why, /m2 from B waits for A#1 \(m1\): C has delivered 0 of A's writes\./);

    // While m1 is dragged towards C, C says what dropping it would do.
    const box = await page.locator(cardSel(1, 2)).boundingBox();
    const target = centre(await page.locator(tid('replica-2')).boundingBox());
    await page.mouse.move(centre(box).x, centre(box).y);
    await page.mouse.down();
    await page.mouse.move(target.x, target.y, { steps: 12 });
    const hint = await page.locator(`${tid('replica-2')} .drop-hint`).textContent();
    assert.match(hint, /m1/);
    assert.match(hint, /releases m2/);
    await page.mouse.up();

    // Then A's write arrives: C delivers both.
    assert.deepEqual(await held(page, 2), []);
    assert.equal(await clock(page, 2), '1,1,0');
    assert.deepEqual(await store(page, 2), { x: '1', y: '2' });
    assert.deepEqual(await lane(page, 2), []);
    assert.deepEqual(await lane(page, 0), ['2']);
    assert.equal(await page.locator(tid('violations')).locator('[data-message]').count(), 0);
    assert.deepEqual(await errorTexts(page), []);
  });
});

test('a card dropped on the wrong replica says where it is addressed; dropped on empty space, it goes back', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    const before = await snapshot(page);

    await mouseDrag(page, cardSel(1, 1), tid('replica-2'));
    const errors = await errorTexts(page);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /addressed to B/);
    assert.deepEqual(await snapshot(page), before, 'nothing changed');

    await mouseDrag(page, cardSel(1, 1), 'h1');
    assert.deepEqual(await snapshot(page), before, 'nothing changed');
    // The card is back in place, not left floating.
    const style = (await page.locator(cardSel(1, 1)).getAttribute('style')) ?? '';
    assert.doesNotMatch(style, /translate/);
    assert.equal(await page.locator('.card.dragging').count(), 0);

    // Onto another replica's lane: aimed at the wrong replica, so it says so.
    await page.click('button[aria-label="Dismiss"]');
    assert.deepEqual(await errorTexts(page), []);
    await mouseDrag(page, cardSel(1, 1), tid('lane-2'));
    const again = await errorTexts(page);
    assert.equal(again.length, 1, JSON.stringify(again));
    assert.match(again[0], /addressed to B, not C/);
    assert.deepEqual(await snapshot(page), before, 'nothing changed');

    // A click on the card (no drag) does nothing either.
    await page.click(`${cardSel(1, 2)} .card-write`);
    assert.deepEqual(await snapshot(page), before);
  });
});

test('lanes reorder by dragging and by keyboard; Enter delivers and Delete drops a focused card', async () => {
  await withPage(async (page) => {
    for (const v of ['1', '2', '3']) await write(page, 0, 'x', v);
    assert.deepEqual(await lane(page, 1), ['1', '2', '3']);

    // Drag the last card above the first.
    const first = await page.locator(cardSel(1, 1)).boundingBox();
    await mouseDrag(page, cardSel(3, 1), { x: first.x + first.width / 2, y: first.y + 4 });
    assert.deepEqual(await lane(page, 1), ['3', '1', '2']);
    assert.deepEqual(await lane(page, 2), ['1', '2', '3'], 'only that lane moved');

    // And back down below the last.
    const last = await page.locator(cardSel(2, 1)).boundingBox();
    await mouseDrag(page, cardSel(3, 1), { x: last.x + last.width / 2, y: last.y + last.height - 4 });
    assert.deepEqual(await lane(page, 1), ['1', '2', '3']);

    // Keyboard: the focused card moves, and stays focused.
    const focused = () => page.evaluate(() => {
      const el = document.activeElement;
      return el?.dataset.testid === 'inflight' ? `${el.dataset.message}->${el.dataset.to}` : `${el?.tagName}`;
    });
    await page.locator(cardSel(1, 1)).focus();
    await page.keyboard.press('Alt+ArrowDown');
    assert.deepEqual(await lane(page, 1), ['2', '1', '3']);
    assert.equal(await focused(), '1->1');
    await page.keyboard.press('Alt+ArrowDown');
    assert.deepEqual(await lane(page, 1), ['2', '3', '1']);
    assert.equal(await focused(), '1->1');
    await page.keyboard.press('Alt+ArrowDown'); // already last: nothing
    assert.deepEqual(await lane(page, 1), ['2', '3', '1']);
    await page.keyboard.press('Alt+ArrowUp');
    await page.keyboard.press('Alt+ArrowUp');
    assert.deepEqual(await lane(page, 1), ['1', '2', '3']);
    assert.equal(await focused(), '1->1');
    await page.keyboard.press('Alt+ArrowUp'); // already first: nothing
    assert.deepEqual(await lane(page, 1), ['1', '2', '3']);

    // Enter delivers the focused card.
    await page.keyboard.press('Enter');
    assert.deepEqual(await lane(page, 1), ['2', '3']);
    assert.equal(await clock(page, 1), '1,0,0');
    assert.deepEqual(await store(page, 1), { x: '1' });

    // m3 arrives before m2: held. Then m2 is lost with Delete.
    await page.locator(cardSel(3, 1)).focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(await held(page, 1), ['3']);
    await page.locator(cardSel(2, 1)).focus();
    await page.keyboard.press('Delete');
    assert.deepEqual(await lane(page, 1), []);
    assert.deepEqual(await held(page, 1), ['3']);
    assert.equal(await clock(page, 1), '1,0,0');
    const where = await page.locator(`${tid('held-1')} [data-message="3"]`).textContent();
    assert.match(where, /m2/);
    assert.match(where, /lost/);
    assert.deepEqual(await errorTexts(page), []);
  });
});

test('switching to fifo shows the violation; switching back to causal removes it', async () => {
  await withPage(async (page) => {
    await classicUntilHeld(page);
    assert.equal(await page.locator(`${tid('violations')} > *`).count(), 0);

    await page.selectOption(`select${tid('delivery')}`, 'fifo');
    const violations = page.locator(`${tid('violations')} > *`);
    assert.equal(await violations.count(), 1);
    const v = violations.first();
    assert.equal(await v.getAttribute('data-replica'), '2');
    assert.equal(await v.getAttribute('data-message'), '2');
    assert.equal(await v.getAttribute('data-missing'), '1');
    // Under fifo, C delivered y at once, without x: the replicas differ.
    assert.deepEqual(await held(page, 2), []);
    assert.deepEqual(await store(page, 2), { y: '2' });
    assert.equal(await page.getAttribute(tid('converged'), 'data-converged'), 'false');

    await page.selectOption(`select${tid('delivery')}`, 'causal');
    assert.equal(await page.locator(`${tid('violations')} > *`).count(), 0);
    assert.deepEqual(await held(page, 2), ['2']);
    assert.equal(await page.inputValue(`select${tid('delivery')}`), 'causal');

    // Everything delivered: the replicas agree.
    await page.click(tid('deliver-all'));
    assert.equal(await inFlight(page), 0);
    assert.equal(await page.getAttribute(tid('converged'), 'data-converged'), 'true');
    assert.deepEqual(await clocks(page), ['1,1,0', '1,1,0', '1,1,0']);
  });
});

test('undo and redo, with the buttons and with Ctrl+Z / Ctrl+Shift+Z', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    await deliverButton(page, 1, 1);
    const done = await snapshot(page);
    assert.equal(await page.isDisabled(tid('redo')), true);

    await page.click(tid('undo'));
    assert.equal(await clock(page, 1), '0,0,0');
    assert.deepEqual(await lane(page, 1), ['1']);
    await page.click(tid('undo'));
    assert.deepEqual(await clocks(page), ['0,0,0', '0,0,0', '0,0,0']);
    assert.equal(await inFlight(page), 0);
    assert.equal(await page.isDisabled(tid('undo')), true);
    await page.click(tid('redo'));
    await page.click(tid('redo'));
    assert.deepEqual(await snapshot(page), done);

    // The keyboard, with focus on the page rather than in a text field.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Control+z');
    assert.equal(await clock(page, 1), '0,0,0');
    await page.keyboard.press('Control+z');
    assert.equal(await clock(page, 0), '0,0,0');
    await page.keyboard.press('Control+Shift+z');
    await page.keyboard.press('Control+Shift+z');
    assert.deepEqual(await snapshot(page), done);
    assert.deepEqual(await errorTexts(page), []);
  });
});

test('the shortcuts undo and redo the page only: the write form keeps its text', async () => {
  await withPage(async (page) => {
    // Typed with the keyboard, so the browser's own undo has something to undo.
    await page.click(tid('write-key-0'));
    await page.keyboard.type('z');
    await page.click(tid('write-value-0'));
    await page.keyboard.type('3');
    await page.keyboard.press('Enter');
    assert.equal(await clock(page, 0), '1,0,0');
    assert.equal(await page.inputValue(tid('write-value-0')), '');

    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Control+z');
    assert.equal(await clock(page, 0), '0,0,0');
    await page.keyboard.press('Control+Shift+z');
    assert.equal(await clock(page, 0), '1,0,0');
    assert.equal(await page.inputValue(tid('write-key-0')), 'z');
    assert.equal(await page.inputValue(tid('write-value-0')), '', 'the browser did not redo typing into the form');
    const active = await page.evaluate(() => document.activeElement?.dataset?.testid ?? document.activeElement?.tagName);
    assert.notEqual(active, 'write-value-0', 'focus did not jump into the form');
  });
});

test('a value typed with markup is shown as text', async () => {
  await withPage(async (page) => {
    const markup = '<img src=x onerror=alert(1)>';
    await write(page, 0, 'h', markup);
    const entry = page.locator(`${tid('store-0')} [data-key="h"]`);
    assert.equal(await entry.getAttribute('data-value'), markup);
    assert.match(await entry.textContent(), /<img src=x onerror=alert\(1\)>/);
    assert.equal(await page.locator(`${tid('replica-0')} img`).count(), 0);
    assert.match(await page.locator(cardSel(1, 1)).textContent(), /<img src=x onerror=alert\(1\)>/);
    await deliverButton(page, 1, 1);
    assert.equal(await page.locator(`${tid('store-1')} [data-key="h"]`).getAttribute('data-value'), markup);
    assert.equal(await page.locator('img').count(), 0, 'no img anywhere on the page');
    // Markup in a key too.
    await write(page, 2, '<b>k</b>', 'v');
    assert.equal(await page.locator(`${tid('store-2')} [data-key="<b>k</b>"]`).count(), 1);
    assert.equal(await page.locator(`${tid('replica-2')} b`).count(), 0);
    await page.waitForTimeout(200); // an onerror would have fired by now
  });
});

test('the scenario selector offers every file of scenarios/ and loads the classic', async () => {
  const files = (await readdir(join(ROOT, 'scenarios'))).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.includes('classic.json'));
  await withPage(async (page) => {
    const select = `select${tid('scenario')}`;
    const options = await page.$$eval(`${select} option`, (els) => els.map((e) => e.value).filter((v) => v !== ''));
    assert.deepEqual([...options].sort(), files.map((f) => f.replace(/\.json$/, '')));

    for (const file of files) {
      const scenario = JSON.parse(await readFile(join(ROOT, 'scenarios', file), 'utf8'));
      const name = file.replace(/\.json$/, '');
      await page.selectOption(select, name);
      assert.deepEqual(await errorTexts(page), [], `${name} loads`);
      assert.equal(await page.inputValue(select), name);
      const title = scenario.title ?? name;
      assert.equal((await page.locator('.preset-info h2').textContent()).trim(), title);
      const replicas = scenario.replicas ?? 3;
      assert.equal(await page.locator('[data-drop-replica]').count(), replicas, `${name}: ${replicas} replicas`);
      assert.equal(await page.inputValue(`select${tid('delivery')}`), scenario.delivery ?? 'causal');
      assert.equal(await page.inputValue(`select${tid('conflicts')}`), scenario.conflicts ?? 'overwrite');
    }

    await page.selectOption(select, 'classic');
    // It opens at its start; the timeline plays it to its end.
    assert.equal(await page.inputValue(tid('timeline')), '0');
    await page.locator(tid('timeline')).fill('6');
    const classic = JSON.parse(await readFile(join(ROOT, 'scenarios', 'classic.json'), 'utf8'));
    assert.equal((await page.locator('.preset-info h2').textContent()).trim(), classic.title);
    assert.equal((await page.locator('.preset-info p').textContent()).trim(), classic.description);
    assert.deepEqual(await clocks(page), ['1,1,0', '1,1,0', '1,1,0']);
    for (const r of [0, 1, 2]) {
      assert.deepEqual(await store(page, r), { x: '1', y: '2' });
      assert.deepEqual(await held(page, r), []);
    }
    assert.equal(await inFlight(page), 0);
    assert.equal(await page.getAttribute(tid('converged'), 'data-converged'), 'true');
    assert.equal(await page.locator(`${tid('violations')} > *`).count(), 0);
    // Undo walks back into it: one step back, m2 is in flight to A again.
    await page.click(tid('undo'));
    assert.deepEqual(await lane(page, 0), ['2']);
  });
});

/** Sets the seed and writes a few values, from a fresh page. */
async function autoplayStart(page, seed) {
  await page.fill(tid('seed'), String(seed));
  await page.press(tid('seed'), 'Enter');
  await page.locator(tid('seed')).blur();
  assert.equal(await page.inputValue(tid('seed')), String(seed));
  await write(page, 0, 'x', '1');
  await write(page, 1, 'y', '2');
  await write(page, 0, 'x', '3');
  await write(page, 2, 'z', '4');
  assert.equal(await inFlight(page), 8);
}

test('autoplay: the same seed from the same start makes the same choices', async () => {
  const runs = [];
  for (let run = 0; run < 2; run++) {
    await withPage(async (page) => {
      await autoplayStart(page, 1234);
      const states = [];
      for (let i = 0; i < 8; i++) {
        await page.click(tid('step'));
        states.push(await snapshot(page));
      }
      assert.equal(await inFlight(page), 0);
      runs.push(states);
      // One more step: nothing to deliver, and the page says so.
      await page.click(tid('step'));
      assert.equal((await errorTexts(page)).length, 1);
    });
  }
  assert.deepEqual(runs[0], runs[1]);

  // Play runs the same choices by itself, and stops when nothing is left.
  await withPage(async (page) => {
    await autoplayStart(page, 1234);
    await page.selectOption('select[aria-label="Autoplay speed"]', '300');
    await page.click(tid('play'));
    assert.equal(await page.getAttribute(tid('play'), 'aria-pressed'), 'true');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="inflight"]').length === 0, null, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="play"]').getAttribute('aria-pressed') === 'false', null, { timeout: 60_000 });
    assert.deepEqual(await snapshot(page), runs[0].at(-1));
    assert.deepEqual(await errorTexts(page), []);
  });

  // Pause stops it.
  await withPage(async (page) => {
    await autoplayStart(page, 1234);
    await page.selectOption('select[aria-label="Autoplay speed"]', '300');
    await page.click(tid('play'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="inflight"]').length < 8, null, { timeout: 60_000 });
    await page.click(tid('play'));
    assert.equal(await page.getAttribute(tid('play'), 'aria-pressed'), 'false');
    const paused = await snapshot(page);
    assert.ok((await inFlight(page)) > 0, 'paused before the end');
    await page.waitForTimeout(1000);
    assert.deepEqual(await snapshot(page), paused);
  });
});

test('a bad seed is refused with a message', async () => {
  await withPage(async (page) => {
    await page.fill(tid('seed'), 'twelve');
    await page.press(tid('seed'), 'Enter');
    await page.locator(tid('seed')).blur();
    const errors = await errorTexts(page);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /seed/i);
  });
});

test('five replicas: the count control shows replica-0..4 and starts afresh', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    await page.selectOption(tid('replica-count'), '5');
    for (let r = 0; r < 5; r++) {
      await page.locator(tid(`replica-${r}`)).waitFor({ state: 'visible' });
      assert.equal(await clock(page, r), '0,0,0,0,0');
      assert.deepEqual(await store(page, r), {});
      assert.equal(await page.locator(tid(`lane-${r}`)).count(), 1);
    }
    assert.equal(await page.locator(tid('replica-5')).count(), 0);
    assert.equal(await inFlight(page), 0);
    // The run before is one Undo away; nothing to undo in this one.
    assert.equal(await page.isDisabled(tid('undo')), false);
    await write(page, 4, 'e', '5');
    assert.equal(await clock(page, 4), '0,0,0,0,1');
    assert.equal(await inFlight(page), 4);
    assert.equal(await page.locator(cardSel(1, 0)).textContent().then((t) => /E/.test(t)), true);
  });
});

test('a reload keeps the session; a corrupted stored session gives a message and a fresh page', async () => {
  await withPage(async (page) => {
    await classicUntilHeld(page);
    await page.selectOption(`select${tid('conflicts')}`, 'lww');
    const before = await snapshot(page);
    await page.reload({ waitUntil: 'load' });
    await page.locator(tid('replica-0')).waitFor();
    assert.deepEqual(await snapshot(page), before);
    assert.equal(await page.inputValue(`select${tid('conflicts')}`), 'lww');
    assert.deepEqual(await errorTexts(page), []);
    // Undo still works after the reload.
    assert.equal(await page.isDisabled(tid('undo')), false);

    await page.evaluate(() => localStorage.setItem('causal-playground/session', '{bad'));
    await page.reload({ waitUntil: 'load' });
    await page.locator(tid('replica-0')).waitFor();
    const errors = await errorTexts(page);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /saved session/i);
    assert.deepEqual(await clocks(page), ['0,0,0', '0,0,0', '0,0,0']);
    assert.equal(await inFlight(page), 0);

    // The bad one is kept until the user says (e2e/saved-work.test.mjs);
    // once they do, the next reload is clean.
    await page.click(tid('saved-work-replace'));
    await page.waitForFunction(() => localStorage.getItem('causal-playground/session') !== '{bad');
    await page.reload({ waitUntil: 'load' });
    await page.locator(tid('replica-0')).waitFor();
    assert.deepEqual(await errorTexts(page), []);
  });
});

test('a corrupted session present before the first load', async () => {
  const ctx = await browser.newContext({ viewport: TALL });
  try {
    await ctx.addInitScript(() => {
      if (!sessionStorage.getItem('seeded')) {
        sessionStorage.setItem('seeded', '1');
        localStorage.setItem('causal-playground/session', '{"version":1,"config":{"replicas":3},"history":[{"write":1}]}');
      }
    });
    const page = await ctx.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator(tid('replica-0')).waitFor();
    const shown = await errorTexts(page);
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.match(shown[0], /saved session/i);
    assert.deepEqual(await clocks(page), ['0,0,0', '0,0,0', '0,0,0']);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('screenshots after the classic scenario at laptop, projector and phone sizes', async () => {
  const sizes = [
    ['page-laptop', { width: 1366, height: 768 }],
    ['page-projector', { width: 1920, height: 1080 }],
    ['page-phone', { width: 390, height: 844 }],
  ];
  for (const [name, viewport] of sizes) {
    await withPage(async (page) => {
      await page.selectOption(`select${tid('scenario')}`, 'classic');
      await page.click(tid('redo'));
      await page.click(tid('redo'));
      await page.click(tid('redo'));
      await page.click(tid('redo'));
      // C holds m2 until m1 arrives: the most telling moment of the run.
      assert.deepEqual(await held(page, 2), ['2']);
      await screenshot(page, `${name}-held`);
      await page.click(tid('redo'));
      await page.click(tid('redo'));
      assert.equal(await inFlight(page), 0);
      const path = await screenshot(page, name);
      assert.ok(path.endsWith(`${name}.png`));
      // Nothing sticks out sideways: no horizontal scrolling.
      const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(scrollWidth <= innerWidth, `${name}: page is ${scrollWidth}px wide in a ${innerWidth}px window`);
      for (let r = 0; r < 3; r++) {
        const box = await page.locator(tid(`replica-${r}`)).boundingBox();
        assert.ok(box.x >= 0 && box.x + box.width <= viewport.width + 0.5, `${name}: replica ${r} fits across`);
      }
    }, { viewport });
  }
});

/** Drags with one finger (press, hold, move), through the DevTools protocol's touch events. */
async function touchDrag(page, cdp, source, target, steps = 12) {
  const from = centre(await page.locator(source).boundingBox());
  const to = centre(await page.locator(target).boundingBox());
  const touch = async (type, points) => {
    await cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points });
    if (type !== 'touchMove') await settle(page);
  };
  await touch('touchStart', [{ x: from.x, y: from.y }]);
  // A finger holds the card still before dragging it (a swipe scrolls),
  // until the card shows it is lifted, ready to move.
  await page.waitForSelector(`${source}.lifted`);
  for (let i = 1; i <= steps; i++) {
    const x = from.x + ((to.x - from.x) * i) / steps;
    const y = from.y + ((to.y - from.y) * i) / steps;
    await touch('touchMove', [{ x, y }]);
  }
  await touch('touchEnd', []);
}

test('a card can be dragged with a finger (touch pointer events)', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator(tid('replica-0')).waitFor();
    const kinds = [];
    await page.exposeFunction('notePointer', (kind) => kinds.push(kind));
    await page.evaluate(() => document.addEventListener('pointerdown', (e) => window.notePointer(e.pointerType), true));
    await write(page, 0, 'x', '1');
    // On a phone the columns stack: B's lane sits right above B's panel.
    await page.locator(tid('replica-1')).scrollIntoViewIfNeeded();
    await page.locator(cardSel(1, 1)).scrollIntoViewIfNeeded();
    const cdp = await context.newCDPSession(page);
    await touchDrag(page, cdp, cardSel(1, 1), tid('replica-1'));
    await page.waitForFunction((sel) => !document.querySelector(sel), cardSel(1, 1));
    assert.ok(kinds.includes('touch'), `pointer events of a finger: ${kinds}`);
    assert.deepEqual(await lane(page, 1), []);
    assert.equal(await clock(page, 1), '1,0,0');
    assert.deepEqual(await store(page, 1), { x: '1' });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the card buttons drop and duplicate a copy; a duplicate is discarded on arrival', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    await page.click(`${cardSel(1, 1)} ${tid('duplicate')}`);
    assert.deepEqual(await lane(page, 1), ['1', '1']);
    await page.locator(`${tid('lane-1')} ${tid('inflight')}`).first().locator(tid('deliver')).click();
    assert.deepEqual(await lane(page, 1), ['1']);
    assert.equal(await clock(page, 1), '1,0,0');
    const preview = await page.locator(`${cardSel(1, 1)} .card-preview`).textContent();
    assert.match(preview, /duplicate/);
    await deliverButton(page, 1, 1);
    assert.deepEqual(await lane(page, 1), []);
    assert.equal(await clock(page, 1), '1,0,0', 'the duplicate changed nothing');
    assert.match(await page.locator(tid('log')).textContent(), /discarded/);

    await page.click(`${cardSel(1, 2)} ${tid('drop')}`);
    assert.deepEqual(await lane(page, 2), []);
    assert.equal(await clock(page, 2), '0,0,0');
    assert.equal(await page.getAttribute(tid('converged'), 'data-converged'), 'false');
    assert.deepEqual(await errorTexts(page), []);
  });
});

test('conflict rules: siblings under multi-value are joined by a vertical bar', async () => {
  await withPage(async (page) => {
    await page.selectOption(`select${tid('conflicts')}`, 'multi-value');
    await write(page, 0, 'x', '1');
    await write(page, 1, 'x', '2');
    await page.click(tid('deliver-all'));
    for (const r of [0, 1, 2]) assert.deepEqual(await store(page, r), { x: '1|2' });
    assert.equal(await page.getAttribute(tid('converged'), 'data-converged'), 'true');
    // The same history under overwrite: the last delivered wins, so A and B differ.
    await page.selectOption(`select${tid('conflicts')}`, 'overwrite');
    assert.deepEqual(await store(page, 0), { x: '2' });
    assert.deepEqual(await store(page, 1), { x: '1' });
    assert.equal(await page.getAttribute(tid('converged'), 'data-converged'), 'false');
    // And under lww they agree on B's write (equal sums, greater sender).
    await page.selectOption(`select${tid('conflicts')}`, 'lww');
    for (const r of [0, 1, 2]) assert.deepEqual(await store(page, r), { x: '2' });
  });
});

test('a new action after an undo clears what could be redone', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    await page.click(tid('undo'));
    assert.equal(await page.isDisabled(tid('redo')), false);
    await write(page, 1, 'y', '2');
    assert.equal(await page.isDisabled(tid('redo')), true);
    assert.equal(await clock(page, 0), '0,0,0');
    assert.equal(await clock(page, 1), '0,1,0');
  });
});

test('the longest key and value stay legible in the store and on the cards', async () => {
  await withPage(async (page) => {
    const key = 'k'.repeat(24);
    const value = 'v'.repeat(48);
    await write(page, 0, key, value);
    const entry = page.locator(`${tid('store-0')} [data-key="${key}"]`);
    assert.equal(await entry.getAttribute('data-value'), value);
    const overlap = await entry.evaluate((e) => {
      const dt = e.querySelector('dt');
      const dd = e.querySelector('dd');
      const a = dt.getBoundingClientRect();
      const b = dd.getBoundingClientRect();
      return {
        keyOverflows: dt.scrollWidth > dt.clientWidth + 1,
        boxesOverlap: a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom,
        entryOverflows: e.scrollWidth > e.clientWidth + 1,
      };
    });
    assert.deepEqual(overlap, { keyOverflows: false, boxesOverlap: false, entryOverflows: false }, 'the key is not painted over its value');
    const card = await page.locator(cardSel(1, 1)).evaluate((c) => c.scrollWidth > c.clientWidth + 1);
    assert.equal(card, false, 'the card does not overflow');
  });
});
