// Comparing two images on the page: the docs' lab image (`layercake sample
// --lab`) and its next version (`--lab-v2`: the same four bottom layers, a
// new layer that installs curl and upgrades tzdata, the application layer
// changed: app/main.py modified, app/health.py added, app/views/v11 gone,
// APP_VERSION=2 in the env). The first is dropped on the page, the second
// chosen with "Compare with another image…" (and, in a second test,
// dropped on the Compare tab); the two cakes show the four shared layers
// aligned and marked, and the Changes, Config, History and Packages views
// show what changed. Then `?src=A&against=B&view=changes` opens both, and
// `embed=1` shows the comparison's one view.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as h from './harness.mjs';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'layercake-compare-'));
const A = path.join(TMP, 'lab.tar');
const B = path.join(TMP, 'lab-v2.tar');
const ctx = h.serverAndBrowser({ mounts: { '/labs/': TMP } });

before(() => {
  // the project's own code builds both images (fresh, with --lab-v2)
  for (const [flag, out] of [['--lab', A], ['--lab-v2', B]]) {
    execFileSync('cargo', ['run', '--quiet', '--bin', 'layercake', '--', 'sample', flag, out], { cwd: h.ROOT, stdio: 'pipe' });
  }
});

const COMPARED = '#compare:is([data-state="done"], [data-state="error"])';

/** Waits for the comparison to end; returns its state. */
async function compared(frame) {
  await frame.waitForSelector(COMPARED, { timeout: h.DONE_TIMEOUT });
  const state = await frame.getAttribute('#compare', 'data-state');
  assert.equal(state, 'done', `#compare data-state (failure: ${await h.text(frame, '#compare-failure')})`);
}

/** The two cakes: four shared pairs at the bottom, 1 layer only in A, 2 only in B. */
async function checkCakes(frame) {
  await frame.waitForSelector('#compare-cakes');
  const pairs = await frame.$$eval('#compare-cakes .pair:not(.head)', (rows) => rows.map((r) => ({
    shared: r.classList.contains('shared'),
    cells: [...r.querySelectorAll('.cell')].map((c) => ({
      band: c.classList.contains('band'),
      shared: c.getAttribute('data-shared'),
      layer: c.getAttribute('data-layer'),
      tag: c.querySelector('.shared-tag')?.textContent ?? null,
    })),
  })));
  assert.equal(pairs.length, 6, `six rows: 2 own + 4 shared (${JSON.stringify(pairs)})`);
  // top first: B's two own layers beside A's one (an empty cell), then the base
  assert.deepEqual(pairs.slice(0, 2).map((p) => p.cells.map((c) => c.band && c.layer)), [[false, '5'], ['4', '4']]);
  const shared = pairs.slice(2);
  assert.ok(shared.every((p) => p.shared), 'the bottom four rows are shared');
  assert.deepEqual(shared.map((p) => p.cells.map((c) => c.layer)), [['3', '3'], ['2', '2'], ['1', '1'], ['0', '0']], 'aligned');
  assert.ok(shared.every((p) => p.cells.every((c) => c.shared === 'true' && c.tag === 'shared')), 'marked shared');
  assert.match(await h.text(frame, '#compare-layers-note'), /^4 shared layers at the bottom .*1 only in A, 2 only in B\.$/);
}

/** The Changes view: added, modified, removed, searched, filtered. */
async function checkChanges(frame, { hashed = true } = {}) {
  await frame.waitForSelector('#changes-table', { timeout: 15_000 });
  const row = (p) => frame.$eval(`tr.change[data-path="${p}"]`, (tr) => ({
    change: tr.getAttribute('data-change'),
    cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
  })).catch(() => null);
  const health = await row('app/health.py');
  assert.equal(health?.change, 'A', 'app/health.py added');
  assert.equal(health.cells[1], '/app/health.py');
  assert.equal(health.cells[2], '–', 'no size in A');
  const main = await row('app/main.py');
  assert.equal(main?.change, 'M', 'app/main.py modified');
  assert.match(main.cells[4], hashed ? /^content, size/ : /size/, 'what differs in app/main.py');
  assert.equal((await row('app/views/v11/page00.html'))?.change, 'R', 'a view of the removed directory');
  assert.equal((await row('usr/bin/curl'))?.change, 'A', 'curl added');
  assert.equal(await row('usr/bin/tool000'), null, 'nothing of the shared base');
  assert.equal(await frame.$('#changes-unhashed') === null, hashed, 'compared by content when both were hashed');
  await frame.fill('#changes-search', 'HEALTH');
  await frame.waitForFunction(() => document.querySelectorAll('#changes-table tr.change').length === 1, null, { timeout: 10_000 });
  assert.equal(await h.text(frame, '#changes-count'), '1 change match');
  await frame.fill('#changes-search', '');
  await frame.waitForSelector('tr.change[data-path="app/main.py"]', { timeout: 10_000 });
  await frame.uncheck('#changes-added');
  // the answer for the new filter: main.py back, health.py not
  await frame.waitForFunction(() => document.querySelector('tr.change[data-path="app/main.py"]')
    && !document.querySelector('tr.change[data-path="app/health.py"]'), null, { timeout: 10_000 });
  assert.equal(await frame.$$eval('#changes-table tr.change[data-change="A"]', (r) => r.length), 0, 'no added row');
  await frame.check('#changes-added');
  await frame.waitForSelector('tr.change[data-path="app/health.py"]', { timeout: 10_000 });
}

test('two archives on the page: the cakes aligned, the changes, config, history and packages', { timeout: 120_000 }, async () => {
  const p = await h.newPage(ctx.browser, { viewport: { width: 1280, height: 900 } });
  try {
    await h.openApp(p.page, ctx.server);
    await h.dropFile(p.page, A);
    assert.equal(await h.waitSettled(p.page), 'done', `A: data-state (failure: ${await h.text(p.page, '.failure')})`);
    await h.showTab(p.page, 'compare');
    assert.equal(await p.page.getAttribute('#compare', 'data-state'), 'idle');
    await p.page.setInputFiles('#compare-input', B);
    await compared(p.page);
    assert.equal(await p.page.getAttribute('#layercake', 'data-state'), 'done', 'A stays open');
    assert.match(await h.text(p.page, '#compare-a'), /layercake\/lab:latest/);
    assert.match(await h.text(p.page, '#compare-b'), /layercake\/lab:2 \(lab-v2\.tar\)/);
    const summary = await h.text(p.page, '#compare-summary');
    assert.match(summary, /^layers: 4 shared, 1 only in A, 2 only in B; /, summary);
    assert.doesNotMatch(summary, /by size alone/, 'A was read again with per-file digests');
    await checkCakes(p.page);
    await h.screenshot(p.page, 'compare-cakes');

    await p.page.click('#compare-tab-changes');
    await checkChanges(p.page);
    await h.screenshot(p.page, 'compare-changes');

    await p.page.click('#compare-tab-config');
    await p.page.waitForSelector('#config-diff');
    const env = await p.page.$eval('#config-diff tr.field[data-field="env"][data-key="APP_VERSION"]', (tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent));
    assert.deepEqual(env.slice(1), ['APP_VERSION', '–', '2'], 'APP_VERSION=2 only in B');
    await h.screenshot(p.page, 'compare-config');

    await p.page.click('#compare-tab-history');
    await p.page.waitForSelector('#history-diff');
    assert.match(await h.text(p.page, '#history-only-b'), /apt-get install -y curl tzdata/);

    await p.page.click('#compare-tab-packages');
    await p.page.waitForSelector('#package-diff table', { timeout: h.DONE_TIMEOUT });
    const pkg = (n) => p.page.$eval(`tr.package-change[data-name="${n}"]`, (tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent));
    assert.deepEqual(await pkg('curl'), ['A', 'curl', 'dpkg', '–', '1.0-1']);
    assert.deepEqual(await pkg('tzdata'), ['M', 'tzdata', 'dpkg', '1.0-1', '2025b-1']);
    await h.screenshot(p.page, 'compare-packages');
    assert.deepEqual(p.errors, [], 'no page errors');
  } finally {
    await p.close();
  }
});

test('the second archive dropped on the Compare tab', { timeout: 120_000 }, async () => {
  const p = await h.newPage(ctx.browser);
  try {
    await h.openApp(p.page, ctx.server);
    assert.equal(await h.load(p.page, A), 'done');
    await h.showTab(p.page, 'compare');
    const b64 = fs.readFileSync(B).toString('base64');
    const prevented = await p.page.evaluate((b64) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'lab-v2.tar', { type: 'application/x-tar' }));
      const target = document.querySelector('#compare-drop');
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      const drop = new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
      target.dispatchEvent(drop);
      return drop.defaultPrevented;
    }, b64);
    assert.ok(prevented, 'the drop is taken');
    await compared(p.page);
    assert.equal(await p.page.getAttribute('#layercake', 'data-state'), 'done', 'A stays open, not replaced by B');
    assert.match(await h.text(p.page, '#image-tags'), /layercake\/lab:latest/, 'the header still shows A');
    await checkCakes(p.page);
    assert.deepEqual(p.errors, [], 'no page errors');
  } finally {
    await p.close();
  }
});

test('?src=A&against=B&view=changes opens both; the address bar follows the views', { timeout: 120_000 }, async () => {
  const p = await h.newPage(ctx.browser);
  try {
    await p.page.goto(`${ctx.server.origin}/index.html?src=/labs/lab.tar&against=/labs/lab-v2.tar&view=changes`);
    assert.equal(await h.waitFinal(p.page), 'done', `A: data-state (failure: ${await h.text(p.page, '.failure')})`);
    await compared(p.page);
    assert.equal(await p.page.getAttribute('#tab-compare', 'aria-selected'), 'true', 'the Compare tab');
    assert.ok(await p.page.$('#compare-view-changes'), 'its Changes view');
    await checkChanges(p.page);
    await p.page.click('#compare-tab-cake');
    await checkCakes(p.page);
    await p.page.waitForFunction(() => new URLSearchParams(location.search).get('view') === 'cake', null, { timeout: 5000 });
    const q = Object.fromEntries(new URL(p.page.url()).searchParams);
    assert.equal(q.src, '/labs/lab.tar');
    assert.equal(q.against, '/labs/lab-v2.tar');
    assert.deepEqual(p.errors, [], 'no page errors');
  } finally {
    await p.close();
  }
});

test('embed=1 with src and against shows one view of the comparison', { timeout: 120_000 }, async () => {
  const p = await h.newPage(ctx.browser);
  try {
    for (const view of ['cake', 'changes']) {
      await p.page.goto(`${ctx.server.origin}/index.html?embed=1&src=/labs/lab.tar&against=/labs/lab-v2.tar&view=${view}`);
      assert.equal(await h.waitFinal(p.page), 'done');
      await compared(p.page);
      assert.equal(await p.page.$('.tabs'), null, `${view}: no tabs in an embed`);
      assert.ok(await p.page.$(`#compare-view-${view}`), `${view}: the view the link names`);
      await h.screenshot(p.page, `compare-embed-${view}`);
      if (view === 'cake') await checkCakes(p.page);
      else await p.page.waitForSelector('tr.change[data-path="app/health.py"]', { timeout: 15_000 });
    }
    assert.deepEqual(p.errors, [], 'no page errors');
  } finally {
    await p.close();
  }
});
