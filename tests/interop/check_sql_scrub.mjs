#!/usr/bin/env node
// Our SQL scrubber (include/sentry_trace/integrations/sql.hpp, scrub_sql) against Sentry's own:
// sanitizeSqlQuery(query, dialect) of @sentry/server-utils 11.12.0, which @sentry/node 11.12.0
// calls (through getSqlQueryAttributes) for every SQL integration it has.
//
//   node check_sql_scrub.mjs <sql_scrub_tool> [--statements N] [--seed S]
//
// Builds a seeded corpus of random statements from SQL-ish tokens (keywords, identifiers with
// digits, quoted identifiers, string literals with '' and backslashes and X/B/E/N prefixes,
// dollar quotes, numbers of every form, signs, placeholders, comments, IN lists, TRUE/FALSE,
// ASCII whitespace of every kind, non-ASCII text and control bytes), glued together or spaced,
// and gives each to both scrubbers in both dialects (standard, mysql). The tool
// (tests/interop/sql_scrub_tool.cpp) reads `<dialect> <hex>` lines and writes hex lines back.
//
// Left out of the corpus, as sql.hpp's header documents them as deliberate differences:
//   - `:1` and `@1` (numbered parameters, kept here): a ':' or '@' before a digit (or before
//     a comment and a digit) gets a space;
//   - non-ASCII whitespace (JavaScript's \s counts U+00A0 and the other Unicode spaces; we
//     copy them): none is generated.
//
// Prints each differing case (the statement and both results, as JSON strings; the first 25)
// and `N statements, M differ`. Exit status 0 when none differs, 1 otherwise (and when the
// corpus scrubs too little to mean anything), 77 (printing "skipped: ...") when
// @sentry/server-utils is not installed.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SERVER_UTILS_VERSION = '11.12.0';

// mulberry32: a small seeded generator, so that a corpus is the same on every run.
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n) => Math.floor(next() * n);
  return { below, oneIn: (n) => below(n) === 0, pick: (items) => items[below(items.length)] };
}

const KEYWORDS = ['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'IN', 'in', 'NOT', 'INSERT', 'INTO', 'VALUES', 'UPDATE',
  'SET', 'TRUE', 'FALSE', 'true', 'False', 'NULL', 'LIMIT', 'IS', 'LIKE', 'JOIN', 'WITH', 'AS', 'ORDER', 'BY',
  'E', 'X', 'B', 'N', 'e', 'x', 'b', 'n'];
const IDENTIFIERS = ['t1', 'col2', 'users2', '_9', 'a1b2', 'a', 'TRUE_FLAG', 'xIN', 't1.c3', 's2.t3', 'created_at',
  'MAX', 'TRUE1', 'XTRUE', 'id', 'data'];
const PLACEHOLDERS = ['$1', '$12', '?', '?1', '$id', '$name', ':name', '@name', '@p', '$'];
const PUNCTUATION = ['(', ')', ',', ';', '.', '=', '<', '>', '>=', '*', '::', '[', ']', '->', '->>', '+', '-', '/',
  '%', '@>', '{}', '|', '!'];
const SPACES = [' ', ' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\v', '\f', ' \n\t '];
const NUMBERS = ['0', '1', '21', '99999999999999999999', '0x1F', '0XFF', '0xZZ', '0x1Fz9', '1e10', '1.5e-3',
  '2.5E+10', '1E3', '1.e3', '1.', '.5', '19.99', '1.2.3', '12abc', '1.5abc', '1e5x', '0.5', '007', '1e', '1e+'];
const QUOTED_BITS = ['a', 'b c', '1', "''", '""', '``', '\\', "\\'", '-- x', '/* y */', '$$', 'true', '?', '9.5',
  ' ', '\n', "x'00'", 'é', '#'];
const TEXT = ['é', '€', '😀', '日本', '\u0000', '\u0001', '\u007f', 'ß'];
const IN_ELEMENTS = ['?', '$1', '$23', '1', '-2', "'x'", 'b', ' ? ', 'TRUE', '0x1F', '1.5'];

function statement(g) {
  let s = '';
  const quoted = (delimiter, terminate) => {
    s += delimiter;
    for (let n = g.below(6); n > 0; n--) s += g.pick(QUOTED_BITS);
    if (terminate) s += delimiter;
  };
  const tokens = g.below(24);
  for (let i = 0; i < tokens; i++) {
    if (!g.oneIn(4)) s += g.pick(SPACES);
    switch (g.below(20)) {
      case 0: case 1: case 2: case 3: s += g.pick(KEYWORDS); break;
      case 4: case 5: s += g.pick(IDENTIFIERS); break;
      case 6: s += g.pick(['', '', '', 'E', 'e', 'X', 'x', 'B', 'b', 'N']); quoted("'", !g.oneIn(10)); break;
      case 7: quoted(g.oneIn(2) ? '"' : '`', !g.oneIn(10)); break;
      case 8: {
        const tag = g.pick(['', 'tag', 't_1']);
        s += `$${tag}$${g.oneIn(2) ? "secret 'x' -- y" : ''}`;
        if (!g.oneIn(6)) s += `$${tag}$`;
        break;
      }
      case 9: case 10: if (g.oneIn(4)) s += '-'; s += g.pick(NUMBERS); break;
      case 11: s += g.pick(PLACEHOLDERS); break;
      case 12: s += g.pick(['-- c\n', '-- c', '/* c */', '/* c ', '#c\n', '/**/']); break;
      case 13: {
        s += g.oneIn(2) ? 'IN' : 'in';
        if (!g.oneIn(3)) s += ' ';
        const items = [];
        for (let n = 1 + g.below(4); n > 0; n--) items.push(g.pick(IN_ELEMENTS));
        s += `(${items.join(g.oneIn(3) ? ' , ' : ', ')})`;
        break;
      }
      case 14: case 15: case 16: s += g.pick(PUNCTUATION); break;
      case 17: s += g.pick(SPACES); break;
      case 18: s += g.pick(TEXT); break;
      default: s += String.fromCharCode(0x20 + g.below(0x5f)); break;  // any printable ASCII
    }
  }
  if (g.oneIn(3)) s += g.pick(SPACES);
  if (g.oneIn(8)) s += ';';
  // The documented difference: `:1` and `@1` are numbered parameters here, numbers there (a
  // comment between the two is gone before either looks).
  return s.replace(/([:@])(?=(?:\/\*[\s\S]*?\*\/)*[0-9])/g, '$1 ');
}

const json = (v) => JSON.stringify(v);

function parseArgs(argv) {
  const args = { tool: undefined, statements: 20000, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--statements') args.statements = Number(argv[++i]);
    else if (argv[i] === '--seed') args.seed = Number(argv[++i]);
    else args.tool = argv[i];
  }
  return args;
}

async function main(argv) {
  const args = parseArgs(argv);
  if (!args.tool || !Number.isInteger(args.statements) || !Number.isInteger(args.seed)) {
    console.log('FAIL: usage: node check_sql_scrub.mjs <sql_scrub_tool> [--statements N] [--seed S]');
    process.exit(1);
  }
  const pkgFile = path.join(HERE, 'node_modules', '@sentry', 'server-utils', 'package.json');
  if (!existsSync(pkgFile)) {
    console.log(`skipped: @sentry/server-utils is not installed in ${path.join(HERE, 'node_modules')}; ` +
      'run `npm ci` in tests/interop (scripts/install-deps.sh does it)');
    process.exit(77);
  }
  const version = JSON.parse(readFileSync(pkgFile, 'utf8')).version;
  if (version !== SERVER_UTILS_VERSION) {
    console.log(`FAIL: tests/interop/node_modules has @sentry/server-utils ${version}, the check is written for ` +
      `${SERVER_UTILS_VERSION}; run \`npm ci\` in tests/interop`);
    process.exit(1);
  }
  const { sanitizeSqlQuery } = await import('@sentry/server-utils');
  if (typeof sanitizeSqlQuery !== 'function') {
    console.log('FAIL: @sentry/server-utils does not export sanitizeSqlQuery');
    process.exit(1);
  }

  const g = generator(args.seed);
  const cases = [];
  for (let i = 0; i < args.statements; i++) {
    const text = statement(g);
    for (const dialect of ['standard', 'mysql']) cases.push({ text, dialect });
  }
  const input = cases.map((c) => `${c.dialect} ${Buffer.from(c.text, 'utf8').toString('hex')}\n`).join('');
  const run = spawnSync(args.tool, [], { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (run.status !== 0) {
    console.log(`FAIL: ${args.tool} exited with ${run.status ?? run.signal}: ${run.stderr}`);
    process.exit(1);
  }
  const lines = run.stdout.split('\n');
  if (lines.pop() !== '' || lines.length !== cases.length) {
    console.log(`FAIL: ${args.tool} gave ${lines.length} results for ${cases.length} statements`);
    process.exit(1);
  }

  let differ = 0;
  let changed = 0;
  cases.forEach((c, i) => {
    const ours = Buffer.from(lines[i], 'hex').toString('utf8');
    const theirs = sanitizeSqlQuery(c.text, c.dialect);
    if (theirs !== c.text) changed++;
    if (ours === theirs) return;
    if (++differ <= 25) {
      console.log(`DIFFERS (${c.dialect}): ${json(c.text)}\n  ours:   ${json(ours)}\n  sentry: ${json(theirs)}`);
    }
  });
  console.log(`${args.statements} statements in 2 dialects (seed ${args.seed}): ${cases.length} cases, ${differ} differ`);
  // A corpus that Sentry's sanitizer leaves mostly as it is would prove little.
  if (changed < cases.length / 2) {
    console.log(`FAIL: sanitizeSqlQuery changed only ${changed} of ${cases.length} statements; the corpus is too tame`);
    process.exit(1);
  }
  process.exit(differ ? 1 : 0);
}

await main(process.argv.slice(2));
