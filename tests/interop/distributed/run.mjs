// run.mjs -- one trace across three real processes on loopback:
//
//   front.mjs (@sentry/node)  --GET /orders/42-->  C++ service (sentry_trace)  --GET /inventory-->  back.mjs (@sentry/node)
//
//   node run.mjs <path to distributed_service> [work dir]
//
// Starts tests/interop/capture_server.py (a stand-in for Sentry's ingestion), back.mjs, the C++
// service and then front.mjs, each with its own DSN (own public key and project) pointing at
// the capture server. When front is done it shuts the service down (which flushes), stops
// back and the capture server, and checks the stored envelopes:
//   - one trace id across the three transactions;
//   - the C++ transaction's parent is the span front sent (its http.client span);
//   - back's transaction's parent is the C++ http.client span;
//   - the C++ envelope's `trace` header (DSC) is front's, frozen (trace_id, public_key,
//     sample_rand, sampled, release, environment), though the C++ service has its own key,
//     release and environment;
//   - the C++ error event is linked to the trace and the C++ server span.
// Prints the trace, `N passed, N failed`, and exits 1 on any failure. Exits 77 (skip) only
// when tests/interop/node_modules lacks @sentry/node. Every child process is killed on every
// path; the whole run is bounded (45 s).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Run, itemsOf, readCaptured, requireSentryNode, startCaptureServer, stopCaptureServer,
         transactionsOf } from '../harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const interop = path.dirname(here);
const [serviceBin, workArg] = process.argv.slice(2);
if (!serviceBin) {
  console.error('usage: node run.mjs <path to distributed_service> [work dir]');
  process.exit(2);
}
requireSentryNode(interop);
if (!fs.existsSync(serviceBin)) {
  console.error(`FAIL: the C++ service ${serviceBin} does not exist (build example_distributed_service)`);
  process.exit(1);
}
const python = process.env.SENTRY_TRACE_PYTHON || 'python3';
const work = workArg ? path.resolve(workArg) : fs.mkdtempSync(path.join(os.tmpdir(), 'three-services-'));
// Each process's output goes to <work>/<name>.log; all are killed on any exit; 45 s at most.
const run = new Run({ title: 'the three-service test', work, cwd: here, timeoutMs: 45000 });
const outDir = path.join(work, 'envelopes');
const check = run.check.bind(run);

// ---------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------
const KEYS = { front: 'frontkey0000000000000000000001', cpp: 'cppkey00000000000000000000000002', back: 'backkey000000000000000000000003' };
const PROJECTS = { front: '1', cpp: '2', back: '3' };

async function main() {
  const capture = await startCaptureServer(run, python, outDir);
  const capturePort = capture.port;
  const dsn = (who) => `http://${KEYS[who]}@127.0.0.1:${capturePort}/${PROJECTS[who]}`;

  const back = run.start('back', process.execPath, [path.join(here, 'back.mjs'), dsn('back'), '0']);
  const backPort = await run.waitReady(back, 'PORT');

  const service = run.start('service', serviceBin, ['0', `http://127.0.0.1:${backPort}/inventory`, dsn('cpp')]);
  const servicePort = await run.waitReady(service, 'LISTENING');

  const front = run.start('front', process.execPath,
    [path.join(here, 'front.mjs'), dsn('front'), `http://127.0.0.1:${servicePort}/orders/42`]);
  const frontCode = await run.waitExit(front, 20000);
  check(frontCode === 0, 'front.mjs called the C++ service, got 200 and flushed', `exit code ${frontCode}`);

  // The service answers /shutdown after st::shutdown() has delivered everything.
  const res = await fetch(`http://127.0.0.1:${servicePort}/shutdown`, { signal: AbortSignal.timeout(10000) });
  await res.text();
  check(res.status === 200, 'the C++ service flushed and shut down on /shutdown', `HTTP ${res.status}`);
  const serviceCode = await run.waitExit(service, 5000);
  check(serviceCode === 0, 'the C++ service exited cleanly', `exit code ${serviceCode}`);

  back.proc.kill('SIGTERM');  // back.mjs closes its SDK (flushing) and exits
  const backCode = await run.waitExit(back, 8000);
  check(backCode === 0, 'back.mjs flushed and exited', `exit code ${backCode}`);
  await stopCaptureServer(run, capture);

  verify(readCaptured(outDir));
}

function verify(envelopes) {
  const txns = transactionsOf(envelopes);
  const events = itemsOf(envelopes, 'event').map(({ env, t }) => ({ env, ev: t }));
  const byProject = (who, list) => list.filter((x) => x.env.request.project_id === PROJECTS[who]);
  const one = (who, name) => {
    const list = byProject(who, txns).filter((x) => x.t.transaction === name);
    check(list.length === 1, `exactly one "${name}" transaction from ${who}`, `found ${list.length}` +
          ` (all transactions: ${txns.map((x) => `${x.env.request.project_id}:${x.t.transaction}`).join(', ') || 'none'})`);
    return list[0];
  };
  const front = one('front', 'GET /checkout');
  const cpp = one('cpp', 'GET /orders/:id');
  const back = one('back', 'GET /inventory');
  if (!front || !cpp || !back) return;

  const ctx = (x) => x.t.contexts?.trace ?? {};
  const traceIds = new Set([front, cpp, back].map((x) => ctx(x).trace_id));
  const traceId = ctx(front).trace_id;
  check(traceIds.size === 1 && /^[0-9a-f]{32}$/.test(traceId), 'one trace id across the three transactions',
        [...traceIds].join(' '));

  // What front sent: its http.client span for /orders/42 (the SDK sends that child's id).
  const frontCall = (front.t.spans ?? []).find((s) => s.op === 'http.client' && /\/orders\/42/.test(s.description ?? ''));
  const frontSent = frontCall ? frontCall.span_id : ctx(front).span_id;
  check(!!frontCall, "front's transaction has an http.client span for /orders/42");
  check(ctx(cpp).parent_span_id === frontSent, "C++ transaction's parent_span_id is the span front sent",
        `parent ${ctx(cpp).parent_span_id}, front sent ${frontSent}`);

  const cppCalls = (cpp.t.spans ?? []).filter((s) => s.op === 'http.client');
  const cppCall = cppCalls[0];
  check(cppCalls.length === 1 && cppCall.parent_span_id === ctx(cpp).span_id,
        'the C++ transaction has one http.client child of its server span', JSON.stringify(cpp.t.spans));
  check(!!cppCall && ctx(back).parent_span_id === cppCall.span_id,
        "back's transaction parent_span_id is the C++ http.client span",
        `parent ${ctx(back).parent_span_id}, C++ http.client ${cppCall?.span_id}`);

  // The DSC: fixed by front (the head) and forwarded unchanged, though the C++ service has its
  // own public key, release and environment.
  const frozen = ['trace_id', 'public_key', 'sample_rand', 'sampled', 'release', 'environment'];
  const dscDiff = (a, b) => frozen.filter((k) => a?.[k] === undefined || String(a[k]) !== String(b?.[k]))
    .map((k) => `${k}: front ${JSON.stringify(a?.[k])} vs ${JSON.stringify(b?.[k])}`);
  const frontDsc = front.env.header.trace;
  const d1 = dscDiff(frontDsc, cpp.env.header.trace);
  check(d1.length === 0, "the C++ envelope's trace header (DSC) is front's, frozen", d1.join('; '));
  check(frontDsc?.public_key === KEYS.front && frontDsc?.trace_id === traceId,
        "front's DSC carries front's public key and the trace id");
  const d2 = dscDiff(frontDsc, back.env.header.trace);
  check(d2.length === 0, "back's DSC is front's too (passed through the C++ service)", d2.join('; '));

  // The error event, linked to the trace and the C++ server span.
  const errs = byProject('cpp', events).filter((x) => x.ev.exception?.values?.[0]?.type === 'PaymentDeclined');
  check(errs.length === 1, 'exactly one PaymentDeclined error event from the C++ service', `found ${errs.length}`);
  const err = errs[0];
  if (err) {
    const et = err.ev.contexts?.trace ?? {};
    check(et.trace_id === traceId, "the error's contexts.trace.trace_id is the trace id", et.trace_id);
    check(et.span_id === ctx(cpp).span_id, "the error's contexts.trace.span_id is the C++ server span",
          `${et.span_id} vs ${ctx(cpp).span_id}`);
    const d3 = dscDiff(frontDsc, err.env.header.trace);
    check(d3.length === 0, "the error envelope's DSC is front's", d3.join('; '));
  }

  // How the C++ transport posted (what Relay checks before it reads a byte of the body).
  const hdr = (x, name) => (x.env.request.headers.find(([k]) => k.toLowerCase() === name) ?? [])[1] ?? '';
  const auth = hdr(cpp, 'x-sentry-auth');
  check(auth.startsWith('Sentry ') && auth.includes(`sentry_key=${KEYS.cpp}`) && auth.includes('sentry_version=7'),
        'the C++ service posted with X-Sentry-Auth for its own key', auth);
  check(hdr(cpp, 'content-type') === 'application/x-sentry-envelope', 'the C++ service posted application/x-sentry-envelope',
        hdr(cpp, 'content-type'));

  // The trace, as the three services recorded it.
  const row = (indent, what, name, id, parent) =>
    `${' '.repeat(indent)}${what.padEnd(26 - indent)} ${name.padEnd(44)} span ${id}  parent ${parent ?? '-'}`;
  const lines = [`trace ${traceId}`];
  lines.push(row(2, 'front   (@sentry/node)', 'GET /checkout', ctx(front).span_id, ctx(front).parent_span_id));
  for (const s of front.t.spans ?? []) lines.push(row(4, s.op, s.description ?? '', s.span_id, s.parent_span_id));
  lines.push(row(2, 'service (sentry_trace)', 'GET /orders/:id', ctx(cpp).span_id, ctx(cpp).parent_span_id));
  for (const s of cpp.t.spans ?? []) lines.push(row(4, s.op, s.description ?? '', s.span_id, s.parent_span_id));
  if (err) {
    const v = err.ev.exception.values[0];
    lines.push(row(4, 'error', `${v.type}: ${v.value}`, err.ev.contexts?.trace?.span_id, '(event)'));
  }
  lines.push(row(2, 'back    (@sentry/node)', 'GET /inventory', ctx(back).span_id, ctx(back).parent_span_id));
  for (const s of back.t.spans ?? []) lines.push(row(4, s.op, s.description ?? '', s.span_id, s.parent_span_id));
  lines.push(`  DSC (front, forwarded): ${JSON.stringify(frontDsc)}`);
  console.log(`\n${lines.join('\n')}\n`);
}

await run.finish(main);
