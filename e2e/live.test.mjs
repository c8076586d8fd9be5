// The live view (issue 24; README.md, "causal-node: the store across real
// processes"): three real causal-node processes started here on loopback ports
// chosen at run time, watched and driven from the page: clocks, a write through
// the page, a held link, a node killed and brought back, and the replay in the
// playground. Debian's Chromium via playwright-core.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, openPage, run, screenshot, tid, useBrowser, write } from './support.mjs';

const { browser, server } = useBrowser();

const NODE_BIN = join(ROOT, 'target', 'release', 'causal-node');
const NAMES = ['A', 'B', 'C'];
let tmp;
let ports = [];
let urls = [];
const procs = [];

/** A free loopback port: bound, read, released. */
async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

/** GET or POST a node, JSON back. */
async function call(url, path, body) {
  const res = await fetch(`${url}${path}`, body === undefined
    ? { signal: AbortSignal.timeout(3000) }
    : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(3000) });
  return { status: res.status, json: await res.json().catch(() => null) };
}

/** Waits (at most `ms`) until `check()` resolves truthy; throws `what` otherwise. */
async function until(check, what, ms = 20_000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

/** Starts node i on its port with the others as PEERS; resolves once GET / answers. */
async function startNode(i) {
  const peers = urls.filter((_, j) => j !== i).join(',');
  const child = spawn(NODE_BIN, [], {
    env: {
      ...process.env,
      NODE_ID: String(i),
      NUM_NODES: '3',
      PORT: String(ports[i]),
      PEERS: peers,
      DATA_DIR: join(tmp, `node-${i}`),
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  procs[i] = child;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`node ${i} exited: ${stderr}`);
    const res = await fetch(`${urls[i]}/`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  }, `node ${i} to answer`);
  return child;
}

function stopNode(i) {
  const child = procs[i];
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    child.once('exit', ok);
    child.kill('SIGKILL');
  });
}

before(async () => {
  const exists = () => access(NODE_BIN).then(() => true, () => false);
  if (!(await exists())) {
    await run('cargo', ['build', '--release', '-p', 'causal-node'], { cwd: ROOT, timeout: 900_000 });
  }
  tmp = await mkdtemp(join(tmpdir(), 'causal-live-'));
  ports = [await freePort(), await freePort(), await freePort()];
  urls = ports.map((p) => `http://127.0.0.1:${p}`);
  for (let i = 0; i < 3; i++) await startNode(i);
}, { timeout: 960_000 });

after(async () => {
  await Promise.all([0, 1, 2].map(stopNode));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const liveUrl = () => `${server.url}?live=${urls.join(',')}`;

/** The data-clock of clock-i on the page. */
const clockOf = (page, i) => page.getAttribute(tid(`clock-${i}`), 'data-clock');

/** Waits until clock-i on the page reads `clock`. */
async function waitClock(page, i, clock) {
  await page.waitForSelector(`${tid(`clock-${i}`)}[data-clock="${clock}"]`, { timeout: 20_000 });
}

/** The nodes' clocks, asked directly. */
async function nodeClocks() {
  return Promise.all(urls.map(async (u) => (await call(u, '/store')).json.vector_clock.join(',')));
}

// One page for the whole run: each test picks up where the last left it.
let ctx;
const requests = [];

test('the page shows each node where a replica is, with its clock', { timeout: 60_000 }, async () => {
  ctx = await openPage(browser, liveUrl(), { viewport: { width: 1366, height: 768 } });
  ctx.page.on('request', (r) => requests.push(r.url()));
  const { page } = ctx;
  for (let i = 0; i < 3; i++) {
    await page.waitForSelector(`${tid(`replica-${i}`)}[data-live="true"]`, { timeout: 20_000 });
    await waitClock(page, i, '0,0,0');
  }
  // With causal-node, every link can be held from the page.
  await page.waitForSelector(`${tid('hold-link')}[data-from="0"][data-to="2"]`);
  assert.equal(await page.locator(tid('hold-link')).count(), 6);
  assert.equal(await page.locator('svg[data-testid="diagram"]').count(), 1);
});

test('a write through the page reaches every node', { timeout: 60_000 }, async () => {
  const { page } = ctx;
  await write(page, 0, 'x', '1');
  for (let i = 0; i < 3; i++) {
    await waitClock(page, i, '1,0,0');
    await page.waitForSelector(`${tid(`store-${i}`)} [data-key="x"][data-value="1"]`);
  }
  assert.deepEqual(await nodeClocks(), ['1,0,0', '1,0,0', '1,0,0']);
  // The diagram draws it from the nodes' logs: one write, two receives.
  await page.waitForSelector('svg[data-testid="diagram"] [data-kind="write"][data-replica="0"]');
  await until(async () => (await page.locator('svg[data-testid="diagram"] [data-kind="deliver"]').count()) >= 2, 'two deliveries drawn');
});

test('a held link makes the third node hold a message back; release clears it', { timeout: 90_000 }, async () => {
  const { page } = ctx;
  const hold = `${tid('hold-link')}[data-from="0"][data-to="2"]`;
  await page.click(hold);
  await page.waitForSelector(`${hold}[aria-pressed="true"]`);
  await write(page, 0, 'x', '2');
  await waitClock(page, 1, '2,0,0');
  // A's write waits in the A -> C lane.
  await page.waitForSelector(`${tid('lane-2')} ${tid('queued')}[data-from="0"][data-message="A:2,0,0"]`);
  await write(page, 1, 'x', '3');
  // C receives B's write before A's, which it depends on: held back.
  await page.waitForSelector(`${tid('held-2')} [data-message="B:2,1,0"]`, { timeout: 20_000 });
  await waitClock(page, 2, '1,0,0');
  await page.waitForSelector(`${tid('store-2')} [data-key="x"][data-value="1"]`);
  await screenshot(page, 'live-1366x768');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'live-390x844');
  await page.setViewportSize({ width: 1366, height: 768 });

  await page.click(hold);
  await page.waitForSelector(`${hold}[aria-pressed="false"]`);
  await waitClock(page, 2, '2,1,0');
  await page.waitForFunction(() => document.querySelector('[data-testid="held-2"]').children.length === 0);
  await page.waitForSelector(`${tid('store-2')} [data-key="x"][data-value="3"]`);
  assert.equal(await page.locator(`${tid('lane-2')} ${tid('queued')}`).count(), 0);
  assert.deepEqual(await nodeClocks(), ['2,1,0', '2,1,0', '2,1,0']);
});

test('a killed node is named and the page stays usable; back, it catches up', { timeout: 90_000 }, async () => {
  const { page } = ctx;
  await stopNode(2);
  const down = await page.waitForSelector(`${tid('replica-2')}[data-live="down"]`, { timeout: 20_000 });
  const text = await down.textContent();
  assert.match(text, /Node C/);
  assert.ok(text.includes(urls[2]), `names its address: ${text}`);
  // The others still work from the page.
  await write(page, 0, 'y', '4');
  await waitClock(page, 0, '3,1,0');
  await waitClock(page, 1, '3,1,0');
  assert.equal(await page.getAttribute(tid('replica-0'), 'data-live'), 'true');

  await startNode(2);
  await page.waitForSelector(`${tid('replica-2')}[data-live="true"]`, { timeout: 20_000 });
  await waitClock(page, 2, '3,1,0');
});

test('live-replay opens the run in the playground, ending where the nodes are', { timeout: 90_000 }, async () => {
  const { page } = ctx;
  const clocks = await nodeClocks();
  assert.deepEqual(clocks, ['3,1,0', '3,1,0', '3,1,0']);
  for (let i = 0; i < 3; i++) await waitClock(page, i, clocks[i]);
  await page.click(tid('live-replay'));
  // The playground: no data-live, the imported run played to its end.
  await page.waitForSelector(`${tid('replica-0')}:not([data-live])`, { timeout: 30_000 });
  for (let i = 0; i < 3; i++) await waitClock(page, i, clocks[i]);
  await page.waitForSelector(`${tid('store-2')} [data-key="y"][data-value="4"]`);
  // It is a session like an imported file: Undo steps back through it.
  const steps = Number(await page.inputValue(tid('timeline')));
  assert.ok(steps >= 10, `the run has its steps: ${steps}`);
  await page.click(tid('undo'));
  await page.waitForFunction((n) => document.querySelector('[data-testid="timeline"]').value === String(n - 1), steps);

  // The page talked to nothing but itself and the three nodes.
  const origin = new URL(server.url).origin;
  const strangers = requests.filter((u) => !u.startsWith(origin) && !urls.some((n) => u.startsWith(`${n}/`)));
  assert.deepEqual(strangers, []);
  const problems = ctx.errors.filter((e) => !e.includes(urls[2]) && !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(e));
  assert.deepEqual(problems, [], 'no errors but the killed node\'s refused requests');
  await ctx.context.close();
});

test('bad addresses are refused with a message, and nothing is asked of them', { timeout: 60_000 }, async () => {
  const nine = Array.from({ length: 9 }, (_, i) => `http://127.0.0.1:${5000 + i}`).join(',');
  for (const [query, says] of [
    ['javascript:alert(1),http://127.0.0.1:1', /not an http:\/\/ or https:\/\//],
    [encodeURIComponent(nine), /at most 8 nodes/],
    ['file:///etc/passwd,http://127.0.0.1:1', /node 0 \(A\)/],
  ]) {
    const { page, context } = await openPage(browser, `${server.url}?live=${query}`);
    const asked = [];
    page.on('request', (r) => asked.push(r.url()));
    const error = await page.waitForSelector(tid('error'));
    assert.match(await error.textContent(), says);
    assert.equal(await page.locator(tid('replica-0')).count(), 0);
    assert.ok(asked.every((u) => u.startsWith(new URL(server.url).origin)), asked.join(' '));
    await context.close();
  }
  // The form builds the address, and remembers the nodes for next time.
  const { page, context } = await openPage(browser, `${server.url}?live=`);
  assert.match(await page.inputValue(tid('live-urls')), /127\.0\.0\.1:5000/);
  await page.fill(tid('live-urls'), 'http://127.0.0.1:1/, http://127.0.0.1:2');
  await page.click(tid('live-watch'));
  await page.waitForSelector(`${tid('replica-1')}[data-live="down"]`);
  assert.equal(new URL(page.url()).searchParams.get('live'), 'http://127.0.0.1:1,http://127.0.0.1:2');
  await page.goto(`${server.url}?live=`);
  await page.waitForSelector(tid('live-urls'));
  assert.equal(await page.inputValue(tid('live-urls')), 'http://127.0.0.1:1, http://127.0.0.1:2');
  await context.close();
});

test('a node with only the original API is shown without the diagram, and garbage is named', { timeout: 60_000 }, async () => {
  // Two stand-ins: one speaks only GET /store (as the Python node), one answers HTML.
  const cors = { 'Access-Control-Allow-Origin': '*' };
  const original = createServer((req, res) => {
    if (req.url === '/store') {
      res.writeHead(200, { 'Content-Type': 'application/json', ...cors });
      res.end(JSON.stringify({ store: { x: '<b>1</b>' }, vector_clock: [1, 0], buffered: [] }));
    } else {
      res.writeHead(404, cors).end('not found');
    }
  });
  const garbage = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html', ...cors });
    res.end('<script>alert(1)</script>');
  });
  await Promise.all([original, garbage].map((s) => new Promise((ok) => s.listen(0, '127.0.0.1', ok))));
  const at = (s) => `http://127.0.0.1:${s.address().port}`;
  try {
    const { page, context } = await openPage(browser, `${server.url}?live=${at(original)},${at(garbage)}`);
    await page.waitForSelector(`${tid('replica-0')}[data-live="true"]`);
    await waitClock(page, 0, '1,0');
    // A node's answer is text, never markup.
    await page.waitForSelector(`${tid('store-0')} [data-key="x"][data-value="<b>1</b>"]`);
    assert.equal(await page.locator(`${tid('store-0')} b`).count(), 0);
    const down = await page.waitForSelector(`${tid('replica-1')}[data-live="down"]`);
    assert.match(await down.textContent(), /Node B .* not the nodes' API/);
    const why = await page.waitForSelector(tid('live-no-diagram'));
    assert.match(await why.textContent(), /node 0 \(A\): it has no GET \/events \(it speaks only the original API\)/);
    // The replay says what it lacks instead of guessing.
    await page.click(tid('live-replay'));
    const notes = await page.waitForSelector(tid('live-replay-notes'));
    assert.match(await notes.textContent(), /Node A \(0\) keeps no event log/);
    assert.equal(await page.getAttribute(tid('replica-0'), 'data-live'), 'true', 'still the live view');
    await context.close();
  } finally {
    await Promise.all([original, garbage].map((s) => new Promise((ok) => s.close(ok))));
  }
});
