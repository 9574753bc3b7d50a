#!/usr/bin/env node
// Checks Sentry envelope files with Sentry's own JavaScript parser.
//
//   node check_envelopes.mjs [--foreign] <dir-or-file>...
//   node check_envelopes.mjs --self-test <fixtures-dir>
//
// Every *.envelope file found (directories are searched recursively) is framed
// strictly (PROTOCOL: headers are single JSON lines, `length` is exact), parsed
// with `parseEnvelope` from @sentry/core (the version pinned in package.json),
// serialized back with `serializeEnvelope` and parsed again, and its contents
// are checked against the rules sentry_trace's output must follow: ids, RFC 3339
// timestamps with microseconds, span tree, dynamic sampling context, client
// reports. One line per file, then `N passed, M failed`. Exit status: 0 when
// every file passed, 1 when one failed or when no envelope was found (the test
// suites must have written some), 77 when @sentry/core is not installed.
//
// --foreign relaxes the checks that only sentry_trace's own output must meet
// (platform "native", sdk in the envelope header, status on every span,
// timestamps as RFC 3339 strings with microseconds), so envelopes captured from
// other Sentry SDKs can be used as fixtures.
//
// --self-test runs the checker on the fixtures (foreign mode), then on an
// own-SDK variant of the Python transaction fixture, then on broken copies of
// that variant, each of which must be rejected for the right reason.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORE_VERSION = '11.12.0';

// ---------------------------------------------------------------------------
// Vocabulary (PROTOCOL.md §2-§4, §6, §11; Relay's lists)
// ---------------------------------------------------------------------------
const OWN_ITEM_TYPES = new Set(['transaction', 'event', 'client_report', 'span', 'profile', 'profile_chunk']);
const FOREIGN_ITEM_TYPES = new Set([
  ...OWN_ITEM_TYPES, 'attachment', 'session', 'sessions', 'check_in', 'log', 'profile',
  'profile_chunk', 'replay_event', 'replay_recording', 'user_report', 'feedback', 'statsd',
  'metric', 'raw_security', 'trace_metric',
]);
const JSON_ITEM_TYPES = new Set(['transaction', 'event', 'client_report', 'span', 'profile', 'profile_chunk']);
const SPAN_STATUSES = new Set([
  'ok', 'cancelled', 'unknown_error', 'invalid_argument', 'deadline_exceeded', 'not_found',
  'already_exists', 'permission_denied', 'resource_exhausted', 'failed_precondition', 'aborted',
  'out_of_range', 'unimplemented', 'internal_error', 'unavailable', 'data_loss', 'unauthenticated',
]);
const FOREIGN_SPAN_STATUSES = new Set([...SPAN_STATUSES, 'unknown', 'success', 'failure']);
const SOURCES = new Set(['custom', 'url', 'route', 'view', 'component', 'task']);
const FOREIGN_SOURCES = new Set([...SOURCES, 'unknown', 'sanitized']);
const PLATFORMS = new Set([
  'as3', 'c', 'cfml', 'cocoa', 'csharp', 'elixir', 'go', 'groovy', 'haskell', 'java',
  'javascript', 'native', 'node', 'objc', 'other', 'perl', 'php', 'python', 'ruby',
]);
const LEVELS = new Set(['fatal', 'error', 'warning', 'info', 'debug']);
const OUTCOME_REASONS = new Set([
  'queue_overflow', 'cache_overflow', 'buffer_overflow', 'ratelimit_backoff', 'network_error',
  'sample_rate', 'before_send', 'event_processor', 'send_error', 'internal_sdk_error',
  'insufficient_data', 'backpressure', 'callback_error', 'ignored', 'invalid', 'no_parent_span',
]);
const OUTCOME_CATEGORIES = new Set([
  'error', 'transaction', 'span', 'attachment', 'profile', 'profile_chunk', 'session',
  'internal', 'default', 'security', 'monitor', 'replay', 'feedback', 'log_item', 'log_byte',
  'trace_metric',
]);
const ATTRIBUTE_TYPES = new Set(['string', 'integer', 'double', 'boolean']);

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const UUID_DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;
const OWN_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNonEmptyString = (v) => typeof v === 'string' && v.length > 0;
const show = (v) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

// RFC 3339 text -> integer microseconds since the epoch, or null.
function rfc3339Micros(text) {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const oh = Number(zone.slice(1, 3)), om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const wholeMs = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60000;
  const micros = frac ? Number((frac + '000000').slice(0, 6)) : 0;
  return wholeMs * 1000 + micros;
}

// A timestamp field -> microseconds, or a string describing what is wrong.
function timestampMicros(value, own) {
  if (typeof value === 'string') {
    if (own && !OWN_TIMESTAMP.test(value)) {
      return `${show(value)} is not RFC 3339 UTC with microseconds (YYYY-MM-DDTHH:MM:SS.ffffffZ)`;
    }
    const us = rfc3339Micros(value);
    return us === null ? `${show(value)} is not an RFC 3339 date-time` : us;
  }
  if (!own && typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return Math.round(value * 1e6);
  }
  return own
    ? `${show(value)} is not an RFC 3339 string (sentry-cli rejects float timestamps)`
    : `${show(value)} is neither a number of seconds nor an RFC 3339 string`;
}

// ---------------------------------------------------------------------------
// Strict framing (PROTOCOL.md §2), independent of @sentry/core
// ---------------------------------------------------------------------------
const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJsonBytes(bytes, what, errors) {
  let text;
  try {
    text = utf8.decode(bytes);
  } catch {
    errors.push(`${what}: not valid UTF-8`);
    return undefined;
  }
  if (text.length === 0) {
    errors.push(`${what}: empty line where JSON was expected`);
    return undefined;
  }
  if (text !== text.trim()) errors.push(`${what}: whitespace around the JSON`);
  try {
    return JSON.parse(text);
  } catch (e) {
    errors.push(`${what}: does not parse as JSON (${e.message})`);
    return undefined;
  }
}

function frame(buf, errors) {
  let pos = 0;
  const readLine = () => {
    let end = buf.indexOf(0x0a, pos);
    const hasNewline = end >= 0;
    if (!hasNewline) end = buf.length;
    const bytes = buf.subarray(pos, end);
    pos = hasNewline ? end + 1 : end;
    return bytes;
  };
  const envHeader = parseJsonBytes(readLine(), 'envelope header', errors);
  const items = [];
  if (envHeader === undefined) return null;
  if (!isObject(envHeader)) {
    errors.push('envelope header: not a JSON object');
    return null;
  }
  while (pos < buf.length) {
    const label = `item ${items.length}`;
    const header = parseJsonBytes(readLine(), `${label} header`, errors);
    if (header === undefined) return null;
    if (!isObject(header)) {
      errors.push(`${label} header: not a JSON object`);
      return null;
    }
    let payload;
    if (header.length !== undefined) {
      const len = header.length;
      if (!Number.isInteger(len) || len < 0) {
        errors.push(`${label} header: length ${show(len)} is not a non-negative integer`);
        return null;
      }
      if (len === 0) {
        errors.push(`${label} header: length 0 (@sentry/core reads that as "no length"; never emit empty items)`);
      }
      if (pos + len > buf.length) {
        errors.push(`${label}: length ${len} runs past the end of the file (${buf.length - pos} bytes left)`);
        return null;
      }
      payload = buf.subarray(pos, pos + len);
      pos += len;
      if (pos < buf.length) {
        if (buf[pos] !== 0x0a) {
          errors.push(`${label}: the byte after its ${len}-byte payload is not \\n (length is wrong)`);
          return null;
        }
        pos += 1;
      }
    } else {
      payload = readLine();
    }
    items.push({ header, payload });
  }
  return { envHeader, items };
}

// ---------------------------------------------------------------------------
// Content checks
// ---------------------------------------------------------------------------
function checkId(value, re, what, errors, { required = true, allowNull = false } = {}) {
  if (value === undefined || (allowNull && value === null)) {
    if (required) errors.push(`${what} is missing`);
    return false;
  }
  if (typeof value !== 'string' || !re.test(value)) {
    errors.push(`${what} ${show(value)} is not ${re === HEX32 ? 32 : 16} lowercase hex digits`);
    return false;
  }
  if (/^0+$/.test(value)) {
    errors.push(`${what} is all zeros`);
    return false;
  }
  return true;
}

function checkTimes(obj, where, own, errors, endKey = 'timestamp') {
  const start = timestampMicros(obj.start_timestamp, own);
  const end = timestampMicros(obj[endKey], own);
  if (typeof start === 'string') errors.push(`${where}.start_timestamp: ${start}`);
  if (typeof end === 'string') errors.push(`${where}.${endKey}: ${end}`);
  if (typeof start === 'number' && typeof end === 'number' && start > end) {
    errors.push(`${where}: start_timestamp ${show(obj.start_timestamp)} is after ${endKey} ${show(obj[endKey])}`);
  }
}

function checkStatus(value, where, own, errors, required) {
  if (value === undefined || (!own && value === null)) {
    if (required) errors.push(`${where}.status is missing`);
    return;
  }
  const known = own ? SPAN_STATUSES : FOREIGN_SPAN_STATUSES;
  if (typeof value !== 'string' || !known.has(value)) {
    errors.push(`${where}.status ${show(value)} is not a Sentry span status`);
  }
}

function checkOp(value, where, own, errors) {
  if (value === undefined || (!own && value === null)) {
    if (own) errors.push(`${where}.op is missing`);
    return;
  }
  if (!isNonEmptyString(value)) errors.push(`${where}.op ${show(value)} is not a non-empty string`);
}

function checkStringMap(value, where, errors) {
  if (value === undefined) return;
  if (!isObject(value)) {
    errors.push(`${where} is not an object`);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') errors.push(`${where}.${k} ${show(v)} is not a string`);
  }
}

function checkSdk(sdk, where, own, errors) {
  if (sdk === undefined) {
    if (own) errors.push(`${where} is missing`);
    return;
  }
  if (!isObject(sdk)) {
    errors.push(`${where} is not an object`);
    return;
  }
  if (!isNonEmptyString(sdk.name)) errors.push(`${where}.name ${show(sdk.name)} is not a non-empty string`);
  if (!isNonEmptyString(sdk.version)) errors.push(`${where}.version ${show(sdk.version)} is not a non-empty string`);
}

function checkTransaction(p, own, errors) {
  const info = { traceId: undefined, spans: 0, name: p.transaction };
  if (p.type !== 'transaction') errors.push(`transaction.type is ${show(p.type)}, not "transaction"`);
  checkId(p.event_id, HEX32, 'transaction.event_id', errors);
  if (!isNonEmptyString(p.transaction)) errors.push(`transaction.transaction ${show(p.transaction)} is not a non-empty string`);
  if (own) {
    if (p.platform !== 'native') errors.push(`transaction.platform is ${show(p.platform)}, not "native"`);
  } else if (p.platform !== undefined && !PLATFORMS.has(p.platform)) {
    errors.push(`transaction.platform ${show(p.platform)} is not one Relay knows`);
  }
  if (p.transaction_info !== undefined) {
    const sources = own ? SOURCES : FOREIGN_SOURCES;
    if (!isObject(p.transaction_info) || !sources.has(p.transaction_info.source)) {
      errors.push(`transaction.transaction_info.source ${show(p.transaction_info?.source)} is not one of ${[...sources].join(' ')}`);
    }
  }
  checkTimes(p, 'transaction', own, errors);
  for (const key of ['release', 'environment', 'dist', 'server_name']) {
    if (p[key] !== undefined && typeof p[key] !== 'string') errors.push(`transaction.${key} ${show(p[key])} is not a string`);
  }
  if (p.sdk !== undefined) checkSdk(p.sdk, 'transaction.sdk', false, errors);
  checkStringMap(p.tags, 'transaction.tags', errors);

  const trace = p.contexts?.trace;
  if (!isObject(trace)) {
    errors.push('transaction.contexts.trace is missing (Relay drops such a transaction)');
    return info;
  }
  const tw = 'contexts.trace';
  if (checkId(trace.trace_id, HEX32, `${tw}.trace_id`, errors)) info.traceId = trace.trace_id;
  const rootOk = checkId(trace.span_id, HEX16, `${tw}.span_id`, errors);
  checkId(trace.parent_span_id, HEX16, `${tw}.parent_span_id`, errors, { required: false, allowNull: !own });
  checkOp(trace.op, tw, own, errors);
  checkStatus(trace.status, tw, own, errors, own);
  if (trace.data !== undefined && !isObject(trace.data)) errors.push(`${tw}.data is not an object`);

  if (p.measurements !== undefined) {
    if (!isObject(p.measurements)) {
      errors.push('transaction.measurements is not an object');
    } else {
      for (const [name, m] of Object.entries(p.measurements)) {
        if (!isObject(m) || typeof m.value !== 'number' || !Number.isFinite(m.value)) {
          errors.push(`measurement ${show(name)}: value ${show(m?.value)} is not a finite number`);
        } else if (m.unit !== undefined && typeof m.unit !== 'string') {
          errors.push(`measurement ${show(name)}: unit ${show(m.unit)} is not a string`);
        }
      }
    }
  }

  if (p.spans === undefined) return info;
  if (!Array.isArray(p.spans)) {
    errors.push('transaction.spans is not an array');
    return info;
  }
  info.spans = p.spans.length;
  if (own && p.spans.length > 1000) errors.push(`transaction has ${p.spans.length} spans, over Sentry's cap of 1000`);
  const ids = new Map(); // span_id -> parent_span_id
  if (rootOk) ids.set(trace.span_id, null);
  p.spans.forEach((span, i) => {
    const w = `spans[${i}]`;
    if (!isObject(span)) {
      errors.push(`${w} is not an object`);
      return;
    }
    if (checkId(span.span_id, HEX16, `${w}.span_id`, errors)) {
      if (ids.has(span.span_id)) {
        errors.push(`${w}.span_id ${span.span_id} is not unique in the transaction`);
      }
    }
    if (span.trace_id !== trace.trace_id) {
      errors.push(`${w}.trace_id ${show(span.trace_id)} differs from the transaction's ${show(trace.trace_id)}`);
    }
    checkId(span.parent_span_id, HEX16, `${w}.parent_span_id`, errors);
    checkTimes(span, w, own, errors);
    checkOp(span.op, w, own, errors);
    checkStatus(span.status, w, own, errors, own);
    if (span.description !== undefined && span.description !== null && typeof span.description !== 'string') {
      errors.push(`${w}.description ${show(span.description)} is not a string`);
    }
    if (span.data !== undefined && !isObject(span.data)) errors.push(`${w}.data is not an object`);
    checkStringMap(span.tags, `${w}.tags`, errors);
    if (typeof span.span_id === 'string' && !ids.has(span.span_id)) ids.set(span.span_id, span.parent_span_id);
  });
  // Every parent is the root or a span of this transaction, and every span
  // reaches the root (no cycles).
  p.spans.forEach((span, i) => {
    if (!isObject(span) || typeof span.parent_span_id !== 'string') return;
    if (!ids.has(span.parent_span_id)) {
      errors.push(`spans[${i}].parent_span_id ${span.parent_span_id} is neither the root's span_id nor another span's`);
      return;
    }
    let cur = span.span_id;
    for (let steps = 0; cur !== null && cur !== undefined; steps++) {
      if (steps > ids.size) {
        errors.push(`spans[${i}]: its parent_span_id chain never reaches the root (cycle)`);
        break;
      }
      cur = ids.get(cur);
    }
  });
  return info;
}

// Error and message events (PROTOCOL.md §5, docs:/sdk/telemetry/errors/, Relay's event schema).
// Foreign events only have to be readable; sentry_trace's own (include/sentry_trace/events.hpp)
// must also carry a level, an RFC 3339 timestamp with microseconds, the sdk, an exception with a
// generic mechanism and a boolean `handled` or a plain-string message, and a contexts.trace that
// links them to a span of the trace named in the envelope's DSC.
function checkEvent(p, own, errors) {
  const info = { traceId: undefined };
  if (p.type !== undefined && p.type !== 'error' && p.type !== 'default') {
    errors.push(`event.type ${show(p.type)} is not an error event`);
  }
  checkId(p.event_id, HEX32, 'event.event_id', errors);
  if (own) {
    if (p.platform !== 'native') errors.push(`event.platform is ${show(p.platform)}, not "native"`);
  } else if (p.platform !== undefined && !PLATFORMS.has(p.platform)) {
    errors.push(`event.platform ${show(p.platform)} is not one Relay knows`);
  }
  if (p.level === undefined) {
    if (own) errors.push('event.level is missing');
  } else if (!LEVELS.has(p.level)) {
    errors.push(`event.level ${show(p.level)} is not one of ${[...LEVELS].join(' ')}`);
  }
  if (p.timestamp === undefined) {
    if (own) errors.push('event.timestamp is missing');
  } else {
    const t = timestampMicros(p.timestamp, own);
    if (typeof t === 'string') errors.push(`event.timestamp: ${t}`);
  }
  for (const key of ['release', 'environment', 'dist', 'server_name']) {
    if (p[key] === undefined || (!own && p[key] === null)) continue;
    if (typeof p[key] !== 'string') errors.push(`event.${key} ${show(p[key])} is not a string`);
    else if (own && p[key] === '') errors.push(`event.${key} is an empty string (leave it out instead)`);
  }
  checkSdk(p.sdk, 'event.sdk', own, errors);
  checkStringMap(p.tags, 'event.tags', errors);

  // exception.values[]: each needs a type or a value; a mechanism needs a type.
  const hasException = p.exception !== undefined && p.exception !== null;
  if (hasException) {
    const values = p.exception.values;
    if (!isObject(p.exception) || !Array.isArray(values)) {
      errors.push('event.exception.values is not an array');
    } else {
      if (values.length === 0) errors.push('event.exception.values is empty');
      values.forEach((v, i) => {
        const w = `event.exception.values[${i}]`;
        if (!isObject(v)) {
          errors.push(`${w} is not an object`);
          return;
        }
        for (const key of ['type', 'value', 'module']) {
          if (v[key] !== undefined && v[key] !== null && typeof v[key] !== 'string') errors.push(`${w}.${key} ${show(v[key])} is not a string`);
          if (own && v[key] !== undefined && !isNonEmptyString(v[key])) errors.push(`${w}.${key} ${show(v[key])} is not a non-empty string`);
        }
        if (!isNonEmptyString(v.type) && !isNonEmptyString(v.value)) errors.push(`${w} has neither type nor value`);
        const m = v.mechanism;
        if (m === undefined || m === null) {
          if (own) errors.push(`${w}.mechanism is missing`);
        } else if (!isObject(m) || !isNonEmptyString(m.type)) {
          errors.push(`${w}.mechanism.type is missing`);
        } else {
          if (own && m.type !== 'generic') errors.push(`${w}.mechanism.type ${show(m.type)} is not "generic"`);
          if (m.handled !== undefined && (own || m.handled !== null) && typeof m.handled !== 'boolean') {
            errors.push(`${w}.mechanism.handled ${show(m.handled)} is not a boolean`);
          }
          if (own && m.handled === undefined) errors.push(`${w}.mechanism.handled is missing`);
        }
      });
    }
  }

  // message: @sentry/core and Python send a plain string, sentry-native {formatted}; Relay
  // reads either (and `logentry`) as logentry. sentry_trace sends the plain string.
  const hasMessage = p.message !== undefined && p.message !== null;
  if (hasMessage) {
    if (own) {
      if (!isNonEmptyString(p.message)) errors.push(`event.message ${show(p.message)} is not a non-empty plain string`);
    } else if (typeof p.message !== 'string' &&
               !(isObject(p.message) && (typeof p.message.formatted === 'string' || typeof p.message.message === 'string'))) {
      errors.push(`event.message ${show(p.message)} is neither a string nor {formatted} / {message}`);
    }
  }
  if (p.logentry !== undefined && p.logentry !== null) {
    if (own) errors.push('event.logentry is set (sentry_trace writes a plain "message")');
    else if (!isObject(p.logentry) || (typeof p.logentry.formatted !== 'string' && typeof p.logentry.message !== 'string')) {
      errors.push(`event.logentry ${show(p.logentry)} has neither formatted nor message`);
    }
  }
  if (own && !hasException && !hasMessage) errors.push('event has neither exception nor message');

  // contexts.trace: the span the event happened in (spanToTraceContext), or the propagation
  // context's ids.
  if (p.contexts !== undefined && p.contexts !== null && !isObject(p.contexts)) errors.push('event.contexts is not an object');
  const trace = isObject(p.contexts) ? p.contexts.trace : undefined;
  if (trace === undefined || (!own && trace === null)) {
    if (own) errors.push('event.contexts.trace is missing (the event is linked to no trace)');
  } else if (!isObject(trace)) {
    errors.push('event.contexts.trace is not an object');
  } else {
    const tw = 'event.contexts.trace';
    if (typeof trace.trace_id === 'string') info.traceId = trace.trace_id;
    checkId(trace.trace_id, HEX32, `${tw}.trace_id`, errors);
    checkId(trace.span_id, HEX16, `${tw}.span_id`, errors, { required: own });
    checkId(trace.parent_span_id, HEX16, `${tw}.parent_span_id`, errors, { required: false, allowNull: !own });
    if (typeof trace.span_id === 'string' && trace.parent_span_id === trace.span_id) {
      errors.push(`${tw}.parent_span_id equals its span_id ${trace.span_id}`);
    }
    if (trace.op !== undefined && (own || trace.op !== null) && !isNonEmptyString(trace.op)) {
      errors.push(`${tw}.op ${show(trace.op)} is not a non-empty string`);
    }
    if (trace.status !== undefined) checkStatus(trace.status, tw, own, errors, false);
  }
  return info;
}

// --self-test, events: an own-SDK error event and message event built here (the checked-in
// fixtures hold no event), then broken copies, each rejected for the expected reason.
function eventSelfTest(core) {
  let passed = 0, failed = 0;
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const eventId = '5b1e0c8f2a4d4e6f9a0b1c2d3e4f5a6b';
  const header0 = {
    event_id: eventId, sent_at: '2026-01-01T10:00:00.250000Z', sdk: { name: 'sentry.native.selftest', version: '0.1.0' },
    trace: { trace_id: traceId, public_key: 'k3y', sample_rate: '1', sample_rand: '0.5', sampled: 'true' },
  };
  const event0 = {
    event_id: eventId, timestamp: '2026-01-01T10:00:00.123456Z', platform: 'native', level: 'error',
    release: 'app@1.2.3', environment: 'production', sdk: { name: 'sentry.native.selftest', version: '0.1.0' },
    exception: { values: [{ type: 'std::runtime_error', value: 'upstream timeout', mechanism: { type: 'generic', handled: true } }] },
    contexts: { trace: { trace_id: traceId, span_id: 'a1b2c3d4e5f60718', parent_span_id: '8f0e1d2c3b4a5968', op: 'db.query' } },
  };
  const build = (mutate = () => {}) => {
    const h = structuredClone(header0);
    const ev = structuredClone(event0);
    const items = [{ header: { type: 'event', content_type: 'application/json' }, payload: ev }];
    const r = mutate(h, ev, items);
    return r instanceof Buffer ? r : serialize(h, items);
  };
  const toMessage = (ev) => {
    delete ev.exception;
    ev.level = 'info';
    ev.message = 'cache warmed';
  };
  const accept = [
    ['own-SDK error event', () => {}],
    ['own-SDK message event', (h, ev) => toMessage(ev)],
    ['own-SDK event of a root span (no parent, no op), unhandled', (h, ev) => {
      delete ev.contexts.trace.parent_span_id;
      delete ev.contexts.trace.op;
      ev.exception.values[0].mechanism.handled = false;
    }],
  ];
  for (const [name, mutate] of accept) {
    if (report(name, checkEnvelope(build(mutate), core))) passed++;
    else failed++;
  }
  const cases = [
    ['event level bogus', /event\.level "bogus"/, (h, ev) => { ev.level = 'bogus'; }],
    ['event without level', /event\.level is missing/, (h, ev) => { delete ev.level; }],
    ['event float timestamp', /event\.timestamp: .*not an RFC 3339 string/, (h, ev) => { ev.timestamp = 1767261600.5; }],
    ['event timestamp with milliseconds', /event\.timestamp: .*with microseconds/, (h, ev) => { ev.timestamp = '2026-01-01T10:00:00.123Z'; }],
    ['event platform other than native', /event\.platform is "python"/, (h, ev) => { ev.platform = 'python'; }],
    ['event type transaction', /not an error event/, (h, ev) => { ev.type = 'transaction'; }],
    ['event without sdk', /event\.sdk is missing/, (h, ev) => { delete ev.sdk; }],
    ['event with an empty release', /event\.release is an empty string/, (h, ev) => { ev.release = ''; }],
    ['event with neither exception nor message', /neither exception nor message/, (h, ev) => { delete ev.exception; }],
    ['event exception.values empty', /values is empty/, (h, ev) => { ev.exception.values = []; }],
    ['event exception.values not an array', /values is not an array/, (h, ev) => { ev.exception.values = {}; }],
    ['exception with neither type nor value', /has neither type nor value/, (h, ev) => {
      delete ev.exception.values[0].type;
      delete ev.exception.values[0].value;
    }],
    ['exception value not a string', /value 42 is not a string/, (h, ev) => { ev.exception.values[0].value = 42; }],
    ['exception without mechanism', /mechanism is missing/, (h, ev) => { delete ev.exception.values[0].mechanism; }],
    ['mechanism without type', /mechanism\.type is missing/, (h, ev) => { delete ev.exception.values[0].mechanism.type; }],
    ['mechanism type not generic', /mechanism\.type "onerror" is not "generic"/, (h, ev) => { ev.exception.values[0].mechanism.type = 'onerror'; }],
    ['mechanism handled not a boolean', /handled "yes" is not a boolean/, (h, ev) => { ev.exception.values[0].mechanism.handled = 'yes'; }],
    ['mechanism without handled', /handled is missing/, (h, ev) => { delete ev.exception.values[0].mechanism.handled; }],
    ['message as {formatted} (own output is a plain string)', /not a non-empty plain string/, (h, ev) => {
      toMessage(ev);
      ev.message = { formatted: 'cache warmed' };
    }],
    ['empty message', /not a non-empty plain string/, (h, ev) => { toMessage(ev); ev.message = ''; }],
    ['event without contexts.trace', /contexts\.trace is missing/, (h, ev) => { delete ev.contexts; }],
    ['event contexts.trace.span_id 15 digits', /contexts\.trace\.span_id/, (h, ev) => { ev.contexts.trace.span_id = 'a1b2c3d4e5f6071'; }],
    ['event contexts.trace without span_id', /contexts\.trace\.span_id is missing/, (h, ev) => { delete ev.contexts.trace.span_id; }],
    ['event contexts.trace.trace_id uppercase', /contexts\.trace\.trace_id/, (h, ev) => { ev.contexts.trace.trace_id = traceId.toUpperCase(); }],
    ['event parent_span_id equal to span_id', /parent_span_id equals its span_id/, (h, ev) => { ev.contexts.trace.parent_span_id = ev.contexts.trace.span_id; }],
    ['event parent_span_id null', /parent_span_id null is not 16/, (h, ev) => { ev.contexts.trace.parent_span_id = null; }],
    ['event op empty', /contexts\.trace\.op "" is not/, (h, ev) => { ev.contexts.trace.op = ''; }],
    ['event trace_id differs from the DSC', /differs from the event contexts\.trace\.trace_id/, (h, ev) => { ev.contexts.trace.trace_id = 'c'.repeat(32); }],
    ['event envelope event_id differs', /differs from the event's/, (h) => { h.event_id = 'f'.repeat(32); }],
    ['event envelope without event_id', /event_id is missing \(required with a event item\)/, (h) => { delete h.event_id; }],
    ['event envelope without DSC', /trace \(the DSC\) is missing on a event envelope/, (h) => { delete h.trace; }],
    ['event and transaction in one envelope', /more than one event\/transaction/, (h, ev, items) => {
      items.push({ header: { type: 'event' }, payload: structuredClone(ev) });
    }],
    ['CR inside an event payload', /contains \\r/, (h, ev, items) =>
      Buffer.from(serialize(h, items).toString('utf8').replace('upstream timeout', 'upstream\rtimeout'))],
  ];
  for (const [name, expect, mutate] of cases) {
    const r = checkEnvelope(build(mutate), core);
    if (r.errors.some((e) => expect.test(e))) {
      console.log(`ok   rejects ${name}`);
      passed++;
    } else {
      console.log(`FAIL does not reject ${name} as expected (${expect})`);
      for (const e of r.errors) console.log(`       - ${e}`);
      failed++;
    }
  }
  return { passed, failed };
}

function checkClientReport(p, own, errors) {
  if (p.timestamp !== undefined) {
    const t = timestampMicros(p.timestamp, false);
    if (typeof t === 'string') errors.push(`client_report.timestamp: ${t}`);
  }
  const d = p.discarded_events;
  if (!Array.isArray(d) || d.length === 0) {
    errors.push('client_report.discarded_events is missing or empty');
    return { outcomes: 0 };
  }
  d.forEach((o, i) => {
    const w = `client_report.discarded_events[${i}]`;
    if (!isObject(o)) {
      errors.push(`${w} is not an object`);
      return;
    }
    if (!OUTCOME_REASONS.has(o.reason)) errors.push(`${w}.reason ${show(o.reason)} is not a known discard reason`);
    if (!OUTCOME_CATEGORIES.has(o.category)) errors.push(`${w}.category ${show(o.category)} is not a rate-limit category`);
    if (!Number.isInteger(o.quantity) || o.quantity <= 0) errors.push(`${w}.quantity ${show(o.quantity)} is not a positive integer`);
  });
  for (const key of ['rate_limited_events', 'filtered_events', 'filtered_sampling_events']) {
    if (own && p[key] !== undefined) errors.push(`client_report.${key} is reserved for Relay`);
  }
  return { outcomes: d.length };
}

// Sample formats v1 (`profile`, in a transaction's envelope) and v2 (`profile_chunk`), with
// Relay's checks (relay-profiling sample/v1.rs, v2.rs; PROTOCOL.md §12): every stack and frame
// index valid, string thread ids named in thread_metadata, no thread with a single sample, at
// least two samples, v1's last sample within 30 s, a chunk within 66 s, no `debug_meta`.
function checkProfile(header, p, own, errors, version) {
  const v1 = version === '1';
  const info = { samples: 0, transactionId: undefined, traceId: undefined };
  if (p.version !== version) errors.push(`profile version ${show(p.version)} is not "${version}"`);
  if (own && p.platform !== 'native') errors.push(`profile platform is ${show(p.platform)}, not "native"`);
  if (own && p.debug_meta !== undefined) errors.push('profile has debug_meta (Relay\'s profile parser rejects elf images)');
  if (v1) {
    checkId(p.event_id, HEX32, 'profile event_id', errors);
    const t = p.timestamp;
    if (typeof t !== 'string' || rfc3339Micros(t) === null) errors.push(`profile timestamp ${show(t)} is not RFC 3339`);
    const tx = p.transaction;
    if (!isObject(tx)) {
      errors.push('profile transaction is missing');
    } else {
      checkId(tx.id, HEX32, 'profile transaction.id', errors);
      checkId(tx.trace_id, HEX32, 'profile transaction.trace_id', errors);
      if (!isNonEmptyString(tx.name)) errors.push('profile transaction.name is empty (Relay rejects it)');
      if (typeof tx.active_thread_id !== 'string') errors.push(`profile transaction.active_thread_id ${show(tx.active_thread_id)} is not a string`);
      info.transactionId = tx.id;
      info.traceId = tx.trace_id;
    }
  } else {
    checkId(p.profiler_id, HEX32, 'profile_chunk profiler_id', errors);
    checkId(p.chunk_id, HEX32, 'profile_chunk chunk_id', errors);
    if (!isObject(p.client_sdk) || !isNonEmptyString(p.client_sdk.name) || !isNonEmptyString(p.client_sdk.version)) {
      errors.push('profile_chunk client_sdk {name, version} is missing');
    }
    if (own && header.platform !== p.platform) errors.push(`profile_chunk item header platform ${show(header.platform)} differs from the payload's ${show(p.platform)}`);
  }
  const prof = p.profile;
  if (!isObject(prof)) {
    errors.push('profile.profile is missing');
    return info;
  }
  const { samples, stacks, frames, thread_metadata: threads } = prof;
  if (!Array.isArray(samples) || !Array.isArray(stacks) || !Array.isArray(frames) || !isObject(threads)) {
    errors.push('profile.profile needs samples, stacks, frames (arrays) and thread_metadata (an object)');
    return info;
  }
  info.samples = samples.length;
  if (samples.length < 2) errors.push(`profile has ${samples.length} samples (Relay needs at least 2)`);
  const perThread = {};
  let first = Infinity, last = -Infinity;
  samples.forEach((s, i) => {
    const w = `profile.samples[${i}]`;
    if (!isObject(s)) return errors.push(`${w} is not an object`);
    if (typeof s.thread_id !== 'string') errors.push(`${w}.thread_id ${show(s.thread_id)} is not a string`);
    else if (own && !Object.hasOwn(threads, s.thread_id)) errors.push(`${w}.thread_id ${s.thread_id} is not in thread_metadata`);
    perThread[s.thread_id] = (perThread[s.thread_id] || 0) + 1;
    if (!Number.isInteger(s.stack_id) || s.stack_id < 0 || s.stack_id >= stacks.length) errors.push(`${w}.stack_id ${show(s.stack_id)} is not a stack index`);
    let t;
    if (v1) {
      if (own && (typeof s.elapsed_since_start_ns !== 'string' || !/^\d+$/.test(s.elapsed_since_start_ns))) {
        errors.push(`${w}.elapsed_since_start_ns ${show(s.elapsed_since_start_ns)} is not a decimal string`);
      }
      t = Number(s.elapsed_since_start_ns) / 1e9;
    } else {
      if (typeof s.timestamp !== 'number' || !Number.isFinite(s.timestamp)) errors.push(`${w}.timestamp ${show(s.timestamp)} is not epoch seconds`);
      t = s.timestamp;
    }
    if (t < first) first = t;
    if (t > last) last = t;
  });
  for (const [tid, n] of Object.entries(perThread)) {
    if (own && n === 1) errors.push(`profile thread ${tid} has a single sample (Relay removes it)`);
  }
  if (v1 && last > 30) errors.push(`profile's last sample is ${last} s after the start (Relay's limit is 30 s)`);
  if (!v1 && last - first > 66) errors.push(`profile_chunk spans ${last - first} s (Relay's limit is 66 s)`);
  stacks.forEach((st, i) => {
    if (!Array.isArray(st)) return errors.push(`profile.stacks[${i}] is not an array`);
    for (const f of st) {
      if (!Number.isInteger(f) || f < 0 || f >= frames.length) errors.push(`profile.stacks[${i}] holds ${show(f)}, not a frame index`);
    }
  });
  frames.forEach((f, i) => {
    if (!isObject(f)) return errors.push(`profile.frames[${i}] is not an object`);
    if (own && (typeof f.instruction_addr !== 'string' || !/^0x[0-9a-f]+$/.test(f.instruction_addr))) {
      errors.push(`profile.frames[${i}].instruction_addr ${show(f.instruction_addr)} is not "0x" and hex`);
    }
  });
  return info;
}

function checkSpanContainer(header, p, own, errors) {
  const info = { traceId: undefined, spans: 0 };
  if (p.version !== 2) errors.push(`span item: version ${show(p.version)} is not 2`);
  if (!Array.isArray(p.items)) {
    errors.push('span item: items is not an array');
    return info;
  }
  info.spans = p.items.length;
  if (header.item_count !== p.items.length) {
    errors.push(`span item: item_count ${show(header.item_count)} differs from items.length ${p.items.length}`);
  }
  if (p.items.length < 1 || p.items.length > 1000) errors.push(`span item: ${p.items.length} spans (must be 1..1000)`);
  if (header.content_type !== 'application/vnd.sentry.items.span.v2+json') {
    errors.push(`span item: content_type ${show(header.content_type)} is not application/vnd.sentry.items.span.v2+json`);
  }
  const seen = new Set();
  p.items.forEach((s, i) => {
    const w = `span item.items[${i}]`;
    if (!isObject(s)) {
      errors.push(`${w} is not an object`);
      return;
    }
    if (checkId(s.trace_id, HEX32, `${w}.trace_id`, errors)) {
      if (info.traceId === undefined) info.traceId = s.trace_id;
      else if (s.trace_id !== info.traceId) errors.push(`${w}.trace_id differs from the first span's (one trace per envelope)`);
    }
    if (checkId(s.span_id, HEX16, `${w}.span_id`, errors)) {
      if (seen.has(s.span_id)) errors.push(`${w}.span_id ${s.span_id} is not unique`);
      seen.add(s.span_id);
    }
    checkId(s.parent_span_id, HEX16, `${w}.parent_span_id`, errors, { required: false });
    if (!isNonEmptyString(s.name)) errors.push(`${w}.name ${show(s.name)} is not a non-empty string`);
    if (s.status !== 'ok' && s.status !== 'error') errors.push(`${w}.status ${show(s.status)} is not "ok" or "error"`);
    for (const k of ['start_timestamp', 'end_timestamp']) {
      if (typeof s[k] !== 'number' || !Number.isFinite(s[k])) errors.push(`${w}.${k} ${show(s[k])} is not a number of seconds`);
    }
    if (typeof s.start_timestamp === 'number' && typeof s.end_timestamp === 'number' && s.start_timestamp > s.end_timestamp) {
      errors.push(`${w}: start_timestamp is after end_timestamp`);
    }
    if (s.is_segment !== undefined && typeof s.is_segment !== 'boolean') errors.push(`${w}.is_segment is not a boolean`);
    if (s.attributes !== undefined) {
      if (!isObject(s.attributes)) {
        errors.push(`${w}.attributes is not an object`);
      } else {
        for (const [k, a] of Object.entries(s.attributes)) {
          const aw = `${w}.attributes.${k}`;
          if (!isObject(a)) {
            errors.push(`${aw} is not an object`);
            continue;
          }
          if (!ATTRIBUTE_TYPES.has(a.type)) {
            if (own || a.type !== 'array') errors.push(`${aw}.type ${show(a.type)} is not string/integer/double/boolean`);
            continue;
          }
          const ok =
            (a.type === 'string' && typeof a.value === 'string') ||
            (a.type === 'boolean' && typeof a.value === 'boolean') ||
            (a.type === 'integer' && Number.isInteger(a.value)) ||
            (a.type === 'double' && typeof a.value === 'number' && Number.isFinite(a.value));
          if (!ok) errors.push(`${aw}.value ${show(a.value)} does not match its type ${a.type}`);
        }
      }
    }
  });
  return info;
}

function checkDsc(trace, own, errors) {
  if (!isObject(trace)) {
    errors.push('envelope header trace is not an object');
    return;
  }
  for (const [k, v] of Object.entries(trace)) {
    if (typeof v !== 'string') errors.push(`envelope header trace.${k} ${show(v)} is not a string (DSC values are strings)`);
  }
  checkId(trace.trace_id, HEX32, 'envelope header trace.trace_id', errors, { required: own });
  if (own && !isNonEmptyString(trace.public_key)) errors.push('envelope header trace.public_key is missing');
  const num = (k, lo, hiInclusive, hi) => {
    if (typeof trace[k] !== 'string') return;
    const n = Number(trace[k]);
    if (trace[k].trim() === '' || !Number.isFinite(n) || n < lo || (hiInclusive ? n > hi : n >= hi)) {
      errors.push(`envelope header trace.${k} ${show(trace[k])} is not a number in [${lo}, ${hi}${hiInclusive ? ']' : ')'}`);
    }
  };
  num('sample_rate', 0, true, 1);
  num('sample_rand', 0, false, 1);
  if (typeof trace.sampled === 'string' && trace.sampled !== 'true' && trace.sampled !== 'false') {
    errors.push(`envelope header trace.sampled ${show(trace.sampled)} is not "true" or "false"`);
  }
}

function decodeJsonPayload(payload, what, errors) {
  if (payload instanceof Uint8Array) return parseJsonBytes(payload, what, errors);
  return payload;
}

// One envelope's bytes -> { errors, summary }.
function checkEnvelope(buf, core, { foreign = false } = {}) {
  const own = !foreign;
  const errors = [];
  const summary = [];
  if (buf.length === 0) return { errors: ['the file is empty'], summary: '' };
  if (buf.includes(0x0d)) errors.push('the file contains \\r (lines end in \\n only; CR must be escaped in JSON)');

  const framed = frame(buf, errors);
  if (!framed) return { errors, summary: '' };
  const { envHeader, items } = framed;
  if (items.length === 0) errors.push('the envelope has no items');

  // What @sentry/core makes of the same bytes.
  let coreParsed;
  try {
    coreParsed = core.parseEnvelope(new Uint8Array(buf));
  } catch (e) {
    errors.push(`@sentry/core parseEnvelope throws: ${e.message}`);
  }
  const payloads = items.map((item, i) => {
    const type = item.header.type;
    if (!JSON_ITEM_TYPES.has(type)) return undefined;
    const p = parseJsonBytes(item.payload, `item ${i} (${type}) payload`, errors);
    if (p !== undefined && !isObject(p)) errors.push(`item ${i} (${type}) payload is not a JSON object`);
    return p;
  });
  if (coreParsed) {
    const [h, its] = coreParsed;
    if (!isDeepStrictEqual(h, envHeader)) errors.push('@sentry/core reads a different envelope header');
    if (its.length !== items.length) {
      errors.push(`@sentry/core reads ${its.length} items, the strict framing ${items.length}`);
    } else {
      its.forEach(([ih, ip], i) => {
        if (!isDeepStrictEqual(ih, items[i].header)) errors.push(`@sentry/core reads a different header for item ${i}`);
        if (payloads[i] !== undefined) {
          const cp = decodeJsonPayload(ip, `@sentry/core item ${i} payload`, []);
          if (!isDeepStrictEqual(cp, payloads[i])) errors.push(`@sentry/core reads a different payload for item ${i}`);
        }
      });
    }
    // Round trip: serializeEnvelope, then parseEnvelope again.
    try {
      const again = core.parseEnvelope(core.serializeEnvelope(coreParsed));
      const [h2, its2] = again;
      let same = isDeepStrictEqual(h2, h) && its2.length === its.length;
      for (let i = 0; same && i < its.length; i++) {
        same = isDeepStrictEqual(its2[i][0], its[i][0]);
        const a = its[i][1], b = its2[i][1];
        if (same && JSON_ITEM_TYPES.has(its[i][0].type)) {
          same = isDeepStrictEqual(decodeJsonPayload(a, '', []), decodeJsonPayload(b, '', []));
        } else if (same) {
          same = isDeepStrictEqual(Buffer.from(typeof a === 'string' ? a : a instanceof Uint8Array ? a : JSON.stringify(a)),
                                   Buffer.from(typeof b === 'string' ? b : b instanceof Uint8Array ? b : JSON.stringify(b)));
        }
      }
      if (!same) errors.push('serializeEnvelope + parseEnvelope does not give the same envelope back');
    } catch (e) {
      errors.push(`@sentry/core round trip throws: ${e.message}`);
    }
  }

  // Envelope header.
  if (envHeader.sent_at === undefined) {
    if (own) errors.push('envelope header sent_at is missing');
  } else {
    const ok = typeof envHeader.sent_at === 'string' && rfc3339Micros(envHeader.sent_at) !== null &&
      (!own || /[Zz]$/.test(envHeader.sent_at));
    if (!ok) errors.push(`envelope header sent_at ${show(envHeader.sent_at)} is not an RFC 3339 UTC date-time`);
  }
  if (envHeader.sdk !== undefined || own) checkSdk(envHeader.sdk, 'envelope header sdk', own, errors);
  if (envHeader.event_id !== undefined) {
    const ok = typeof envHeader.event_id === 'string' &&
      (HEX32.test(envHeader.event_id) || (!own && UUID_DASHED.test(envHeader.event_id)));
    if (!ok) errors.push(`envelope header event_id ${show(envHeader.event_id)} is not 32 lowercase hex digits`);
  }
  if (envHeader.dsn !== undefined && typeof envHeader.dsn !== 'string') errors.push('envelope header dsn is not a string');
  if (envHeader.trace !== undefined) checkDsc(envHeader.trace, own, errors);

  // Items.
  const known = own ? OWN_ITEM_TYPES : FOREIGN_ITEM_TYPES;
  const count = {};
  const traceIds = [];
  items.forEach((item, i) => {
    const type = item.header.type;
    count[type] = (count[type] || 0) + 1;
    if (!isNonEmptyString(type)) {
      errors.push(`item ${i} header has no type`);
      return;
    }
    if (!known.has(type)) {
      errors.push(`item ${i} has type ${show(type)}, not one of ${[...known].join(' ')}`);
      return;
    }
    const p = payloads[i];
    if (!JSON_ITEM_TYPES.has(type) || !isObject(p)) return;
    const before = errors.length;
    if (type === 'transaction') {
      const info = checkTransaction(p, own, errors);
      traceIds.push(['transaction contexts.trace.trace_id', info.traceId]);
      summary.push(`transaction ${show(info.name)} (${info.spans} span${info.spans === 1 ? '' : 's'})`);
    } else if (type === 'event') {
      const info = checkEvent(p, own, errors);
      if (info.traceId !== undefined) traceIds.push(['event contexts.trace.trace_id', info.traceId]);
      summary.push('event');
    } else if (type === 'client_report') {
      const info = checkClientReport(p, own, errors);
      summary.push(`client_report (${info.outcomes} outcome${info.outcomes === 1 ? '' : 's'})`);
    } else if (type === 'profile' || type === 'profile_chunk') {
      const info = checkProfile(item.header, p, own, errors, type === 'profile' ? '1' : '2');
      if (type === 'profile') {
        if (i !== items.length - 1) errors.push('the profile item is not the last item (a transport cuts it off by length)');
        const tx = payloads[items.findIndex((it) => it.header.type === 'transaction')];
        if (!isObject(tx)) errors.push('a profile item without a transaction in its envelope');
        else if (info.transactionId !== undefined && tx.event_id !== undefined && tx.event_id !== info.transactionId) {
          errors.push(`profile transaction.id ${show(info.transactionId)} differs from the transaction's event_id ${show(tx.event_id)}`);
        }
        if (info.traceId !== undefined) traceIds.push(['profile transaction.trace_id', info.traceId]);
      }
      summary.push(`${type} (${info.samples} sample${info.samples === 1 ? '' : 's'})`);
    } else if (type === 'span') {
      const info = checkSpanContainer(item.header, p, own, errors);
      if (info.traceId !== undefined) traceIds.push(['span item trace_id', info.traceId]);
      summary.push(`span x${info.spans}`);
    }
    if ((type === 'transaction' || type === 'event')) {
      if (envHeader.event_id === undefined) {
        errors.push(`envelope header event_id is missing (required with a ${type} item)`);
      } else if (p.event_id !== undefined && envHeader.event_id !== p.event_id) {
        errors.push(`envelope header event_id ${show(envHeader.event_id)} differs from the ${type}'s ${show(p.event_id)}`);
      }
      if (own && envHeader.trace === undefined) errors.push(`envelope header trace (the DSC) is missing on a ${type} envelope`);
    }
    for (let e = before; e < errors.length; e++) errors[e] = `item ${i} (${type}): ${errors[e]}`;
  });
  if ((count.transaction || 0) + (count.event || 0) > 1) errors.push('more than one event/transaction item in one envelope');
  if ((count.span || 0) > 1) errors.push('more than one span container item in one envelope');
  if (isObject(envHeader.trace) && typeof envHeader.trace.trace_id === 'string') {
    for (const [what, id] of traceIds) {
      if (id !== undefined && id !== envHeader.trace.trace_id) {
        errors.push(`envelope header trace.trace_id ${envHeader.trace.trace_id} differs from the ${what} ${id}`);
      }
    }
  }
  return { errors, summary: summary.join(', ') };
}

// ---------------------------------------------------------------------------
// Files and output
// ---------------------------------------------------------------------------
function findEnvelopes(target, out) {
  let st;
  try {
    st = statSync(target);
  } catch {
    return false;
  }
  if (st.isFile()) {
    out.push(target);
    return true;
  }
  for (const name of readdirSync(target).sort()) {
    const full = path.join(target, name);
    const s = statSync(full);
    if (s.isDirectory()) findEnvelopes(full, out);
    else if (name.endsWith('.envelope')) out.push(full);
  }
  return true;
}

function report(label, result) {
  if (result.errors.length === 0) {
    console.log(`ok   ${label}${result.summary ? `: ${result.summary}` : ''}`);
    return true;
  }
  console.log(`FAIL ${label}${result.summary ? `: ${result.summary}` : ''}`);
  for (const e of result.errors) console.log(`       - ${e}`);
  return false;
}

async function loadCore() {
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
  if (typeof core.parseEnvelope !== 'function' || typeof core.serializeEnvelope !== 'function') {
    console.log('FAIL: @sentry/core does not export parseEnvelope/serializeEnvelope');
    process.exit(1);
  }
  return core;
}

// ---------------------------------------------------------------------------
// --self-test
// ---------------------------------------------------------------------------
function serialize(envHeader, items) {
  const parts = [Buffer.from(JSON.stringify(envHeader))];
  for (const { header, payload } of items) {
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
    parts.push(Buffer.from('\n' + JSON.stringify({ ...header, length: body.length }) + '\n'), body);
  }
  return Buffer.concat(parts);
}

function selfTest(dir, core) {
  let passed = 0, failed = 0;
  const tally = (ok) => (ok ? passed++ : failed++);

  // 1. The fixtures pass in foreign mode.
  const files = [];
  findEnvelopes(dir, files);
  if (files.length === 0) {
    console.log(`FAIL: no fixtures in ${dir}`);
    return 1;
  }
  for (const f of files) tally(report(`fixture ${path.relative(dir, f)}`, checkEnvelope(readFileSync(f), core, { foreign: true })));

  // 2. An own-SDK variant of the Python transaction passes the strict checks.
  const pyFile = files.find((f) => path.basename(f) === 'py-0003.envelope');
  if (!pyFile) {
    console.log(`FAIL: ${dir} has no py-0003.envelope`);
    return 1;
  }
  const framed = frame(readFileSync(pyFile), []);
  const txIndex = framed.items.findIndex((it) => it.header.type === 'transaction');
  const baseTx = JSON.parse(Buffer.from(framed.items[txIndex].payload).toString('utf8'));
  // Python 1.x: status in tags, parent_span_id null, platform python, no sdk header.
  baseTx.platform = 'native';
  delete baseTx.contexts.trace.parent_span_id;
  delete baseTx.contexts.trace.description;
  for (const s of baseTx.spans) {
    s.status = s.tags?.status ?? 'ok';
    if (s.tags) delete s.tags.status;
  }
  const baseHeader = { ...framed.envHeader, sdk: { name: 'sentry.native.selftest', version: '0.1.0' } };
  baseHeader.trace = { ...baseHeader.trace, sample_rand: '0.5', sampled: 'true' };
  const report0 = {
    timestamp: 1767261601.5,
    discarded_events: [{ reason: 'sample_rate', category: 'transaction', quantity: 3 }],
  };
  const build = (mutate = () => {}) => {
    const h = structuredClone(baseHeader);
    const tx = structuredClone(baseTx);
    const cr = structuredClone(report0);
    const items = [{ header: { type: 'transaction' }, payload: tx }, { header: { type: 'client_report' }, payload: cr }];
    const r = mutate(h, tx, items, cr);
    return r instanceof Buffer ? r : serialize(h, items);
  };
  tally(report('own-SDK variant of py-0003', checkEnvelope(build(), core)));
  tally(report('own-SDK variant, no length and no final newline (JS framing)', checkEnvelope(
    Buffer.from(build().toString('utf8').replace(/"length":\d+,?/g, '').replace(/,\}/g, '}')), core)));

  // 3. Broken copies are rejected, each for the expected reason.
  const cases = [
    ['CRLF line ends', /contains \\r/, () => Buffer.from(build().toString('utf8').replace(/\n/g, '\r\n'))],
    ['a JSON line that does not parse', /does not parse as JSON/, () => Buffer.from(build().toString('utf8').replace('{"type":"client_report"', '{"type":"client_report",'))],
    ['length one byte short', /not \\n \(length is wrong\)|does not parse/, () => Buffer.from(build().toString('utf8').replace(/"length":(\d+)/, (m, n) => `"length":${Number(n) - 1}`))],
    ['length past the end', /runs past the end/, (h, tx, items) => {
      const b = serialize(h, items.slice(0, 1));
      return Buffer.from(b.toString('utf8').replace(/"length":(\d+)/, (m, n) => `"length":${Number(n) + 10}`));
    }],
    ['invalid UTF-8 in a payload', /not valid UTF-8/, (h, tx, items) => {
      tx.transaction = 'GET /\u00e9'; // C3 A9 in UTF-8; C3 41 keeps the length but is not UTF-8
      const b = serialize(h, items);
      b[b.indexOf(Buffer.from([0xc3, 0xa9])) + 1] = 0x41;
      return b;
    }],
    ['envelope event_id differs from the payload', /differs from the transaction's/, (h) => { h.event_id = 'f'.repeat(32); }],
    ['missing envelope event_id', /event_id is missing/, (h) => { delete h.event_id; }],
    ['uppercase event_id', /lowercase hex/, (h, tx) => { h.event_id = tx.event_id = tx.event_id.toUpperCase(); }],
    ['sent_at not RFC 3339', /sent_at/, (h) => { h.sent_at = '2026-11-24 12:30:51'; }],
    ['no sdk in the envelope header', /envelope header sdk is missing/, (h) => { delete h.sdk; }],
    ['unknown item type', /type "transactionx"/, (h, tx, items) => { items[1].header.type = 'transactionx'; }],
    ['two transactions', /more than one event\/transaction/, (h, tx, items) => { items.push({ header: { type: 'transaction' }, payload: tx }); }],
    ['platform other than native', /platform is "python"/, (h, tx) => { tx.platform = 'python'; }],
    ['type not transaction', /not "transaction"/, (h, tx) => { tx.type = 'event'; }],
    ['empty transaction name', /transaction\.transaction/, (h, tx) => { tx.transaction = ''; }],
    ['bad transaction_info.source', /transaction_info\.source/, (h, tx) => { tx.transaction_info.source = 'bogus'; }],
    ['float timestamp', /not an RFC 3339 string/, (h, tx) => { tx.timestamp = 1795523451.161485; }],
    ['timestamp with milliseconds', /with microseconds/, (h, tx) => { tx.timestamp = '2026-11-24T12:30:51.161Z'; }],
    ['start after end', /is after timestamp/, (h, tx) => { tx.start_timestamp = '2026-11-24T12:30:52.000000Z'; }],
    ['trace_id not hex', /trace_id/, (h, tx) => { tx.contexts.trace.trace_id = 'x'.repeat(32); }],
    ['root span_id 15 digits', /span_id/, (h, tx) => { tx.contexts.trace.span_id = tx.contexts.trace.span_id.slice(1); }],
    ['no contexts.trace', /contexts\.trace is missing/, (h, tx) => { delete tx.contexts.trace; }],
    ['root without status', /contexts\.trace\.status is missing/, (h, tx) => { delete tx.contexts.trace.status; }],
    ['unknown status', /not a Sentry span status/, (h, tx) => { tx.spans[0].status = 'bogus'; }],
    ['child without op', /spans\[1\]\.op is missing/, (h, tx) => { delete tx.spans[1].op; }],
    ['child in another trace', /differs from the transaction's/, (h, tx) => { tx.spans[0].trace_id = 'a'.repeat(32); }],
    ['child with an unknown parent', /neither the root's span_id nor another span's/, (h, tx) => { tx.spans[2].parent_span_id = '1234567890abcdef'; }],
    ['duplicate span_id', /not unique/, (h, tx) => { tx.spans[2].span_id = tx.spans[0].span_id; }],
    ['child span_id equal to the root', /not unique/, (h, tx) => { tx.spans[0].span_id = tx.contexts.trace.span_id; }],
    ['parent cycle', /cycle/, (h, tx) => { tx.spans[0].parent_span_id = tx.spans[1].span_id; }],
    ['child start after end', /spans\[0\]: start_timestamp/, (h, tx) => { tx.spans[0].start_timestamp = '2026-11-24T12:30:59.000000Z'; }],
    ['measurement value not a number', /not a finite number/, (h, tx) => { tx.measurements.cart_value.value = '42.5'; }],
    ['DSC value not a string', /is not a string \(DSC/, (h) => { h.trace.sample_rate = 1; }],
    ['DSC trace_id differs', /trace\.trace_id .* differs/, (h) => { h.trace.trace_id = 'b'.repeat(32); }],
    ['DSC sampled not a boolean string', /sampled/, (h) => { h.trace.sampled = 'yes'; }],
    ['no DSC on a transaction envelope', /trace \(the DSC\) is missing/, (h) => { delete h.trace; }],
    ['client report quantity 0', /quantity 0/, (h, tx, items, cr) => { cr.discarded_events[0].quantity = 0; }],
    ['client report unknown reason', /reason "bogus"/, (h, tx, items, cr) => { cr.discarded_events[0].reason = 'bogus'; }],
    ['client report without outcomes', /discarded_events is missing/, (h, tx, items, cr) => { cr.discarded_events = []; }],
    ['zero-length item', /length 0/, (h, tx, items) => Buffer.from(serialize(h, items.slice(0, 1)).toString('utf8') + '\n{"type":"client_report","length":0}\n{}')],
  ];
  for (const [name, expect, mutate] of cases) {
    const r = checkEnvelope(build(mutate), core);
    const hit = r.errors.some((e) => expect.test(e));
    if (hit) {
      console.log(`ok   rejects ${name}`);
      passed++;
    } else {
      console.log(`FAIL does not reject ${name} as expected (${expect})`);
      for (const e of r.errors) console.log(`       - ${e}`);
      failed++;
    }
  }
  // 4. Events (events.hpp): see eventSelfTest.
  const events = eventSelfTest(core);
  passed += events.passed;
  failed += events.failed;
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------
async function main(argv) {
  let foreign = false, self = false;
  const targets = [];
  for (const a of argv) {
    if (a === '--foreign') foreign = true;
    else if (a === '--self-test') self = true;
    else if (a === '-h' || a === '--help') {
      console.log('usage: node check_envelopes.mjs [--foreign] <dir-or-file>...\n' +
                  '       node check_envelopes.mjs --self-test <fixtures-dir>');
      return 0;
    } else if (a.startsWith('--')) {
      console.log(`FAIL: unknown option ${a}`);
      return 2;
    } else targets.push(a);
  }
  if (targets.length === 0) {
    console.log('FAIL: give a directory (or files) of *.envelope to check');
    return 2;
  }
  const core = await loadCore();
  if (self) return selfTest(targets[0], core);

  const files = [];
  for (const t of targets) {
    if (!findEnvelopes(t, files)) console.log(`FAIL: ${t} does not exist`);
  }
  if (files.length === 0) {
    console.log(`FAIL: no *.envelope files under ${targets.join(' ')}: the test suites must write ` +
      'every envelope they produce there (SENTRY_TRACE_TEST_ENVELOPES)');
    console.log('0 passed, 0 failed');
    return 1;
  }
  let passed = 0, failed = 0;
  for (const f of files) {
    const base = targets.find((t) => f.startsWith(t + path.sep)) ?? path.dirname(f);
    const label = path.relative(base, f) || path.basename(f);
    let result;
    try {
      result = checkEnvelope(readFileSync(f), core, { foreign });
    } catch (e) {
      result = { errors: [`checker error: ${e.stack}`], summary: '' };
    }
    if (report(label, result)) passed++;
    else failed++;
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
