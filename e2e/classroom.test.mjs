// End-to-end flows of classroom use (issue 12): presenter mode, embedding
// with its options and the Embed snippet, the postMessage API driven from a
// host page with an <iframe>, axe-core on the page in light and dark, and the
// classic scenario played with the keyboard alone. Debian's Chromium via
// playwright-core, against the release build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CHROMIUM_ARGS, ROOT, axeViolations, describeViolations, screenshot, shareFragment, tid,
  useBrowser, useLaunchedBrowser,
} from './support.mjs';

const { browser, server, withPage } = useBrowser();

const hostBrowser = useLaunchedBrowser({ args: [...CHROMIUM_ARGS, '--disable-features=LocalNetworkAccessChecks'] });

const PROJECTOR = { width: 1024, height: 768 };
const embedUrl = (query, fragment = '') => `${server.url}?embed${query}${fragment ? `#${fragment}` : ''}`;
const classicFile = () => readFile(join(ROOT, 'scenarios', 'classic.json'), 'utf8');

async function timeline(page) {
  return Number(await page.inputValue(tid('timeline')));
}

async function loadClassic(page) {
  await page.selectOption(`select${tid('scenario')}`, 'classic');
  await page.waitForFunction(() => document.querySelector('[data-testid="timeline"]')?.max === '6');
}

/** The px font size of the first element matching `selector`. */
async function fontSize(page, selector) {
  return page.$eval(selector, (e) => parseFloat(getComputedStyle(e).fontSize));
}

// ---------------------------------------------------------------------------
// Presenter mode.

test('presenter mode: larger type, less chrome, clicker keys step the timeline, ? lists the shortcuts', async () => {
  await withPage(async (page) => {
    await loadClassic(page);
    const before = {
      store: await fontSize(page, tid('replica-0')),
      title: await fontSize(page, 'h1'),
    };
    assert.equal(await page.locator('.share-bar').isVisible(), true);

    await page.click(tid('present'));
    assert.equal(await page.getAttribute(tid('present'), 'aria-pressed'), 'true');
    const after = {
      store: await fontSize(page, tid('replica-0')),
      title: await fontSize(page, 'h1'),
    };
    assert.ok(after.store >= before.store * 1.25, `replica text ${before.store}px -> ${after.store}px`);
    assert.ok(after.title >= before.title * 1.25, `title ${before.title}px -> ${after.title}px`);
    // The chrome a lecture does not need is gone; the story is there.
    assert.equal(await page.locator('.share-bar').isVisible(), false);
    assert.equal(await page.locator(`select${tid('delivery')}`).isVisible(), false);
    for (const id of ['timeline', 'replica-0', 'replica-2', 'lane-1', 'diagram']) {
      assert.equal(await page.locator(tid(id)).first().isVisible(), true, `${id} is shown`);
    }
    // At 1024x768 the replicas start on the first screen, and nothing runs off sideways.
    const replica = await page.locator(tid('replica-0')).boundingBox();
    assert.ok(replica.y < PROJECTOR.height, `replica A starts at ${replica.y}px`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the window`);

    // A clicker: Page Down, Page Up, the arrows, Space.
    await page.evaluate(() => document.activeElement?.blur());
    assert.equal(await timeline(page), 0);
    await page.keyboard.press('PageDown');
    assert.equal(await timeline(page), 1);
    await page.keyboard.press('PageDown');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Space');
    // Each key's step is drawn on a later render: wait for the third.
    await page.waitForFunction((sel) => document.querySelector(sel)?.value === '4', tid('timeline'));
    assert.equal(await timeline(page), 4);
    assert.equal(await page.locator(`${tid('held-2')} [data-message="2"]`).count(), 1, 'C holds m2 at step 4');
    await page.keyboard.press('PageUp');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await timeline(page), 2);
    await page.keyboard.press('End');
    assert.equal(await timeline(page), 6);
    await page.keyboard.press('Home');
    assert.equal(await timeline(page), 0);
    await page.keyboard.press('ArrowDown');
    assert.equal(await timeline(page), 1);
    await screenshot(page, 'classroom-presenter-1024x768');

    // ? shows every shortcut; Esc closes the list.
    await page.keyboard.press('?');
    const shortcuts = page.locator(tid('shortcuts'));
    await shortcuts.waitFor();
    const text = await shortcuts.innerText();
    for (const key of ['?', 'Page Down', 'Page Up', 'Space', 'F', 'P', 'Esc', 'Ctrl+Z', 'Ctrl+Shift+Z', 'Enter', 'Delete', 'Alt+']) {
      assert.ok(text.includes(key), `the list names ${key}`);
    }
    assert.equal(await page.evaluate(() => document.activeElement.closest('[data-testid="shortcuts"]') !== null), true, 'the list has the focus');
    await screenshot(page, 'classroom-shortcuts-1024x768');
    await page.keyboard.press('Escape');
    assert.equal(await shortcuts.count(), 0);

    // Leaving presenter mode gives the chrome back; clicker keys are then the browser's.
    await page.keyboard.press('p');
    assert.equal(await page.getAttribute(tid('present'), 'aria-pressed'), 'false');
    assert.equal(await page.locator('.share-bar').isVisible(), true);
    assert.equal(await fontSize(page, tid('replica-0')), before.store);
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('PageDown');
    assert.equal(await timeline(page), 1);
  }, { viewport: PROJECTOR });
});

// ---------------------------------------------------------------------------
// Embedding.

const CHROME = ['share', 'import', 'delivery', 'conflicts', 'replica-count', 'scenario', 'present'];

async function chromeShown(page) {
  const shown = [];
  for (const id of CHROME) if (await page.locator(tid(id)).count()) shown.push(id);
  if (await page.locator('header.top, .toolbar, .share-bar').count()) shown.push('header');
  return shown;
}

test('?embed shows the replicas, lanes, diagram and step controls, without the page\'s chrome', async () => {
  await withPage(async (page) => {
    assert.deepEqual(await chromeShown(page), []);
    for (const id of ['replica-0', 'replica-1', 'replica-2', 'lane-0', 'diagram', 'timeline', 'write-0']) {
      assert.equal(await page.locator(tid(id)).count(), 1, `${id} is there`);
    }
    // It is the playground all the same: a write goes out.
    await page.fill(tid('write-key-0'), 'x');
    await page.fill(tid('write-value-0'), '1');
    await page.click(tid('write-0'));
    assert.equal(await page.locator(`${tid('lane-1')} ${tid('inflight')}`).count(), 1);
  }, { url: embedUrl(''), viewport: PROJECTOR });
});

test('?embed&scenario=NAME opens a preset at its start; &steps=A-B locks the timeline to A..B', async () => {
  await withPage(async (page) => {
    assert.equal(await timeline(page), 0);
    assert.equal(await page.getAttribute(tid('timeline'), 'max'), '6');
    await page.click(tid('embed-next'));
    await page.click(tid('embed-next'));
    assert.equal(await timeline(page), 2);
  }, { url: embedUrl('&scenario=classic') });

  await withPage(async (page) => {
    assert.equal(await timeline(page), 3, 'it opens at the first step of the range');
    assert.equal(await page.getAttribute(tid('timeline'), 'min'), '3');
    assert.equal(await page.getAttribute(tid('timeline'), 'max'), '5');
    assert.equal(await page.isDisabled(tid('embed-previous')), true);
    await page.click(tid('embed-next'));
    await page.click(tid('embed-next'));
    assert.equal(await timeline(page), 5);
    assert.equal(await page.isDisabled(tid('embed-next')), true);
    assert.match(await page.innerText('.embed-steps'), /Step 5 \(steps 3 to 5\)/);
    // The story of those steps: C holds m2 at 4 and delivers it at 5.
    assert.equal(await page.locator(`${tid('store-2')} [data-key="y"]`).count(), 1);
  }, { url: embedUrl('&scenario=classic&steps=3-5') });
});

test('?embed&readonly lets students step and look, not act', async () => {
  await withPage(async (page) => {
    await page.click(tid('embed-next'));
    assert.equal(await timeline(page), 1);
    assert.equal(await page.locator(tid('write-0')).isVisible(), false);
    const card = page.locator(`${tid('lane-2')} ${tid('inflight')}[data-message="1"]`);
    assert.equal(await card.count(), 1);
    assert.equal(await page.locator(`${tid('lane-2')} ${tid('deliver')}`).isVisible(), false);
    // Enter on the focused card delivers nothing; a drag onto C delivers nothing.
    await card.focus();
    await page.keyboard.press('Enter');
    const target = await page.locator(tid('replica-2')).boundingBox();
    const box = await card.boundingBox();
    await page.mouse.move(box.x + 20, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(target.x + 40, target.y + 40, { steps: 8 });
    await page.mouse.up();
    assert.equal(await page.getAttribute(tid('clock-2'), 'data-clock'), '0,0,0');
    assert.equal(await card.count(), 1);
    assert.equal(await timeline(page), 1);
  }, { url: embedUrl('&scenario=classic&readonly') });
});

test('?embed with a share fragment shows that session; bad options are named', async () => {
  const fragment = shareFragment({
    branches: [[{ op: 'write', replica: 1, key: 'k', value: 'shared' }, { op: 'deliver', message: 1, to: 0 }]],
  });
  await withPage(async (page) => {
    assert.equal(await timeline(page), 2);
    assert.equal(await page.getAttribute(`${tid('store-0')} [data-key="k"]`, 'data-value'), 'shared');
    assert.deepEqual(await chromeShown(page), []);
  }, { url: embedUrl('', fragment) });

  await withPage(async (page) => {
    const problems = await page.innerText('.embed-problems');
    assert.match(problems, /steps=9-2: the first step \(9\) comes after the last \(2\)/);
    assert.match(problems, /colour is not an option of an embed/);
    assert.match(await page.innerText(tid('error')), /no-such-preset/);
    assert.equal(await page.locator(tid('replica-0')).count(), 1);
  }, { url: embedUrl('&steps=9-2&scenario=no-such-preset&colour=red') });
});

test('?embed&lesson=NAME opens that lesson inside the embed; an unknown lesson is named', async () => {
  await withPage(async (page) => {
    const panel = page.locator(tid('lesson-panel'));
    await panel.waitFor();
    assert.equal(await panel.getAttribute('data-lesson'), 'why-hold-back');
    assert.equal(await panel.getAttribute('data-step'), '1');
    assert.deepEqual(await chromeShown(page), []);
  }, { url: embedUrl('&lesson=why-hold-back') });

  await withPage(async (page) => {
    assert.match(await page.innerText('.embed-problems'), /lesson=no-such-lesson: there is no lesson named "no-such-lesson"/);
    assert.equal(await page.locator(tid('lesson-panel')).count(), 0);
  }, { url: embedUrl('&lesson=no-such-lesson') });
});

test('Embed gives the iframe snippet of the session shown, and the snippet shows it', async () => {
  let src;
  await withPage(async (page) => {
    await loadClassic(page);
    await page.locator(tid('timeline')).fill('4');
    await page.click(tid('embed'));
    const code = await page.inputValue(tid('embed-code'));
    assert.match(code, /^<iframe src="[^"]+\?embed[^"]*#s=[^"]+" title="[^"]+"/);
    src = code.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
  });
  await withPage(async (page) => {
    assert.equal(await timeline(page), 4);
    assert.equal(await page.locator(`${tid('held-2')} [data-message="2"]`).count(), 1);
    assert.deepEqual(await chromeShown(page), []);
  }, { url: src });
});

// ---------------------------------------------------------------------------
// The postMessage API, from a host page.

/**
 * A course page embedding `src`, collecting what the playground posts. It is
 * served (by Playwright's router) from another origin than the playground,
 * `localhost` rather than 127.0.0.1, as a real course page would be. Its
 * browser does not apply Chromium's local network access checks: a page the
 * router made up has no address, so Chromium would count it as public and
 * refuse it a frame on loopback; a published playground is not on loopback.
 */
async function host(src) {
  const hostUrl = `${new URL(src).origin.replace('127.0.0.1', 'localhost')}/course/lecture-3.html`;
  const html = `<!doctype html><html lang="en"><head><title>A course page</title></head>
    <body><main><h1>Causal delivery, lecture 3</h1>
    <p>Step through the classic anomaly below.</p>
    <iframe id="play" src="${src}" title="Causal Playground" width="1040" height="760" style="border: 1px solid #888"></iframe>
    </main><script>
      window.received = [];
      window.addEventListener('message', (e) => {
        if (e.source === document.getElementById('play').contentWindow) window.received.push(e.data);
      });
      window.send = (data) => document.getElementById('play').contentWindow.postMessage(data, '*');
    </script></body></html>`;
  const context = await hostBrowser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.route(hostUrl, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => errors.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ''}`));
  await page.goto(hostUrl);
  const frame = await (await page.waitForSelector('#play')).contentFrame();
  await frame.waitForSelector(tid('replica-0'));
  return { context, page, frame, errors };
}

const received = (page) => page.evaluate(() => window.received);
async function nextMessage(page, from, predicate) {
  await page.waitForFunction(([n, src]) => window.received.slice(n).some(new Function('m', `return ${src}`)), [from, predicate]);
  const all = await received(page);
  return all.slice(from).find(new Function('m', `return ${predicate}`));
}

test('postMessage: load a scenario object, seek, a state report after every change, a bad message refused', async () => {
  const { context, page, frame, errors } = await host(embedUrl(''));
  try {
    // The first state: an empty run.
    const first = await nextMessage(page, 0, "m.causal === 'state'");
    assert.equal(first.step, 0);
    assert.equal(first.report.replicas.length, 3);

    // Load: the scenario as a plain object, played to its end.
    const scenario = JSON.parse(await classicFile());
    let n = (await received(page)).length;
    await page.evaluate((s) => window.send({ causal: 'load', scenario: s }), scenario);
    const loaded = await nextMessage(page, n, "m.causal === 'state' && m.step === 6");
    assert.equal(loaded.report.converged, true);
    assert.deepEqual(loaded.report.replicas.map((r) => r.clock), [[1, 1, 0], [1, 1, 0], [1, 1, 0]]);
    assert.deepEqual(loaded.report.replicas[2].store, { x: '1', y: '2' });
    assert.equal(await timeline(frame), 6);

    // Seek: the timeline moves, and the state says so (C holds m2 at step 4).
    n = (await received(page)).length;
    await page.evaluate(() => window.send({ causal: 'seek', step: 4 }));
    const at4 = await nextMessage(page, n, "m.causal === 'state'");
    assert.equal(at4.step, 4);
    assert.deepEqual(at4.report.replicas[2].held, [2]);
    assert.equal(await timeline(frame), 4);

    // A user's step in the frame is reported too.
    n = (await received(page)).length;
    await frame.click(`${tid('lane-2')} ${tid('inflight')}[data-message="1"] ${tid('deliver')}`);
    const acted = await nextMessage(page, n, "m.causal === 'state'");
    assert.equal(acted.step, 5);
    assert.deepEqual(acted.report.replicas[2].held, []);

    // Bad messages: refused in words, the state intact; messages not for us: ignored.
    n = (await received(page)).length;
    await page.evaluate(() => {
      window.send({ causal: 'seek', step: 99 });
      window.send({ causal: 'load', scenario: { version: 1, replicas: 12, steps: [] } });
      window.send({ causal: 'fly' });
      window.send({ type: 'not-for-the-playground', step: 1 });
      window.send('seek 2');
    });
    const errorsPosted = async () => (await received(page)).slice(n).filter((m) => m.causal === 'error');
    await page.waitForFunction((k) => window.received.slice(k).filter((m) => m.causal === 'error').length >= 3, n);
    const refused = await errorsPosted();
    assert.equal(refused.length, 3);
    assert.match(refused[0].error, /step 99 is outside the timeline, which goes from 0 to 5/);
    assert.equal(refused[0].request, 'seek');
    assert.match(refused[1].error, /replicas must be 2 to 8, not 12/);
    assert.match(refused[2].error, /no "fly" message/);
    assert.equal(await timeline(frame), 5);
    assert.equal(await frame.getAttribute(tid('clock-2'), 'data-clock'), '1,1,0');
    assert.deepEqual((await received(page)).slice(n).filter((m) => m.causal === 'state'), [], 'no change, no state');

    await screenshot(page, 'classroom-embed-in-host');
    assert.deepEqual(errors, [], 'no console errors');
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------
// Accessibility: axe-core, light and dark.

for (const colorScheme of ['light', 'dark']) {
  test(`axe-core finds nothing on the classic scenario at its hold step, and with the diagram focused (${colorScheme})`, async () => {
    await withPage(async (page) => {
      await page.emulateMedia({ colorScheme });
      await loadClassic(page);
      await page.locator(tid('timeline')).fill('4');
      await page.waitForSelector(`${tid('held-2')} [data-message="2"]`);
      let violations = await axeViolations(page);
      assert.deepEqual(violations, [], describeViolations(violations));

      await page.locator(`${tid('diagram')} [tabindex="0"]`).first().focus();
      assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid="diagram"]') !== null), true);
      violations = await axeViolations(page);
      assert.deepEqual(violations, [], describeViolations(violations));

      await page.click(tid('present'));
      violations = await axeViolations(page);
      assert.deepEqual(violations, [], describeViolations(violations));
      await screenshot(page, `classroom-axe-${colorScheme}`);
    }, { viewport: { width: 1366, height: 900 } });
  });
}

test('axe-core finds nothing with a lesson open (light and dark)', async () => {
  for (const colorScheme of ['light', 'dark']) {
    await withPage(async (page) => {
      await page.emulateMedia({ colorScheme });
      await page.locator(tid('lesson-panel')).waitFor();
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${colorScheme}: ${describeViolations(violations)}`);
    }, { url: `${server.url}#lesson=why-hold-back` });
  }
});

test('axe-core finds nothing in an embed (light and dark)', async () => {
  for (const colorScheme of ['light', 'dark']) {
    await withPage(async (page) => {
      await page.emulateMedia({ colorScheme });
      await page.waitForSelector(`${tid('held-2')} [data-message="2"]`);
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${colorScheme}: ${describeViolations(violations)}`);
    }, { url: embedUrl('&scenario=classic&steps=4-6') });
  }
});

test('axe-core finds nothing in the embed builder, its preview loaded (light and dark)', async () => {
  for (const colorScheme of ['light', 'dark']) {
    await withPage(async (page) => {
      await page.emulateMedia({ colorScheme });
      await loadClassic(page);
      await page.click(tid('embed'));
      await page.locator(tid('embed-code')).waitFor();
      await page.fill(tid('embed-to'), '4');
      await page.check(tid('embed-readonly'));
      await page.waitForFunction((sel) => /steps=0-4&amp;readonly#s=/.test(document.querySelector(sel).value), tid('embed-code'));
      await page.frameLocator(tid('embed-preview')).locator(`${tid('timeline')}[max="4"]`).waitFor();
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${colorScheme}: ${describeViolations(violations)}`);
    }, { viewport: { width: 1366, height: 900 } });
  }
});

test('axe-core finds nothing on a phone with the lesson sheet open at an act (light and dark)', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme });
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}#lesson=why-hold-back`, { waitUntil: 'load' });
      await page.locator(`${tid('lesson-panel')}[data-step="1"]`).waitFor();
      // The sheet at a prediction, its choices shown, then at an act.
      await page.tap(tid('lesson-next'));
      await page.tap(tid('lesson-next'));
      await page.locator(`${tid('lesson-step')}[data-kind="predict"]`).waitFor();
      let violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${colorScheme}, a prediction: ${describeViolations(violations)}`);
      await page.tap(`${tid('lesson-choice')}[data-choice="1"]`);
      const verdict = await page.locator(tid('lesson-feedback')).getAttribute('data-verdict');
      if (verdict === 'wrong') await page.tap(tid('lesson-reveal'));
      await page.tap(tid('lesson-next'));
      await page.locator(`${tid('lesson-step')}[data-kind="act"]`).waitFor();
      violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${colorScheme}, an act: ${describeViolations(violations)}`);
    } finally {
      await context.close();
    }
  }
});

test('prefers-reduced-motion turns animation off', async () => {
  await withPage(async (page) => {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await loadClassic(page);
    await page.locator(tid('timeline')).fill('1');
    const moving = await page.evaluate(() => [...document.querySelectorAll('*')]
      .map((e) => getComputedStyle(e))
      .filter((s) => (s.animationName !== 'none' && parseFloat(s.animationDuration) > 0)
        || parseFloat(s.transitionDuration) > 0).length);
    assert.equal(moving, 0);
  });
});

// ---------------------------------------------------------------------------
// The keyboard alone.

/** Presses Tab until the focused element matches `selector` (at most `limit` times). */
async function tabTo(page, selector, limit = 150) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** What the live region has said so far. */
async function announced(page) {
  return page.locator('[aria-live]').allInnerTexts();
}

test('the classic scenario, played with the keyboard alone; the live region tells each step in words', async () => {
  await withPage(async (page) => {
    const typeAt = async (r, key, value) => {
      await tabTo(page, tid(`write-key-${r}`));
      await page.keyboard.type(key);
      await page.keyboard.press('Tab');
      await page.keyboard.type(value);
      await page.keyboard.press('Enter');
    };
    const deliver = async (m, to) => {
      await tabTo(page, `${tid(`lane-${to}`)} ${tid('inflight')}[data-message="${m}"]`);
      await page.keyboard.press('Enter');
    };
    await typeAt(0, 'x', '1');
    await deliver(1, 1);
    await typeAt(1, 'y', '2');
    await deliver(2, 2);
    assert.equal(await page.locator(`${tid('held-2')} [data-message="2"]`).count(), 1, 'C holds m2');
    const spoken = (await announced(page)).join('\n');
    assert.match(spoken, /hold|held|wait/i, spoken);
    await deliver(1, 2);
    await deliver(2, 0);
    for (let r = 0; r < 3; r++) {
      assert.equal(await page.getAttribute(tid(`clock-${r}`), 'data-clock'), '1,1,0');
    }
    assert.equal(await page.getAttribute(tid('converged'), 'data-converged'), 'true');
    assert.equal(await timeline(page), 6);
    const all = (await announced(page)).join('\n');
    assert.match(all, /deliver/i, all);
  });
});
