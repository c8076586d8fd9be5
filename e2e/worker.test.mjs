// The engine's long searches run in a Web Worker (a second wasm, fetched
// when first needed): the outcome census, so the page answers input while
// it counts, and Cancel terminates the worker; and a puzzle's search for
// its par and for whether its goal is still in reach (ARCHITECTURE.md,
// "The search worker").
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

/**
 * Clicks `trigger` and resolves to the worker it starts, with `closed`, a
 * promise of its termination. The close is listened for in the same turn
 * as the worker is announced: a census of a few copies can end its worker
 * before an awaiting test would have attached a listener.
 */
async function startWorker(page, trigger) {
  const started = new Promise((resolve) => {
    page.once('worker', (worker) => {
      resolve({ worker, closed: new Promise((closed) => worker.once('close', closed)) });
    });
  });
  await page.click(trigger);
  const { worker, closed } = await started;
  assert.match(worker.url(), /worker_loader\.js$/);
  return { worker, closed };
}

test('the census counts in a worker, and the page answers input meanwhile', async () => {
  await withPage(async (page) => {
    await importCopies(page, 10);
    assert.equal(page.workers().length, 0, 'no worker before a census');
    await startWorker(page, tid('explore'));
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
    const { closed } = await startWorker(page, tid('explore'));
    const cancel = page.locator(tid('census-cancel'));
    await cancel.click();
    await closed;
    await page.locator(tid('census-progress')).waitFor({ state: 'detached' });
    assert.equal(await page.locator(tid('census')).count(), 0);
    assert.equal(await page.locator(tid('explore')).isEnabled(), true);
  });
});

// Nothing else would stop a census's worker: it answers requests until the
// page terminates it. Bounded, so a worker left running fails the test.
test('a census ends its worker at its last word: the counts, or why not', { timeout: 120_000 }, async () => {
  await withPage(async (page) => {
    await importCopies(page, 4);
    const counted = await startWorker(page, tid('explore'));
    await page.locator(tid('census')).waitFor();
    assert.equal(await page.locator(tid('census')).getAttribute('data-orders'), '24');
    await counted.closed;
    // 14 copies: more than the census explores, so the worker refuses.
    await importCopies(page, 14);
    const refused = await startWorker(page, tid('explore'));
    assert.match(await page.locator(tid('census-refused')).textContent(), /14 copies/);
    await refused.closed;
    assert.equal(await page.locator(tid('census')).count(), 0);
  });
});

test('a puzzle is searched in the worker: its par, whether the goal is still in reach, and its verdict under a rule', async () => {
  await withPage(async (page) => {
    assert.equal(page.workers().length, 0, 'no worker before a puzzle');
    const { closed } = await startWorker(page, `${tid('puzzle-open')}[data-puzzle="held-forever"]`);
    // The panel shows once the worker has found the par, never without it.
    const panel = page.locator(tid('puzzle-panel'));
    await panel.waitFor();
    assert.match(await panel.getAttribute('data-best'), /^[1-9][0-9]*$/);
    assert.match(await panel.innerText(), /Par \(the engine's fewest\): [1-9]/);
    // Delivering m1 to C first: the worker finds the goal out of reach.
    await page.click(`${tid('lane-2')} ${tid('inflight')}[data-message="1"] ${tid('deliver')}`);
    await page.locator(tid('puzzle-stuck')).waitFor();
    await page.click(tid('puzzle-possible'));
    assert.match(await page.locator(tid('puzzle-verdict')).textContent(), /^Possible under causal delivery/);
    // Closing the puzzle stops its worker.
    await page.click(tid('puzzle-close'));
    await closed;
    await panel.waitFor({ state: 'detached' });
  });
});

test('a puzzle whose worker cannot load still opens, and says the engine could not search it', async () => {
  await withPage(async (page, ctx) => {
    await page.route('**/worker_loader.js', (route) => route.fulfill({
      contentType: 'text/javascript',
      body: 'throw new Error("the test holds the worker back");',
    }));
    await page.click(`${tid('puzzle-open')}[data-puzzle="fifo-violation"]`);
    const panel = page.locator(tid('puzzle-panel'));
    await panel.waitFor();
    assert.equal(await panel.getAttribute('data-best'), '');
    assert.match(await panel.innerText(), /The engine could not search this puzzle, so it gives no par[^]*failed to load\. Reload the page/);
    assert.equal(await page.locator(`${tid('puzzle-solution')}:disabled`).count(), 1, 'no solution to show');
    assert.equal(await page.locator(`${tid('puzzle-possible')}:disabled`).count(), 1, 'no search to ask for');
    // The puzzle is still played: a move counts.
    await page.click(`${tid('lane-2')} ${tid('inflight')}[data-message="2"] ${tid('deliver')}`);
    await page.locator(`${tid('puzzle-panel')}[data-solved="true"]`).waitFor();
    // What the console said is the worker's error, and only that.
    assert.ok(ctx.errors.every((e) => /the test holds the worker back/.test(e)), ctx.errors.join('\n'));
    ctx.errors.length = 0;
  });
});

test('while the worker is on its way, the page says the puzzle is opening, and then shows its panel', async () => {
  await withPage(async (page) => {
    // The worker's script is held back until the test lets it go.
    let letGo;
    const held = new Promise((resolve) => { letGo = resolve; });
    await page.route('**/worker_loader.js', async (route) => { await held; await route.continue(); });
    await page.click(`${tid('puzzle-open')}[data-puzzle="split-brain"]`);
    const opening = page.locator(tid('puzzle-opening'));
    await opening.waitFor();
    assert.match(await opening.innerText(), /^Opening the puzzle “Split brain”: the engine is finding the fewest moves/);
    assert.equal(await page.locator(tid('puzzle-panel')).count(), 0, 'no panel without its par');
    letGo();
    const panel = page.locator(tid('puzzle-panel'));
    await panel.waitFor();
    assert.equal(await panel.getAttribute('data-best'), '4');
    await opening.waitFor({ state: 'detached' });
  });
});
