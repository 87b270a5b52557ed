// The live preview in a real browser: `abusedefs serve` on a copy of the demo repository,
// a page open in Chromium, a definition saved on disk, and the page reloading by itself.
// Prints the measured time from saving the file to the reloaded page (not asserted: it is
// a measurement, reported in the project's notes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile, cp, mkdtemp, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.ABUSEDEFS_BIN;
const REPO = process.env.DEMO_REPO;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const REPORT = process.env.REPORT_FILE;

test('saving a definition reloads the open page with the change', { skip: !BIN || !REPO ? 'ABUSEDEFS_BIN and DEMO_REPO are not set' : false }, async () => {
  const repo = path.join(await mkdtemp(path.join(tmpdir(), 'abusedefs-serve-')), 'repo');
  await cp(REPO, repo, { recursive: true });
  const server = spawn(BIN, ['serve', '--port', '0', '--today', '2026-12-04'], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise((resolve, reject) => {
      server.stdout.on('data', (d) => {
        const m = /http:\/\/[^ ]+\//.exec(String(d));
        if (m) resolve(m[0]);
      });
      server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      server.on('error', reject);
    });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const page = await browser.newPage();
    await page.goto(url + 'definitions/phishing/');
    assert.match(await page.locator('.banner').innerText(), /Preview of the working tree/);
    await page.waitForTimeout(500); // let the event stream connect

    const file = path.join(repo, 'definitions/terms/phishing.md');
    const timings = [];
    for (let i = 1; i <= 5; i++) {
      const text = await readFile(file, 'utf8');
      const marker = `reloaded-by-test-${i}`;
      const reloaded = page.waitForEvent('load');
      const saved = performance.now();
      await writeFile(file, text.replace(/^summary: (.*)$/m, (_, s) => `summary: ${s.replace(/ reloaded-by-test-\d+$/, '')} ${marker}`));
      await reloaded;
      await page.locator('.definition', { hasText: marker }).waitFor();
      timings.push(performance.now() - saved);
      await page.waitForTimeout(300);
    }
    const sorted = [...timings].sort((a, b) => a - b);
    const line = `save-to-reload: ${timings.map((t) => t.toFixed(0)).join(', ')} ms; median ${sorted[2].toFixed(0)} ms`;
    console.log(line);
    if (REPORT) await appendFile(REPORT, line + '\n');

    // A broken file shows the error page, and fixing it brings the page back.
    const good = await readFile(file, 'utf8');
    let reloaded = page.waitForEvent('load');
    await writeFile(file, good.replace('kind: abuse-type', 'kind: [abuse-type'));
    await reloaded;
    await page.locator('h1', { hasText: 'The build failed' }).waitFor();
    assert.match(await page.locator('pre').innerText(), /definitions\/terms\/phishing\.md:\d+:\d+/);
    reloaded = page.waitForEvent('load');
    await writeFile(file, good);
    await reloaded;
    await page.locator('h1', { hasText: 'Phishing' }).waitFor();
    await browser.close();
  } finally {
    server.kill();
  }
});
