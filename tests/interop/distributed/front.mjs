// front.mjs -- the head of the three-service trace (tests/interop/distributed/run.mjs).
//
//   node front.mjs <dsn> <service-url>
//
// Uses the real @sentry/node: starts the transaction "GET /checkout" (op http.server) and,
// inside it, fetches <service-url> (the C++ service's /orders/42). @sentry/node's fetch
// instrumentation (diagnostics channels, active in an ESM script without --import) creates
// the http.client span and injects sentry-trace and baggage. Then flushes and exits:
// 0 when the call answered 200.
import * as Sentry from '@sentry/node';

const [dsn, url] = process.argv.slice(2);
if (!dsn || !url) {
  console.error('usage: node front.mjs <dsn> <service-url>');
  process.exit(2);
}

Sentry.init({
  dsn,
  release: 'front@1.0.0',
  environment: 'interop',
  tracesSampleRate: 1,
  traceLifecycle: 'static',
});

let status = 0;
await Sentry.startSpan({ name: 'GET /checkout', op: 'http.server' }, async (span) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(15000) });
  status = res.status;
  await res.text();
  Sentry.setHttpStatus(span, 200);
});

const flushed = await Sentry.close(5000);
console.log(`front: ${url} answered ${status}; flushed: ${flushed}`);
process.exit(status === 200 && flushed ? 0 : 1);
