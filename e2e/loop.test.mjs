// The core loop as a user meets it (issue 8), and what the page guarantees
// around it: the dragged card stays under the pointer (mouse and finger), focus
// rings are never clipped, a lost copy can be resent, a swipe on a phone
// scrolls, a drag ends when its card goes, a held message shows the rule's
// numbers, a long lane shows 100 cards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cardSel, deliverButton, screenshot, settle, tid, write, useBrowser,
} from './support.mjs';

const { browser, server, withPage } = useBrowser();

const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

/** A page in a phone-sized touch context; fails on console errors. */
async function withPhone(body) {
  const context = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator(tid('replica-0')).waitFor();
    const cdp = await context.newCDPSession(page);
    // Each touch event; a finger put down or lifted, then the page's
    // handling of it (see settle). A moving finger does not wait: the page
    // scrolls under it near the window's edge.
    const touch = async (type, points) => {
      await cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points });
      if (type !== 'touchMove') await settle(page);
    };
    await body(page, touch);
    assert.deepEqual(errors, [], 'no console errors');
  } finally {
    await context.close();
  }
}

const centre = (box) => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 });

async function lane(page, r) {
  return page.$$eval(`${tid(`lane-${r}`)} ${tid('inflight')}`, (els) => els.map((e) => e.dataset.message));
}
async function held(page, r) {
  return page.$$eval(`${tid(`held-${r}`)} > [data-message]`, (els) => els.map((e) => e.dataset.message));
}
const clock = (page, r) => page.getAttribute(tid(`clock-${r}`), 'data-clock');

/**
 * What is drawn at (x, y): whether the topmost element there is (inside) the
 * element marked data-dragging="true", whether that element's box holds the
 * point, and whether anything between it and the page clips it.
 */
async function underPointer(page, { x, y }) {
  // What the last pointer move changed is drawn by the next frame.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done())));
  return page.evaluate(([x, y]) => {
    const marked = [...document.querySelectorAll('[data-dragging="true"]')];
    const top = document.elementFromPoint(x, y);
    const dragged = marked[0];
    let clipped = false;
    for (let el = dragged?.parentElement; el && el !== document.documentElement; el = el.parentElement) {
      const s = getComputedStyle(el);
      if ([s.overflowX, s.overflowY].some((o) => o !== 'visible')) clipped = true;
    }
    const box = dragged?.getBoundingClientRect();
    return {
      count: marked.length,
      topIsDragged: Boolean(top?.closest('[data-dragging="true"]')),
      holds: Boolean(box && box.left <= x && x <= box.right && box.top <= y && y <= box.bottom),
      clipped,
      inLane: Boolean(dragged?.closest('[data-lane]')),
      shadow: dragged ? getComputedStyle(dragged).boxShadow : 'none',
      top: top?.outerHTML.slice(0, 120),
      scroll: window.scrollY,
    };
  }, [x, y]);
}

test('mouse: the dragged card stays under the pointer, above everything, and shows where it lands', async () => {
  await withPage(async (page) => {
    for (const v of ['1', '2', '3']) await write(page, 0, 'x', v);
    // Into the lane: card m3 above m1 shows an insertion marker before m1.
    const m3 = centre(await page.locator(cardSel(3, 1)).boundingBox());
    const m1 = await page.locator(cardSel(1, 1)).boundingBox();
    await page.mouse.move(m3.x, m3.y);
    await page.mouse.down();
    await page.mouse.move(m3.x + 3, m3.y + 3);
    await page.mouse.move(m3.x, m1.y + 4, { steps: 8 });
    let seen = await underPointer(page, { x: m3.x, y: m1.y + 4 });
    assert.equal(seen.count, 1, 'one element marked data-dragging');
    assert.ok(seen.topIsDragged, 'the dragged card is the topmost thing under the pointer');
    assert.ok(seen.holds, 'its box holds the pointer');
    assert.equal(seen.clipped, false, 'nothing around it clips it');
    assert.equal(seen.inLane, false, 'it is drawn outside the lane');
    assert.notEqual(seen.shadow, 'none', 'it casts a shadow');
    assert.equal(await page.locator(`${cardSel(1, 1)}.insert-before`).count(), 1, 'marker before m1');
    await page.mouse.up();
    assert.deepEqual(await lane(page, 1), ['3', '1', '2']);
    assert.equal(await page.locator('[data-dragging]').count(), 0);
    assert.equal(await page.locator('.insert-before, .insert-after').count(), 0);

    // Onto the replica: far out of the lane, still under the pointer; the
    // replica says what dropping it there does. (Lanes at the top of the
    // window, so that B's panel is in view without scrolling.)
    await page.evaluate(() => document.querySelector('.columns').scrollIntoView());
    const from = centre(await page.locator(cardSel(1, 1)).boundingBox());
    const panel = await page.locator(tid('replica-1')).boundingBox();
    const to = { x: panel.x + panel.width / 2, y: panel.y + 60 };
    assert.ok(to.y < LAPTOP.height - 60, `B's panel is in view: ${to.y}`);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(from.x + 3, from.y + 3);
    await page.mouse.move(to.x, to.y, { steps: 12 });
    seen = await underPointer(page, to);
    assert.ok(seen.topIsDragged && seen.holds, `the card is under the pointer over B: ${JSON.stringify(seen)}`);
    assert.match(await page.locator(`${tid('replica-1')} .drop-hint`).textContent(), /Drop m1 here/);
    assert.ok(await page.locator(`${tid('replica-1')}.drop-ok`).count(), 'B is highlighted as the target');
    await screenshot(page, 'loop-mid-drag-laptop');
    await page.mouse.up();
    assert.equal(await clock(page, 1), '1,0,0');
    assert.equal(await page.locator('[data-dragging]').count(), 0);
    assert.equal(await page.locator('.drop-hint').count(), 0);
  }, { viewport: LAPTOP });
});

test('touch: after a short hold the card follows the finger above everything, and delivers on release', async () => {
  await withPhone(async (page, touch) => {
    await write(page, 0, 'x', '1');
    // The card at the foot of the screen: B's panel, under its lane, is out
    // of sight, so the drag must bring it in.
    await page.locator(cardSel(1, 1)).evaluate((card) => card.scrollIntoView({ block: 'end' }));
    const from = centre(await page.locator(cardSel(1, 1)).boundingBox());
    const before = await page.evaluate(() => window.scrollY);
    assert.ok((await page.locator(tid('replica-1')).boundingBox()).y > PHONE.height - 200, 'B starts out of reach');
    await touch('touchStart', [{ x: from.x, y: from.y }]);
    // The finger holds still until the card shows it is lifted, ready to move.
    await page.waitForSelector(`${cardSel(1, 1)}.lifted`);
    // The user's path: drag toward the window's bottom edge and hold the
    // finger still there; the page scrolls until B's panel comes into view.
    const edge = { x: from.x, y: PHONE.height - 16 };
    const steps = 10;
    for (let i = 1; i <= steps; i++) {
      await touch('touchMove', [{ x: from.x, y: from.y + ((edge.y - from.y) * i) / steps }]);
    }
    await page.waitForFunction(
      (h) => document.querySelector('[data-testid="replica-1"]').getBoundingClientRect().top < h - 200,
      PHONE.height,
    );
    assert.ok((await page.evaluate(() => window.scrollY)) > before, 'the page scrolled under the finger');
    // Away from the edge, the page stops scrolling: once the card follows the
    // finger there, the move has been handled and B's panel stays put. (B is
    // measured only then: measured while the page still scrolls, on a busy
    // machine it has moved on by the time the finger gets there.)
    const middle = { x: edge.x, y: PHONE.height / 2 };
    await touch('touchMove', [middle]);
    await page.waitForFunction(([x, y]) => {
      const r = document.querySelector('[data-dragging="true"]')?.getBoundingClientRect();
      return r && x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
    }, [middle.x, middle.y]);
    // Then onto B.
    const b = await page.locator(tid('replica-1')).boundingBox();
    const to = { x: b.x + b.width / 2, y: Math.max(b.y + 40, 80) };
    assert.ok(to.y < b.y + b.height && to.y < PHONE.height - 80, 'B is on screen under the finger');
    for (let i = 1; i <= 4; i++) {
      await touch('touchMove', [{ x: middle.x + ((to.x - middle.x) * i) / 4, y: middle.y + ((to.y - middle.y) * i) / 4 }]);
    }
    // B says the finger is over it, so letting go there delivers.
    await page.locator(`${tid('replica-1')}.drop-under`).waitFor();
    const seen = await underPointer(page, to);
    assert.equal(seen.count, 1);
    assert.ok(seen.topIsDragged && seen.holds, `the card is under the finger: ${JSON.stringify(seen)}`);
    assert.equal(seen.clipped, false);
    assert.match(await page.locator(`${tid('replica-1')} .drop-hint`).textContent(), /Drop m1 here/);
    await screenshot(page, 'loop-mid-drag-phone');
    await touch('touchEnd', []);
    await page.waitForFunction((sel) => !document.querySelector(sel), cardSel(1, 1));
    assert.deepEqual(await lane(page, 1), []);
    assert.equal(await clock(page, 1), '1,0,0');
    assert.equal(await page.locator('[data-dragging]').count(), 0);
  });
});

test('phone: a swipe that starts on a card scrolls the page and delivers nothing', async () => {
  await withPhone(async (page, touch) => {
    await write(page, 0, 'x', '1');
    await page.locator(cardSel(1, 1)).scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, -200));
    const before = await page.evaluate(() => window.scrollY);
    const from = centre(await page.locator(cardSel(1, 1)).boundingBox());
    await touch('touchStart', [{ x: from.x, y: from.y }]);
    for (let i = 1; i <= 8; i++) await touch('touchMove', [{ x: from.x, y: from.y - i * 30 }]);
    await touch('touchEnd', []);
    // The browser scrolls on its own thread: wait for the scroll to land.
    await page.waitForFunction((y) => window.scrollY > y + 50, before);
    await settle(page);
    const afterScroll = await page.evaluate(() => window.scrollY);
    assert.ok(afterScroll > before + 50, `the page scrolled: ${before} -> ${afterScroll}`);
    assert.deepEqual(await lane(page, 1), ['1'], 'the card is still in flight');
    assert.equal(await clock(page, 1), '0,0,0');
    assert.equal(await page.locator('[data-dragging]').count(), 0);
  });
});

test('a drag ends when its card goes away: undone with Ctrl+Z, or delivered by autoplay', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    const grab = async () => {
      const from = centre(await page.locator(cardSel(1, 1)).boundingBox());
      const to = centre(await page.locator(tid('replica-1')).boundingBox());
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(from.x + 3, from.y + 3);
      await page.mouse.move(to.x, to.y, { steps: 6 });
      assert.match(await page.locator(`${tid('replica-1')} .drop-hint`).textContent(), /Drop m1 here/);
      assert.equal(await page.locator('[data-dragging="true"]').count(), 1);
    };
    await grab();
    await page.keyboard.press('Control+z');
    assert.equal(await page.locator(tid('inflight')).count(), 0, 'the write is undone');
    assert.equal(await page.locator('.drop-hint').count(), 0, 'no drop hint is left behind');
    assert.equal(await page.locator('[data-dragging]').count(), 0);
    await page.mouse.up();

    await write(page, 0, 'x', '1');
    await grab();
    // Autoplay's step delivers the copies in flight, this one among them.
    await page.evaluate(() => {
      const step = document.querySelector('[data-testid="step"]');
      step.click();
      step.click();
    });
    await page.waitForFunction(() => !document.querySelector('[data-testid="inflight"]'));
    await settle(page);
    assert.equal(await page.locator('.drop-hint').count(), 0, 'no drop hint is left behind');
    assert.equal(await page.locator('[data-dragging]').count(), 0);
    await page.mouse.up();
    assert.equal(await clock(page, 1), '1,0,0');
  }, { viewport: LAPTOP });
});

/** The rectangle an element's outline covers, and its scrolling lane's visible rectangle. */
function ringAndLane(page, selector) {
  return page.evaluate((selector) => {
    const el = document.querySelector(selector);
    const s = getComputedStyle(el);
    const grow = s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth) + parseFloat(s.outlineOffset);
    const r = el.getBoundingClientRect();
    const laneEl = el.closest('.lane');
    const l = laneEl.getBoundingClientRect();
    const ls = getComputedStyle(laneEl);
    return {
      outline: s.outlineStyle,
      grow,
      ring: { left: r.left - grow, top: r.top - grow, right: r.right + grow, bottom: r.bottom + grow },
      lane: {
        left: l.left + parseFloat(ls.borderLeftWidth),
        top: l.top + parseFloat(ls.borderTopWidth),
        right: l.right - parseFloat(ls.borderRightWidth),
        bottom: l.bottom - parseFloat(ls.borderBottomWidth),
      },
    };
  }, selector);
}

function assertInside({ ring, lane: clip, outline, grow }, what) {
  assert.notEqual(outline, 'none', `${what}: an outline is drawn`);
  assert.ok(grow > 0, `${what}: the outline stands out of the card`);
  for (const side of ['left', 'top']) assert.ok(ring[side] >= clip[side] - 0.5, `${what}: ${side} ${ring[side]} inside ${clip[side]}`);
  for (const side of ['right', 'bottom']) assert.ok(ring[side] <= clip[side] + 0.5, `${what}: ${side} ${ring[side]} inside ${clip[side]}`);
}

test('a focused card\'s ring and the "waits for" highlight are drawn whole, inside the lane', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    await deliverButton(page, 1, 1);
    await write(page, 1, 'y', '2');
    await deliverButton(page, 2, 2);
    // Keyboard focus: Tab from the card to its first button and back.
    await page.focus(cardSel(1, 2));
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'deliver', 'the card\'s buttons are in the tab order');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.message), '1');
    assertInside(await ringAndLane(page, cardSel(1, 2)), 'focus ring');
    await screenshot(page, 'loop-focus-ring');

    // Hovering the held m2 highlights m1, the message it waits for.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.hover(`${tid('held-2')} [data-message="2"]`);
    assert.equal(await page.locator(`${cardSel(1, 2)}.highlight`).count(), 1);
    assertInside(await ringAndLane(page, cardSel(1, 2)), 'highlight');
  }, { viewport: LAPTOP });
});

test('keyboard: Enter on a lane\'s last card hands focus to its replica; D duplicates a card', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    await page.focus(cardSel(1, 1));
    await page.keyboard.press('d');
    assert.deepEqual(await lane(page, 1), ['1', '1']);
    const label = await page.getAttribute(cardSel(1, 1), 'aria-label');
    assert.match(label, /D duplicates/);
    await page.focus(`${tid('lane-1')} ${tid('inflight')}`);
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.message), '1', 'on to the next card');
    await page.keyboard.press('Enter');
    // The delivery is drawn on the page's next render, not during the key press.
    await page.waitForFunction((sel) => !document.querySelector(sel), `${tid('lane-1')} ${tid('inflight')}`);
    assert.deepEqual(await lane(page, 1), []);
    const focused = await page.evaluate(() => document.activeElement.dataset.testid ?? document.activeElement.tagName);
    assert.equal(focused, 'replica-1', 'focus went to B, not to the page body');
    // The Deliver button of a lane's last card does the same.
    await page.click(`${cardSel(1, 2)} ${tid('deliver')}`);
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'replica-2');
  });
});

test('a dropped copy can be resent: from the held explanation and from the lane', async () => {
  await withPage(async (page) => {
    // The lost-message preset, by hand: A writes twice, m1's copy to B is lost,
    // B receives m2 and holds it back.
    await write(page, 0, 'x', '1');
    await write(page, 0, 'x', '2');
    await page.click(`${cardSel(1, 1)} ${tid('drop')}`);
    await deliverButton(page, 2, 1);
    assert.deepEqual(await held(page, 1), ['2']);
    const note = page.locator(`${tid('replica-1')} .held-box`);
    assert.match(await note.textContent(), /m1 was lost on the way to B: resend it\./);
    const resend = page.locator(`${tid('resend')}[data-message="1"][data-to="1"]`);
    assert.equal(await resend.count(), 2, 'in the held explanation and in the lane');
    assert.equal(await page.locator(`${tid('lane-1')} ~ .lost ${tid('resend')}`).count(), 1, 'a lost-copy mark in the lane');
    await screenshot(page, 'loop-lost');
    await page.locator(`${tid('replica-1')} ${tid('resend')}`).click();
    assert.deepEqual(await lane(page, 1), ['1'], 'a copy of m1 is in flight to B again');
    assert.equal(await page.locator(tid('resend')).count(), 0, 'nothing is lost any more');
    await deliverButton(page, 1, 1);
    assert.deepEqual(await held(page, 1), [], 'm2 is released');
    assert.equal(await clock(page, 1), '2,0,0');

    // From the lane's mark, with nothing held waiting for it.
    await page.click(`${cardSel(1, 2)} ${tid('drop')}`);
    assert.equal(await page.locator(`${tid('resend')}[data-message="1"][data-to="2"]`).count(), 1);
    await page.click(`${tid('resend')}[data-message="1"][data-to="2"]`);
    assert.deepEqual(await lane(page, 2), ['2', '1']);
  });
});

test('a held message shows the rule\'s test with its numbers and the failing entry, causal and fifo', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    await deliverButton(page, 1, 1);
    await write(page, 1, 'y', '2');
    await deliverButton(page, 2, 2);
    const item = page.locator(`${tid('held-2')} [data-message="2"]`);
    const text = await item.textContent();
    assert.ok(text.includes('[1,1,0]'), `m2's timestamp: ${text}`);
    assert.ok(text.includes('[0,0,0]'), `C's clock: ${text}`);
    assert.equal(await item.locator('.fail').textContent(), 'entry A fails');
    // The rule's tests, in the disclosure: the failing one with its numbers, marked.
    assert.equal(await item.locator('.tests li.fails').textContent(), 'needs m2[A] \u2264 C[A]: 1 > 0, fails');
    const [mark, plain] = await item.locator('.tests li.fails mark').evaluate((m) => [getComputedStyle(m).backgroundColor, getComputedStyle(m.parentElement).backgroundColor]);
    assert.notEqual(mark, plain, 'the failing test is highlighted');
    assert.equal(await item.locator('.vector .entry.fails').count(), 2, 'entry A, in both vectors');
    assert.match(await page.locator(`${tid('replica-2')} .notation`).textContent(), /A#1 = A's first write/);

    await page.selectOption(tid('delivery'), 'fifo');
    await deliverButton(page, 1, 2);
    await write(page, 0, 'z', '3');
    await write(page, 0, 'z', '4');
    await deliverButton(page, 4, 2);
    const fifo = page.locator(`${tid('held-2')} [data-message="4"]`);
    assert.equal(await fifo.locator('.fail').textContent(), 'entry A fails');
    assert.match(await fifo.locator('.tests li.fails').textContent(), /^needs m4\[A\] = delivered\(C, A\) \+ 1: 3 /);
  });
});

test('a lane of more than 100 copies shows 100 cards and says how many more', async () => {
  await withPage(async (page) => {
    const steps = Array.from({ length: 1500 }, (_, i) => ({ op: 'write', replica: 0, key: 'k', value: String(i) }));
    const buffer = Buffer.from(JSON.stringify({ version: 1, replicas: 3, steps }));
    await page.setInputFiles(tid('import'), { name: 'many.json', mimeType: 'application/json', buffer });
    await page.waitForSelector(tid('lane-more-1'), { timeout: 60_000 });
    assert.equal(await page.locator(`${tid('lane-1')} ${tid('inflight')}`).count(), 100);
    assert.equal(await page.locator(tid('inflight')).count(), 200, 'only the cards shown are in the page');
    assert.match(await page.locator(tid('lane-more-1')).textContent(), /^1400 more in flight to B/);
    assert.equal(await page.getAttribute(tid('lane-more-2'), 'data-more'), '1400');
    // Delivering a shown card brings the next one into view.
    await deliverButton(page, 1, 1);
    assert.equal(await page.locator(`${tid('lane-1')} ${tid('inflight')}`).count(), 100);
    assert.equal(await page.getAttribute(`${tid('lane-1')} ${tid('inflight')}:last-child`, 'data-message'), '101');
    assert.match(await page.locator(tid('lane-more-1')).textContent(), /^1399 more/);
  }, { viewport: LAPTOP });
});

test('the lost-message preset is playable by hand: at its hold, resend m1 and B catches up', async () => {
  await withPage(async (page) => {
    await page.selectOption(tid('scenario'), 'lost-message');
    // Its fifth step: m1's copy to B lost, m2 held at B, everything else delivered.
    await page.locator(tid('timeline')).fill('5');
    await page.waitForFunction(() => document.querySelector('[data-testid="timeline"]').value === '5');
    assert.deepEqual(await held(page, 1), ['2']);
    assert.deepEqual(await lane(page, 1), []);
    await page.locator(`${tid('replica-1')} ${tid('resend')}[data-message="1"][data-to="1"]`).click();
    assert.deepEqual(await lane(page, 1), ['1']);
    await deliverButton(page, 1, 1);
    assert.deepEqual(await held(page, 1), []);
    assert.equal(await clock(page, 1), '2,0,0');
    assert.equal(await page.getAttribute(tid('converged'), 'data-converged'), 'true');
  });
});
