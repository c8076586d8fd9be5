// End-to-end flows of issue 5: time travel (timeline, branches, undo and
// redo along a branch), share links (and damaged ones), import of scenario
// files (picked and dropped, good and bad) and the exports (scenario file,
// SVG, PNG, ShiViz log), through the page's `data-testid` hooks, in
// Debian's Chromium driven by playwright-core against the release build.
// Every test opens a fresh browser context, so local storage starts empty,
// and fails on any console error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ROOT, run, cardSel, deliverButton, tid, write, useBrowser, useScratchAndSim,
} from './support.mjs';

const { browser, server, withPage } = useBrowser();

// A scratch folder; target/release/causal-sim, or null (simMissing says why).
let tmp, sim, simMissing;
useScratchAndSim('causal-e2e-', (made) => ({ tmp, sim, missing: simMissing } = made));

async function clocks(page) {
  return page.$$eval('[data-drop-replica]', (panels) =>
    panels.map((_, r) => document.querySelector(`[data-testid="clock-${r}"]`)?.dataset.clock),
  );
}

async function errorTexts(page) {
  return page.locator(tid('error')).allTextContents();
}

/** Loads a preset (it opens at its start) and plays it to its end on the timeline. */
async function loadPreset(page, name) {
  await page.selectOption(`select${tid('scenario')}`, name);
  assert.equal(await page.inputValue(`select${tid('scenario')}`), name);
  assert.equal(await page.inputValue(tid('timeline')), '0', 'a preset opens at its start');
  await page.locator(tid('timeline')).fill(await page.getAttribute(tid('timeline'), 'max'));
}

async function seek(page, steps) {
  await page.locator(tid('timeline')).fill(String(steps));
  assert.equal(await page.inputValue(tid('timeline')), String(steps));
}

/**
 * Everything the page shows of the session, to compare two pages or two
 * moments: replicas (clock, store, held, lane with senders), rules, the
 * timeline, the branch list, violations, agreement and the diagram.
 */
async function fullState(page) {
  return page.evaluate(() => {
    const all = (sel, root = document) => [...root.querySelectorAll(sel)];
    const one = (sel) => document.querySelector(sel);
    const replicas = all('[data-drop-replica]').map((_, r) => ({
      clock: one(`[data-testid="clock-${r}"]`)?.dataset.clock,
      store: Object.fromEntries(all(`[data-testid="store-${r}"] [data-key]`).map((e) => [e.dataset.key, e.dataset.value])),
      held: all(`[data-testid="held-${r}"] [data-message]`).map((e) => e.dataset.message),
      lane: all(`[data-testid="lane-${r}"] [data-testid="inflight"]`).map((e) => `m${e.dataset.message} from ${e.dataset.from}`),
    }));
    const timeline = one('input[type="range"][data-testid="timeline"]');
    return {
      replicas,
      delivery: one('select[data-testid="delivery"]').value,
      conflicts: one('select[data-testid="conflicts"]').value,
      replicaCount: one('[data-testid="replica-count"]').value,
      timeline: { value: timeline.value, max: timeline.max },
      branches: all('[data-testid="branches"] [data-testid^="branch-"]').map((b) => ({
        id: b.dataset.testid,
        text: b.textContent.trim(),
        current: b.getAttribute('aria-current') === 'true',
      })),
      violations: all('[data-testid="violations"] > *').map((v) => `${v.dataset.replica}:${v.dataset.message}:${v.dataset.missing}`),
      converged: one('[data-testid="converged"]').dataset.converged,
      undo: !one('[data-testid="undo"]').disabled,
      redo: !one('[data-testid="redo"]').disabled,
      marks: all('svg[data-testid="diagram"] g.mark').map((m) =>
        [m.dataset.kind, m.dataset.replica, m.dataset.message, m.dataset.step, m.dataset.timestamp].join(' '),
      ),
      arrows: all('svg[data-testid="diagram"] line.d-arrow').map((a) =>
        [a.getAttribute('class'), a.dataset.message, a.dataset.from, a.dataset.to].join(' '),
      ),
    };
  });
}

/** The replicas' part of a state (what a reload or a share must keep). */
const replicasOf = (s) => s.replicas;

// ---------------------------------------------------------------------------
// Time travel.

test('time travel: the timeline shows an earlier step; acting there starts a branch; the first branch is kept; undo and redo follow the branch', async () => {
  await withPage(async (page) => {
    await loadPreset(page, 'classic');
    const end = await fullState(page);
    assert.deepEqual(end.timeline, { value: '6', max: '6' });
    assert.deepEqual(end.branches, [], 'one branch: no list');
    assert.equal(end.marks.length, 11);

    // Back to step 3: A wrote x, B delivered it and wrote y.
    await seek(page, 3);
    let s = await fullState(page);
    assert.deepEqual(
      s.replicas.map((r) => r.clock),
      ['1,0,0', '1,1,0', '0,0,0'],
    );
    assert.deepEqual(s.replicas.map((r) => r.held), [[], [], []]);
    assert.deepEqual(s.replicas.map((r) => r.lane), [['m2 from 1'], [], ['m1 from 0', 'm2 from 1']]);
    assert.deepEqual(s.replicas.map((r) => r.store), [{ x: '1' }, { x: '1', y: '2' }, {}]);
    assert.deepEqual(s.timeline, { value: '3', max: '6' });
    const steps = s.marks.map((m) => Number(m.split(' ')[3]));
    assert.ok(steps.every((k) => k <= 3), `no mark after step 3: ${steps}`);
    assert.deepEqual(s.marks.map((m) => m.split(' ').slice(0, 3).join(' ')), [
      'write 0 1',
      'receive 1 1',
      'deliver 1 1',
      'write 1 2',
    ]);
    assert.equal(s.arrows.filter((a) => a.includes('inflight')).length, 3);
    assert.match(await page.locator('.timeline-note').textContent(), /earlier step/);
    assert.equal(s.redo, true, 'the later steps can be redone');

    // Step 4: C holds m2.
    await seek(page, 4);
    s = await fullState(page);
    assert.deepEqual(s.replicas[2].held, ['2']);
    assert.ok(s.marks.some((m) => m.startsWith('hold 2 2 4')));

    // And forward to the end again: exactly the state the preset ended in.
    await seek(page, 6);
    assert.deepEqual(await fullState(page), end);

    // At step 3, C writes: a second branch starts from there.
    await seek(page, 3);
    await write(page, 2, 'z', '9');
    s = await fullState(page);
    assert.deepEqual(s.replicas.map((r) => r.clock), ['1,0,0', '1,1,0', '0,0,1']);
    assert.deepEqual(s.replicas[2].store, { z: '9' });
    assert.deepEqual(s.timeline, { value: '4', max: '4' });
    assert.deepEqual(
      s.branches.map((b) => [b.id, b.current]),
      [
        ['branch-1', false],
        ['branch-2', true],
      ],
    );
    assert.match(s.branches[1].text, /from branch 1 at step 3/);
    assert.equal(s.redo, false);
    const branch2 = s;

    // Back to the first branch: its whole run, as it was.
    await page.click(tid('branch-1'));
    s = await fullState(page);
    assert.deepEqual(s.replicas, end.replicas);
    assert.deepEqual(s.marks, end.marks);
    assert.deepEqual(s.arrows, end.arrows);
    assert.deepEqual(s.timeline, { value: '6', max: '6' });
    assert.deepEqual(
      s.branches.map((b) => [b.id, b.current]),
      [
        ['branch-1', true],
        ['branch-2', false],
      ],
    );

    // Undo and redo move along branch 1.
    await page.click(tid('undo'));
    s = await fullState(page);
    assert.deepEqual(s.timeline, { value: '5', max: '6' });
    assert.deepEqual(s.replicas[0].lane, ['m2 from 1']);
    assert.equal(s.replicas[0].clock, '1,0,0');
    await page.click(tid('redo'));
    assert.deepEqual(replicasOf(await fullState(page)), end.replicas);

    // And along branch 2: back into the shared steps, then forward into C's
    // write (not into branch 1's delivery of m2 to C).
    await page.click(tid('branch-2'));
    assert.deepEqual(replicasOf(await fullState(page)), branch2.replicas);
    await page.click(tid('undo'));
    await page.click(tid('undo'));
    s = await fullState(page);
    assert.deepEqual(s.timeline, { value: '2', max: '4' });
    assert.deepEqual(s.replicas.map((r) => r.clock), ['1,0,0', '1,0,0', '0,0,0']);
    await page.click(tid('redo'));
    await page.click(tid('redo'));
    s = await fullState(page);
    assert.deepEqual(s.replicas, branch2.replicas);
    assert.deepEqual(s.replicas[2].held, [], 'branch 2 never delivered m2 to C');
    assert.equal(s.redo, false);
    assert.equal(s.branches.length, 2, 'undo and redo start no branch');

    // The keyboard shortcuts move along the branch too.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Control+z');
    assert.equal(await page.inputValue(tid('timeline')), '3');
    await page.keyboard.press('Control+Shift+z');
    assert.deepEqual(replicasOf(await fullState(page)), branch2.replicas);

    // Branches survive a reload.
    await page.reload({ waitUntil: 'load' });
    await page.locator(tid('replica-0')).waitFor();
    s = await fullState(page);
    assert.deepEqual(s.branches.map((b) => [b.id, b.current]), [
      ['branch-1', false],
      ['branch-2', true],
    ]);
    assert.deepEqual(s.replicas, branch2.replicas);
    assert.deepEqual(await errorTexts(page), []);
  });
});

test('time travel: the timeline at step 0 shows the empty start, and a write there starts a branch', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', '1');
    await write(page, 1, 'y', '2');
    await seek(page, 0);
    let s = await fullState(page);
    assert.deepEqual(s.replicas.map((r) => r.clock), ['0,0,0', '0,0,0', '0,0,0']);
    assert.deepEqual(s.marks, []);
    assert.deepEqual(s.arrows, []);
    assert.equal(s.undo, false);
    await write(page, 2, 'z', '3');
    s = await fullState(page);
    assert.deepEqual(s.branches.map((b) => b.id), ['branch-1', 'branch-2']);
    assert.deepEqual(s.replicas.map((r) => r.clock), ['0,0,0', '0,0,0', '0,0,1']);
    await page.click(tid('branch-1'));
    assert.deepEqual(await clocks(page), ['1,0,0', '0,1,0', '0,0,0']);
  });
});

// ---------------------------------------------------------------------------
// Share links.

/** A session with two branches, non-default rules, a reordered lane and the timeline one step back. */
async function richSession(page) {
  await loadPreset(page, 'classic');
  await seek(page, 3);
  await write(page, 2, 'z', '9'); // branch 2
  await write(page, 0, 'w', '<b>&"é</b>'); // markup and non-ASCII travel too
  // Reorder the lane to B: its first card goes last.
  const before = await page.$$eval(`${tid('lane-1')} ${tid('inflight')}`, (els) => els.map((e) => e.dataset.message));
  assert.deepEqual(before, ['3', '4']);
  await page.locator(cardSel(3, 1)).focus();
  await page.keyboard.press('Alt+ArrowDown');
  assert.deepEqual(
    await page.$$eval(`${tid('lane-1')} ${tid('inflight')}`, (els) => els.map((e) => e.dataset.message)),
    ['4', '3'],
  );
  await page.selectOption(`select${tid('delivery')}`, 'fifo');
  await page.selectOption(`select${tid('conflicts')}`, 'lww');
  await write(page, 1, 'y', '7');
  await page.click(tid('undo')); // the timeline is one step back: redo is possible
}

test('share: the link opened in a new context shows exactly the same state; a later action takes the fragment out of the address', async () => {
  let link;
  let shared;
  await withPage(async (page) => {
    await richSession(page);
    shared = await fullState(page);
    assert.equal(shared.branches.length, 2);
    assert.equal(shared.redo, true);
    await page.click(tid('share'));
    link = page.url();
    assert.match(link, /#s=[A-Za-z0-9_-]+$/);
    assert.equal(await page.inputValue(tid('share-link')), link);
    assert.deepEqual(await errorTexts(page), []);
    assert.deepEqual(await fullState(page), shared, 'sharing changes nothing');

    // A further action here takes the fragment away.
    await page.click(tid('redo'));
    assert.doesNotMatch(page.url(), /#s=/);
  });

  // A new context: no local storage, only the link.
  await withPage(
    async (page) => {
      const s = await fullState(page);
      assert.deepEqual(s, shared);
      assert.deepEqual(await errorTexts(page), []);
      // Every rule, branch and the timeline position came through.
      assert.equal(s.delivery, 'fifo');
      assert.equal(s.conflicts, 'lww');
      assert.equal(s.timeline.value, String(Number(s.timeline.max) - 1));
      assert.ok(s.replicas.some((r) => Object.values(r.store).includes('<b>&"é</b>')));
      assert.match(page.url(), /#s=/, 'the fragment stays while the session is the shared one');
      // Branch 1 of the link is the classic run, under the link's rules.
      await page.click(tid('branch-1'));
      assert.equal((await fullState(page)).timeline.max, '6');
      assert.doesNotMatch(page.url(), /#s=/, 'switching branch is a change: the fragment goes');
    },
    { url: link },
  );

  await withPage(
    async (page) => {
      assert.deepEqual(await fullState(page), shared);
      await write(page, 0, 'after', 'share');
      assert.doesNotMatch(page.url(), /#s=/, 'the fragment is taken out after an action');
      const newer = await fullState(page);
      assert.notDeepEqual(newer.replicas, shared.replicas);
      await page.reload({ waitUntil: 'load' });
      await page.locator(tid('replica-0')).waitFor();
      assert.deepEqual(await fullState(page), newer, 'the reload shows the newer session');
      assert.deepEqual(await errorTexts(page), []);
    },
    { url: link },
  );
});

/** Opens a damaged link; checks the message and that the session is fresh. */
async function badLink(url, pattern) {
  await withPage(
    async (page) => {
      const errors = await errorTexts(page);
      assert.equal(errors.length, 1, `one message for ${url.slice(0, 80)}: ${JSON.stringify(errors)}`);
      assert.match(errors[0], /shared session/i);
      assert.match(errors[0], pattern);
      assert.match(errors[0], /fresh/);
      assert.equal(await page.getAttribute(tid('error'), 'role'), 'alert');
      assert.deepEqual(await clocks(page), ['0,0,0', '0,0,0', '0,0,0']);
      assert.equal(await page.locator(tid('inflight')).count(), 0);
      assert.equal(await page.locator('svg[data-testid="diagram"]').count(), 1, 'not a blank page');
      // The page works.
      await write(page, 0, 'x', '1');
      assert.deepEqual(await clocks(page), ['1,0,0', '0,0,0', '0,0,0']);
      // The bad fragment is gone: a reload shows the new session, no message.
      assert.doesNotMatch(page.url(), /#s=/);
      await page.reload({ waitUntil: 'load' });
      await page.locator(tid('replica-0')).waitFor();
      assert.deepEqual(await errorTexts(page), []);
      assert.deepEqual(await clocks(page), ['1,0,0', '0,0,0', '0,0,0']);
    },
    { url },
  );
}

test('share: a truncated, a changed and an oversized link each give a clear message and a fresh session', async () => {
  let link;
  await withPage(async (page) => {
    await loadPreset(page, 'classic');
    await page.click(tid('share'));
    link = page.url();
  });
  const [base, fragment] = link.split('#');
  const data = fragment.slice('s='.length);
  assert.ok(data.length > 20, data);

  await badLink(`${base}#s=${data.slice(0, Math.floor(data.length / 2))}`, /cut off|damaged/);
  await badLink(`${base}#s=${data.slice(0, -1)}`, /cut off|damaged/);

  const i = Math.floor(data.length / 2);
  const other = data[i] === 'A' ? 'B' : 'A';
  await badLink(`${base}#s=${data.slice(0, i)}${other}${data.slice(i + 1)}`, /damaged|changed/);
  await badLink(`${base}#s=${data.slice(0, i)}*${data.slice(i + 1)}`, /changed|damaged/);

  await badLink(`${base}#s=${'A'.repeat(200_000)}`, /too long/);
  await badLink(`${base}#s=`, /no session|not a share link|cut off|damaged/);
});

test('share: a link and a saved session of the earlier format say so, and a fresh session starts', async () => {
  // What the page made before links moved to postcard (format 1): A wrote
  // x = old, m1 delivered to B.
  const format1 = 'AQIDACoAAgABAAQAAAF4AANvbGQRAdcvzk0';
  await badLink(`${server.url}#s=${format1}`, /could not be read \(the link was made by an earlier version of the playground/);

  await withPage(async (page) => {
    await page.evaluate((data) => localStorage.setItem('causal-playground/session', data), format1);
    await page.reload({ waitUntil: 'load' });
    await page.locator(tid('replica-0')).waitFor();
    const errors = await errorTexts(page);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /saved session could not be read \(it was saved by an earlier version of the playground\), so a fresh one was started/);
    assert.deepEqual(await clocks(page), ['0,0,0', '0,0,0', '0,0,0']);
    // The old copy is kept until the user says otherwise (e2e/saved-work.test.mjs);
    // once they do, the next reload is clean.
    await page.click(tid('saved-work-replace'));
    await page.waitForFunction((old) => localStorage.getItem('causal-playground/session') !== old, format1);
    await page.reload({ waitUntil: 'load' });
    await page.locator(tid('replica-0')).waitFor();
    assert.deepEqual(await errorTexts(page), []);
  });
});

// ---------------------------------------------------------------------------
// Import.

/** The state report of `causal-sim run` for the scenario text, or null without the binary. */
async function simReport(text) {
  if (!sim) return null;
  const file = join(tmp, `run-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, text);
  const { stdout } = await run(sim, ['run', file]);
  return JSON.parse(stdout);
}

/** The replicas as the page shows them, in the state report's terms. */
function asReport(state) {
  return state.replicas.map((r, i) => ({
    replica: i,
    clock: r.clock,
    store: r.store,
    held: r.held.map(Number),
  }));
}

function fromReport(report) {
  return report.replicas.map((r) => ({
    replica: r.replica,
    clock: r.clock.join(','),
    store: Object.fromEntries(Object.entries(r.store).map(([k, v]) => [k, Array.isArray(v) ? v.join('|') : v])),
    held: r.held,
  }));
}

/** The lanes a state report implies: copies in flight, grouped by destination. */
function lanesOfReport(report) {
  return report.replicas.map((_, to) =>
    report.in_flight.filter((c) => c.to === to).map((c) => `m${c.message} from ${c.from}`),
  );
}

/** Imports a file through the file input; resolves once the page has reacted. */
async function importFile(page, name, contents) {
  const buffer = Buffer.isBuffer(contents) ? contents : Buffer.from(contents);
  await page.setInputFiles(tid('import'), { name, mimeType: 'application/json', buffer });
  // Either the log says it was imported, or an error names the file.
  await page.waitForFunction(
    (file) =>
      [...document.querySelectorAll('[data-testid="error"], [data-testid="log"] > *')].some((e) => e.textContent.includes(file)),
    name,
    { timeout: 60_000 },
  );
}

test('import: every file of scenarios/ gives its state, the same as causal-sim run', async (t) => {
  const files = (await readdir(join(ROOT, 'scenarios'))).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.length >= 2);
  if (!sim) t.diagnostic(`causal-sim checks skipped: ${simMissing}`);
  await withPage(async (page) => {
    await write(page, 0, 'before', 'import');
    for (const file of files) {
      const text = await readFile(join(ROOT, 'scenarios', file), 'utf8');
      const scenario = JSON.parse(text);
      await importFile(page, file, text);
      assert.deepEqual(await errorTexts(page), [], `${file} imports`);
      const s = await fullState(page);
      assert.equal(s.replicas.length, scenario.replicas ?? 3, file);
      assert.equal(s.delivery, scenario.delivery ?? 'causal', file);
      assert.equal(s.conflicts, scenario.conflicts ?? 'overwrite', file);
      assert.deepEqual(s.timeline, { value: String(scenario.steps.length), max: String(scenario.steps.length) }, file);
      assert.deepEqual(s.branches, [], `${file}: one branch`);
      assert.equal(await page.inputValue(`select${tid('scenario')}`), '', 'an import is not a preset');
      const report = await simReport(text);
      if (report) {
        assert.deepEqual(asReport(s), fromReport(report), `${file}: replicas as causal-sim run says`);
        assert.deepEqual(s.replicas.map((r) => r.lane), lanesOfReport(report), `${file}: lanes`);
        assert.equal(s.converged, String(report.converged), file);
        assert.deepEqual(
          s.violations,
          report.violations.map((v) => `${v.replica}:${v.message}:${v.missing}`),
          file,
        );
      }
      // Undo returns to the session the import replaced,
      // Redo comes back to the import, and the timeline walks its steps.
      await page.click(tid('undo'));
      assert.notDeepEqual(await fullState(page), s, `${file}: undone`);
      await page.click(tid('redo'));
      assert.deepEqual(await fullState(page), s, `${file}: redone`);
      if (scenario.steps.length > 0) {
        await seek(page, scenario.steps.length - 1);
        await seek(page, scenario.steps.length);
      }
    }
  });
});

const BAD_FILES = [
  ['malformed.json', '{"version": 1, "steps": [', /malformed\.json was not imported: not a scenario file/],
  ['version-2.json', JSON.stringify({ version: 2, steps: [] }), /version-2\.json was not imported: version must be 1, not 2/],
  ['replicas-9.json', JSON.stringify({ version: 1, replicas: 9, steps: [] }), /replicas-9\.json was not imported: replicas must be 2 to 8, not 9/],
  [
    'not-in-flight.json',
    JSON.stringify({ version: 1, replicas: 3, steps: [{ op: 'deliver', message: 3, to: 1 }] }),
    /not-in-flight\.json was not imported: step 1: message 3 is not in flight to replica 1/,
  ],
  [
    'late-step.json',
    JSON.stringify({
      version: 1,
      steps: [
        { op: 'write', replica: 0, key: 'x', value: '1' },
        { op: 'deliver', message: 1, to: 1 },
        { op: 'deliver', message: 1, to: 1 },
      ],
    }),
    /late-step\.json was not imported: step 3: message 1 is not in flight to replica 1/,
  ],
  [
    'unknown-op.json',
    JSON.stringify({ version: 1, steps: [{ op: 'write', replica: 0, key: 'x', value: '1' }, { op: 'teleport', to: 1 }] }),
    /unknown-op\.json was not imported: step 2: unknown op "teleport" \(expected write, deliver/,
  ],
  ['no-steps.json', JSON.stringify({ version: 1 }), /no-steps\.json was not imported: .*steps/],
  ['empty.json', '', /empty\.json was not imported: not a scenario file/],
];

test('import: bad files are refused with the step and the reason, and the session is left exactly as it was', async () => {
  await withPage(async (page) => {
    // A session with a little of everything: held message, reordered lane, two branches.
    await loadPreset(page, 'classic');
    await seek(page, 4);
    await write(page, 0, 'x', '5');
    await page.locator(cardSel(3, 2)).focus();
    await page.keyboard.press('Alt+ArrowUp');
    const before = await fullState(page);
    assert.equal(before.branches.length, 2);
    assert.deepEqual(before.replicas[2].held, ['2']);

    for (const [name, text, pattern] of BAD_FILES) {
      await importFile(page, name, text);
      const errors = await errorTexts(page);
      assert.equal(errors.length, 1, `${name}: ${JSON.stringify(errors)}`);
      assert.match(errors[0], pattern);
      assert.deepEqual(await fullState(page), before, `${name}: the session is intact`);
    }

    // Over 1 MB: refused by its size, without being read.
    const big = Buffer.alloc(1_200_000, ' ');
    Buffer.from('{"version": 1, "steps": []}').copy(big);
    await importFile(page, 'big.json', big);
    const errors = await errorTexts(page);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /big\.json is 1\.2 MB; the limit is 1 MB/);
    assert.deepEqual(await fullState(page), before, 'big.json: the session is intact');

    // The session is still usable, and a good file imports after bad ones.
    const classic = await readFile(join(ROOT, 'scenarios', 'classic.json'), 'utf8');
    await importFile(page, 'classic.json', classic);
    assert.deepEqual(await errorTexts(page), []);
    assert.deepEqual(await clocks(page), ['1,1,0', '1,1,0', '1,1,0']);
  });
});

/** Drops a file on the page (HTML5 drag and drop, as from a file manager). */
async function dropFile(page, name, text) {
  const dataTransfer = await page.evaluateHandle(
    ([name, text]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: 'application/json' }));
      return dt;
    },
    [name, text],
  );
  await page.dispatchEvent('.app', 'dragenter', { dataTransfer });
  await page.dispatchEvent('.app', 'dragover', { dataTransfer });
  await page.dispatchEvent('.app', 'drop', { dataTransfer });
  await page.waitForFunction(
    (file) =>
      [...document.querySelectorAll('[data-testid="error"], [data-testid="log"] > *')].some((e) => e.textContent.includes(file)),
    name,
    { timeout: 60_000 },
  );
}

test('import: a file dropped on the page is imported; a bad one is refused', async () => {
  await withPage(async (page) => {
    const text = await readFile(join(ROOT, 'scenarios', 'fifo-violation.json'), 'utf8');
    const scenario = JSON.parse(text);
    await dropFile(page, 'fifo-violation.json', text);
    assert.deepEqual(await errorTexts(page), []);
    const s = await fullState(page);
    assert.equal(s.timeline.max, String(scenario.steps.length));
    assert.equal(s.delivery, scenario.delivery ?? 'causal');
    const report = await simReport(text);
    if (report) assert.deepEqual(asReport(s), fromReport(report));

    await dropFile(page, 'dropped-bad.json', JSON.stringify({ version: 1, steps: [{ op: 'deliver', message: 3, to: 1 }] }));
    const errors = await errorTexts(page);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /dropped-bad\.json was not imported: step 1: message 3 is not in flight to replica 1/);
    assert.deepEqual(await fullState(page), s);
  });
});

// ---------------------------------------------------------------------------
// Export.

/**
 * Clicks an export button; resolves to { name, bytes } of the download. When
 * no download comes, fails with whatever error the page shows instead.
 */
async function download(page, id) {
  // The exports live in the import/export menu: open it as a user would.
  if (!(await page.locator(tid(id)).isVisible())) {
    await page.click(`${tid('file-menu')} > summary`);
  }
  const waiting = page.waitForEvent('download', { timeout: 60_000 });
  await page.click(tid(id));
  let dl;
  try {
    dl = await waiting;
  } catch (err) {
    const shown = await errorTexts(page);
    throw new Error(`${id}: no download (${err.message.split('\n')[0]}); the page says ${JSON.stringify(shown)}`);
  }
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: await readFile(path) };
}

/** A run with holds, a duplicate, a drop, a reorder, an autoplay step and deliver-all. */
async function variedRun(page) {
  await write(page, 0, 'x', '1');
  await deliverButton(page, 1, 1);
  await write(page, 1, 'y', '2');
  await deliverButton(page, 2, 2); // held at C
  await page.click(`${cardSel(1, 2)} ${tid('duplicate')}`);
  await write(page, 2, 'z', '<3 & "4"');
  await page.click(`${cardSel(3, 0)} ${tid('drop')}`);
  await page.locator(cardSel(2, 0)).focus();
  await page.keyboard.press('Alt+ArrowDown'); // a reorder
  await page.click(tid('step')); // one autoplay step
  await page.click(tid('deliver-all'));
  await write(page, 0, 'x', 'last');
}

test('export: the scenario file replays to the same replicas in causal-sim, and imports back to the same state', async (t) => {
  await withPage(async (page) => {
    await variedRun(page);
    const s = await fullState(page);
    const { name, bytes } = await download(page, 'export-json');
    assert.equal(name, 'causal-playground.json');
    const scenario = JSON.parse(bytes.toString('utf8'));
    assert.equal(scenario.version, 1);
    assert.equal(scenario.replicas, 3);
    assert.equal(scenario.delivery, 'causal');
    assert.equal(scenario.conflicts, 'overwrite');
    assert.ok(Array.isArray(scenario.steps) && scenario.steps.length > 0);
    const ops = new Set(scenario.steps.map((st) => st.op));
    for (const op of ops) assert.ok(['write', 'deliver', 'drop', 'duplicate', 'deliver-all'].includes(op), `op ${op}`);

    const report = await simReport(bytes.toString('utf8'));
    if (report) {
      assert.deepEqual(
        report.replicas.map((r) => r.clock.join(',')),
        s.replicas.map((r) => r.clock),
        'causal-sim run gives the page clocks',
      );
      assert.deepEqual(asReport(s), fromReport(report), 'and the same stores and held messages');
    } else {
      t.diagnostic(`causal-sim run check skipped: ${simMissing}`);
    }

    // Imported back (into a fresh page): the same replicas.
    await withPage(async (fresh) => {
      await importFile(fresh, 'causal-playground.json', bytes);
      assert.deepEqual(await errorTexts(fresh), []);
      assert.deepEqual(asReport(await fullState(fresh)), asReport(s));
    });

    // Exported at an earlier step: only the steps up to there.
    await seek(page, 2);
    const early = JSON.parse((await download(page, 'export-json')).bytes.toString('utf8'));
    assert.deepEqual(early.steps, [
      { op: 'write', replica: 0, key: 'x', value: '1' },
      { op: 'deliver', message: 1, to: 1 },
    ]);
  });
});

test('export: the presets export as themselves', async () => {
  await withPage(async (page) => {
    const files = (await readdir(join(ROOT, 'scenarios'))).filter((f) => f.endsWith('.json')).sort();
    for (const file of files) {
      const scenario = JSON.parse(await readFile(join(ROOT, 'scenarios', file), 'utf8'));
      await loadPreset(page, file.replace(/\.json$/, ''));
      const exported = JSON.parse((await download(page, 'export-json')).bytes.toString('utf8'));
      const plain = (sc) => ({
        version: sc.version,
        replicas: sc.replicas ?? 3,
        delivery: sc.delivery ?? 'causal',
        conflicts: sc.conflicts ?? 'overwrite',
        steps: sc.steps.filter((st) => st.op !== 'reorder'),
      });
      if (scenario.steps.every((st) => ['write', 'deliver', 'drop', 'duplicate', 'deliver-all'].includes(st.op))) {
        assert.deepEqual(plain(exported), plain(scenario), file);
      }
      assert.equal(exported.title, scenario.title, `${file}: title kept`);
    }
  });
});

test('export: the SVG parses as XML and holds the marks', async () => {
  await withPage(async (page) => {
    await variedRun(page);
    const marks = await page.locator('svg[data-testid="diagram"] g.mark').count();
    assert.ok(marks > 10);
    const { name, bytes } = await download(page, 'export-svg');
    assert.equal(name, 'causal-playground.svg');
    const text = bytes.toString('utf8');
    assert.match(text, /^<svg[\s>]/);
    // A strict XML parser: the browser's, on the SVG type.
    const parsed = await page.evaluate((svg) => {
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      const error = doc.querySelector('parsererror');
      const root = doc.documentElement;
      return {
        error: error ? error.textContent : null,
        root: root.localName,
        ns: root.namespaceURI,
        kinds: [...doc.querySelectorAll('g.mark')].map((g) => g.getAttribute('data-kind')),
        arrows: doc.querySelectorAll('line.d-arrow').length,
        style: doc.querySelectorAll('style').length,
        viewBox: root.getAttribute('viewBox'),
      };
    }, text);
    assert.equal(parsed.error, null, `the SVG is well-formed XML: ${parsed.error}`);
    assert.equal(parsed.root, 'svg');
    assert.equal(parsed.ns, 'http://www.w3.org/2000/svg');
    assert.equal(parsed.kinds.length, marks);
    for (const kind of ['write', 'receive', 'hold', 'deliver', 'discard', 'drop']) {
      assert.ok(parsed.kinds.includes(kind), `a ${kind} mark in the SVG`);
    }
    assert.ok(parsed.arrows > 0);
    assert.equal(parsed.style, 1, 'its styles travel with it');
    assert.match(parsed.viewBox, /^0 0 [\d.]+ [\d.]+$/);

    // And it draws as an image on its own (what a slide tool does).
    const loaded = await page.evaluate(
      (svg) =>
        new Promise((ok) => {
          const img = new Image();
          img.onload = () => ok({ w: img.naturalWidth, h: img.naturalHeight });
          img.onerror = () => ok(null);
          img.src = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
        }),
      text,
    );
    assert.ok(loaded && loaded.w > 0 && loaded.h > 0, `the SVG loads as an image: ${JSON.stringify(loaded)}`);
  });
});

test('export: the SVG stays well-formed with a non-breaking space and markup in a value', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'k\u00a0ey', 'a\u00a0b <c> & "d"');
    await deliverButton(page, 1, 1);
    const text = (await download(page, 'export-svg')).bytes.toString('utf8');
    const error = await page.evaluate((svg) => {
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      return doc.querySelector('parsererror')?.textContent ?? null;
    }, text);
    assert.equal(error, null, `the SVG is well-formed XML: ${error}`);
  });
});

test('export: the PNG is made with a non-breaking space in a value too', async () => {
  await withPage(async (page) => {
    await write(page, 0, 'x', 'a\u00a0b');
    const { bytes } = await download(page, 'export-png');
    assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual(await errorTexts(page), []);
  });
});

test('export: the PNG is a PNG of the diagram at twice its size', async () => {
  await withPage(async (page) => {
    await loadPreset(page, 'classic');
    const { name, bytes } = await download(page, 'export-png');
    assert.equal(name, 'causal-playground.png');
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG magic bytes');
    assert.ok(bytes.length > 5_000, `a picture, not an empty image: ${bytes.length} bytes`);
    // IHDR: width and height, big-endian, at bytes 16..24.
    const width = bytes.readUInt32BE(16);
    const height = bytes.readUInt32BE(20);
    const viewBox = await page.getAttribute('svg[data-testid="diagram"]', 'viewBox');
    const [, , w, h] = viewBox.split(' ').map(Number);
    assert.equal(width, Math.ceil(w * 2));
    assert.equal(height, Math.ceil(h * 2));
    assert.deepEqual(await errorTexts(page), []);
  });
});

/**
 * ShiViz's rules for a log parsed with its regular expression: hosts'
 * events tick their own entry from 1 by exactly 1; clocks never go back;
 * no clock names a host that logs no event, nor an event a host never had.
 */
function checkShiviz(text) {
  const lines = text.split('\n');
  assert.equal(lines[0], '(?<host>\\S*) (?<clock>{.*})\\n(?<event>.*)', 'first line: the regular expression');
  assert.equal(lines[1], '', 'second line: empty (no delimiter between executions)');
  const body = lines.slice(2);
  if (body.at(-1) === '') body.pop();
  assert.equal(body.length % 2, 0, 'events are pairs of lines');
  const events = [];
  for (let i = 0; i < body.length; i += 2) {
    const m = /^(\S*) (\{.*\})$/.exec(body[i]);
    assert.ok(m, `line ${i + 3} is "host {clock}": ${body[i]}`);
    const clock = JSON.parse(m[2]);
    for (const [h, n] of Object.entries(clock)) assert.ok(Number.isInteger(n) && n > 0, `${h}: ${n}`);
    assert.ok(body[i + 1].length > 0, `line ${i + 4} describes the event`);
    events.push({ host: m[1], clock, description: body[i + 1] });
  }
  const hosts = new Set(events.map((e) => e.host));
  const count = {};
  const last = {};
  for (const [i, e] of events.entries()) {
    const own = e.clock[e.host];
    const prev = last[e.host];
    assert.equal(own, (prev?.[e.host] ?? 0) + 1, `event ${i + 1} (${e.host}) ticks its own entry by exactly 1`);
    for (const h of Object.keys(e.clock)) assert.ok(hosts.has(h), `event ${i + 1} names ${h}, a host that logs events`);
    if (prev) {
      for (const [h, n] of Object.entries(prev)) {
        assert.ok((e.clock[h] ?? 0) >= n, `event ${i + 1} (${e.host}): entry ${h} does not go back`);
      }
    }
    last[e.host] = e.clock;
    count[e.host] = (count[e.host] ?? 0) + 1;
  }
  for (const [i, e] of events.entries()) {
    for (const [h, n] of Object.entries(e.clock)) {
      assert.ok(n <= count[h], `event ${i + 1} knows of event ${n} of ${h}, which has ${count[h]}`);
    }
  }
  return events;
}

test('export: the ShiViz log passes ShiViz\'s rules, and matches causal-sim shiviz on the exported scenario', async (t) => {
  await withPage(async (page) => {
    await variedRun(page);
    const { name, bytes } = await download(page, 'export-shiviz');
    assert.equal(name, 'causal-playground.shiviz.log');
    const text = bytes.toString('utf8');
    const events = checkShiviz(text);
    assert.ok(events.length >= 10, `${events.length} events`);
    assert.deepEqual([...new Set(events.map((e) => e.host))].sort(), ['A', 'B', 'C']);
    assert.ok(events.some((e) => /held it back/.test(e.description)));
    assert.ok(events.some((e) => /discarded the duplicate/.test(e.description)));

    if (sim) {
      const json = (await download(page, 'export-json')).bytes.toString('utf8');
      const file = join(tmp, 'shiviz-run.json');
      await writeFile(file, json);
      const { stdout } = await run(sim, ['shiviz', file]);
      assert.equal(text, stdout, 'the page and causal-sim write the same log for the same run');
    } else {
      t.diagnostic(`causal-sim shiviz comparison skipped: ${simMissing}`);
    }
  });

  // Every preset, and an empty run, pass too.
  await withPage(async (page) => {
    checkShiviz((await download(page, 'export-shiviz')).bytes.toString('utf8'));
    const files = (await readdir(join(ROOT, 'scenarios'))).filter((f) => f.endsWith('.json')).sort();
    for (const file of files) {
      await loadPreset(page, file.replace(/\.json$/, ''));
      checkShiviz((await download(page, 'export-shiviz')).bytes.toString('utf8'));
    }
  });
});
