// harness.mjs -- the shared parts of the tests that run several real processes on loopback and
// check what they sent to tests/interop/capture_server.py (distributed/run.mjs,
// ../integrations/shop/run.mjs).
//
// WHAT IT DOES  new Run({ title, work, cwd, timeoutMs }) holds one test run:
//                 run.start(name, cmd, args, env)   spawns a child, its output in <work>/<name>.log
//                 run.waitReady(child, 'PORT')      waits for `PORT <n>` in its log, then for the
//                                                   port to accept a connection; returns n
//                 run.waitExit(child, ms)           its exit code, or throws after ms
//                 run.check(ok, what, detail)       one `ok` / `FAIL` line, counted
//                 run.finish(main)                  runs main, prints `N passed, N failed`, exits
//               startCaptureServer(run, python, outDir) starts the capture server on a free
//               port and returns that port; stopCaptureServer(run, capture) stops it.
//               readCaptured(outDir) parses every stored envelope with its request line and
//               headers; transactionsOf(envelopes) flattens them to { env, t } pairs.
//               requireSentryNode(interopDir) exits 77 (ctest: skipped) when @sentry/node is
//               not installed in tests/interop/node_modules.
//               waterfall(traceId, services) renders one trace recorded by several services as
//               an indented tree of op, name, start offset and duration, with a bar per span.
// PROCESSES     Every child is SIGKILLed when the run ends, however it ends (normal exit, a
//               thrown error, SIGINT/SIGTERM/SIGHUP, or the watchdog at `timeoutMs`).
// DOES NOT      pick ports: every server is started with port 0 and prints the one it got.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Exits 77 (ctest's skip code here) when tests/interop/node_modules lacks @sentry/node.
export function requireSentryNode(interopDir) {
  if (!fs.existsSync(path.join(interopDir, 'node_modules', '@sentry', 'node', 'package.json'))) {
    console.log('skipped: tests/interop/node_modules/@sentry/node is missing; run `npm ci` in tests/interop ' +
                '(scripts/install-deps.sh)');
    process.exit(77);
  }
}

export class Run {
  /// `work` is emptied and created; `cwd` is where children run; the whole run is bounded by
  /// `timeoutMs`, after which every child is killed and the run fails.
  constructor({ title, work, cwd, timeoutMs = 45000 }) {
    this.title = title;
    this.work = work;
    this.cwd = cwd;
    this.children = new Map();  // name -> { name, proc, logPath, exited: Promise<code>, done }
    this.passed = 0;
    this.failed = 0;
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });

    process.on('exit', () => this.killAll());
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.on(sig, () => {
        console.error(`${title}: ${sig}, stopping`);
        this.killAll();
        process.exit(1);
      });
    }
    const watchdog = setTimeout(() => {
      console.error(`FAIL: ${title} took longer than ${timeoutMs / 1000} s`);
      this.dumpLogs();
      this.killAll();
      process.exit(1);
    }, timeoutMs);
    watchdog.unref();
  }

  /// Spawns `cmd args` with stdout and stderr to <work>/<name>.log; `env` is added to ours.
  start(name, cmd, args, env = {}) {
    const logPath = path.join(this.work, `${name}.log`);
    const fd = fs.openSync(logPath, 'w');
    const proc = spawn(cmd, args, { stdio: ['ignore', fd, fd], cwd: this.cwd, env: { ...process.env, ...env } });
    fs.closeSync(fd);
    const exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
      proc.on('error', (e) => {
        fs.appendFileSync(logPath, `spawn error: ${e.message}\n`);
        resolve(127);
      });
    });
    const child = { name, proc, logPath, exited, done: false };
    exited.then(() => { child.done = true; });
    this.children.set(name, child);
    return child;
  }

  killAll() {
    for (const c of this.children.values()) {
      if (!c.done && c.proc.pid) {
        try { c.proc.kill('SIGKILL'); } catch { /* already gone */ }
      }
    }
  }

  dumpLogs() {
    for (const c of this.children.values()) {
      let text = '';
      try { text = fs.readFileSync(c.logPath, 'utf8'); } catch { /* none */ }
      console.error(`----- ${c.name}.log -----\n${text.trimEnd()}`);
    }
  }

  log(child) {
    try { return fs.readFileSync(child.logPath, 'utf8'); } catch { return ''; }
  }

  /// Waits for `PATTERN <port>` on a line of the child's log, then for the port to accept a
  /// connection. Returns the port.
  async waitReady(child, pattern, timeoutMs = 10000) {
    const deadline = Date.now() + timeoutMs;
    let port = 0;
    while (Date.now() < deadline) {
      if (child.done) throw new Error(`${child.name} exited before it was ready`);
      const m = this.log(child).match(new RegExp(`^${pattern} (\\d+)$`, 'm'));
      if (m) { port = Number(m[1]); break; }
      await sleep(50);
    }
    if (!port) throw new Error(`${child.name} printed no "${pattern} <port>" within ${timeoutMs} ms`);
    while (Date.now() < deadline) {
      const ok = await new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
        s.on('error', () => resolve(false));
      });
      if (ok) return port;
      await sleep(50);
    }
    throw new Error(`${child.name}: port ${port} does not accept connections`);
  }

  async waitExit(child, timeoutMs) {
    const code = await Promise.race([child.exited, sleep(timeoutMs).then(() => null)]);
    if (code === null) throw new Error(`${child.name} did not exit within ${timeoutMs} ms`);
    return code;
  }

  check(ok, what, detail = '') {
    if (ok) {
      this.passed++;
      console.log(`ok    ${what}`);
    } else {
      this.failed++;
      console.log(`FAIL  ${what}${detail ? `\n        ${detail}` : ''}`);
    }
    return ok;
  }

  /// Runs `main`, counts a throw as a failure (with every child's log), prints the summary,
  /// kills what is left and exits: 1 on any failure, else 0.
  async finish(main) {
    try {
      await main();
    } catch (e) {
      this.check(false, `${this.title} ran`, e.message);
      this.dumpLogs();
    }
    console.log(`${this.passed} passed, ${this.failed} failed`);
    if (this.failed) console.log(`(logs and envelopes in ${this.work})`);
    this.killAll();
    process.exit(this.failed ? 1 : 0);
  }
}

// ---------------------------------------------------------------------------------------------
// The capture server (tests/interop/capture_server.py) and what it stored.
// ---------------------------------------------------------------------------------------------

/// Starts the capture server on a free port, storing into `outDir`; returns { child, port }.
export async function startCaptureServer(run, python, outDir) {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'capture_server.py');
  const child = run.start('capture_server', python, [script, '--port', '0', '--out', outDir, '--timeout', '60']);
  const port = await run.waitReady(child, 'PORT');
  return { child, port };
}

export async function stopCaptureServer(run, capture) {
  capture.child.proc.kill('SIGTERM');
  await run.waitExit(capture.child, 5000);
}

export function parseEnvelope(buf) {
  let pos = 0;
  const line = () => {
    let end = buf.indexOf(0x0a, pos);
    if (end < 0) end = buf.length;
    const s = buf.subarray(pos, end).toString('utf8');
    pos = end + 1;
    return s;
  };
  const header = JSON.parse(line());
  const items = [];
  while (pos < buf.length) {
    const h = line();
    if (!h.trim()) continue;
    const ih = JSON.parse(h);
    let payload;
    if (typeof ih.length === 'number') {
      payload = buf.subarray(pos, pos + ih.length);
      pos += ih.length + 1;
    } else {
      payload = Buffer.from(line(), 'utf8');
    }
    let json = null;
    try { json = JSON.parse(payload.toString('utf8')); } catch { /* not JSON (attachments) */ }
    items.push({ header: ih, json });
  }
  return { header, items };
}

/// Every envelope in `outDir`, in arrival order: { file, raw, request, header, items }.
export function readCaptured(outDir) {
  const out = [];
  if (!fs.existsSync(outDir)) return out;
  for (const f of fs.readdirSync(outDir).filter((n) => n.endsWith('.envelope')).sort()) {
    const base = f.slice(0, -'.envelope'.length);
    const raw = fs.readFileSync(path.join(outDir, f));
    const env = parseEnvelope(raw);
    const request = JSON.parse(fs.readFileSync(path.join(outDir, `${base}.request.json`), 'utf8'));
    out.push({ file: f, raw, request, ...env });
  }
  return out;
}

/// The items of one type across envelopes, as { env, t } (t: the item's JSON).
export function itemsOf(envelopes, type) {
  const out = [];
  for (const e of envelopes) {
    for (const it of e.items) {
      if (it.header.type === type && it.json) out.push({ env: e, t: it.json });
    }
  }
  return out;
}

export const transactionsOf = (envelopes) => itemsOf(envelopes, 'transaction');

// ---------------------------------------------------------------------------------------------
// The waterfall of one trace across services.
// ---------------------------------------------------------------------------------------------

/// Each node's depth in the tree of `nodes` (0: a root), by id.
function depths(nodes) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out = new Map();
  for (const n of nodes) {
    let depth = 0;
    for (let p = byId.get(n.parent); p && depth < 32; p = byId.get(p.parent)) depth++;
    out.set(n.id, depth);
  }
  return out;
}

/// An RFC 3339 timestamp ("2026-12-02T18:38:46.702679Z", as sentry_trace writes them) in
/// seconds since the epoch, keeping the microseconds that Date.parse would drop.
function epochSeconds(text) {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(String(text));
  if (!m) return NaN;
  return Date.parse(`${m[1]}${m[3]}`) / 1000 + (m[2] ? Number(`0.${m[2]}`) : 0);
}

/// `services`: [{ label, t }] with t a transaction event. Renders the trace as a tree (each
/// transaction's root under the span whose id is its parent_span_id, spans under their
/// parents, siblings by start time) with op, name, start offset and duration in ms, a bar on a
/// common time axis, and the service that recorded the transaction.
export function waterfall(traceId, services, { maxNameWidth = 60, barWidth = 24 } = {}) {
  const nodes = [];
  const seconds = (ts) => (typeof ts === 'number' ? ts : epochSeconds(ts));
  for (const { label, t } of services) {
    const tr = t.contexts?.trace ?? {};
    nodes.push({ id: tr.span_id, parent: tr.parent_span_id, op: tr.op ?? '', name: t.transaction ?? '',
                 start: seconds(t.start_timestamp), end: seconds(t.timestamp), service: label });
    for (const s of t.spans ?? []) {
      nodes.push({ id: s.span_id, parent: s.parent_span_id, op: s.op ?? '', name: s.description ?? '',
                   start: seconds(s.start_timestamp), end: seconds(s.timestamp), service: '' });
    }
  }
  const ids = new Set(nodes.map((n) => n.id));
  const t0 = Math.min(...nodes.map((n) => n.start));
  const t1 = Math.max(...nodes.map((n) => n.end));
  const total = Math.max(t1 - t0, 1e-6);
  const ms = (seconds) => (seconds * 1000).toFixed(2).padStart(8);
  const bar = (n) => {
    const from = Math.min(barWidth - 1, Math.floor(((n.start - t0) / total) * barWidth));
    const to = Math.max(from + 1, Math.round(((n.end - t0) / total) * barWidth));
    return `${' '.repeat(from)}${'#'.repeat(Math.min(to, barWidth) - from)}`.padEnd(barWidth);
  };
  const fit = (s, width) => (s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width));
  const opWidth = Math.max(...nodes.map((n) => n.op.length)) + 2;
  const depth = depths(nodes);
  const labelWidth = Math.max(...nodes.map((n) => 2 * depth.get(n.id) + opWidth + Math.min(n.name.length, maxNameWidth)));

  const lines = [`trace ${traceId}  ${nodes.length} spans  ${ms(total).trim()} ms`,
                 `${fit('op / name', labelWidth)} ${'start ms'.padStart(8)} ${'dur ms'.padStart(8)}  ` +
                 `${' timeline'.padEnd(barWidth + 2)} service`];
  const visit = (n, depth) => {
    const indent = '  '.repeat(depth);
    const label = `${indent}${n.op.padEnd(opWidth)}${n.name}`;
    lines.push(`${fit(label, labelWidth)} ${ms(n.start - t0)} ${ms(n.end - n.start)}  |${bar(n)}|` +
               `${n.service ? ` ${n.service}` : ''}`);
    const children = nodes.filter((c) => c.parent === n.id).sort((a, b) => a.start - b.start);
    for (const c of children) if (depth < 32) visit(c, depth + 1);
  };
  for (const root of nodes.filter((n) => !n.parent || !ids.has(n.parent)).sort((a, b) => a.start - b.start)) {
    visit(root, 0);
  }
  return lines.join('\n');
}
