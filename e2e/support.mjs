// Shared code of the end-to-end tests: launch Debian's Chromium through
// playwright-core, serve dist/ on loopback, open the page while collecting
// console errors. Never downloads a browser.
//
// Run directly, it is the static file server that scripts/test starts:
//   node e2e/support.mjs serve [DIR] [--base /sub/path/] [--port N] [--gzip]
// prints the page's address on its first line and serves until killed.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { constants as zlib, gzip } from 'node:zlib';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const DIST = join(ROOT, 'dist');
export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// The npm package axe-core's script, injected into pages by axeViolations().
export const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// Root in a sandbox-less container, and a machine whose only network is loopback.
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches headless Chromium (Debian's, at /usr/bin/chromium), with every
 * input a test gives a page followed by the page's handling of it (see
 * settleAfterInputs). */
export async function launchBrowser(options = {}) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
  await settleAfterInputs(browser);
  return browser;
}

/**
 * Resolves once `page` has handled what it was given: the render its input
 * asked for (yew's scheduler may spread one over several tasks), the tasks
 * that queued (the slice of a job, a focus moved by a timer), until a round
 * of tasks and a frame pass with no change to the document. A wait for the
 * page's own work, never a clock: on a busy machine it takes longer. (The
 * 100 ms beside each frame only keeps a page that paints no frames from
 * hanging it; a page that changes all the time, a load with a progress bar
 * or autoplay, ends the wait after 5 rounds, and reads of such a state
 * still wait for the state they assert.)
 */
export async function settle(page) {
  await page.evaluate(() => new Promise((done) => {
    let changed = false;
    const watch = new MutationObserver(() => { changed = true; });
    watch.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    const frame = (next) => {
      let gone = false;
      const go = () => { if (!gone) { gone = true; next(); } };
      requestAnimationFrame(go);
      setTimeout(go, 100);
    };
    let rounds = 0;
    const round = () => setTimeout(() => frame(() => setTimeout(() => {
      if (changed && ++rounds < 5) {
        changed = false;
        round();
      } else {
        watch.disconnect();
        done();
      }
    }, 0)), 0);
    round();
  })).catch(() => {}); // a page closed or navigated away has nothing left to handle
}

const SETTLED = Symbol('settled');
const ACTIONS = {
  page: ['check', 'click', 'dblclick', 'dispatchEvent', 'dragAndDrop', 'fill', 'focus', 'press', 'selectOption', 'setChecked', 'setInputFiles', 'tap', 'type', 'uncheck'],
  locator: ['blur', 'check', 'clear', 'click', 'dblclick', 'dispatchEvent', 'dragTo', 'fill', 'focus', 'press', 'pressSequentially', 'selectOption', 'setChecked', 'setInputFiles', 'tap', 'type', 'uncheck'],
  keyboard: ['down', 'insertText', 'press', 'type', 'up'],
  // Not a mouse move: near the window's edge a drag scrolls the page while the pointer stays.
  mouse: ['click', 'dblclick', 'down', 'up'],
  touchscreen: ['tap'],
};

/**
 * Makes every input Playwright gives a page (a click, a key, a fill, a
 * mouse move...) resolve only once the page has handled it (settle): the
 * page renders after the event, not during it, and a read right after an
 * input would otherwise race that render. Patched once, on the classes of
 * playwright-core's client objects, found through one throwaway page.
 */
async function settleAfterInputs(browser) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const objects = {
      page,
      locator: page.locator('body'),
      keyboard: page.keyboard,
      mouse: page.mouse,
      touchscreen: page.touchscreen,
    };
    for (const [kind, methods] of Object.entries(ACTIONS)) {
      const proto = Object.getPrototypeOf(objects[kind]);
      if (proto[SETTLED]) continue;
      proto[SETTLED] = true;
      for (const name of methods) {
        const original = proto[name];
        if (typeof original !== 'function') continue;
        proto[name] = async function settled(...args) {
          const result = await original.apply(this, args);
          const target = kind === 'page' ? this : kind === 'locator' ? this.page() : this._page;
          if (target) await settle(target);
          return result;
        };
      }
    }
  } finally {
    await context.close();
  }
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// What a host serves compressed: the page's text and its WebAssembly.
const COMPRESSED = new Set(['.html', '.js', '.mjs', '.css', '.wasm', '.json', '.svg', '.txt']);
const gzipped = promisify(gzip);

/**
 * A file compressed with gzip -9, made once per version of the file (its
 * size and time) and kept, so that no request waits for the compression
 * (startServer makes them all before it answers).
 */
function gzipCache() {
  const kept = new Map();
  return (file, info) => {
    const version = `${info.size}:${info.mtimeMs}`;
    let entry = kept.get(file);
    if (entry?.version !== version) {
      entry = { version, body: readFile(file).then((bytes) => gzipped(bytes, { level: zlib.Z_BEST_COMPRESSION })) };
      kept.set(file, entry);
    }
    return entry.body;
  };
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
}

/**
 * Serves `dir` (dist/ by default) on 127.0.0.1 under the sub-path `base`
 * (default '/causal-playground/', so that every test also checks that the
 * build works away from the root of a host). Port 0 picks a free port.
 * With `gzip`, html, css, js, wasm (still `application/wasm`, so the page
 * compiles it as it streams), json, svg and text go out with
 * `Content-Encoding: gzip` (gzip -9) to a request that accepts it, as a host
 * serves them (scripts/bench's slow link); without it, as they are.
 * Resolves to { url, close() } where url is the page's address.
 */
export async function startServer({ dir = DIST, base = '/causal-playground/', port = 0, gzip: compress = false } = {}) {
  const rootDir = resolve(dir);
  if (!base.startsWith('/')) base = `/${base}`;
  if (!base.endsWith('/')) base = `${base}/`;
  const compressed = compress ? gzipCache() : null;
  if (compressed) {
    const files = (await filesUnder(rootDir)).filter((f) => COMPRESSED.has(extname(f)));
    await Promise.all(files.map(async (f) => compressed(f, await stat(f))));
  }
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
      if (path === base.slice(0, -1)) {
        res.writeHead(301, { Location: base }).end();
        return;
      }
      if (!path.startsWith(base)) {
        res.writeHead(404).end('not found');
        return;
      }
      let file = normalize(join(rootDir, path.slice(base.length)));
      if (file !== rootDir && !file.startsWith(rootDir + sep)) {
        res.writeHead(403).end('forbidden');
        return;
      }
      let info = await stat(file).catch(() => null);
      if (info?.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (!info?.isFile()) {
        res.writeHead(404).end('not found');
        return;
      }
      const headers = {
        'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Cache-Control': 'no-store',
      };
      if (compressed && COMPRESSED.has(extname(file))) {
        headers.Vary = 'Accept-Encoding';
        if (/\bgzip\b/i.test(req.headers['accept-encoding'] ?? '')) {
          const body = await compressed(file, info);
          headers['Content-Encoding'] = 'gzip';
          headers['Content-Length'] = body.length;
          res.writeHead(200, headers);
          res.end(req.method === 'HEAD' ? undefined : body);
          return;
        }
      }
      res.writeHead(200, headers);
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const url = `http://127.0.0.1:${server.address().port}${base}`;
  return {
    url,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/**
 * The page's address: E2E_BASE_URL when scripts/test serves the build,
 * otherwise a server of our own for dist/ (stopped by the returned close()).
 */
export async function pageServer() {
  if (process.env.E2E_BASE_URL) {
    return { url: process.env.E2E_BASE_URL, close: async () => {} };
  }
  return startServer();
}

/**
 * Opens `url` in a new page of `browser` (a fresh context: no shared storage),
 * collecting console errors, uncaught page errors, failed requests and HTTP
 * errors into `errors`. Resolves to { context, page, errors } once loaded.
 */
export async function openPage(browser, url, { viewport = { width: 1366, height: 768 }, waitFor, init } = {}) {
  const context = await browser.newContext({ viewport });
  // Runs in the page before its own scripts: to see what is over before a poll could.
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => errors.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ''}`));
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`http ${res.status()}: ${res.url()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  if (waitFor) await page.waitForSelector(waitFor);
  return { context, page, errors };
}

/** Saves a screenshot of `page` as e2e/artifacts/NAME.png; resolves to its path. */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// `node e2e/support.mjs serve [DIR] [--base /sub/] [--port N] [--gzip]`
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args[0] !== 'serve') {
    console.error('usage: node e2e/support.mjs serve [DIR] [--base /sub/path/] [--port N] [--gzip]');
    process.exit(2);
  }
  const opts = {};
  for (let i = 1; i < args.length; i++) {
    if (args[i] === '--base') opts.base = args[++i];
    else if (args[i] === '--port') opts.port = Number(args[++i]);
    else if (args[i] === '--gzip') opts.gzip = true;
    else opts.dir = args[i];
  }
  const { url, close } = await startServer(opts);
  console.log(url);
  const stop = () => close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// ---------------------------------------------------------------------------
// Acting on the page as a user does, through its `data-testid` hooks.

/** Tall enough that a lane of a few cards and the replica panels under it are
 * all in view: a mouse drag cannot scroll the page. */
export const TALL = { width: 1366, height: 1400 };

/** A command run to its end: `{ stdout, stderr }`, or it throws. */
export const run = promisify(execFile);

/**
 * target/release/causal-sim, built (or brought up to date: a binary left by
 * an older checkout would compare the page with old words) before use:
 * `{ sim }` with its path, or `{ sim: null, missing }` saying why there is none.
 */
export async function causalSim() {
  const path = join(ROOT, 'target', 'release', 'causal-sim');
  const exists = () => access(path).then(() => true, () => false);
  let missing = '';
  try {
    await run('cargo', ['build', '--release', '-p', 'causal-core', '--bin', 'causal-sim'], {
      cwd: ROOT,
      timeout: 600_000,
    });
  } catch (err) {
    missing = `cargo build --release -p causal-core failed: ${err.message.split('\n')[0]}`;
  }
  if (!missing && (await exists())) return { sim: path, missing: '' };
  return { sim: null, missing: missing || `${path} is absent` };
}

/**
 * For files that compare the page with causal-sim: registers hooks that make
 * a scratch folder (its name starting with `prefix`) and find causal-sim
 * before the tests, and remove the folder after them. `ready` hears
 * `{ tmp, sim, missing }` (see causalSim).
 */
export function useScratchAndSim(prefix, ready) {
  let tmp;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), prefix));
    ready({ tmp, ...(await causalSim()) });
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });
}

/** The selector of a test hook: the element's `data-testid`. */
export const tid = (id) => `[data-testid="${id}"]`;

/** The card of message m in the lane to replica `to`. */
export const cardSel = (m, to) => `${tid(`lane-${to}`)} ${tid('inflight')}[data-message="${m}"]`;

/** Records (and dismisses) every dialog the page opens. */
export function watchDialogs(page) {
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return dialogs;
}

/**
 * Opens `url` in a fresh context of `browser`, runs `body(page, ctx)`, then
 * checks that nothing was said on the console and no dialog opened; always
 * closes the context.
 */
export async function withPage(browser, url, body, { viewport = TALL, init } = {}) {
  const ctx = await openPage(browser, url, { viewport, waitFor: tid('replica-0'), init });
  ctx.dialogs = watchDialogs(ctx.page);
  try {
    await body(ctx.page, ctx);
    assert.deepEqual(ctx.errors, [], 'no console errors');
    assert.deepEqual(ctx.dialogs, [], 'no dialogs');
  } finally {
    await ctx.context.close();
  }
}

/**
 * A browser launched (with `options` for launchBrowser) before a test file's
 * tests and closed after them; registers those hooks. The object returned
 * stands for it from then on: its methods and fields are the browser's.
 */
export function useLaunchedBrowser(options = {}) {
  let launched = null;
  before(async () => {
    launched = await launchBrowser(options);
  });
  after(async () => {
    await launched?.close();
  });
  return new Proxy({}, {
    get(_, key) {
      if (!launched) throw new Error('the browser is launched before the tests run');
      const value = Reflect.get(launched, key);
      return typeof value === 'function' ? value.bind(launched) : value;
    },
  });
}

/**
 * What most test files share, with the hooks that set it up and tear it
 * down: `browser` (see useLaunchedBrowser), `server` ({ url } of the page,
 * see pageServer) and `withPage(body, opts)`, a fresh page of `opts.url` or
 * the server's (see withPage).
 */
export function useBrowser() {
  const browser = useLaunchedBrowser();
  const server = {};
  before(async () => {
    Object.assign(server, await pageServer());
  });
  after(async () => {
    await server.close?.();
  });
  return {
    browser,
    server,
    withPage: (body, opts = {}) => withPage(browser, opts.url ?? server.url, body, opts),
  };
}

/** Types into replica r's write form and presses its Write button. */
export async function write(page, r, key, value) {
  await page.fill(tid(`write-key-${r}`), key);
  await page.fill(tid(`write-value-${r}`), value);
  await page.click(tid(`write-${r}`));
}

/** Presses the Deliver button on the card of message m in the lane to `to`. */
export async function deliverButton(page, m, to) {
  await page.click(`${cardSel(m, to)} ${tid('deliver')}`);
}

// ---------------------------------------------------------------------------
// Share links made by hand (the format in src/run/share.rs's module doc: a
// format byte, the session as postcard writes it, a CRC-32), to open links
// the page would never make: crafted, invalid after their cursor, huge.

const DELIVERIES = ['causal', 'fifo', 'unordered'];
const CONFLICTS = ['overwrite', 'lww', 'multi-value'];
const STEPS = ['write', 'deliver', 'drop', 'duplicate', 'deliver-all', 'deliver-next', 'reorder'];

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The fragment `s=...` of a session: { replicas, delivery, conflicts, seed,
 * current, cursor, branches: [[command, ...], ...] } where a command is a
 * scenario file's step ({ op: 'write', replica, key, value },
 * { op: 'deliver', message, to }, { op: 'deliver-all' }...).
 * Branches have no parent. `format`: the link format's number (2 today).
 */
export function shareFragment({ replicas = 3, delivery = 'causal', conflicts = 'overwrite', seed = 42, current = 0, cursor, branches, format = 2 }) {
  const out = [format]; // the format (a newer page's would be 3)
  const varint = (n) => {
    let v = BigInt(n);
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
  };
  const string = (text) => {
    const bytes = new TextEncoder().encode(text);
    varint(bytes.length);
    for (const b of bytes) out.push(b);
  };
  varint(2); // the session's version
  varint(replicas);
  varint(DELIVERIES.indexOf(delivery));
  varint(CONFLICTS.indexOf(conflicts));
  varint(seed);
  varint(current);
  varint(cursor ?? branches[current].length);
  out.push(0); // no preset
  varint(branches.length);
  for (const commands of branches) {
    out.push(0); // no parent
    varint(commands.length);
    for (const c of commands) {
      const kind = STEPS.indexOf(c.op);
      if (kind < 0) throw new Error(`shareFragment: no ${c.op}`);
      varint(kind);
      if (c.op === 'write') {
        varint(c.replica);
        string(c.key);
        string(c.value);
      } else if (['deliver', 'drop', 'duplicate'].includes(c.op)) {
        varint(c.message);
        varint(c.to);
      } else if (c.op === 'deliver-next') {
        varint(c.to);
      } else if (c.op === 'reorder') {
        varint(c.to);
        varint(c.index);
        varint(c.position);
      }
    }
  }
  const crc = crc32(out);
  out.push(crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24);
  return `s=${Buffer.from(out).toString('base64url')}`;
}

// ---------------------------------------------------------------------------
// Accessibility: axe-core (the npm package) run inside the page.

/**
 * Waits for running animations to end, injects axe-core into `page` (once)
 * and runs it on the whole document, or on
 * `context` (a CSS selector) when given, with every rule axe enables by default
 * (WCAG 2.x A and AA, and best practices such as `region` and `heading-order`).
 * Resolves to the violations as plain objects: { id, impact, help, nodes },
 * each node { target, html, summary }; an empty array means none.
 */
export async function axeViolations(page, { context } = {}) {
  // Judge the page as it settles: a flash half-way through its animation
  // has colours no one reads.
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: await readFile(AXE_SOURCE, 'utf8') });
  }
  return page.evaluate(async (selector) => {
    const result = await window.axe.run(selector ?? document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
    }));
  }, context ?? null);
}

/** axe violations as readable lines, for an assertion's message. */
export function describeViolations(violations) {
  return violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `  ${n.target}: ${n.summary}`).join('\n')}`)
    .join('\n');
}
