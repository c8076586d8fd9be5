// The outcome census runs in a Web Worker (a second wasm, fetched when a
// census starts), so the page answers input while it counts, and Cancel
// terminates the worker (DESIGN 6.1 and 8; ARCHITECTURE.md, "The census
// worker").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tid, useBrowser } from './support.mjs';

const { withPage } = useBrowser();

/** Imports a run of `copies` copies in flight: A, B, C writing x and y in turn. */
async function importCopies(page, copies) {
  const steps = Array.from({ length: copies / 2 }, (_, i) => ({
    op: 'write', replica: i % 3, key: i % 2 === 0 ? 'x' : 'y', value: String(i),
  }));
  const scenario = Buffer.from(JSON.stringify({ version: 1, replicas: 3, steps }));
  await page.setInputFiles(tid('import'), { name: 'copies.json', mimeType: 'application/json', buffer: scenario });
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="inflight"]').length === n,
    copies,
  );
}

test('the census counts in a worker, and the page answers input meanwhile', async () => {
  await withPage(async (page) => {
    await importCopies(page, 10);
    assert.equal(page.workers().length, 0, 'no worker before a census');
    const started = page.waitForEvent('worker');
    await page.click(tid('explore'));
    const worker = await started;
    assert.match(worker.url(), /worker_loader\.js$/);
    // The main thread is free: the shortcuts list opens while the worker counts.
    await page.keyboard.press('?');
    await page.locator(tid('shortcuts')).waitFor();
    await page.keyboard.press('Escape');
    const census = page.locator(tid('census'));
    await census.waitFor({ timeout: 60_000 });
    assert.equal(await census.getAttribute('data-orders'), '3628800');
    assert.ok(Number(await census.getAttribute('data-outcomes')) > 1);
  });
});

test('Cancel terminates the census worker and shows no counts', async () => {
  await withPage(async (page) => {
    await importCopies(page, 12);
    const started = page.waitForEvent('worker');
    await page.click(tid('explore'));
    const worker = await started;
    const closed = new Promise((resolve) => worker.on('close', resolve));
    const cancel = page.locator(tid('census-cancel'));
    await cancel.click();
    await closed;
    await page.locator(tid('census-progress')).waitFor({ state: 'detached' });
    assert.equal(await page.locator(tid('census')).count(), 0);
    assert.equal(await page.locator(tid('explore')).isEnabled(), true);
  });
});
