// The release build, served on loopback, in Debian's Chromium: the page shows
// three replicas with zeroed vector clocks, and says nothing on the console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot, useBrowser } from './support.mjs';

const { browser, server } = useBrowser();

test('the page renders three replicas with zeroed clocks and no console errors', async () => {
  const { context, page, errors } = await openPage(browser, server.url, {
    waitFor: '[data-testid="replica-0"]',
  });
  try {
    assert.equal(await page.title(), 'Causal Playground');
    for (const i of [0, 1, 2]) {
      await page.locator(`[data-testid="replica-${i}"]`).waitFor({ state: 'visible' });
    }
    assert.equal(await page.locator('[data-testid="replica-3"]').count(), 0);
    assert.equal(await page.locator('[data-testid="clock-0"]').getAttribute('data-clock'), '0,0,0');
    await screenshot(page, 'page-initial');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
