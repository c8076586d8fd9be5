// The first screen (ARCHITECTURE.md, "The first screen"): before the
// WebAssembly runs the page shows its title, what it is and a loading
// indicator; if the WebAssembly cannot be fetched it says so in words; once
// the app mounts the skeleton is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tid, useBrowser } from './support.mjs';

const { browser, server } = useBrowser();

/** Opens the page with every request for the .wasm handed to `onWasm(route)`. */
async function openWithWasm(onWasm) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await page.route(/\.wasm(\?.*)?$/, onWasm);
  await page.goto(server.url, { waitUntil: 'commit' });
  return { context, page };
}

test('with the WebAssembly held back, the skeleton shows the title, what the page is and that it is loading', async () => {
  const held = [];
  let firstHeld;
  const heldOnce = new Promise((resolve) => { firstHeld = resolve; });
  const { context, page } = await openWithWasm((route) => {
    held.push(route);
    firstHeld();
  });
  try {
    const skeleton = page.locator(tid('skeleton'));
    await skeleton.waitFor({ state: 'visible' });
    assert.equal(await skeleton.locator('h1').innerText(), 'Causal Playground');
    assert.match(await skeleton.locator('p').innerText(), /replicas/);
    const status = page.getByRole('status');
    await status.waitFor({ state: 'visible' });
    assert.match(await status.innerText(), /Loading/);
    assert.equal(await page.locator('progress').count(), 1);
    assert.equal(await page.locator(tid('replica-0')).count(), 0);
    // Let it through: the app replaces the skeleton.
    await heldOnce;
    for (const route of held.splice(0)) await route.continue();
    await page.unroute(/\.wasm(\?.*)?$/);
    await page.locator(tid('replica-0')).waitFor({ state: 'visible' });
    await skeleton.waitFor({ state: 'detached' });
    assert.equal(await page.locator('h1').count(), 1);
    // The app is styled: its style sheets, which follow the skeleton in the
    // body, are still there once the app has mounted.
    const styled = await page.evaluate(() => ({
      sheets: document.querySelectorAll('link[rel="stylesheet"]').length,
      maxWidth: getComputedStyle(document.querySelector('.app')).maxWidth,
    }));
    assert.deepEqual(styled, { sheets: 5, maxWidth: '1880px' });
  } finally {
    await context.close();
  }
});

test('with the WebAssembly request failing, the page says in words that it could not load', async () => {
  const { context, page } = await openWithWasm((route) => route.abort('failed'));
  try {
    const status = page.locator(tid('skeleton-status'));
    await page.waitForFunction(
      () => document.querySelector('[data-testid="skeleton"]')?.classList.contains('failed'),
      null,
      { timeout: 20000 },
    );
    assert.match(await status.innerText(), /could not load/);
    assert.equal(await page.locator('progress').isVisible(), false);
    assert.equal(await page.locator(tid('skeleton')).locator('h1').innerText(), 'Causal Playground');
  } finally {
    await context.close();
  }
});
