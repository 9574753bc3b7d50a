// run.mjs -- the shop service (examples/shop_service/) in one trace with two @sentry/node services:
//
//   front.mjs (@sentry/node)  --GET /orders/42-->  shop_service (cpp-httplib, SQLite, libcurl)  --GET /inventory?sku=..-->  back.mjs (@sentry/node)
//
//   node run.mjs <path to shop_service, or "" when it was not built> [work dir]
//
// front.mjs and back.mjs are tests/interop/distributed/'s; the processes, the capture server
// (tests/interop/capture_server.py) and the envelope reading are tests/interop/harness.mjs.
// Each service has its own DSN (key and project) on the capture server; the shop service gets
// its DSN from SENTRY_DSN, and TMPDIR (where it creates its database) is inside the work dir.
// After front is done, POST /shutdown stops the shop service (it exits 0 only when everything
// was delivered), then back and the capture server are stopped, and the envelopes checked:
//   - one trace id across the three transactions;
//   - the shop's transaction is `GET /orders/:id` (op http.server, source route, http.route),
//     and continues the span front sent (its http.client span);
//   - its two queries are `db` spans (origin auto.db.sqlite, db.system sqlite) whose parent is
//     the route's transaction: the bound one as prepared, the one with literals scrubbed;
//   - its libcurl call is one `http.client` span (origin auto.http.curl) under the transaction,
//     named without the query string, with status code 200;
//   - back's transaction's parent is that http.client span, and its DSC is front's;
//   - the inline literal (the promotion code) is in no envelope, and the database file is gone.
// Prints the request's waterfall and `N passed, N failed`; exits 1 on any failure, 77 (skip)
// when @sentry/node is not installed or the service was not built. Every child process is
// killed on every path; the whole run is bounded (45 s).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Run, readCaptured, requireSentryNode, startCaptureServer, stopCaptureServer, transactionsOf,
         waterfall } from '../../interop/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const interop = path.resolve(here, '../../interop');
const nodeServices = path.join(interop, 'distributed');  // front.mjs and back.mjs
const [serviceBin, workArg] = process.argv.slice(2);
if (serviceBin === undefined) {
  console.error('usage: node run.mjs <path to shop_service> [work dir]');
  process.exit(2);
}
requireSentryNode(interop);
if (serviceBin === '') {
  console.log('skipped: examples/shop_service was not built (it needs libcurl, SQLite3 and cpp-httplib: ' +
              'scripts/install-deps.sh)');
  process.exit(77);
}
if (!fs.existsSync(serviceBin)) {
  console.error(`FAIL: the shop service ${serviceBin} does not exist (build example_shop_service)`);
  process.exit(1);
}
const python = process.env.SENTRY_TRACE_PYTHON || 'python3';
const work = workArg ? path.resolve(workArg) : fs.mkdtempSync(path.join(os.tmpdir(), 'shop-service-'));
const run = new Run({ title: 'the shop service test', work, cwd: here, timeoutMs: 45000 });
const check = run.check.bind(run);
const outDir = path.join(work, 'envelopes');
const tmpDir = path.join(work, 'tmp');

const KEYS = { front: 'frontkey0000000000000000000001', shop: 'shopkey0000000000000000000000002',
               back: 'backkey000000000000000000000003' };
const PROJECTS = { front: '1', shop: '2', back: '3' };
// What examples/shop_service/main.cpp writes inline into its promotion query.
const INLINE_LITERAL = 'SPRING-7731';
const SCRUBBED_PROMOTION = 'SELECT percent_off FROM promotions WHERE code = ? AND active = ?';

let backPort = 0;

async function main() {
  const capture = await startCaptureServer(run, python, outDir);
  const dsn = (who) => `http://${KEYS[who]}@127.0.0.1:${capture.port}/${PROJECTS[who]}`;

  const back = run.start('back', process.execPath, [path.join(nodeServices, 'back.mjs'), dsn('back'), '0']);
  backPort = await run.waitReady(back, 'PORT');

  fs.mkdirSync(tmpDir, { recursive: true });
  const shop = run.start('shop_service', serviceBin, ['0', `http://127.0.0.1:${backPort}/inventory`],
                         { SENTRY_DSN: dsn('shop'), TMPDIR: tmpDir, SHOP_PORT: '', SHOP_INVENTORY_URL: '' });
  const shopPort = await run.waitReady(shop, 'LISTENING');

  const front = run.start('front', process.execPath,
    [path.join(nodeServices, 'front.mjs'), dsn('front'), `http://127.0.0.1:${shopPort}/orders/42`]);
  const frontCode = await run.waitExit(front, 20000);
  check(frontCode === 0, 'front.mjs called the shop service, got 200 and flushed', `exit code ${frontCode}`);

  const res = await fetch(`http://127.0.0.1:${shopPort}/shutdown`,
    { method: 'POST', headers: { connection: 'close' }, signal: AbortSignal.timeout(10000) });
  await res.text();
  check(res.status === 200, 'POST /shutdown answered 200', `HTTP ${res.status}`);
  const shopCode = await run.waitExit(shop, 10000);
  check(shopCode === 0, 'the shop service delivered everything and exited 0', `exit code ${shopCode}`);
  const leftover = fs.readdirSync(tmpDir);
  check(leftover.length === 0, 'the shop service removed its temporary database', leftover.join(' '));

  back.proc.kill('SIGTERM');  // back.mjs closes its SDK (flushing) and exits
  const backCode = await run.waitExit(back, 8000);
  check(backCode === 0, 'back.mjs flushed and exited', `exit code ${backCode}`);
  await stopCaptureServer(run, capture);

  verify(readCaptured(outDir));
}

function verify(envelopes) {
  const txns = transactionsOf(envelopes);
  const one = (who, name) => {
    const list = txns.filter((x) => x.env.request.project_id === PROJECTS[who] && x.t.transaction === name);
    check(list.length === 1, `exactly one "${name}" transaction from ${who}`, `found ${list.length}` +
          ` (all transactions: ${txns.map((x) => `${x.env.request.project_id}:${x.t.transaction}`).join(', ') || 'none'})`);
    return list[0];
  };
  const front = one('front', 'GET /checkout');
  const shop = one('shop', 'GET /orders/:id');
  const back = one('back', 'GET /inventory');
  if (!front || !shop || !back) return;

  const ctx = (x) => x.t.contexts?.trace ?? {};
  const traceId = ctx(front).trace_id;
  const traceIds = new Set([front, shop, back].map((x) => ctx(x).trace_id));
  check(traceIds.size === 1 && /^[0-9a-f]{32}$/.test(traceId), 'one trace id across the three transactions',
        [...traceIds].join(' '));

  // The route's transaction continues front's call.
  const frontCall = (front.t.spans ?? []).find((s) => s.op === 'http.client' && /\/orders\/42/.test(s.description ?? ''));
  check(!!frontCall, "front's transaction has an http.client span for /orders/42");
  const route = ctx(shop);
  check(route.parent_span_id === frontCall?.span_id, "the route's transaction continues the span front sent",
        `parent ${route.parent_span_id}, front sent ${frontCall?.span_id}`);
  check(route.op === 'http.server', "the route's transaction has op http.server", route.op);
  check(shop.t.transaction_info?.source === 'route', "the route's transaction has source route",
        JSON.stringify(shop.t.transaction_info));
  check(route.data?.['http.route'] === '/orders/:id', "the route's transaction has http.route /orders/:id",
        JSON.stringify(route.data));
  check(route.status === 'ok' && Number(route.data?.['http.response.status_code']) === 200,
        "the route's transaction ended ok with status code 200",
        `${route.status}, ${route.data?.['http.response.status_code']}`);

  // Its queries.
  const spans = shop.t.spans ?? [];
  const db = spans.filter((s) => s.op === 'db');
  check(db.length === 2, 'the route has two db spans', JSON.stringify(spans.map((s) => [s.op, s.description])));
  for (const s of db) {
    check(s.parent_span_id === route.span_id, `db span "${s.description}" is a child of the route's transaction`,
          `parent ${s.parent_span_id}, route ${route.span_id}`);
    check(s.origin === 'auto.db.sqlite' && s.data?.['db.system'] === 'sqlite' && s.data?.['db.system.name'] === 'sqlite',
          `db span "${s.description}" has origin auto.db.sqlite and db.system (.name) sqlite`,
          `origin ${s.origin}, data ${JSON.stringify(s.data)}`);
    check(String(s.data?.['db.name'] ?? '').startsWith(path.join(tmpDir, 'shop-')),
          `db span "${s.description}" has db.name the temporary database file`, s.data?.['db.name']);
    check(s.data?.['db.query.text'] === s.description && s.data?.['db.operation.name'] === 'SELECT',
          `db span "${s.description}" has db.query.text (its name) and db.operation.name SELECT`,
          `db.query.text ${s.data?.['db.query.text']}, db.operation.name ${s.data?.['db.operation.name']}`);
  }
  const bound = db.find((s) => /FROM orders/.test(s.description ?? ''));
  check(/WHERE id = \?$/.test(bound?.description ?? ''), 'the bound query is recorded as prepared (id = ?)',
        bound?.description);
  check(!/\b42\b/.test(bound?.description ?? '') && !JSON.stringify(bound?.data ?? {}).includes('42'),
        'the bound value (42) is not in the query span', JSON.stringify(bound));
  const promotion = db.find((s) => /FROM promotions/.test(s.description ?? ''));
  check(promotion?.description === SCRUBBED_PROMOTION, 'the query with inline literals is recorded scrubbed',
        `${promotion?.description} (expected ${SCRUBBED_PROMOTION})`);

  // Its outgoing call, and the downstream service under it.
  const calls = spans.filter((s) => s.op === 'http.client');
  const call = calls[0];
  check(calls.length === 1 && call.parent_span_id === route.span_id,
        "the route has one http.client span, a child of the route's transaction",
        JSON.stringify(calls.map((s) => [s.description, s.parent_span_id])));
  if (call) {
    check(call.origin === 'auto.http.curl', 'the http.client span has origin auto.http.curl', call.origin);
    check(call.data?.['http.request.method'] === 'GET' && call.data?.['server.address'] === '127.0.0.1' &&
          Number(call.data?.['server.port']) === backPort,
          'the http.client span has http.request.method GET, server.address and server.port',
          JSON.stringify(call.data));
    check(call.description === `GET http://127.0.0.1:${backPort}/inventory`,
          'the http.client span is named METHOD url, without the query string', call.description);
    check(Number(call.data?.['http.response.status_code']) === 200 && call.status === 'ok',
          'the http.client span has status code 200 and status ok',
          `code ${call.data?.['http.response.status_code']}, status ${call.status}`);
  }
  check(!!call && ctx(back).parent_span_id === call.span_id, "back's transaction is a child of the curl span",
        `parent ${ctx(back).parent_span_id}, curl span ${call?.span_id}`);

  // The DSC set by front (the head) reached back through the C++ service's baggage.
  const frozen = ['trace_id', 'public_key', 'sample_rand', 'sampled', 'release', 'environment'];
  const dscDiff = (a, b) => frozen.filter((k) => a?.[k] === undefined || String(a[k]) !== String(b?.[k]));
  const frontDsc = front.env.header.trace;
  check(frontDsc?.public_key === KEYS.front, "front's DSC carries front's public key", JSON.stringify(frontDsc));
  const d1 = dscDiff(frontDsc, shop.env.header.trace);
  check(d1.length === 0, "the shop's envelope carries front's DSC", d1.join(', '));
  const d2 = dscDiff(frontDsc, back.env.header.trace);
  check(d2.length === 0, "back's envelope carries front's DSC (through the shop's baggage)", d2.join(', '));

  // Scrubbing, over every byte sent by every service.
  const leaking = envelopes.filter((e) => e.raw.includes(INLINE_LITERAL)).map((e) => e.file);
  check(leaking.length === 0, `the inline literal ${INLINE_LITERAL} is in no envelope`, leaking.join(' '));

  console.log(`\n${waterfall(traceId, [
    { label: 'front (@sentry/node)', t: front.t },
    { label: 'shop_service (sentry_trace)', t: shop.t },
    { label: 'back (@sentry/node)', t: back.t },
  ], { maxNameWidth: 90 })}\n`);
}

await run.finish(main);
