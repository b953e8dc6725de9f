// The Files tab: a cake band opens its layer, the merged view matches the
// oracle tree built by real tools, and file contents are read (also from
// gzip layers, which must be re-inflated).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as h from './harness.mjs';

const ctx = h.serverAndBrowser();

const css = (s) => JSON.stringify(s); // a quoted CSS attribute value

/** Paths of the rows shown, split into present and removed (R) ones. */
async function rows(page) {
  return page.$$eval('.tree .row[data-path]', (rs) =>
    rs.map((r) => ({ path: r.getAttribute('data-path'), removed: !!r.querySelector('.mark.removed') })),
  );
}

/** Direct children of dir ('' for the root) among row paths. */
function childrenOf(paths, dir) {
  const pre = dir ? `${dir}/` : '';
  return paths.filter((p) => p.startsWith(pre) && p.length > pre.length && !p.slice(pre.length).includes('/'));
}

/** Expands a directory row and waits for its children (or its emptiness). */
async function expand(page, dir) {
  await page.click(`.row[data-path=${css(dir)}] > .name`);
  await page.waitForSelector(`.row[data-path=${css(dir)}][aria-expanded="true"]`);
  await page.waitForFunction(
    (dir) => [...document.querySelectorAll('.tree .row[data-path]')].some((r) => r.getAttribute('data-path').startsWith(`${dir}/`)),
    dir,
    { timeout: 10_000 },
  );
}

/** Opens a file row and returns the viewer's text once it has some. */
async function openFile(page, file) {
  await page.click(`.row[data-path=${css(file)}] > .name`);
  await page.waitForFunction(
    (file) => document.querySelector('.viewer .path')?.textContent === file && document.querySelector('#file-contents'),
    file,
    { timeout: 15_000 },
  );
  return page.textContent('#file-contents');
}

/** Paths of an oracle tree (oracles/<fixture>.tree.txt). */
function oraclePaths(file) {
  const lines = fs.readFileSync(path.join(h.FIXTURES, 'oracles', `${file}.tree.txt`), 'utf8').split('\n').filter(Boolean);
  return lines.map((l) => {
    const m = /^(\S) \S+ \S+ \S+ \S+ (.*)$/.exec(l);
    return m[1] === 'l' ? m[2].split(' -> ')[0] : m[2];
  });
}

/** Top-level names a layer tar adds or removes (whiteouts name what they remove). */
function layerTopLevel(entries) {
  const names = new Set();
  for (const e of entries) {
    const first = e.name.replace(/\/+$/, '').split('/')[0];
    if (!first || first === '.wh..wh..opq') continue;
    names.add(first.startsWith('.wh.') ? first.slice(4) : first);
  }
  return [...names].sort();
}

/** A file's bytes in the last layer of a docker archive that holds it. */
function lastVersion(file, member) {
  const archive = h.readTar(fs.readFileSync(h.fixture(file)));
  const manifest = JSON.parse(h.tarMember(archive, 'manifest.json'));
  let found = null;
  for (const l of manifest[0].Layers) {
    const e = h.readTar(h.tarMember(archive, l)).find((x) => x.name === member);
    if (e) found = e.data.toString('utf8');
  }
  assert.ok(found !== null, `${member} in ${file}`);
  return found;
}

async function loadDone(p, file) {
  await h.openApp(p.page, ctx.server);
  await h.chooseFile(p.page, h.fixture(file));
  const state = await h.waitSettled(p.page);
  assert.equal(state, 'done', `${file}: data-state (failure: ${await h.text(p.page, '.failure')})`);
}

test('a cake band opens its layer in the Files tab; the merged view matches the oracle', { timeout: 60_000 }, async (t) => {
  if (!h.needFixtures(t)) return;
  const file = 'built__bb-docker.tar';
  const archive = h.readTar(fs.readFileSync(h.fixture(file)));
  const manifest = JSON.parse(h.tarMember(archive, 'manifest.json'));
  const layer5 = h.readTar(h.tarMember(archive, manifest[0].Layers[5]));
  const expectedTop5 = layerTopLevel(layer5);
  assert.deepEqual(expectedTop5, ['app', 'bin', 'run'], 'layer 5 of the fixture (sanity)');

  const p = await h.newPage(ctx.browser);
  try {
    await loadDone(p, file);
    await h.showTab(p.page, 'cake');
    await p.page.click('g.band[data-layer="5"]');
    await p.page.waitForSelector('#tab-files[aria-selected="true"]');
    assert.equal(await p.page.inputValue('#view-picker'), '5', '#view-picker after clicking band 5');
    await p.page.waitForSelector('.tree .row[data-path]');
    const shown = (await rows(p.page)).map((r) => r.path).sort();
    assert.deepEqual(shown, expectedTop5, 'top-level rows of layer 5');

    // merged view: top level and app/ equal the tree real tools unpacked
    await p.page.selectOption('#view-picker', 'merged');
    await p.page.waitForFunction(() => document.querySelector('.tree .row[data-path="etc"]'), null, { timeout: 10_000 });
    const oracle = oraclePaths(file);
    let present = (await rows(p.page)).filter((r) => !r.removed).map((r) => r.path).sort();
    assert.deepEqual(present, childrenOf(oracle, '').sort(), 'merged top level (not removed) vs oracle');

    await expand(p.page, 'app');
    const all = await rows(p.page);
    assert.ok(all.some((r) => r.path === 'app/hello.txt' && !r.removed), 'app/hello.txt listed in the merged view');
    present = childrenOf(all.filter((r) => !r.removed).map((r) => r.path), 'app').sort();
    assert.deepEqual(present, childrenOf(oracle, 'app').sort(), 'merged app/ (not removed) vs oracle');
    // layer 5 whited out app/olddir: it may show as removed, never as present
    assert.ok(!all.some((r) => r.path === 'app/olddir' && !r.removed), 'app/olddir is not present in the merged view');
    assert.deepEqual(p.errors, [], 'no page errors');
  } finally {
    await p.close();
  }
});

for (const file of ['built__bb-docker.tar', 'built__bb-oci-gzip.tar']) {
  test(`file contents in the merged view: ${file}`, { timeout: 60_000 }, async (t) => {
    if (!h.needFixtures(t)) return;
    const p = await h.newPage(ctx.browser);
    try {
      await loadDone(p, file);
      await h.showTab(p.page, 'files');
      assert.equal(await p.page.inputValue('#view-picker'), 'merged');
      await p.page.waitForSelector('.tree .row[data-path="app"]');
      await expand(p.page, 'app');
      // layer 6 rewrote app/hello.txt (overlay copy-up), splitting the
      // hardlink pair: hello.txt = "hello v2", hello-hardlink.txt = "hello v1"
      const hello = await openFile(p.page, 'app/hello.txt');
      assert.equal(hello.trim(), 'hello v2', 'app/hello.txt contents');
      const link = await openFile(p.page, 'app/hello-hardlink.txt');
      assert.equal(link.trim(), 'hello v1', 'app/hello-hardlink.txt contents');
      // app/bin/run.sh was written by two layers: the upper one wins
      await expand(p.page, 'app/bin');
      const run = await openFile(p.page, 'app/bin/run.sh');
      assert.equal(run, lastVersion('built__bb-docker.tar', 'app/bin/run.sh'), 'app/bin/run.sh contents');
      assert.deepEqual(p.errors, [], 'no page errors');
    } finally {
      await p.close();
    }
  });
}

/** "531.2 MB" -> bytes (decimal units, as the page shows them). */
function parseHuman(s) {
  const m = /^([\d.]+)\s*(B|kB|MB|GB|TB)$/.exec(s.trim());
  assert.ok(m, `a size: "${s}"`);
  return Number(m[1]) * 1000 ** ['B', 'kB', 'MB', 'GB', 'TB'].indexOf(m[2]);
}

test('merged directory sizes count hardlinked content once', { timeout: 60_000 }, async (t) => {
  if (!h.needFixtures(t)) return;
  const file = 'built__bb-docker.tar';
  // every byte of the merged filesystem was written by some layer
  const written = h.factsOf(file).docker_images[0].layers.reduce((n, l) => n + l.size, 0);
  const p = await h.newPage(ctx.browser);
  try {
    await loadDone(p, file);
    await h.showTab(p.page, 'files');
    await p.page.waitForSelector('.tree .row[data-path="bin"]');
    const sizes = await p.page.$$eval('.tree .row[data-path]', (rs) =>
      rs.map((r) => [r.getAttribute('data-path'), r.querySelector('.size').textContent]),
    );
    // bin/ holds busybox and 268 hardlinks to it (facts: hardlinks=268)
    const over = sizes.filter(([, s]) => parseHuman(s) > written);
    assert.deepEqual(over, [], `no directory is bigger than all the layers together (${written} bytes)`);
  } finally {
    await p.close();
  }
});
