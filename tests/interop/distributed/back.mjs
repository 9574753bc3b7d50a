// back.mjs -- the last service of the three-service trace (tests/interop/distributed/run.mjs).
//
//   node back.mjs <dsn> [port]     prints `PORT <n>` once it accepts connections
//
// A Node HTTP server using the real @sentry/node. Every request continues the caller's trace
// explicitly (Sentry.continueTrace with its sentry-trace and baggage headers) inside a
// transaction "GET /inventory", then flushes before answering, so the envelope is stored by
// the time the caller sees the response. SIGTERM/SIGINT: close the SDK (flushing) and exit.
import * as Sentry from '@sentry/node';
import http from 'node:http';

const [dsn, portArg = '0'] = process.argv.slice(2);
if (!dsn) {
  console.error('usage: node back.mjs <dsn> [port]');
  process.exit(2);
}

Sentry.init({
  dsn,
  release: 'back@1.0.0',
  environment: 'back-env',          // differs from the trace head's: the frozen DSC must win
  tracesSampleRate: 1,
  traceLifecycle: 'static',         // transactions in `transaction` envelopes
  // The automatic server span would become the transaction and ours its child; this test
  // wants the explicit continueTrace + startSpan path, so incoming-request spans are off.
  integrations: [Sentry.httpIntegration({ disableIncomingRequestSpans: true })],
});

const one = (v) => (Array.isArray(v) ? v.join(',') : v);

const server = http.createServer((req, res) => {
  const sentryTrace = one(req.headers['sentry-trace']);
  const baggage = one(req.headers['baggage']);
  Sentry.continueTrace({ sentryTrace, baggage }, () =>
    Sentry.startSpan({ name: 'GET /inventory', op: 'http.server', forceTransaction: true }, (span) => {
      span.setAttribute('http.request.method', req.method);
      Sentry.setHttpStatus(span, 200);
    }),
  );
  Sentry.flush(5000).then(() => {
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end('in stock\n');
  });
});

server.listen(Number(portArg), '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  server.close();
  await Sentry.close(5000);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
