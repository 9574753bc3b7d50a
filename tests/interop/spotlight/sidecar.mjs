// sidecar.mjs -- starts the Spotlight sidecar (@spotlightjs/spotlight 4.x) with its UI, for run.mjs.
//
//   node sidecar.mjs [port]        (default 0: a free port chosen by the system)
//
// Prints `PORT <n>` once the sidecar listens, then serves until killed.
//
// This is what the package's bin (`spotlight server`, dist/run.js) does, minus one thing: the
// bin first loads dist/instrument.js, which init()s @sentry/node with Spotlight's own DSN
// (sentry.io telemetry, no opt-out). Here the sidecar comes from the package's programmatic
// API, setupSpotlight() of dist/server/main.js (the package's "." export), and the UI files
// are read from dist/ui/ through its manifest.json as dist/run.js reads them (plus the
// stylesheet, see below); so the sidecar talks to nothing but loopback. The sidecar then serves:
//   POST /stream, /api/<id>/envelope/    envelopes from SDKs (SENTRY_SPOTLIGHT points here)
//   GET  /stream                         server-sent events: every envelope in its buffer
//   GET  /health                         "OK"
//   GET  /, /telemetry/...               the UI (index.html, assets/...)
//
// hono: 4.11.8 was built against hono 4.12 (it bundles hono@4.12.25's cors middleware) but
// declares ^4.12.21; with hono 4.13, whose c.req.query() returns a null-prototype object,
// every request fails in the sidecar's middleware (`ctx.req.query(...).toString is not a
// function`, HTTP 500). tests/interop/package.json therefore overrides hono to 4.12.25.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { setupSpotlight } from '@spotlightjs/spotlight';

// dist/server/main.js -> the package directory (its exports do not include package.json).
const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.resolve('@spotlightjs/spotlight'))), '..', '..');

const uiDir = path.join(pkgDir, 'dist', 'ui');
const manifest = JSON.parse(fs.readFileSync(path.join(uiDir, 'manifest.json'), 'utf8'));
const filesToServe = Object.create(null);
filesToServe['index.html'] = fs.readFileSync(path.join(uiDir, 'index.html'));
for (const entry of Object.values(manifest)) {
  if (!entry || typeof entry !== 'object') continue;
  // dist/run.js serves entry.file only, so the published bin answers 404 for the stylesheet
  // (assets/main.css, listed in the entry's `css`) and its UI comes out unstyled; serve both.
  const files = [entry.file, ...(Array.isArray(entry.css) ? entry.css : [])];
  for (const file of files) {
    if (typeof file === 'string') filesToServe[file] = fs.readFileSync(path.join(uiDir, file));
  }
}

const port = Number(process.argv[2] ?? 0);
const server = await setupSpotlight({ port, filesToServe, isStandalone: true });
if (!server) {
  // setupSpotlight() returns nothing when a sidecar already answers on that port.
  console.error(`sidecar.mjs: a Spotlight sidecar already runs on port ${port}`);
  process.exit(1);
}
console.log(`PORT ${server.address().port}`);
// setupSpotlight() installs SIGINT/SIGTERM handlers that close the server; a second signal exits.
process.on('SIGTERM', () => process.exit(0));
