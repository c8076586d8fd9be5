// The classroom and the phone (issue 21): embeds built through the builder
// and opened as they say; presenter mode on a 1024x768 projector at every
// step of the classic, with the diagram key; a lesson and a puzzle never
// open at once, each brought into view; a puzzle that can no longer be
// solved says so; a lesson on a phone keeps its step beside what it asks
// about. Debian's Chromium via playwright-core, against the built page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACTS, cardSel, screenshot, shareFragment, tid, useBrowser } from './support.mjs';

const { browser, server, withPage } = useBrowser();

const PROJECTOR = { width: 1024, height: 768 };
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

/** A screenshot of the window only (what a projector or a phone shows). */
async function screen(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

const timeline = async (page) => Number(await page.inputValue(tid('timeline')));
const waitStep = (page, n) =>
  page.waitForFunction(([sel, v]) => document.querySelector(sel)?.value === String(v), [tid('timeline'), n]);

async function loadClassic(page) {
  await page.selectOption(`select${tid('scenario')}`, 'classic');
  await page.waitForFunction(() => document.querySelector('[data-testid="timeline"]')?.max === '6');
}

/** The box of `selector` in the window, or null when it is not drawn. */
const box = (page, selector) => page.locator(selector).first().boundingBox();

/** Whether the whole of `b` is inside the window `size` as it is now. */
const onScreen = (b, size) => b !== null && b.y >= 0 && b.x >= 0 && b.y + b.height <= size.height + 0.5 && b.x + b.width <= size.width + 0.5;

// ---------------------------------------------------------------------------
// The embed builder.

test('the embed builder: steps and read-only chosen on the page; its snippet loads as it says, and keeps its range under every way of moving', async () => {
  let src;
  await withPage(async (page) => {
    await loadClassic(page);
    const share = await box(page, tid('share'));
    const embed = await box(page, tid('embed'));
    assert.ok(Math.abs(share.y - embed.y) < 10 && embed.x > share.x, 'Embed sits beside Copy link');
    await page.click(tid('embed'));
    const code = page.locator(tid('embed-code'));
    await code.waitFor();
    assert.equal(await page.inputValue(tid('embed-from')), '0');
    assert.equal(await page.inputValue(tid('embed-to')), '6');
    assert.doesNotMatch(await code.inputValue(), /steps=|readonly/, 'the whole run, writable, by default');
    const preview = page.frameLocator(tid('embed-preview'));
    await preview.locator(`${tid('timeline')}[min="0"][max="6"]`).waitFor();
    // The snippet follows the choices; nothing is typed into it.
    assert.notEqual(await code.getAttribute('readonly'), null);
    await page.fill(tid('embed-from'), '3');
    await page.fill(tid('embed-to'), '5');
    await page.check(tid('embed-readonly'));
    await page.waitForFunction((sel) => /steps=3-5&amp;readonly#s=/.test(document.querySelector(sel).value), tid('embed-code'));
    const snippet = await code.inputValue();
    assert.match(snippet, /^<iframe src="[^"]+\?embed&amp;steps=3-5&amp;readonly#s=[^"]+" title="Causal Playground: [^"]+"/);
    src = snippet.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
    // A live preview loads that very address.
    await page.waitForFunction(([sel, want]) => document.querySelector(sel)?.getAttribute('src') === want, [tid('embed-preview'), src]);
    await preview.locator(`${tid('timeline')}[min="3"][max="5"]`).waitFor();
    await screenshot(page, 'classroom-embed-builder-1366');
  });

  await withPage(async (page) => {
    assert.equal(await timeline(page), 3, 'it opens at the first step of its range');
    assert.equal(await page.getAttribute(tid('timeline'), 'min'), '3');
    assert.equal(await page.getAttribute(tid('timeline'), 'max'), '5');
    assert.equal(await page.locator(tid('write-0')).isVisible(), false, 'read-only');
    assert.equal(await page.locator('.embed-problems').count(), 0, 'every option was understood');
    // The rule in force and the status, in words.
    assert.match(await page.innerText(tid('embed-rule')), /causal/i);
    assert.match(await page.innerText(tid('converged')), /Catching up/);
    // A read-only embed draws every mark, writes included.
    const writes = page.locator(`svg${tid('diagram')} g.mark[data-kind="write"]`);
    assert.equal(await writes.count(), 2);
    for (let i = 0; i < 2; i++) assert.equal(await writes.nth(i).isVisible(), true, `write mark ${i + 1} is drawn`);

    // Keys: Ctrl+Z at the first step stays there, so Ctrl+Shift+Z then shows 4.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+Shift+z');
    await waitStep(page, 4);
    assert.equal(await page.locator(`${tid('held-2')} [data-message="2"]`).count(), 1, 'C holds m2 at step 4');
    await page.keyboard.press('Control+Shift+z');
    await waitStep(page, 5);
    // Past the last step: nothing; one back is 4, not 5.
    await page.keyboard.press('Control+Shift+z');
    await page.keyboard.press('Control+y');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('Control+z');
    await waitStep(page, 4);
    // One listener decides: the keys moved the timeline, and no Undo ran
    // beside the moves (it says "Undid: ..." in a notice).
    assert.equal(await page.locator(tid('error')).count(), 0, 'no notice beside the moves');
    // Clicker keys and buttons keep the range too.
    await page.keyboard.press('Home');
    await waitStep(page, 3);
    await page.keyboard.press('PageUp');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    await waitStep(page, 4);
    assert.equal(await page.isDisabled(tid('embed-next')), false);
    await page.click(tid('embed-next'));
    await waitStep(page, 5);
    assert.equal(await page.isDisabled(tid('embed-next')), true);
    await page.click(tid('embed-previous'));
    await page.click(tid('embed-previous'));
    await waitStep(page, 3);
    assert.equal(await page.isDisabled(tid('embed-previous')), true);
    // At step 5 C has delivered both: the replicas agree for now.
    await page.keyboard.press('End');
    await waitStep(page, 5);
    // A drag over a read-only embed selects no text.
    const panel = await box(page, tid('replica-0'));
    await page.mouse.move(panel.x + 5, panel.y + 5);
    await page.mouse.down();
    await page.mouse.move(panel.x + panel.width - 5, panel.y + panel.height - 5, { steps: 6 });
    await page.mouse.up();
    assert.equal(await page.evaluate(() => String(window.getSelection())), '', 'no text selected');
    await screenshot(page, 'classroom-embed-readonly-1024');
  }, { url: src, viewport: PROJECTOR });
});

test('an embed says when causal order was broken, in words, with the rule in force', async () => {
  const fragment = shareFragment({
    delivery: 'unordered',
    branches: [[
      { op: 'write', replica: 0, key: 'post', value: 'lost' },
      { op: 'deliver', message: 1, to: 1 },
      { op: 'write', replica: 1, key: 'reply', value: 'found' },
      { op: 'deliver', message: 2, to: 2 },
    ]],
  });
  await withPage(async (page) => {
    assert.match(await page.innerText(tid('embed-rule')), /unordered/i);
    assert.match(await page.innerText('.embed-status'), /1 causal violation/);
    assert.equal(await page.locator(`${tid('violations')} > [data-replica="2"][data-message="2"][data-missing="1"]`).count(), 1);
    assert.match(await page.innerText('.embed-status'), /C delivered m2 before m1/);
  }, { url: `${server.url}?embed#${fragment}`, viewport: PROJECTOR });
});

// ---------------------------------------------------------------------------
// Presenter mode on a projector.

test('presenter mode at 1024x768: every step of the classic on one screen, the run only, D brings the diagram and back', async () => {
  await withPage(async (page) => {
    await loadClassic(page);
    await page.click(tid('present'));
    await page.evaluate(() => document.activeElement?.blur());
    // The run only: no lessons, rule panel, census or puzzles.
    for (const hidden of ['.lessons', '.guide', '.explore', tid('explore'), tid('puzzle-open'), tid('lesson-open'), '.share-bar']) {
      assert.equal(await page.locator(hidden).first().isVisible(), false, `${hidden} is not shown`);
    }
    for (let step = 0; step <= 6; step++) {
      if (step > 0) await page.keyboard.press('PageDown');
      await waitStep(page, step);
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'nothing scrolled');
      for (const id of ['replica-0', 'replica-1', 'replica-2', 'clock-0', 'clock-2', 'lane-0', 'lane-2', 'held-2', 'timeline']) {
        assert.ok(onScreen(await box(page, tid(id)), PROJECTOR), `step ${step}: ${id} is on the screen: ${JSON.stringify(await box(page, tid(id)))}`);
      }
      if (step === 4) {
        const held = await box(page, `${tid('held-2')} [data-message="2"]`);
        assert.ok(onScreen(held, PROJECTOR), `the hold step: C's held m2 is on the screen (${JSON.stringify(held)})`);
        await screenshot(page, 'classroom-presenter-hold-1024x768');
        await screen(page, 'classroom-presenter-hold-screen');
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `step ${step}: ${overflow}px wider than the window`);
    }
    // D: the diagram in place of the replicas, on the screen; D again: back.
    await page.keyboard.press('d');
    await page.waitForFunction(() => document.documentElement.classList.contains('presenting-diagram'));
    const diagram = await box(page, `svg${tid('diagram')}`);
    assert.ok(diagram && diagram.y >= 0 && diagram.y < PROJECTOR.height / 3, `the diagram is near the top: ${JSON.stringify(diagram)}`);
    assert.equal(await page.locator(tid('replica-0')).isVisible(), false);
    await screen(page, 'classroom-presenter-diagram-screen');
    await page.keyboard.press('d');
    await page.waitForFunction(() => !document.documentElement.classList.contains('presenting-diagram'));
    assert.ok(onScreen(await box(page, tid('replica-2')), PROJECTOR));
    // The key is listed under ?.
    await page.keyboard.press('?');
    assert.match(await page.locator(tid('shortcuts')).innerText(), /\bD\b[\s\S]*diagram/);
  }, { viewport: PROJECTOR });
});

// ---------------------------------------------------------------------------
// The toolbar, with six branches, an earlier step and every lesson begun.

/** The toolbar's lines: its controls grouped by the line they sit on. */
const toolbarLines = (page) => page.evaluate(() => {
  const boxes = [...document.querySelectorAll('.toolbar-row > *, .toolbar .timeline-box > *, .toolbar .timeline-next > *')]
    .filter((e) => !e.classList.contains('timeline-next') && !e.classList.contains('timeline-note'))
    .map((e) => e.getBoundingClientRect())
    .filter((r) => r.height > 0);
  const lines = [];
  for (const r of boxes.sort((a, b) => a.top - b.top)) {
    const line = lines.find((l) => r.top < l.bottom && r.bottom > l.top);
    if (line) { line.top = Math.min(line.top, r.top); line.bottom = Math.max(line.bottom, r.bottom); } else lines.push({ top: r.top, bottom: r.bottom });
  }
  return lines.length;
});

for (const [size, most] of [[LAPTOP, 2], [PROJECTOR, 3]]) {
  test(`at ${size.width}x${size.height} the toolbar keeps to ${most} lines and the lessons to one, with six branches and every lesson begun`, async () => {
    const begun = () => {
      for (const [name, at] of [['why-hold-back', '8'], ['vector-clocks', '9'], ['concurrent-writes', '10'], ['fifo-is-not-causal', '7'], ['lost-and-duplicated', 'done']]) {
        localStorage.setItem(`causal-playground/lesson/${name}`, at);
      }
    };
    await withPage(async (page) => {
      await loadClassic(page);
      for (const at of [5, 4, 3, 2, 1]) {
        await page.locator(tid('timeline')).fill(String(at));
        await waitStep(page, at);
        await page.fill(tid('write-key-1'), `k${at}`);
        await page.fill(tid('write-value-1'), 'v');
        await page.click(tid('write-1'));
        await waitStep(page, at + 1);
      }
      await page.locator(tid('branch-6')).waitFor();
      await page.locator(tid('timeline')).fill('1');
      await waitStep(page, 1);
      await page.locator(tid('next')).waitFor();
      await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
      // The badges are short on the screen, whole for a screen reader.
      const badge = page.locator(`${tid('lesson-open')}[data-lesson="why-hold-back"] .lesson-badge`);
      assert.equal(await badge.textContent(), 'step 9 of 9');
      const shown = await badge.boundingBox();
      assert.ok(shown.width < 40, `"9/9" on the screen, not the words: ${JSON.stringify(shown)}`);
      const lessonTops = await page.$$eval(tid('lesson-open'), (all) => new Set(all.map((b) => Math.round(b.getBoundingClientRect().top))).size);
      assert.equal(lessonTops, 1, 'the lessons in one line');
      const lines = await toolbarLines(page);
      assert.ok(lines <= most, `the toolbar on ${lines} lines`);
      assert.equal(await page.getAttribute(tid('branch-6'), 'aria-current'), 'true');
      assert.match(await page.getAttribute(tid('branch-6'), 'title'), /Branch 6 \(2 steps, from branch 5 at step 1\)/);
      const replica = await box(page, tid('replica-0'));
      assert.ok(replica.y < size.height, `the replicas start on the first screen (${replica.y})`);
    }, { viewport: size, init: begun });
  });
}

// ---------------------------------------------------------------------------
// Lessons and puzzles.

test('a puzzle opened from the list below comes into view; a lesson and a puzzle are never open at once, each one Undo away', async () => {
  await withPage(async (page) => {
    const item = page.locator(`${tid('puzzle-open')}[data-puzzle="held-forever"]`);
    await item.scrollIntoViewIfNeeded();
    assert.ok((await page.evaluate(() => window.scrollY)) > 200, 'the list is below the first screen');
    await item.click();
    const puzzle = page.locator(tid('puzzle-panel'));
    await puzzle.waitFor();
    await page.waitForFunction((sel) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      return r.top >= -1 && r.top < window.innerHeight - 100;
    }, tid('puzzle-panel'));
    // While a puzzle is open the census would give its answer away.
    assert.equal(await page.locator(tid('census-locked')).count(), 1);
    assert.equal(await page.isDisabled(tid('explore')), true);

    // A lesson opened closes the puzzle; Undo brings the puzzle back, and closes the lesson.
    await page.click(`${tid('lesson-open')}[data-lesson="why-hold-back"]`);
    await page.locator(tid('lesson-panel')).waitFor();
    await page.waitForFunction((sel) => !document.querySelector(sel), tid('puzzle-panel'));
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Control+z');
    await puzzle.waitFor();
    await page.waitForFunction((sel) => !document.querySelector(sel), tid('lesson-panel'));
    // Redo: the lesson again, where it was.
    await page.keyboard.press('Control+Shift+z');
    await page.locator(`${tid('lesson-panel')}[data-lesson="why-hold-back"]`).waitFor();
    assert.equal(await puzzle.count(), 0);

    // A puzzle opened closes the lesson; Undo brings the lesson back.
    await page.click(tid('lesson-next'));
    await page.locator(`${tid('lesson-panel')}[data-step="2"]`).waitFor();
    await page.click(`${tid('puzzle-open')}[data-puzzle="split-brain"]`);
    await page.locator(`${tid('puzzle-panel')}[data-puzzle="split-brain"]`).waitFor();
    await page.waitForFunction((sel) => !document.querySelector(sel), tid('lesson-panel'));
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Control+z');
    await page.locator(`${tid('lesson-panel')}[data-lesson="why-hold-back"][data-step="2"]`).waitFor();
    assert.equal(await puzzle.count(), 0);
    assert.equal(await page.locator(tid('census-locked')).count(), 0, 'the census is back');
  }, { viewport: LAPTOP });
});

test('Undo brings back what each step closed: a lesson a puzzle closed, after a load over the puzzle', async () => {
  await withPage(async (page) => {
    await page.click(`${tid('lesson-open')}[data-lesson="why-hold-back"]`);
    await page.locator(`${tid('lesson-panel')}[data-step="1"]`).waitFor();
    await page.click(tid('lesson-next'));
    await page.locator(`${tid('lesson-panel')}[data-step="2"]`).waitFor();
    // A puzzle over the lesson closes it; a preset over the puzzle closes that.
    await page.click(`${tid('puzzle-open')}[data-puzzle="split-brain"]`);
    await page.locator(`${tid('puzzle-panel')}[data-puzzle="split-brain"]`).waitFor();
    await page.waitForFunction((sel) => !document.querySelector(sel), tid('lesson-panel'));
    await loadClassic(page);
    await page.waitForFunction((sel) => !document.querySelector(sel), tid('puzzle-panel'));
    await page.evaluate(() => document.activeElement?.blur());
    // Undo: the puzzle, as it was; Undo again: the lesson, at its step.
    await page.keyboard.press('Control+z');
    await page.locator(`${tid('puzzle-panel')}[data-puzzle="split-brain"]`).waitFor();
    assert.equal(await page.locator(tid('lesson-panel')).count(), 0, 'one at a time');
    await page.keyboard.press('Control+z');
    await page.locator(`${tid('lesson-panel')}[data-lesson="why-hold-back"][data-step="2"]`).waitFor();
    assert.equal(await page.locator(tid('puzzle-panel')).count(), 0);
    // The same with the Undo button, after Redo twice: the classic again.
    await page.click(tid('redo'));
    await page.locator(`${tid('puzzle-panel')}[data-puzzle="split-brain"]`).waitFor();
    await page.waitForFunction((sel) => !document.querySelector(sel), tid('lesson-panel'));
    await page.click(tid('redo'));
    await page.waitForFunction(() => document.querySelector('[data-testid="timeline"]')?.max === '6');
    assert.equal(await page.locator(tid('puzzle-panel')).count(), 0);
    await page.click(tid('undo'));
    await page.locator(tid('puzzle-panel')).waitFor();
    await page.click(tid('undo'));
    await page.locator(`${tid('lesson-panel')}[data-lesson="why-hold-back"][data-step="2"]`).waitFor();
  }, { viewport: LAPTOP });
});

test('a lesson that points at an empty lane outlines the lane\'s box, never an empty pill', async () => {
  await withPage(async (page) => {
    await page.locator(`${tid('lesson-panel')}[data-step="7"]`).waitFor();
    const lane = page.locator(`${tid('lane-1')}[data-lesson-highlight="true"]`);
    await lane.waitFor({ state: 'attached' });
    assert.equal(await page.locator(`${tid('lane-1')} > *`).count(), 0, 'nothing in flight to B');
    const laneBox = page.locator('.lane-box.lesson-empty-lane');
    await laneBox.waitFor();
    assert.equal(await laneBox.getAttribute('data-lane'), '1');
    assert.equal(await laneBox.evaluate((e) => getComputedStyle(e).outlineStyle), 'solid');
    // The step's act sends m1 again: a card in the lane, which is outlined
    // itself, and the box's outline goes.
    await page.click(`${tid('resend')}[data-message="1"][data-to="1"]`);
    await page.locator(`${tid('lane-1')} ${tid('inflight')}[data-message="1"]`).waitFor();
    await page.waitForFunction(() => !document.querySelector('.lane-box.lesson-empty-lane'));
  }, {
    url: `${server.url}#lesson=lost-and-duplicated`,
    viewport: LAPTOP,
    init: () => localStorage.setItem('causal-playground/lesson/lost-and-duplicated', '6'),
  });
});

test('a puzzle says when its goal can no longer be reached, and how to go back', async () => {
  await withPage(async (page) => {
    const panel = page.locator(tid('puzzle-panel'));
    await panel.waitFor();
    assert.equal(await page.locator(tid('puzzle-stuck')).count(), 0);
    // Delivering m1 to C first: C will never hold anything back.
    await page.click(`${cardSel(1, 2)} ${tid('deliver')}`);
    const stuck = page.locator(tid('puzzle-stuck'));
    await stuck.waitFor();
    assert.match(await stuck.innerText(), /can no longer be reached[\s\S]*Undo/);
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Control+z');
    await page.waitForFunction((sel) => !document.querySelector(sel), tid('puzzle-stuck'));
    assert.equal(await panel.getAttribute('data-moves'), '0');
  }, { url: `${server.url}#puzzle=held-forever`, viewport: LAPTOP });
});

// ---------------------------------------------------------------------------
// The phone.

test('phone: the lesson step stays on the screen beside the card it asks about, and Next is in sight after the act', async () => {
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}#lesson=why-hold-back`, { waitUntil: 'load' });
    const panel = page.locator(tid('lesson-panel'));
    await page.locator(`${tid('lesson-panel')}[data-step="1"]`).waitFor();
    await page.tap(tid('lesson-next'));
    await page.tap(tid('lesson-next'));
    await page.locator(`${tid('lesson-panel')}[data-step="3"]`).waitFor();
    // The prediction: try the first choice; if wrong, have the answer shown.
    await page.tap(`${tid('lesson-choice')}[data-choice="1"]`);
    const verdict = await page.locator(tid('lesson-feedback')).getAttribute('data-verdict');
    if (verdict === 'wrong') await page.tap(tid('lesson-reveal'));
    await page.tap(tid('lesson-next'));
    await page.locator(`${tid('lesson-step')}[data-kind="act"]`).waitFor();
    // The step, in the sheet at the foot of the screen, and the card it asks
    // about (m2 to C) above it, on the same screen.
    const card = cardSel(2, 2);
    await page.waitForFunction(([c, p]) => {
      const a = document.querySelector(c).getBoundingClientRect();
      const s = document.querySelector(p).getBoundingClientRect();
      return a.top >= 0 && a.bottom <= s.top;
    }, [card, tid('lesson-panel')]);
    const step = await box(page, tid('lesson-step'));
    assert.ok(onScreen(step, PHONE), `the step is on the screen: ${JSON.stringify(step)}`);
    const sheet = await panel.boundingBox();
    assert.ok(sheet.y + sheet.height <= PHONE.height + 1 && sheet.height < PHONE.height / 2, `a sheet at the foot: ${JSON.stringify(sheet)}`);
    await screenshot(page, 'classroom-lesson-act-390x844');
    await screen(page, 'classroom-lesson-act-390-screen');
    // The act, by the card's own button; Next is then on the screen, enabled.
    await page.tap(`${card} ${tid('deliver')}`);
    await page.locator(`${tid('lesson-act')}[data-status="right"]`).waitFor();
    const next = page.locator(tid('lesson-next'));
    assert.equal(await next.isEnabled(), true);
    assert.ok(onScreen(await next.boundingBox(), PHONE), 'Next is in sight');
    await screen(page, 'classroom-lesson-next-390-screen');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('phone: a first-time hint says to press and hold a card, and goes once a finger has dragged one', async () => {
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  try {
    const page = await context.newPage();
    await page.goto(server.url, { waitUntil: 'load' });
    const hint = page.locator(tid('touch-hint'));
    await hint.waitFor();
    assert.match(await hint.innerText(), /press and hold/i);
    await page.fill(tid('write-key-0'), 'x');
    await page.fill(tid('write-value-0'), '1');
    await page.tap(tid('write-0'));
    const card = page.locator(cardSel(1, 1));
    await card.scrollIntoViewIfNeeded();
    const b = await card.boundingBox();
    const cdp = await context.newCDPSession(page);
    const touch = (type, points) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points });
    const at = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    await touch('touchStart', [at]);
    await page.locator(`${cardSel(1, 1)}.lifted`).waitFor();
    for (let i = 1; i <= 5; i++) await touch('touchMove', [{ x: at.x + i * 30, y: at.y + i * 6 }]);
    // The floating card stays on the screen while the finger goes to its edge.
    await touch('touchMove', [{ x: PHONE.width - 2, y: at.y + 30 }]);
    const copy = await box(page, '[data-dragging="true"]');
    assert.ok(copy && copy.x + copy.width <= PHONE.width, `the floating card stays on the screen: ${JSON.stringify(copy)}`);
    await touch('touchEnd', []);
    await hint.waitFor({ state: 'detached' });
    // And stays gone on the next visit.
    await page.reload({ waitUntil: 'load' });
    await page.locator(tid('replica-0')).waitFor();
    assert.equal(await hint.count(), 0);
  } finally {
    await context.close();
  }
});
