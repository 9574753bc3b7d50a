#!/usr/bin/env node
// Runs the trace-header table (header_cases.json) through @sentry/core's own parsers.
//
//   node check_header_cases.mjs [header_cases.json]
//
// tests/test_header_cases.cpp holds our parsers to each case's `expect`; this script holds
// @sentry/core 11.12.0 to the same expectations, so the two cannot drift apart unnoticed:
//   - continued, trace_id, parent_span_id, sampled: propagationContextFromHeaders(sentryTrace,
//     baggage) (it continues exactly when it returns a `dsc`, i.e. when the sentry-trace value had
//     a trace id);
//   - dsc: baggageHeaderToDynamicSamplingContext(baggage) (null when it returns undefined);
//   - third_party: core does not forward other vendors' members, but it reads them with the same
//     parseBaggageHeader; the non-sentry members it reads from the incoming baggage must be the
//     ones it reads from our `third_party` value.
// Cases marked `ours_only` (an incoming traceparent, which core ignores) are skipped. A case with
// `differs_from_core` must also give `core`: the fields @sentry/core gives instead of `expect`.
// The check then requires core to give exactly those, so a note cannot outlive the difference.
// Last, the checker checks itself: a few corrupted copies of cases must fail.
//
// One line per case, then `N passed, M failed`. Exit status 0 when all passed, 1 otherwise, 77
// (printing "skipped: ...") when @sentry/core is not installed.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORE_VERSION = '11.12.0';
// What include/sentry_trace/propagation.hpp's parse_sentry_trace mirrors, character for character.
const EXPECTED_REGEXP = '^[ \\t]*([0-9a-f]{32})?-?([0-9a-f]{16})?-?([01])?[ \\t]*$';

// A string, or {repeat, count, separator=',', before='', after=''} (header_cases.json "about").
function expand(v) {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof v.repeat === 'string') {
    const items = [];
    for (let i = 0; i < v.count; i++) items.push(v.repeat.replaceAll('{i}', String(i)));
    return (v.before ?? '') + items.join(v.separator ?? ',') + (v.after ?? '');
  }
  throw new Error(`not a string or repeat object: ${JSON.stringify(v)}`);
}

function baggageArg(v) {
  if (v === null || v === undefined) return undefined;
  return Array.isArray(v) ? v.map(expand) : expand(v);
}

function expandDsc(dsc) {
  if (dsc === null || dsc === undefined) return null;
  // Object.fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(Object.entries(dsc).map(([k, v]) => [k, expand(v)]));
}

function nonSentry(core, header) {
  const parsed = core.parseBaggageHeader(header) ?? {};
  return Object.fromEntries(Object.entries(parsed).filter(([k]) => !k.startsWith('sentry-')));
}

const show = (v) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 100 ? `${s.slice(0, 97)}...` : s;
};

// What @sentry/core makes of one case's headers.
function observe(core, c) {
  const sentryTrace = c.sentry_trace === null || c.sentry_trace === undefined ? undefined : expand(c.sentry_trace);
  const baggage = baggageArg(c.baggage);
  const pc = core.propagationContextFromHeaders(sentryTrace, baggage);
  const continued = pc.dsc !== undefined;
  const got = {
    continued,
    sampled: continued ? (pc.sampled ?? null) : null,
    dsc: core.baggageHeaderToDynamicSamplingContext(baggage) ?? null,
    third_party: nonSentry(core, baggage),
  };
  if (continued) {
    got.trace_id = pc.traceId;
    got.parent_span_id = pc.parentSpanId ?? null;
  }
  return got;
}

// Mismatches between what core gave and `want` (expect with core's overrides applied).
function compare(core, got, want) {
  const errors = [];
  const eq = (what, a, b) => {
    if (!isDeepStrictEqual(a, b)) errors.push(`${what}: core gives ${show(a)}, expected ${show(b)}`);
  };
  eq('continued', got.continued, want.continued);
  if (want.continued && got.continued) {
    eq('trace_id', got.trace_id, want.trace_id);
    eq('parent_span_id', got.parent_span_id, want.parent_span_id ?? null);
  }
  eq('sampled', got.sampled, want.sampled ?? null);
  eq('dsc', got.dsc, expandDsc(want.dsc));
  eq('third_party members', got.third_party, nonSentry(core, expand(want.third_party ?? '')));
  return errors;
}

// One case -> { status: 'ok' | 'FAIL' | 'skip', detail }.
function checkCase(core, c) {
  if (c.ours_only) return { status: 'skip', detail: 'ours only (@sentry/core reads no traceparent)' };
  const errors = [];
  let want = c.expect;
  if (c.differs_from_core !== undefined) {
    if (typeof c.differs_from_core !== 'string' || c.differs_from_core.length === 0) {
      errors.push('differs_from_core must say why');
    }
    if (!c.core || typeof c.core !== 'object' || Object.keys(c.core).length === 0) {
      errors.push('differs_from_core needs `core`: the fields @sentry/core gives instead');
    } else {
      want = { ...c.expect, ...c.core };
      const norm = (k, v) => (k === 'dsc' ? expandDsc(v) : k === 'third_party' ? expand(v ?? '') : v ?? null);
      const changed = Object.keys(c.core).filter((k) => !isDeepStrictEqual(norm(k, c.core[k]), norm(k, c.expect[k])));
      if (changed.length === 0) errors.push('`core` repeats `expect`: there is no difference to note');
    }
  } else if (c.core !== undefined) {
    errors.push('`core` without differs_from_core');
  }
  let got;
  try {
    got = observe(core, c);
  } catch (e) {
    errors.push(`@sentry/core threw: ${e && e.message}`);
  }
  if (got) errors.push(...compare(core, got, want));
  if (errors.length) {
    if (c.differs_from_core !== undefined) errors.push(`(the note says: ${c.differs_from_core})`);
    return { status: 'FAIL', detail: errors.join('; ') };
  }
  return { status: 'ok', detail: c.differs_from_core ? `differs as noted: ${c.differs_from_core}` : '' };
}

// Corrupted copies of real cases that the checker must reject.
function selfCheck(core, cases) {
  const plain = cases.find((c) => !c.ours_only && !c.differs_from_core && c.expect.continued && c.expect.dsc);
  const differs = cases.find((c) => c.differs_from_core && c.core);
  const tp = cases.find((c) => !c.ours_only && !c.differs_from_core && c.expect.third_party);
  const broken = [];
  if (plain) {
    broken.push(['continued flipped', { ...plain, expect: { ...plain.expect, continued: false } }]);
    broken.push(['sampled flipped', { ...plain, expect: { ...plain.expect, sampled: !plain.expect.sampled } }]);
    const dsc = { ...plain.expect.dsc };
    const k = Object.keys(dsc)[0];
    dsc[k] = `${expand(dsc[k])}x`;
    broken.push(['a dsc value changed', { ...plain, expect: { ...plain.expect, dsc } }]);
    broken.push(['a dsc member missing', { ...plain, expect: { ...plain.expect, dsc: { ...plain.expect.dsc, extra: '1' } } }]);
  }
  if (differs) {
    const { core: _omit, ...noCore } = differs;
    broken.push(['a difference without `core`', noCore]);
    broken.push(['a stale note (`core` equal to `expect`)', { ...differs, core: { ...differs.expect } }]);
    const { differs_from_core: _n, core: _c, ...noNote } = differs;
    broken.push(['a difference not noted', noNote]);
  }
  if (tp) broken.push(['a third-party member missing', { ...tp, expect: { ...tp.expect, third_party: '' } }]);
  const missed = broken.filter(([, c]) => checkCase(core, c).status !== 'FAIL').map(([what]) => what);
  return { total: broken.length, missed };
}

async function main(argv) {
  const file = argv[0] ?? path.join(HERE, 'header_cases.json');
  const pkgFile = path.join(HERE, 'node_modules', '@sentry', 'core', 'package.json');
  if (!existsSync(pkgFile)) {
    console.log(`skipped: @sentry/core is not installed in ${path.join(HERE, 'node_modules')}; ` +
      'run `npm ci` in tests/interop (scripts/install-deps.sh does it)');
    process.exit(77);
  }
  const version = JSON.parse(readFileSync(pkgFile, 'utf8')).version;
  if (version !== CORE_VERSION) {
    console.log(`FAIL: tests/interop/node_modules has @sentry/core ${version}, package-lock.json pins ${CORE_VERSION}; run \`npm ci\` in tests/interop`);
    process.exit(1);
  }
  const core = await import('@sentry/core');
  for (const fn of ['propagationContextFromHeaders', 'baggageHeaderToDynamicSamplingContext', 'parseBaggageHeader']) {
    if (typeof core[fn] !== 'function') {
      console.log(`FAIL: @sentry/core does not export ${fn}`);
      process.exit(1);
    }
  }

  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const line = (status, name, detail) => console.log(`${status.padEnd(5)} ${name}${detail ? `  (${detail})` : ''}`);

  // parse_sentry_trace claims to match exactly this regex.
  const source = core.TRACEPARENT_REGEXP?.source;
  if (source === EXPECTED_REGEXP) {
    passed++;
    line('ok', 'TRACEPARENT_REGEXP is the one parse_sentry_trace mirrors');
  } else {
    failed++;
    line('FAIL', 'TRACEPARENT_REGEXP', `core has ${show(source)}, propagation.hpp mirrors ${show(EXPECTED_REGEXP)}`);
  }

  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const cases = doc.cases ?? [];
  const names = new Set();
  for (const c of cases) {
    if (names.has(c.name)) {
      failed++;
      line('FAIL', c.name, 'duplicate case name');
      continue;
    }
    names.add(c.name);
    const r = checkCase(core, c);
    if (r.status === 'skip') skipped++;
    else if (r.status === 'ok') passed++;
    else failed++;
    line(r.status, c.name, r.detail);
  }
  if (cases.length < 40) {
    failed++;
    line('FAIL', file, `only ${cases.length} cases; the table must keep at least 40`);
  }

  const self = selfCheck(core, cases);
  if (self.total >= 6 && self.missed.length === 0) {
    passed++;
    line('ok', `checker self-check: ${self.total} corrupted cases rejected`);
  } else {
    failed++;
    line('FAIL', 'checker self-check', self.missed.length ? `not rejected: ${self.missed.join(', ')}` : `only ${self.total} corruptions could be built`);
  }

  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} ours-only cases skipped` : ''}`);
  process.exit(failed ? 1 : 0);
}

main(process.argv.slice(2)).catch((e) => {
  console.log(`FAIL: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
