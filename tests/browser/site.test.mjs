// Browser tests of a built abusedefs site (the demo): a reader's journey in headless
// Chromium, axe-core on every page type, the Nu HTML Checker, the Atom feed, the JSON
// exports against their schemas, no external requests, and the page without JavaScript on
// a phone-sized screen. SITE_DIR names the built site; screenshots go to SHOTS_DIR.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, stat, mkdir, readdir } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import Ajv2020 from 'ajv/dist/2020.js';

const require = createRequire(import.meta.url);
const SITE = path.resolve(process.env.SITE_DIR ?? 'output/site');
const SHOTS = path.resolve(process.env.SHOTS_DIR ?? 'output/screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// One representative page of each type in the demo site.
const PAGE_TYPES = {
  home: 'index.html',
  term: 'definitions/phishing/index.html',
  'retired-term': 'definitions/abuse/index.html',
  'renamed-term': 'definitions/content-abuse/index.html',
  obligation: 'obligations/raa-3-18-2/index.html',
  procedure: 'procedures/compliance-complaint/index.html',
  versions: 'versions/index.html',
  archive: 'versions/2023.1/index.html',
  'archived-term': 'versions/2023.1/definitions/spam/index.html',
  changelog: 'versions/2024.1/changes/index.html',
  compare: 'compare/2021.1...2026.1/index.html',
  history: 'history/spam/index.html',
  draft: 'draft/index.html',
  cycle: 'cycle/index.html',
  'not-found': '404.html',
};

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.json': 'application/json', '.xml': 'application/xml', '.csv': 'text/csv', '.ics': 'text/calendar', '.txt': 'text/plain' };

function serve(root) {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      let file = path.join(root, decodeURIComponent(url.pathname));
      if (!file.startsWith(root)) throw new Error('outside');
      if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': TYPES['.html'] });
      res.end(await readFile(path.join(root, '404.html')).catch(() => 'not found'));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let server, base, browser;

before(async () => {
  await stat(path.join(SITE, 'index.html'));
  await mkdir(SHOTS, { recursive: true });
  server = await serve(SITE);
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

// Journey screenshots show what a reader sees first (the viewport); the per-type ones
// show the whole page.
async function shot(page, name, fullPage = false) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

test('a reader follows a term, its history, an archived version, a changelog and a compare page', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(base);
  assert.equal(await page.locator('h1').innerText(), 'DNS Abuse Definitions');
  assert.match(await page.locator('.definition').first().innerText(), /DNS abuse is the use of domain names or the DNS/);
  assert.match(await page.locator('.status').innerText(), /Up to date as of 27 January 2026 \(version 2026\.1\)/);
  await shot(page, 'home');

  await page.locator('.cards').getByRole('link', { name: 'Phishing', exact: true }).click();
  assert.match(page.url(), /definitions\/phishing\/index\.html$/);
  assert.equal(await page.locator('h1').innerText(), 'Phishing');
  assert.match(await page.locator('.definition').innerText(), /deceiving people into revealing credentials/);
  assert.match(await page.locator('.cite').innerText(), /version 2026\.1, published 27 January 2026/);
  await shot(page, 'term');

  await page.getByRole('link', { name: 'History of changes' }).click();
  assert.equal(await page.locator('h1').innerText(), 'History of Phishing');
  assert.ok((await page.locator('.timeline del').count()) > 0, 'the history shows deletions');
  assert.ok((await page.locator('.timeline ins').count()) > 0, 'the history shows insertions');
  await shot(page, 'history');

  await page.getByRole('link', { name: 'Version 2021.1' }).first().click();
  assert.match(page.url(), /versions\/2021\.1\/definitions\/phishing\/index\.html$/);
  assert.match(await page.locator('.banner').innerText(), /You are reading version 2021\.1, published 19 July 2021\. It was superseded by version 2023\.1 on 27 January 2023\./);
  assert.match(await page.locator('.definition').innerText(), /security threat in which a domain name is used to trick people/);
  await shot(page, 'archived-term');
  // An archived page links to the releases around it, not to every release.
  const nearby = page.getByRole('navigation', { name: 'Versions of this entry' });
  assert.match(await nearby.innerText(), /Version 2021\.1 \(this page\), 19 July 2021: introduced/);
  assert.match(await nearby.innerText(), /all 5 versions of this entry/);
  await nearby.getByRole('link', { name: 'version 2023.1' }).click();
  assert.match(page.url(), /versions\/2023\.1\/definitions\/phishing\/index\.html$/);
  assert.match(await page.locator('.banner').innerText(), /You are reading version 2023\.1/);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Versions' }).click();
  await page.locator('tr', { hasText: '2024.1' }).getByRole('link', { name: 'Changelog' }).click();
  assert.equal(await page.locator('h1').innerText(), 'Changes in version 2024.1');
  assert.match(await page.locator('main').innerText(), /Scope change/);
  const spam = page.locator('section.change', { hasText: 'Spam (as a delivery mechanism)' });
  assert.match(await spam.locator('dd').first().innerText(), /spam/);
  assert.ok((await spam.locator('del').count()) > 0 && (await spam.locator('ins').count()) > 0, 'the redline marks changes');
  await shot(page, 'changelog');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Versions' }).click();
  await page.locator('tr', { hasText: '2021.1' }).getByRole('link', { name: 'Compare with current' }).click();
  assert.equal(await page.locator('h1').innerText(), 'Version 2021.1 compared with version 2026.1');
  assert.ok((await page.locator('main del').count()) > 5, 'the compare page has a redline');
  await shot(page, 'compare');
  await page.close();
});

test('search finds entries by name, alias or text, by keyboard, served and from disk', async () => {
  const page = await browser.newPage();
  await page.goto(base + 'versions/2023.1/index.html');
  const box = page.getByRole('searchbox', { name: 'Search the definitions' });
  await box.fill('cache poisoning');
  const results = page.locator('#search-results a');
  assert.equal(await results.first().innerText(), 'Pharming');
  assert.match(await page.locator('#search-status').innerText(), /result/);
  await box.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/definitions\/pharming\/index\.html$/);
  assert.equal(await page.locator('h1').innerText(), 'Pharming', 'the result leads to the current entry');

  await box.fill('zzzz no such thing');
  assert.match(await page.locator('#search-status').innerText(), /No results/);

  await page.goto('file://' + path.join(SITE, 'index.html'));
  await page.getByRole('searchbox', { name: 'Search the definitions' }).fill('3.18.2');
  await page.locator('#search-results a').first().click();
  await page.waitForURL(/obligations\/raa-3-18-2\/index\.html$/);
  assert.equal(await page.locator('h1').innerText(), 'Registrar mitigation of DNS abuse');
  await page.close();
});

test('retired and renamed entries keep their pages and point to the successor', async () => {
  const page = await browser.newPage();
  await page.goto(base + PAGE_TYPES['renamed-term']);
  assert.match(await page.locator('.banner').innerText(), /retired in version 2025\.1/);
  await page.locator('.banner a').click();
  assert.match(page.url(), /definitions\/website-content-abuse\/index\.html$/);
  await page.goto(base + PAGE_TYPES['retired-term']);
  assert.match(await page.locator('.banner').innerText(), /retired in version 2023\.1/);
  await page.close();
});

test('every page type has no serious or critical accessibility violation (axe-core)', async () => {
  const axePath = require.resolve('axe-core/axe.min.js');
  const failures = [];
  const page = await browser.newPage();
  for (const [name, url] of Object.entries(PAGE_TYPES)) {
    await page.goto(base + url);
    await page.addScriptTag({ path: axePath });
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') {
        failures.push(`${name}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      }
    }
    await shot(page, `type-${name}`, true);
  }
  await page.close();
  assert.deepEqual(failures, []);
});

test('every page type passes the Nu HTML Checker', async () => {
  const vnu = require('vnu-jar');
  const files = Object.values(PAGE_TYPES).map((p) => path.join(SITE, p));
  const run = promisify(execFile);
  let output;
  try {
    output = await run('java', ['-jar', vnu, '--errors-only', '--format', 'json', ...files], { maxBuffer: 16 << 20 });
  } catch (e) {
    output = e; // vnu exits 1 when it finds errors; its report is on stderr either way
  }
  const report = JSON.parse(output.stderr || '{"messages":[]}');
  const errors = report.messages.filter((m) => m.type === 'error').map((m) => `${m.url}:${m.lastLine}: ${m.message}`);
  assert.deepEqual(errors, []);
});

test('the Atom feed parses and has one entry per release and the draft', async () => {
  const page = await browser.newPage();
  await page.goto(base);
  const feed = await page.evaluate(async (url) => {
    const xml = await (await fetch(url)).text();
    const doc = new DOMParser().parseFromString(xml, 'application/xml');
    return { error: doc.querySelector('parsererror')?.textContent ?? null, entries: doc.getElementsByTagName('entry').length, root: doc.documentElement.namespaceURI };
  }, base + 'feed.xml');
  assert.equal(feed.error, null);
  assert.equal(feed.root, 'http://www.w3.org/2005/Atom');
  assert.equal(feed.entries, 6);
  await page.close();
});

test('every JSON export validates against its schema', async () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const load = async (p) => JSON.parse(await readFile(path.join(SITE, p), 'utf8'));
  const schemas = {};
  for (const name of ['registry', 'versions', 'diff']) {
    schemas[name] = ajv.compile(await load(`api/v1/schema/${name}.schema.json`));
  }
  const checks = [['registry', 'api/v1/registry.json'], ['versions', 'api/v1/versions.json']];
  for (const f of await readdir(path.join(SITE, 'api/v1/versions'))) checks.push(['registry', `api/v1/versions/${f}`]);
  for (const f of await readdir(path.join(SITE, 'api/v1/changes'))) checks.push(['diff', `api/v1/changes/${f}`]);
  assert.ok(checks.length >= 12, `${checks.length} exports`);
  for (const [schema, file] of checks) {
    const ok = schemas[schema](await load(file));
    assert.ok(ok, `${file}: ${JSON.stringify(schemas[schema].errors)}`);
  }
});

test('pages make no request outside the site', async () => {
  const page = await browser.newPage();
  const outside = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) outside.push(r.url());
  });
  for (const url of Object.values(PAGE_TYPES)) await page.goto(base + url);
  await page.close();
  assert.deepEqual(outside, []);
});

test('pages read without JavaScript on a 360-pixel phone', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  for (const [name, url] of Object.entries(PAGE_TYPES)) {
    await page.goto(base + url);
    assert.equal(await page.locator('h1').count(), 1, `${name}: one h1`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name}: no sideways scrolling (${overflow}px)`);
  }
  await page.goto(base + PAGE_TYPES.home);
  await shot(page, 'phone-home');
  await context.close();
});

test('the print stylesheet hides navigation', async () => {
  const page = await browser.newPage();
  await page.goto(base + PAGE_TYPES.term);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header.site nav').isVisible(), false);
  await page.close();
});
