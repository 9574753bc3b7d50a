// run.mjs -- our envelopes in Spotlight: the sidecar receives them and its UI shows the trace.
//
//   node run.mjs <path to spotlight_emit> [screenshot.png]
//
// (the screenshot path may also come from SENTRY_TRACE_SPOTLIGHT_SCREENSHOT; default
// <tmp>/spotlight-*/spotlight.png). Its directory also gets sidecar.log and emit.log.
//
//   1. Starts the Spotlight sidecar (@spotlightjs/spotlight, through sidecar.mjs) on a free
//      loopback port and waits until GET /health answers.
//   2. Subscribes to the sidecar's event stream (GET /stream, server-sent events: every
//      envelope the sidecar parsed, as JSON).
//   3. Runs emit.cpp's program with SENTRY_SPOTLIGHT=http://127.0.0.1:<port>/stream and a DSN
//      nobody listens on; it traces "GET /spotlight-demo" with three child spans.
//   4. Checks the stream delivered that transaction: same trace id, the three spans as
//      children of the root, before the program exited (the failing main transport does not
//      hold the Spotlight copy back).
//   5. Opens the sidecar's own UI (http://127.0.0.1:<port>/telemetry/traces) in headless
//      Chromium (Debian's /usr/bin/chromium, driven by playwright-core, fresh profile, every
//      non-loopback request aborted), waits for "GET /spotlight-demo", opens the trace, waits
//      for the three span names, and saves a screenshot.
// Prints each check and `N passed, N failed`; exits 1 on any failure, 77 (skip) only when
// tests/interop/node_modules, @spotlightjs/spotlight, playwright-core or /usr/bin/chromium
// (SENTRY_TRACE_CHROMIUM overrides the path) is missing. Every process it started is stopped
// on every path; the whole run is bounded (80 s).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const interop = path.dirname(here);
const modules = path.join(interop, 'node_modules');
const TOTAL_MS = 80000;

const [emitArg, shotArg] = process.argv.slice(2);
if (!emitArg) {
  console.error('usage: node run.mjs <path to spotlight_emit> [screenshot.png]');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Skips: only for what the documented setup installs (scripts/install-deps.sh).
// ---------------------------------------------------------------------------------------------
const chromiumPath = process.env.SENTRY_TRACE_CHROMIUM || '/usr/bin/chromium';
function skip(why) {
  console.log(`skipped: ${why}; run scripts/install-deps.sh (apt-get install chromium; npm ci in tests/interop)`);
  process.exit(77);
}
if (!fs.existsSync(modules)) skip('tests/interop/node_modules is missing');
if (!fs.existsSync(path.join(modules, '@spotlightjs', 'spotlight', 'package.json'))) {
  skip('tests/interop/node_modules/@spotlightjs/spotlight (the Spotlight sidecar) is missing');
}
if (!fs.existsSync(path.join(modules, 'playwright-core', 'package.json'))) {
  skip('tests/interop/node_modules/playwright-core is missing');
}
if (!fs.existsSync(chromiumPath)) skip(`${chromiumPath} (Debian's chromium) is missing`);

// @spotlightjs/spotlight 4 and playwright-core 1.65 need Node 20 (their `engines`); older is a
// setup error, not a reason to skip.
if (Number(process.versions.node.split('.')[0]) < 20) {
  console.error(`FAIL: node ${process.versions.node}: @spotlightjs/spotlight and playwright-core need Node >= 20`);
  process.exit(1);
}
const emitBin = path.resolve(emitArg);
if (!fs.existsSync(emitBin)) {
  console.error(`FAIL: ${emitBin} does not exist (build the spotlight_emit target)`);
  process.exit(1);
}
const shotPath = path.resolve(shotArg || process.env.SENTRY_TRACE_SPOTLIGHT_SCREENSHOT ||
                              path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spotlight-')), 'spotlight.png'));
const work = path.dirname(shotPath);
fs.mkdirSync(work, { recursive: true });
fs.rmSync(shotPath, { force: true });

// ---------------------------------------------------------------------------------------------
// Cleanup: child processes, the browser, its profile directory; on every path.
// ---------------------------------------------------------------------------------------------
const children = new Map();  // name -> { proc, logPath, exited, done }
let browserContext = null;   // playwright's; its own exit handler also kills Chromium
let profileDir = null;
let sse = null;              // AbortController of the event-stream request

function start(name, cmd, args, env) {
  const logPath = path.join(work, `${name}.log`);
  const fd = fs.openSync(logPath, 'w');
  const proc = spawn(cmd, args, { stdio: ['ignore', fd, fd], cwd: here, env });
  fs.closeSync(fd);
  const child = { name, proc, logPath, done: false };
  child.exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    proc.on('error', (e) => {
      fs.appendFileSync(logPath, `spawn error: ${e.message}\n`);
      resolve(127);
    });
  });
  child.exited.then(() => { child.done = true; });
  children.set(name, child);
  return child;
}

function killAll() {
  try { sse?.abort(); } catch { /* gone */ }
  for (const c of children.values()) {
    if (!c.done && c.proc.pid) {
      try { c.proc.kill('SIGKILL'); } catch { /* already gone */ }
    }
  }
  if (profileDir) {
    try { fs.rmSync(profileDir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`run.mjs: ${sig}, stopping`);
    process.exit(1);  // 'exit' runs killAll; playwright's own 'exit' handler kills Chromium
  });
}
const watchdog = setTimeout(() => {
  console.error(`FAIL: the Spotlight test took longer than ${TOTAL_MS / 1000} s`);
  dumpLogs();
  process.exit(1);
}, TOTAL_MS);
watchdog.unref();

function dumpLogs() {
  for (const c of children.values()) {
    let text = '';
    try { text = fs.readFileSync(c.logPath, 'utf8'); } catch { /* none */ }
    console.error(`----- ${c.name}.log -----\n${text.trimEnd()}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitExit(child, timeoutMs) {
  const code = await Promise.race([child.exited, sleep(timeoutMs).then(() => null)]);
  if (code === null) throw new Error(`${child.name} did not exit within ${timeoutMs} ms`);
  return code;
}

// ---------------------------------------------------------------------------------------------
// Checks.
// ---------------------------------------------------------------------------------------------
let passed = 0;
let failed = 0;
function check(ok, what, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok    ${what}`);
  } else {
    failed++;
    console.log(`FAIL  ${what}${detail ? `\n        ${detail}` : ''}`);
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------
// The sidecar and its event stream.
// ---------------------------------------------------------------------------------------------
async function startSidecar() {
  const env = { ...process.env };
  delete env.SENTRY_SPOTLIGHT;  // the sidecar is the target, never a sender
  const sidecar = start('sidecar', process.execPath, [path.join(here, 'sidecar.mjs'), '0'], env);
  const deadline = Date.now() + 20000;
  let port = 0;
  while (!port && Date.now() < deadline) {
    if (sidecar.done) throw new Error('the sidecar exited before it listened');
    const m = fs.readFileSync(sidecar.logPath, 'utf8').match(/^PORT (\d+)$/m);
    if (m) port = Number(m[1]);
    else await sleep(50);
  }
  if (!port) throw new Error('the sidecar printed no "PORT <n>" within 20 s');
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
      if (r.ok && (await r.text()) === 'OK') return port;
    } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error(`the sidecar on port ${port} does not answer GET /health`);
}

// Reads GET /stream (text/event-stream); every `data:` of an application/x-sentry-envelope
// event is the parsed envelope [header, [[itemHeader, payload], ...]].
async function subscribe(port, onEnvelope) {
  sse = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}/stream?client=sentry_trace-test`, {
    signal: sse.signal,
    headers: { Accept: 'text/event-stream' },
  });
  if (!res.ok || !res.body) throw new Error(`GET /stream answered ${res.status}`);
  (async () => {
    const decoder = new TextDecoder();
    let text = '';
    try {
      for await (const chunk of res.body) {
        text += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          let event = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (event.startsWith('application/x-sentry-envelope') && data.length) {
            try { onEnvelope(JSON.parse(data.join('\n')), Date.now()); } catch { /* not JSON */ }
          }
        }
      }
    } catch { /* aborted at the end */ }
  })();
}

// ---------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------
const TRANSACTION = 'GET /spotlight-demo';

async function main() {
  const port = await startSidecar();
  console.log(`sidecar: @spotlightjs/spotlight ${JSON.parse(fs.readFileSync(
    path.join(modules, '@spotlightjs', 'spotlight', 'package.json'), 'utf8')).version} on 127.0.0.1:${port}`);

  const received = [];  // { envelope, at }
  await subscribe(port, (envelope, at) => received.push({ envelope, at }));

  // The C++ program: only SENTRY_SPOTLIGHT from us; no SENTRY_* of the caller's leaks in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SENTRY_')));
  env.SENTRY_SPOTLIGHT = `http://127.0.0.1:${port}/stream`;
  const emit = start('emit', emitBin, [], env);
  const emitCode = await waitExit(emit, 20000);
  const emitExitedAt = Date.now();
  const emitOut = fs.readFileSync(emit.logPath, 'utf8');
  check(emitCode === 0, `emit exited 0 (SENTRY_SPOTLIGHT=${env.SENTRY_SPOTLIGHT})`, `exit ${emitCode}\n${emitOut}`);
  const traceId = (emitOut.match(/^trace_id ([0-9a-f]{32})$/m) || [])[1] || '';
  const spanNames = [...emitOut.matchAll(/^span (.+)$/gm)].map((m) => m[1]);
  check(traceId && spanNames.length === 3, 'emit printed its trace id and three span names', emitOut);

  // -- the sidecar got the envelope -------------------------------------------------------------
  const deadline = Date.now() + 5000;
  const findTx = () => {
    for (const r of received) {
      for (const [itemHeader, payload] of r.envelope[1] || []) {
        if (itemHeader?.type === 'transaction' && payload?.transaction === TRANSACTION) return { ...r, tx: payload };
      }
    }
    return null;
  };
  let found = findTx();
  while (!found && Date.now() < deadline) {
    await sleep(50);
    found = findTx();
  }
  if (!check(found, `the sidecar's event stream delivered transaction "${TRANSACTION}"`,
             `${received.length} envelope(s) received\n${fs.readFileSync(path.join(work, 'sidecar.log'), 'utf8')}`)) {
    return;
  }
  const { envelope, tx, at } = found;
  console.log(`        envelope: sdk ${envelope[0]?.sdk?.name}/${envelope[0]?.sdk?.version}, ` +
              `items ${envelope[1].map((i) => i[0]?.type).join(',')}`);
  check(at <= emitExitedAt, 'it arrived before the program exited (the dead DSN did not hold it back)',
        `received ${at - emitExitedAt} ms after exit`);
  check(tx.contexts?.trace?.trace_id === traceId && envelope[0]?.trace?.trace_id === traceId,
        `its trace id is the program's (${traceId})`,
        `event ${tx.contexts?.trace?.trace_id}, envelope header ${envelope[0]?.trace?.trace_id}`);
  const rootId = tx.contexts?.trace?.span_id;
  const spans = Array.isArray(tx.spans) ? tx.spans : [];
  for (const name of spanNames) {
    const s = spans.find((x) => x.description === name);
    check(s && s.parent_span_id === rootId && s.trace_id === traceId,
          `child span "${name}" (${s?.op ?? '?'}) under the root span`, JSON.stringify(s));
  }

  // -- the UI shows it ----------------------------------------------------------------------------
  const { chromium } = await import('playwright-core');
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotlight-chromium-'));
  browserContext = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1600, height: 900 },
    timeout: 30000,
  });
  // Loopback only: the UI's own telemetry (sentry.io) and anything else is aborted.
  await browserContext.route((url) => !/^(127\.0\.0\.1|localhost|\[::1\])$/.test(url.hostname),
                             (route) => route.abort());
  const page = browserContext.pages()[0] ?? await browserContext.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  const tracesUrl = `http://127.0.0.1:${port}/telemetry/traces`;
  await page.goto(tracesUrl, { timeout: 20000 });
  const row = page.getByText(TRANSACTION, { exact: true }).first();
  let listed = true;
  try {
    await row.waitFor({ state: 'visible', timeout: 20000 });
  } catch {
    listed = false;
  }
  check(listed, `the traces view (${tracesUrl}) lists "${TRANSACTION}"`,
        `page text: ${(await page.locator('body').innerText().catch(() => '')).slice(0, 600)}`);
  const shortId = traceId.slice(0, 8);
  check(listed && await page.getByText(shortId, { exact: true }).first().isVisible().catch(() => false),
        `the traces view shows trace ${shortId}`);
  if (listed) {
    await row.click();
    await page.waitForURL(new RegExp(`/telemetry/traces/${traceId}`), { timeout: 10000 }).catch(() => {});
  }
  check(page.url().includes(`/telemetry/traces/${traceId}`), 'clicking it opens the trace', `at ${page.url()}`);
  for (const name of spanNames) {
    let shown = true;
    try {
      await page.getByText(name, { exact: true }).first().waitFor({ state: 'visible', timeout: 10000 });
    } catch {
      shown = false;
    }
    check(shown, `the trace view shows span "${name}"`);
  }
  await page.screenshot({ path: shotPath });
  check(fs.existsSync(shotPath) && fs.statSync(shotPath).size > 0, `screenshot saved: ${shotPath}`);
  if (pageErrors.length) console.log(`        page errors: ${pageErrors.join(' | ').slice(0, 500)}`);
}

let exitCode = 1;
try {
  await main();
} catch (e) {
  check(false, 'the run', e?.stack || String(e));
} finally {
  try { if (browserContext) await Promise.race([browserContext.close(), sleep(10000)]); } catch { /* killed below */ }
  browserContext = null;
  try { sse?.abort(); } catch { /* gone */ }
  const sidecar = children.get('sidecar');
  if (sidecar && !sidecar.done) {
    sidecar.proc.kill('SIGTERM');
    await Promise.race([sidecar.exited, sleep(3000)]);
  }
  killAll();
  if (failed) dumpLogs();
  console.log(`${passed} passed, ${failed} failed`);
  exitCode = failed === 0 && passed > 0 ? 0 : 1;
}
process.exit(exitCode);
