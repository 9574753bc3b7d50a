// shot.mjs -- tools/flamegraph.py's SVG as a person sees it: rendered by headless Chromium.
//
//   node shot.mjs <python3> <tools/flamegraph.py> <input: envelope, folded file or directory>
//                 <hot function> <out dir>
//
//   1. Runs `flamegraph.py svg <input> -o <out dir>/flamegraph.svg`.
//   2. Opens the SVG in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core
//      from tests/interop/node_modules, fresh profile, every request other than the file
//      aborted) and checks, in the browser: the SVG has at least 3 frame rects, the hot function
//      has a rect whose label is drawn whole and visible, and the widest frame after the root
//      spans the width its share says; clicking it zooms it to the full width, and "Reset zoom"
//      restores the widths.
//   3. Saves <out dir>/flamegraph.png and prints its path, then checks the PNG is not trivial:
//      over 4 KiB, the browser decodes it at the page's size, and it holds more than a few
//      colors (a blank or failed render has one or two).
// Prints each check and `N passed, N failed`; exits 1 on any failure, 77 (skip) only when
// tests/interop/node_modules/playwright-core or /usr/bin/chromium (SENTRY_TRACE_CHROMIUM
// overrides the path) is missing. The browser and its profile directory are removed on every
// path; the whole run is bounded (60 s).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, '..', '..', 'interop', 'node_modules');
const TOTAL_MS = 60000;

const [python, tool, input, hot, outArg] = process.argv.slice(2);
if (!outArg) {
  console.error('usage: node shot.mjs <python3> <flamegraph.py> <input> <hot function> <out dir>');
  process.exit(2);
}

const chromiumPath = process.env.SENTRY_TRACE_CHROMIUM || '/usr/bin/chromium';
function skip(why) {
  console.log(`skipped: ${why}; run scripts/install-deps.sh (apt-get install chromium; npm ci in tests/interop)`);
  process.exit(77);
}
if (!fs.existsSync(path.join(modules, 'playwright-core', 'package.json'))) {
  skip('tests/interop/node_modules/playwright-core is missing');
}
if (!fs.existsSync(chromiumPath)) skip(`${chromiumPath} (Debian's chromium) is missing`);

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

let context = null;
let profileDir = null;
function cleanup() {
  if (profileDir) {
    try { fs.rmSync(profileDir, { recursive: true, force: true }); } catch { /* best effort */ }
    profileDir = null;
  }
}
process.on('exit', cleanup);
const watchdog = setTimeout(() => {
  console.error(`FAIL: the screenshot test took longer than ${TOTAL_MS / 1000} s`);
  process.exit(1);  // playwright's own exit handler kills Chromium; 'exit' removes the profile
}, TOTAL_MS);
watchdog.unref();

const outDir = path.resolve(outArg);
fs.mkdirSync(outDir, { recursive: true });
const svgPath = path.join(outDir, 'flamegraph.svg');
const pngPath = path.join(outDir, 'flamegraph.png');
fs.rmSync(svgPath, { force: true });
fs.rmSync(pngPath, { force: true });

try {
  // 1. The SVG, from the tool.
  const run = spawnSync(python, [tool, 'svg', input, '-o', svgPath, '--title', `flamegraph of ${path.basename(input)}`],
                        { encoding: 'utf8', timeout: 30000 });
  if (!check(run.status === 0 && fs.existsSync(svgPath), `flamegraph.py svg ${input} wrote ${svgPath}`,
             `exit ${run.status}: ${run.stderr}`)) {
    throw new Error('no SVG');
  }

  // 2. The SVG in the browser.
  const require = createRequire(path.join(modules, 'noop.js'));
  const { chromium } = require('playwright-core');
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flamegraph-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 400 },
    timeout: 30000,
  });
  const svgUrl = pathToFileURL(svgPath).href;
  await context.route((url) => url.href !== svgUrl && url.protocol !== 'data:', (route) => route.abort());
  const page = context.pages()[0] ?? await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(svgUrl, { timeout: 20000 });
  const seen = await page.evaluate((hotName) => {
    const frames = [...document.querySelectorAll('g.f')];
    const rects = document.querySelectorAll('g.f rect').length;
    const root = frames.find((g) => g.getAttribute('data-d') === '0');
    const hotG = frames.find((g) => g.getAttribute('data-name') === hotName);
    const text = hotG ? hotG.querySelector('text') : null;
    const box = text ? text.getBoundingClientRect() : null;
    const rootBox = root ? root.querySelector('rect').getBoundingClientRect() : null;
    const hotBox = hotG ? hotG.querySelector('rect').getBoundingClientRect() : null;
    const title = hotG ? hotG.querySelector('title').textContent : '';
    return {
      rects,
      hotLabel: text ? text.textContent : null,
      hotVisible: !!box && box.width > 0 && box.height > 0 && box.right <= window.innerWidth &&
                  getComputedStyle(text).visibility !== 'hidden' && getComputedStyle(hotG).display !== 'none',
      share: rootBox && hotBox ? hotBox.width / rootBox.width : 0,
      titleShare: (title.match(/([0-9.]+)%\)$/) || [0, 0])[1] / 100,
      title,
      height: document.documentElement.getAttribute('height'),
    };
  }, hot);
  check(seen.rects >= 3, `the SVG has ${seen.rects} frame rects (at least 3)`);
  check(seen.hotLabel === hot && seen.hotVisible, `"${hot}" is drawn whole and visible`,
        `label ${JSON.stringify(seen.hotLabel)}, visible ${seen.hotVisible}`);
  check(seen.share > 0 && Math.abs(seen.share - seen.titleShare) <= 0.01,
        `its rect is ${(seen.share * 100).toFixed(1)}% of the root's width, as its tooltip says`, seen.title);
  // Click-to-zoom: the hot function then spans the root's width; "Reset zoom" undoes it.
  const widths = async () => page.evaluate((hotName) => {
    const g = [...document.querySelectorAll('g.f')].find((f) => f.getAttribute('data-name') === hotName);
    const root = document.querySelector('g.f[data-d="0"] rect');
    return { hot: +g.querySelector('rect').getAttribute('width'), root: +root.getAttribute('width') };
  }, hot);
  await page.locator('g.f', { has: page.locator(`text=${JSON.stringify(hot)}`) }).first().click();
  const zoomed = await widths();
  check(Math.abs(zoomed.hot - zoomed.root) < 0.5, 'clicking it zooms: it spans the full width',
        `${zoomed.hot} of ${zoomed.root}`);
  await page.locator('#reset').click();
  const back = await widths();
  check(Math.abs(back.hot / back.root - seen.share) < 0.001, '"Reset zoom" restores the widths',
        `${back.hot} of ${back.root}`);
  check(pageErrors.length === 0, 'no script errors in the page', pageErrors.join('; '));

  // 3. The screenshot, the whole SVG.
  await page.setViewportSize({ width: 1200, height: Math.max(100, Number(seen.height) || 400) });
  await page.screenshot({ path: pngPath, timeout: 20000 });
  const size = fs.existsSync(pngPath) ? fs.statSync(pngPath).size : 0;
  console.log(`screenshot: ${pngPath}`);
  check(size > 4096, `the PNG is ${size} bytes (over 4 KiB)`);
  const png = fs.readFileSync(pngPath).toString('base64');
  const pixels = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElementNS('http://www.w3.org/1999/xhtml', 'canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    const colors = new Set();
    for (let i = 0; i < data.length && colors.size < 1000; i += 4 * 7) {
      colors.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    }
    return { width: img.width, height: img.height, colors: colors.size };
  }, png);
  check(pixels.width === 1200 && pixels.height >= 100, `the PNG decodes at ${pixels.width}x${pixels.height}`);
  check(pixels.colors >= 8, `the PNG holds ${pixels.colors} colors (not blank)`);
} catch (e) {
  check(false, 'the screenshot run', String(e && e.stack || e));
} finally {
  if (context) await context.close().catch(() => {});
  cleanup();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
