// The postMessage API against a hostile or careless sender (issue 25): a
// scenario that holds itself or nests deep is refused in words and leaves
// the page working; every refused load is answered; an embed listens to its
// embedding page only; a page of its own asks its user before a page of
// another origin drives it. Debian's Chromium via playwright-core, against
// the release build; the other pages are made up by Playwright's router at
// `localhost`, another origin than the playground's 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHROMIUM_ARGS, tid, useBrowser, useLaunchedBrowser } from './support.mjs';

const { server } = useBrowser();

// A page the router made up has no address: Chromium would count it as
// public and refuse it a frame or a window on loopback.
const hostBrowser = useLaunchedBrowser({ args: [...CHROMIUM_ARGS, '--disable-features=LocalNetworkAccessChecks'] });

const otherOrigin = () => new URL(server.url).origin.replace('127.0.0.1', 'localhost');

/**
 * A page of another origin, `body` its HTML body, with `window.received`
 * collecting what other windows post to it. Resolves to { context, page, errors }.
 */
async function hostPage(body) {
  const url = `${otherOrigin()}/course/page.html`;
  const html = `<!doctype html><html lang="en"><head><title>A course page</title></head><body>${body}
    <script>
      window.received = [];
      window.addEventListener('message', (e) => window.received.push(e.data));
    </script></body></html>`;
  const context = await hostBrowser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  const page = await context.newPage();
  const errors = [];
  const listen = (p) => {
    p.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
    p.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  };
  listen(page);
  context.on('page', listen);
  await page.goto(url);
  return { context, page, errors };
}

/** Waits for the host to have received an error reply after the first `from`; resolves to it. */
async function nextError(page, from) {
  await page.waitForFunction((n) => window.received.slice(n).some((m) => m && m.causal === 'error'), from);
  return (await page.evaluate(() => window.received)).slice(from).find((m) => m && m.causal === 'error');
}

const count = (page) => page.evaluate(() => window.received.length);

const writes = (n, replicas = 3, key = 'k') => ({
  version: 1,
  replicas,
  steps: Array.from({ length: n }, (_, i) => ({ op: 'write', replica: i % replicas, key, value: String(i) })),
});

test('an embed refuses, in words, a scenario that holds itself, nests deep, is huge or passes the page\'s limits, and keeps working', async () => {
  const { context, page, errors } = await hostPage(
    `<iframe id="play" src="${server.url}?embed" title="Causal Playground" width="1040" height="700"></iframe>
     <script>window.send = (data) => document.getElementById('play').contentWindow.postMessage(data, '*');</script>`,
  );
  try {
    const frame = await (await page.waitForSelector('#play')).contentFrame();
    await frame.waitForSelector(tid('replica-0'));
    const cases = [
      ['itself', () => { const s = { version: 1, replicas: 3, steps: [] }; s.self = s; return s; },
        /^The "load" message was refused: the scenario nests deeper than 32 levels \(an object that holds itself does\)/],
      ['deep', () => { let d = []; for (let i = 0; i < 3000; i++) d = [d]; return { version: 1, steps: [], d }; },
        /nests deeper than 32 levels/],
      ['huge', () => ({ version: 1, steps: [], pad: 'x'.repeat(3_000_000) }),
        /the scenario is larger than a file the page imports \(1,000,000 bytes at most\)\.$/],
      ['long key', () => ({ version: 1, steps: [{ op: 'write', replica: 0, key: 'k'.repeat(30), value: '1' }] }),
        /^The "load" message was refused: step 1: .*key.*24/],
      ['too many events', () => ({ version: 1, replicas: 8, steps: Array.from({ length: 7000 }, (_, i) => ({ op: 'write', replica: i % 8, key: 'k', value: 'v' })) }),
        /more than 50,000 events, more than the page can show at once/],
      ['too many steps', () => ({ version: 1, steps: Array.from({ length: 100_001 }, () => ({ op: 'deliver-all' })) }),
        /larger than a file the page imports/],
    ];
    for (const [name, make, expected] of cases) {
      const n = await count(page);
      await page.evaluate(`window.send({ causal: 'load', scenario: (${make.toString()})() })`);
      const reply = await nextError(page, n);
      assert.equal(reply.request, 'load', name);
      assert.match(reply.error, expected, name);
      assert.doesNotMatch(reply.error, /expected|usize|`/, `${name}: in the page's words`);
    }
    // Nothing changed, and the page still works: a load, then a delivery by hand.
    assert.equal(await frame.locator(tid('inflight')).count(), 0);
    let n = await count(page);
    await page.evaluate(() => window.send({ causal: 'load', scenario: { version: 1, steps: [{ op: 'write', replica: 0, key: 'x', value: '1' }] } }));
    await page.waitForFunction((k) => window.received.slice(k).some((m) => m.causal === 'state' && m.step === 1), n);
    await frame.click(`${tid('lane-1')} ${tid('inflight')}[data-message="1"] ${tid('deliver')}`);
    await frame.waitForSelector(`${tid('clock-1')}[data-clock="1,0,0"]`);
    n = await count(page);
    await page.evaluate(() => window.send({ causal: 'seek', step: 'two' }));
    const seek = await nextError(page, n);
    assert.equal(seek.error, 'The "seek" message was refused: its "step" must be a whole number of steps, from 0, not the text "two".');
    assert.deepEqual(errors, [], 'no console errors');
  } finally {
    await context.close();
  }
});

test('an embed takes messages from its embedding page only', async () => {
  // A second frame of the course page (any window but the embedding page) posts to the playground's frame.
  const { context, page, errors } = await hostPage(
    `<iframe id="play" src="${server.url}?embed" title="Causal Playground" width="1040" height="600"></iframe>
     <iframe id="other" title="Another frame" srcdoc="<p>another frame</p>"></iframe>
     <script>
       window.send = (data) => document.getElementById('play').contentWindow.postMessage(data, '*');
       window.sendFromOther = (data) => document.getElementById('other').contentWindow.eval(
         'parent.document.getElementById(\\'play\\').contentWindow.postMessage(' + JSON.stringify(data) + ', \\'*\\')');
     </script>`,
  );
  try {
    const frame = await (await page.waitForSelector('#play')).contentFrame();
    await frame.waitForSelector(tid('replica-0'));
    const load = { causal: 'load', scenario: { version: 1, steps: [{ op: 'write', replica: 0, key: 'x', value: 'stranger' }] } };
    await page.evaluate((m) => window.sendFromOther(m), load);
    // Then a seek from the embedding page, refused (nothing to seek to): its
    // reply arrives after the stranger's message was handled.
    const n = await count(page);
    await page.evaluate(() => window.send({ causal: 'seek', step: 5 }));
    const reply = await nextError(page, n);
    assert.match(reply.error, /step 5 is outside the timeline, which goes from 0 to 0/, 'the stranger\'s load was not carried out');
    assert.equal(await frame.locator(tid('inflight')).count(), 0);
    assert.deepEqual(errors, [], 'no console errors');
  } finally {
    await context.close();
  }
});

test('a page of its own asks its user before a page of another origin drives it', async () => {
  const { context, page, errors } = await hostPage('<h1>A page that opens the playground</h1>');
  try {
    const [play] = await Promise.all([
      context.waitForEvent('page'),
      page.evaluate((url) => { window.opened = window.open(url, '_blank'); }, server.url),
    ]);
    await play.waitForSelector(tid('replica-0'));
    // The user's own work.
    await play.fill(tid('write-key-0'), 'mine');
    await play.fill(tid('write-value-0'), '1');
    await play.click(tid('write-0'));
    await play.waitForSelector(`${tid('store-0')} [data-key="mine"]`);

    const send = (m) => page.evaluate((msg) => window.opened.postMessage(msg, '*'), m);
    const theirs = { causal: 'load', scenario: { version: 1, replicas: 4, steps: [] } };
    await send(theirs);
    const ask = play.locator(tid('message-ask'));
    await ask.waitFor();
    assert.equal(await ask.getAttribute('data-origin'), otherOrigin());
    assert.match(await ask.textContent(), new RegExp(`A page at ${otherOrigin().replace(/\./g, '\\.')} asks to load a scenario here`));
    assert.equal(await play.locator('[data-drop-replica]').count(), 3, 'nothing loaded before the user answers');

    // Ignored: the session stays, the sender hears why.
    let n = await count(page);
    await play.click(tid('message-ignore'));
    const refused = await nextError(page, n);
    assert.equal(refused.request, 'load');
    assert.match(refused.error, /did not allow http:\/\/localhost:\d+ to drive it/);
    await play.waitForFunction(() => !document.querySelector('[data-testid="message-ask"]'));
    assert.equal(await play.locator(`${tid('store-0')} [data-key="mine"]`).count(), 1);

    // Allowed: carried out, one Undo from the user's session; later ones need no asking.
    await send(theirs);
    await ask.waitFor();
    await play.click(tid('message-allow'));
    await play.waitForFunction(() => document.querySelectorAll('[data-drop-replica]').length === 4);
    await play.waitForFunction(() => !document.querySelector('[data-testid="message-ask"]'));
    await send({ causal: 'load', scenario: { version: 1, replicas: 5, steps: [] } });
    await play.waitForFunction(() => document.querySelectorAll('[data-drop-replica]').length === 5);
    assert.equal(await ask.count(), 0);
    await play.click(tid('undo'));
    await play.click(tid('undo'));
    await play.waitForSelector(`${tid('store-0')} [data-key="mine"]`);
    n = await count(page);
    await send({ causal: 'seek', step: 'x' });
    assert.match((await nextError(page, n)).error, /must be a whole number of steps/);
    assert.deepEqual(errors, [], 'no console errors');
  } finally {
    await context.close();
  }
});
