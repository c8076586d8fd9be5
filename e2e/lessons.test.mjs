// Guided lessons end to end (issue 10; README.md, "Writing a lesson"): every
// lesson under lessons/ completed through its hooks (acts done on the page as a
// user does them, at least one prediction answered wrongly and one rightly), a
// wrong act told and undone, progress kept across a reload, `#lesson=NAME`
// links, the `lesson-done` message to an embedding page, the rule at work
// following the rule selector and the timeline, and screenshots of a lesson on
// a laptop, a phone and in dark mode. Debian's Chromium via playwright-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ARTIFACTS, ROOT, cardSel, tid, write, useBrowser,
} from './support.mjs';

const { browser, server, withPage } = useBrowser();

/** The lesson files the page embeds: the same folder. */
async function lessonNames() {
  const files = await readdir(join(ROOT, 'lessons'), { withFileTypes: true });
  return files.filter((f) => f.isFile() && f.name.endsWith('.json')).map((f) => f.name.slice(0, -5)).sort();
}

const panel = tid('lesson-panel');

async function panelState(page) {
  return page.$eval(panel, (p) => ({
    lesson: p.dataset.lesson,
    step: Number(p.dataset.step),
    steps: Number(p.dataset.steps),
    done: p.dataset.done,
    kind: p.querySelector('[data-testid="lesson-step"]')?.dataset.kind,
    expect: p.querySelector('[data-testid="lesson-step"]')?.dataset.expect,
  }));
}

/**
 * What the page tells of outcomes, outside the lesson panel: the text of
 * every element (hidden ones and closed disclosures included) and every
 * attribute, with the phrases the page uses when it tells what a receive
 * would do or did, whether the replicas will agree, and what a held message
 * waits for.
 */
const TELLS = /delivers now|would be held|would be discarded|breaking causal order|waits for|then releases|Last receive|Catching up|diverged:|Replicas agree|has not seen|is missing|Every order ends|orders? ends? with replicas/i;

async function outsideText(page) {
  return page.evaluate(() => {
    const panelEl = document.querySelector('[data-testid="lesson-panel"]');
    const texts = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (panelEl && panelEl.contains(el)) continue;
      if (el.closest('script, style')) continue;
      for (const attr of el.attributes) texts.push(attr.value);
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (panelEl && panelEl.contains(node)) continue;
      if (node.parentElement && node.parentElement.closest('script, style')) continue;
      texts.push(node.textContent);
    }
    return texts;
  });
}

/** While a prediction waits: nothing outside the panel tells its outcome. */
async function assertNothingTold(page, where) {
  const texts = await outsideText(page);
  const told = texts.filter((t) => TELLS.test(t));
  assert.deepEqual(told, [], `${where}: the page tells the outcome before the answer`);
  assert.ok((await page.$$(tid('hidden-outcome'))).length >= 1, `${where}: hidden-outcome shown`);
  // Every card says its outcome is hidden, and so does the rule at work.
  const cards = await page.$$eval(tid('inflight'), (cs) => cs.map((c) => !!c.querySelector('[data-testid="hidden-outcome"]')));
  assert.ok(cards.every((c) => c), `${where}: every card hides what it would do`);
  return texts.join('\n');
}

/** Once answered: the page tells again. */
async function assertTold(page, where) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="hidden-outcome"]'));
  const cards = await page.$$eval(`${'[data-testid="inflight"]'} .card-preview`, (cs) => cs.map((c) => c.textContent));
  assert.ok(cards.every((c) => c.length > 0 && !/hidden/.test(c)), `${where}: cards tell again: ${cards}`);
  assert.ok((await outsideText(page)).some((t) => TELLS.test(t)), `${where}: some outcome is told again`);
}

async function nextEnabled(page) {
  return page.$eval(tid('lesson-next'), (b) => !b.disabled);
}

/** Does on the page the scenario step an act asks for, as a user would. */
async function perform(page, expect) {
  switch (expect.op) {
    case 'write':
      return write(page, expect.replica, expect.key, expect.value);
    case 'deliver':
      return page.click(`${cardSel(expect.message, expect.to)} ${tid('deliver')}`);
    case 'drop':
      return page.click(`${cardSel(expect.message, expect.to)} ${tid('drop')}`);
    case 'duplicate': {
      const card = await page.$(cardSel(expect.message, expect.to));
      if (card) return page.click(`${cardSel(expect.message, expect.to)} ${tid('duplicate')}`);
      return page.click(`${tid('resend')}[data-message="${expect.message}"][data-to="${expect.to}"]`);
    }
    default:
      throw new Error(`no way to do ${JSON.stringify(expect)} on the page`);
  }
}

/**
 * Goes through the open lesson to its end. A prediction is answered with
 * `known[step]` first when given, else by trying the choices in order; every
 * wrong choice must be explained with numbers and keep Next shut. Resolves to
 * { wrong, right } (how predictions were first answered) and the right choice
 * of each prediction, by step.
 */
async function complete(page, name, known = {}) {
  const counts = { wrong: 0, right: 0 };
  const answers = {};
  const { steps } = await panelState(page);
  for (let k = 1; k <= steps; k++) {
    await page.waitForSelector(`${panel}[data-step="${k}"]`);
    const state = await panelState(page);
    assert.equal(state.lesson, name);
    assert.equal(state.done, 'false');
    if (state.kind === 'read') {
      assert.ok(await nextEnabled(page), `${name} step ${k}: a read step can be left at once`);
    } else if (state.kind === 'act') {
      assert.equal(await nextEnabled(page), false, `${name} step ${k}: Next waits for the act`);
      await perform(page, JSON.parse(state.expect));
      await page.waitForSelector(`${tid('lesson-act')}[data-status="right"]`);
    } else {
      assert.equal(state.kind, 'predict');
      assert.equal(await nextEnabled(page), false, `${name} step ${k}: Next waits for an answer`);
      const n = (await page.$$(tid('lesson-choice'))).length;
      assert.ok(n >= 2 && n <= 4, `${name} step ${k}: ${n} choices`);
      const order = [known[k], ...Array.from({ length: n }, (_, i) => i + 1)].filter((c) => c);
      const before = await assertNothingTold(page, `${name} step ${k}`);
      let first = true;
      for (const c of order) {
        await page.click(`${tid('lesson-choice')}[data-choice="${c}"]`);
        const verdict = await page.getAttribute(tid('lesson-feedback'), 'data-verdict');
        if (first) counts[verdict] += 1;
        first = false;
        if (verdict === 'right') {
          answers[k] = c;
          break;
        }
        // A wrong choice says why, with the numbers, and Next stays shut.
        const why = await page.textContent(tid('lesson-feedback'));
        assert.match(why, /\d/, `${name} step ${k}: a wrong answer is explained with numbers: ${why}`);
        assert.equal(await nextEnabled(page), false);
      }
      assert.equal(await page.getAttribute(tid('lesson-feedback'), 'data-verdict'), 'right');
      // The answer to "what will C do" was nowhere outside the panel before
      // ("deliver it" is left out: the page's help says how to deliver a card).
      const label = (await page.textContent(`${tid('lesson-choice')}[data-choice="${answers[k]}"]`)).trim();
      if (/^(hold|discard)/i.test(label)) {
        assert.ok(!before.toLowerCase().includes(label.toLowerCase()), `${name} step ${k}: "${label}" was on the page before the answer`);
      }
      await assertTold(page, `${name} step ${k}`);
    }
    assert.ok(await nextEnabled(page), `${name} step ${k}: Next opens`);
    await page.click(tid('lesson-next'));
  }
  await page.waitForSelector(`${panel}[data-done="true"]`);
  return { counts, answers };
}

for (const name of await lessonNames()) {
  test(`lesson ${name}: completed through its hooks, once by trial, once knowing the answers`, async () => {
    const url = `${server.url}#lesson=${name}`;
    let answers;
    // By trial: the choices in order, so some first answers are wrong.
    await withPage(async (page) => {
      await page.waitForSelector(`${panel}[data-lesson="${name}"][data-step="1"]`);
      const run = await complete(page, name);
      answers = run.answers;
      // The results count each prediction's first answer, kept in the browser.
      const file = JSON.parse(await readFile(join(ROOT, 'lessons', `${name}.json`), 'utf8'));
      const predictions = file.steps.filter((st) => st.kind === 'predict').length;
      const row = `${tid('lesson-results')} > [data-lesson="${name}"]`;
      await page.waitForSelector(row);
      assert.equal(await page.getAttribute(row, 'data-predictions'), String(predictions));
      assert.equal(await page.getAttribute(row, 'data-first-try'), String(run.counts.right));
      assert.ok(run.counts.wrong >= 1, `${name}: a prediction answered wrongly (${JSON.stringify(run.counts)})`);
      // The end says what to try next, and the list says done.
      assert.match(await page.textContent(tid('lesson-end')), /What to try next/);
      assert.equal(
        await page.textContent(`${tid('lesson-open')}[data-lesson="${name}"] .lesson-badge`),
        'done',
      );
    }, { url });
    // Again in a fresh browser: the same answers are right at once.
    await withPage(async (page) => {
      await page.waitForSelector(`${panel}[data-lesson="${name}"][data-step="1"]`);
      const run = await complete(page, name, answers);
      assert.equal(run.counts.wrong, 0, `${name}: the answers are the same every time`);
      assert.ok(run.counts.right >= 1, `${name}: a prediction answered rightly`);
    }, { url });
  });
}

test('a wrong act is named with the way back; Undo and the right act go on', async () => {
  await withPage(async (page) => {
    await page.click(`${tid('lesson-open')}[data-lesson="why-hold-back"]`);
    await page.waitForSelector(`${panel}[data-lesson="why-hold-back"][data-step="1"]`);
    // Steps 1 and 2 are read; 3 a prediction; 4 the act: m2 to C.
    await page.click(tid('lesson-next'));
    await page.click(tid('lesson-next'));
    await page.click(`${tid('lesson-choice')}[data-choice="2"]`);
    assert.equal(await page.getAttribute(tid('lesson-feedback'), 'data-verdict'), 'right');
    await page.click(tid('lesson-next'));
    const state = await panelState(page);
    assert.equal(state.kind, 'act');
    assert.deepEqual(JSON.parse(state.expect), { op: 'deliver', message: 2, to: 2 });
    await perform(page, { op: 'deliver', message: 1, to: 2 });
    await page.waitForSelector(`${tid('lesson-act')}[data-status="wrong"]`);
    assert.equal(await page.textContent(tid('lesson-act')), 'That was not m2 to C: undo it and try again.');
    assert.equal(await nextEnabled(page), false);
    await page.click(tid('undo'));
    await page.waitForSelector(`${tid('lesson-act')}[data-status="waiting"]`);
    await perform(page, state.expect && JSON.parse(state.expect));
    await page.waitForSelector(`${tid('lesson-act')}[data-status="right"]`);
    // The rule at work shows the test that held m2 back, with its numbers.
    const rule = tid('rule-at-work');
    assert.equal(await page.getAttribute(rule, 'data-rule'), 'causal');
    assert.match(await page.textContent(`${rule} [data-decided="true"]`), /if m\[k\] > r\[k\] for some other k: hold m back/);
    assert.match(await page.textContent(tid('rule-because')), /m2 \[1,1,0\] against C \[0,0,0\]: entry A fails\./);
    // The held entry and the rule at work print the same words and tests.
    const heldWords = await page.textContent(`${tid('held-2')} [data-message="2"] .why`);
    assert.ok((await page.textContent(tid('rule-because'))).includes(heldWords), heldWords);
    const heldTests = await page.$$eval(`${tid('held-2')} [data-message="2"] .tests li`, (ls) => ls.map((l) => l.textContent));
    const ruleTests = await page.$$eval(`${tid('rule-because')} .tests li`, (ls) => ls.map((l) => l.textContent));
    assert.ok(heldTests.length > 0);
    assert.deepEqual(ruleTests, heldTests);
    assert.ok(heldTests.some((t) => t === 'needs m2[A] \u2264 C[A]: 1 > 0, fails'), heldTests.join(' | '));
    // Step 5 talks of the hold-back buffer: it is highlighted.
    await page.click(tid('lesson-next'));
    await page.waitForSelector(`${tid('held-2')}[data-lesson-highlight="true"]`);
    // The rule follows the selector: under fifo the same receive delivers.
    await page.selectOption(`select${tid('delivery')}`, 'fifo');
    await page.waitForSelector(`${rule}[data-rule="fifo"]`);
    assert.match(await page.textContent(tid('rule-because')), /C delivers m2: it is the next message from B/);
    await page.selectOption(`select${tid('delivery')}`, 'causal');
    await page.waitForSelector(`${rule}[data-rule="causal"]`);
    // And the timeline: back at the start, the last receive is m1 at B.
    await page.$eval(tid('timeline'), (t) => {
      t.value = '2';
      t.dispatchEvent(new Event('input', { bubbles: true }));
      t.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.waitForSelector(`${tid('rule-because')}[data-message="1"][data-replica="1"]`);
  });
});

test('lesson results: first answers only, kept across a reload, downloaded as CSV', async () => {
  await withPage(async (page) => {
    await page.click(`${tid('lesson-open')}[data-lesson="vector-clocks"]`);
    await page.waitForSelector(`${panel}[data-lesson="vector-clocks"][data-step="1"]`);
    assert.equal(await page.$$eval(`${tid('lesson-results')} > *`, (r) => r.length), 0);
    await page.click(tid('lesson-next'));
    // Step 2 asks A's clock after its write: every choice in turn.
    const n = (await page.$$(tid('lesson-choice'))).length;
    const tried = [];
    let right = null;
    for (let c = 1; c <= n; c++) {
      await page.click(`${tid('lesson-choice')}[data-choice="${c}"]`);
      tried.push((await page.textContent(`${tid('lesson-choice')}[data-choice="${c}"]`)).trim());
      if ((await page.getAttribute(tid('lesson-feedback'), 'data-verdict')) === 'right') { right = c; break; }
    }
    const row = `${tid('lesson-results')} > [data-lesson="vector-clocks"]`;
    await page.waitForSelector(row);
    assert.equal(await page.getAttribute(row, 'data-predictions'), '1');
    assert.equal(await page.getAttribute(row, 'data-first-try'), right === 1 ? '1' : '0');
    // The first answer is kept in the browser: a reload shows it again.
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector(row);
    assert.equal(await page.getAttribute(row, 'data-first-try'), right === 1 ? '1' : '0');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click(tid('export-results')),
    ]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    assert.equal(lines[0], 'lesson,prediction,first answer,right or wrong,time');
    assert.equal(lines.length, 2, csv);
    assert.ok(lines[1].startsWith('vector-clocks,'), lines[1]);
    assert.ok(lines[1].includes(`"${tried[0]}"`) || lines[1].includes(`,${tried[0]},`), `${lines[1]} names the first answer ${tried[0]}`);
    assert.match(lines[1], new RegExp(`,${right === 1 ? 'right' : 'wrong'},\\d{4}-\\d\\d-\\d\\dT`));
  });
});

test('progress survives a reload: the lesson comes back at the same step', async () => {
  await withPage(async (page) => {
    await page.click(`${tid('lesson-open')}[data-lesson="vector-clocks"]`);
    await page.waitForSelector(`${panel}[data-lesson="vector-clocks"][data-step="1"]`);
    await page.click(tid('lesson-next'));
    // Step 2 predicts A's clock after its write: answer it, then write.
    const n = (await page.$$(tid('lesson-choice'))).length;
    for (let c = 1; c <= n; c++) {
      await page.click(`${tid('lesson-choice')}[data-choice="${c}"]`);
      if ((await page.getAttribute(tid('lesson-feedback'), 'data-verdict')) === 'right') break;
    }
    await page.click(tid('lesson-next'));
    await write(page, 0, 'x', '1');
    await page.waitForSelector(`${tid('lesson-act')}[data-status="right"]`);
    await page.click(tid('lesson-next'));
    await page.waitForSelector(`${panel}[data-step="4"]`);
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector(`${panel}[data-lesson="vector-clocks"][data-step="4"]`);
    assert.equal(await page.getAttribute(tid('clock-0'), 'data-clock'), '1,0,0');
    assert.equal(
      await page.textContent(`${tid('lesson-open')}[data-lesson="vector-clocks"] .lesson-badge`),
      'step 4 of 12',
    );
    // Closing it keeps the place: opening it again comes back to step 4.
    await page.click(tid('lesson-close'));
    await page.waitForSelector(panel, { state: 'detached' });
    await page.click(`${tid('lesson-open')}[data-lesson="vector-clocks"]`);
    await page.waitForSelector(`${panel}[data-lesson="vector-clocks"][data-step="4"]`);
    assert.equal(await page.getAttribute(tid('clock-0'), 'data-clock'), '1,0,0');
  });
});

test('an unknown #lesson= link is told, and the page works on', async () => {
  await withPage(async (page) => {
    await page.waitForSelector(tid('error'));
    assert.match(await page.textContent(tid('error')), /^That lesson cannot be opened: there is no lesson named "nope"\.$/);
    assert.equal(await page.$(panel), null);
  }, { url: `${server.url}#lesson=nope` });
});

test('on a narrow laptop the lesson list fades where more lessons lie beyond its edge', async () => {
  const classes = (page) => page.$eval('nav.lessons', (n) => [n.classList.contains('more-before'), n.classList.contains('more-after')]);
  const twoFrames = (page) => page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  await withPage(async (page) => {
    // With a lesson open the list does not fit 1024 px: lessons lie beyond its right edge.
    await page.waitForSelector(panel);
    await page.waitForFunction(() => document.querySelector('nav.lessons')?.classList.contains('more-after'));
    assert.deepEqual(await classes(page), [false, true]);
    await page.$eval('.lesson-list', (l) => { l.scrollLeft = l.scrollWidth; });
    await page.waitForFunction(() => !document.querySelector('nav.lessons').classList.contains('more-after'));
    assert.deepEqual(await classes(page), [true, false]);
    // Presenter mode hides the list, and what changes meanwhile is measured
    // on a list of no size: here a lesson a puzzle closed, brought back by
    // Ctrl+Z while presenting. Shown again (a change of its size, with no
    // window resize), the list is measured as it is: still at its end.
    await page.click(`${tid('puzzle-open')}[data-puzzle="split-brain"]`);
    await page.waitForSelector(tid('puzzle-panel'));
    await page.click(tid('present'));
    await page.waitForFunction(() => document.documentElement.classList.contains('presenting'));
    await page.keyboard.press('Control+z');
    await page.waitForSelector(`${panel}[data-lesson="why-hold-back"]`, { state: 'attached' });
    await page.click(tid('present'));
    await page.waitForFunction(() => !document.documentElement.classList.contains('presenting'));
    await page.waitForFunction(() => document.querySelector('nav.lessons').classList.contains('more-before'));
    assert.deepEqual(await classes(page), [true, false]);
    // A wider window: the list is measured again at its new size (with this
    // lesson open it still overflows, now on both sides of the scroll).
    await page.setViewportSize({ width: 1800, height: 768 });
    await page.waitForFunction(() => document.querySelector('nav.lessons').classList.contains('more-after'));
    assert.deepEqual(await classes(page), [true, true]);
  }, { url: `${server.url}#lesson=why-hold-back`, viewport: { width: 1024, height: 768 } });
  await withPage(async (page) => {
    // Wide enough for every lesson: no edge fades.
    await twoFrames(page);
    await twoFrames(page);
    assert.deepEqual(await classes(page), [false, false]);
  }, { viewport: { width: 1800, height: 900 } });
});

test('finishing a lesson in an iframe posts lesson-done to the embedding page', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 1400 } });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent(`<!doctype html><body>
      <script>window.got = []; addEventListener('message', (e) => window.got.push(e.data));</script>
      <iframe id="p" style="width:1300px;height:1300px" src="${server.url}#lesson=lost-and-duplicated"></iframe></body>`);
    const frame = await (await page.waitForSelector('#p')).contentFrame();
    await frame.waitForSelector(`${panel}[data-lesson="lost-and-duplicated"]`);
    await complete(frame, 'lost-and-duplicated');
    await page.waitForFunction(() => window.got.some((m) => m && m.causal === 'lesson-done'));
    const done = await page.evaluate(() => window.got.filter((m) => m && m.causal === 'lesson-done'));
    assert.deepEqual(done, [{ causal: 'lesson-done', lesson: 'lost-and-duplicated' }]);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('screenshots of a lesson: laptop, phone, dark', async () => {
  for (const [label, options] of [
    ['lesson-1366x768', { viewport: { width: 1366, height: 768 } }],
    ['lesson-390x844', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
    ['lesson-dark', { viewport: { width: 1366, height: 768 }, colorScheme: 'dark' }],
  ]) {
    const context = await browser.newContext(options);
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}#lesson=why-hold-back`, { waitUntil: 'load' });
      await page.waitForSelector(`${panel}[data-step="1"]`);
      await page.click(tid('lesson-next'));
      await page.click(tid('lesson-next'));
      // A wrong prediction, explained.
      await page.click(`${tid('lesson-choice')}[data-choice="1"]`);
      await page.waitForSelector(`${tid('lesson-feedback')}[data-verdict="wrong"]`);
      // What the learner sees: the panel at the top of the window.
      await page.$eval(panel, (p) => p.scrollIntoView({ block: 'start' }));
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `${label}.png`) });
    } finally {
      await context.close();
    }
  }
});
