// Work saved in the browser is never lost without the user's say (issue
// 25): a saved session the page cannot read (a newer version's, a damaged
// one) is kept and offered for download; two tabs follow each other's
// saves; a full storage is said, with the session to download; a damaged
// link in an embed is said; an import reads bytes by causal-sim's rule.
// Debian's Chromium via playwright-core, against the release build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { shareFragment, tid, write, useBrowser } from './support.mjs';

const { browser, server, withPage } = useBrowser();

const KEY = 'causal-playground/session';
const stored = (page) => page.evaluate((k) => localStorage.getItem(k), KEY);
const errorTexts = (page) => page.locator(tid('error')).allTextContents();
const storeOf = (page, r) => page.$$eval(`${tid(`store-${r}`)} [data-key]`, (els) => Object.fromEntries(els.map((e) => [e.dataset.key, e.dataset.value])));

/** Reloads, then waits for the page to be up. */
async function reload(page) {
  await page.reload({ waitUntil: 'load' });
  await page.locator(tid('replica-0')).waitFor();
}

/** The text of the file the page downloads when `button` is pressed. */
async function downloaded(page, button) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click(button)]);
  return readFile(await file.path(), 'utf8');
}

test('a saved session of a newer version is kept, offered for download, and replaced only when the user says', async () => {
  const newer = shareFragment({ format: 3, branches: [[{ op: 'write', replica: 0, key: 'future', value: '1' }]] }).slice(2);
  await withPage(async (page) => {
    await page.evaluate(([k, v]) => localStorage.setItem(k, v), [KEY, newer]);
    await reload(page);
    const banner = page.locator(`${tid('saved-work')}[data-saved="unreadable"]`);
    await banner.waitFor();
    assert.match(await banner.textContent(), /saved session this page cannot read \(it was saved by a newer version of the playground\)\. It is kept as it was/);
    assert.match((await errorTexts(page)).join(' '), /saved session could not be read \(it was saved by a newer version of the playground\), so a fresh one was started\. The saved one is kept as it was/);

    // Work done here, and a reload (the page saves as it goes away): the newer session is untouched.
    await write(page, 0, 'here', '1');
    await page.waitForSelector(`${tid('store-0')} [data-key="here"]`);
    await reload(page);
    assert.equal(await stored(page), newer, 'the session the page cannot read was not overwritten');
    await banner.waitFor();

    // Offered for download: a file holding the link that opens it.
    const link = await downloaded(page, tid('saved-work-download'));
    assert.ok(link.trim().endsWith(`#s=${newer}`), link);

    // The user's say: this page's session in its place.
    await write(page, 1, 'mine', '2');
    await page.waitForSelector(`${tid('store-1')} [data-key="mine"]`);
    await page.click(tid('saved-work-replace'));
    await page.waitForFunction((k) => !document.querySelector('[data-testid="saved-work"]'), KEY);
    await page.waitForFunction(([k, old]) => localStorage.getItem(k) !== old, [KEY, newer]);
    await reload(page);
    assert.deepEqual(await storeOf(page, 1), { mine: '2' });
    assert.equal(await page.locator(tid('saved-work')).count(), 0);
  });
});

test('an earlier version\'s saved session is kept too, and the page says so at every open until the user says', async () => {
  const format1 = 'AQIDACoAAgABAAQAAAF4AANvbGQRAdcvzk0';
  await withPage(async (page) => {
    await page.evaluate(([k, v]) => localStorage.setItem(k, v), [KEY, format1]);
    await reload(page);
    await page.locator(`${tid('saved-work')}[data-saved="unreadable"]`).waitFor();
    await write(page, 0, 'x', '1');
    await page.waitForSelector(`${tid('store-0')} [data-key="x"]`);
    await reload(page);
    assert.equal(await stored(page), format1);
    assert.match(await page.locator(tid('saved-work')).textContent(), /saved by an earlier version of the playground/);
  });
});

test('two tabs follow each other\'s saves: neither wipes the other\'s work, and what was replaced is one Undo away', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 1000 } });
  try {
    const open = async () => {
      const page = await context.newPage();
      await page.goto(server.url, { waitUntil: 'load' });
      await page.locator(tid('replica-0')).waitFor();
      return page;
    };
    const a = await open();
    const b = await open();
    await write(a, 0, 'a', '1');
    // B follows A's save.
    await b.waitForSelector(`${tid('store-0')} [data-key="a"][data-value="1"]`, { timeout: 60_000 });
    await write(b, 1, 'b', '2');
    await a.waitForSelector(`${tid('store-1')} [data-key="b"][data-value="2"]`, { timeout: 60_000 });
    assert.deepEqual(await storeOf(a, 0), { a: '1' });
    // A says what happened, and its own run before is one Undo away.
    await a.click(tid('undo'));
    await a.waitForFunction(() => !document.querySelector('[data-testid="store-1"] [data-key="b"]'));
    assert.deepEqual(await storeOf(a, 0), { a: '1' });
    // A third tab opens the last save: both writes.
    const c = await open();
    await c.waitForSelector(`${tid('store-0')} [data-key]`);
    const latest = { a: await storeOf(c, 0), b: await storeOf(c, 1) };
    assert.ok(latest.a.a === '1', JSON.stringify(latest));
  } finally {
    await context.close();
  }
});

test('storage full: the page says the work is not saved and offers it for download', async () => {
  await withPage(async (page) => {
    // Fill the page's storage to the brim.
    await page.evaluate(() => {
      const chunk = 'x'.repeat(256 * 1024);
      let i = 0;
      try {
        for (; i < 1000; i++) localStorage.setItem(`fill-${i}`, chunk);
      } catch {
        for (let size = chunk.length; size > 16; size = Math.floor(size / 2)) {
          try { localStorage.setItem(`fill-${i++}`, 'x'.repeat(size)); } catch { /* smaller next */ }
        }
      }
    });
    await write(page, 0, 'lost', '1');
    const banner = page.locator(`${tid('saved-work')}[data-saved="not-saved"]`);
    await banner.waitFor();
    assert.match(await banner.textContent(), /Your work is not saved in this browser: the browser's storage for this page is full\. A reload would lose it; download it to keep it\./);
    const link = await downloaded(page, tid('saved-work-download'));
    assert.match(link, /#s=[A-Za-z0-9_-]+\n$/);
    // Opened, the downloaded link holds the work.
    const fresh = await browser.newContext();
    try {
      const other = await fresh.newPage();
      await other.goto(link.trim());
      await other.waitForSelector(`${tid('store-0')} [data-key="lost"][data-value="1"]`);
    } finally {
      await fresh.close();
    }
    // Room again: the next save goes through, and the page stops saying it.
    await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('fill-')).forEach((k) => localStorage.removeItem(k)));
    await write(page, 1, 'kept', '2');
    await page.waitForFunction(() => !document.querySelector('[data-testid="saved-work"]'));
    assert.ok((await stored(page))?.length > 0);
  });
});

test('a damaged link in an embed is said in words', async () => {
  await withPage(async (page) => {
    const errors = await errorTexts(page);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /shared session could not be read/);
  }, { url: `${server.url}?embed#s=AQIDAC-damaged` });
});

test('an import reads bytes as causal-sim does: a byte order mark is read, UTF-16 and bytes that are not UTF-8 are refused', async () => {
  const text = JSON.stringify({ version: 1, steps: [{ op: 'write', replica: 0, key: 'x', value: 'é' }] });
  const put = (page, name, buffer) => page.setInputFiles(tid('import'), { name, mimeType: 'application/json', buffer });
  await withPage(async (page) => {
    await put(page, 'bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    await page.waitForSelector(`${tid('store-0')} [data-key="x"][data-value="é"]`);

    await put(page, 'wide.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    await page.waitForFunction(() => /wide\.json is UTF-16/.test(document.body.textContent));
    assert.match((await errorTexts(page)).join(' '), /Nothing was imported: not a scenario file: wide\.json is UTF-16 text \(it starts FF FE\), not UTF-8: save it as UTF-8\./);

    const bad = Buffer.from(text.replace('é', 'XX'));
    bad[bad.indexOf('XX')] = 0xc3;
    bad[bad.indexOf('X')] = 0x28;
    await put(page, 'latin.json', bad);
    await page.waitForFunction(() => /latin\.json is not UTF-8/.test(document.body.textContent));
    assert.match((await errorTexts(page)).join(' '), /latin\.json is not UTF-8 text \(byte \d+ is not\)/);
    // Nothing was imported: the first file's run is still shown.
    await page.waitForSelector(`${tid('store-0')} [data-key="x"][data-value="é"]`);
  });
});
