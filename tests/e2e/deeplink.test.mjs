// Deep links: `?src=…&view=files&layer=N&path=/…` opens that layer's file
// in the Files tab; the address bar then follows what the user opens
// (history.replaceState), a link copied from it opens the same view, and
// "Copy link to this view" copies it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as h from './harness.mjs';

const FILE = 'built__bb-docker.tar';
const PATH = 'app/hello.txt';

let server;
let browser;

before(async () => {
  browser = await h.launchBrowser();
  if (h.haveFixtures()) server = await h.startServer({ mounts: { '/fixtures/': h.FIXTURES } });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * The last layer whose tar holds PATH as a regular file, and those bytes
 * (read from the archive itself: layer 5 rewrote hello.txt, "hello v2").
 */
function layerWithFile() {
  const [exp] = h.expectedImages(FILE);
  const outer = h.readTar(fs.readFileSync(h.fixture(FILE)));
  let found = null;
  exp.facts.layers.forEach((l, i) => {
    const e = h.readTar(h.tarMember(outer, l.path)).find((x) => x.name === PATH && x.type === '0');
    if (e) found = { layer: i, text: e.data.toString('utf8'), exp };
  });
  assert.ok(found, `${FILE}: some layer holds ${PATH} as a regular file`);
  return found;
}

/** The page's query parameters, as an object. */
async function query(page) {
  return Object.fromEntries(new URL(page.url()).searchParams);
}

async function waitQuery(page, key, value) {
  await page.waitForFunction(([k, v]) => new URLSearchParams(location.search).get(k) === v, [key, value], { timeout: 5000 })
    .catch(() => {});
  return query(page);
}

/** Checks the Files tab shows `layer` with PATH open and its text. */
async function checkFileView(page, layer, text, where) {
  await page.waitForSelector('main#view-files', { timeout: 5000 });
  assert.equal(await page.getAttribute('#tab-files', 'aria-selected'), 'true', `${where}: the Files tab is selected`);
  assert.equal(await page.$eval('#view-picker', (s) => s.value), String(layer), `${where}: #view-picker shows layer ${layer}`);
  const label = await page.$eval('#view-picker', (s) => s.selectedOptions[0]?.textContent);
  assert.match(label, new RegExp(`^Layer ${layer}:`), `${where}: the selected option names the layer`);
  const row = page.locator(`.tree .row[data-path="${PATH}"]`);
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  assert.ok(await row.isVisible(), `${where}: the row of ${PATH} is visible (its directory expanded)`);
  await page.waitForSelector('#file-contents', { timeout: 15_000 });
  assert.equal(await h.text(page, '.viewer .path'), PATH, `${where}: the viewer names the file`);
  assert.equal(await page.textContent('#file-contents'), text, `${where}: #file-contents is the file's text in layer ${layer}`);
}

test('a deep link opens a layer\'s file, and the address bar follows the user', { timeout: 60_000 }, async (t) => {
  if (!h.needFixtures(t)) return;
  const { layer, text, exp } = layerWithFile();
  t.diagnostic(`${PATH} is a regular file in layer ${layer}: ${JSON.stringify(text)}`);
  const src = h.fixtureUrl(FILE);
  const p = await h.newPage(browser);
  await p.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  try {
    await p.page.goto(`${server.origin}/index.html?src=${encodeURIComponent(src)}&view=files&layer=${layer}&path=/${PATH}`);
    assert.equal(await h.waitFinal(p.page), 'done', `data-state (failure: ${await h.text(p.page, '.failure')})`);
    assert.equal(await h.text(p.page, '#config-digest'), exp.configDigest, '#config-digest');
    await checkFileView(p.page, layer, text, 'deep link');

    // the address bar keeps naming this view
    let q = await query(p.page);
    assert.equal(q.src, src, 'src= stays in the address bar');
    assert.equal(q.view, 'files', 'view=files');
    assert.equal(q.layer, String(layer), `layer=${layer}`);
    assert.equal(q.path, `/${PATH}`, `path=/${PATH}`);

    // another tab: view= follows, through replaceState (no new history entry)
    const length = await p.page.evaluate(() => history.length);
    await h.showTab(p.page, 'history');
    q = await waitQuery(p.page, 'view', 'history');
    assert.equal(q.view, 'history', `view= follows the tab (query ${JSON.stringify(q)})`);
    assert.equal(q.src, src, 'src= kept');
    assert.equal(q.layer, String(layer), 'layer= kept');
    await h.showTab(p.page, 'config');
    q = await waitQuery(p.page, 'view', 'config');
    assert.equal(q.view, 'config', `view= follows the tab (query ${JSON.stringify(q)})`);
    assert.equal(await p.page.evaluate(() => history.length), length, 'replaceState: no history entries added');

    // another layer in the Files tab: layer= follows, the closed file's path= goes
    await h.showTab(p.page, 'files');
    const other = layer === 0 ? 1 : 0;
    await p.page.selectOption('#view-picker', String(other));
    q = await waitQuery(p.page, 'layer', String(other));
    assert.equal(q.view, 'files', 'view=files');
    assert.equal(q.layer, String(other), `layer= follows #view-picker (query ${JSON.stringify(q)})`);
    assert.equal(q.path, undefined, 'no path= once the file is closed');
    // the merged filesystem: no layer=
    await p.page.selectOption('#view-picker', 'merged');
    await p.page.waitForFunction(() => !new URLSearchParams(location.search).has('layer'), null, { timeout: 5000 }).catch(() => {});
    q = await query(p.page);
    assert.equal(q.layer, undefined, `no layer= for the merged view (query ${JSON.stringify(q)})`);
    assert.equal(q.view, 'files');

    // back to the deep-linked view, then "Copy link to this view"
    await p.page.selectOption('#view-picker', String(layer));
    await p.page.click(`.tree .row[data-path="app"] > .name`);
    await p.page.click(`.tree .row[data-path="${PATH}"] > .name`);
    q = await waitQuery(p.page, 'path', `/${PATH}`);
    assert.equal(q.path, `/${PATH}`, `path= follows the opened file (query ${JSON.stringify(q)})`);
    assert.equal(q.layer, String(layer));
    const copy = await p.page.$('#copy-link');
    assert.ok(copy, '#copy-link exists');
    assert.match(await copy.textContent(), /copy link/i, '#copy-link says what it does');
    await copy.click();
    const copied = await p.page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, p.page.url(), '"Copy link to this view" copies the address of this view');

    // that link, opened afresh, shows the same view
    const again = await h.newPage(browser);
    try {
      await again.page.goto(copied);
      assert.equal(await h.waitFinal(again.page), 'done', 'the copied link loads');
      await checkFileView(again.page, layer, text, 'copied link');
      assert.deepEqual(again.errors, [], 'no page errors (copied link)');
    } finally {
      await again.close();
    }
    assert.deepEqual(p.errors, [], 'no page errors');
  } finally {
    await p.close();
  }
});

test('a deep link by tag and view: ?src=…&tag=…&view=history', { timeout: 30_000 }, async (t) => {
  if (!h.needFixtures(t)) return;
  const file = 'built__bb-multiarch-index.tar';
  const images = h.expectedImages(file);
  // the second platform of the index, named by tag + platform
  const target = images.findIndex((e, i) => i > 0 && e.tags.length && e.tags[0] === images[0].tags[0] && e.platform !== images[0].platform);
  assert.ok(target > 0, `${file}: two platforms share a tag (facts: ${images.map((e) => `${e.tags}/${e.platform}`).join(' ')})`);
  const exp = images[target];
  const p = await h.newPage(browser);
  try {
    const src = h.fixtureUrl(file);
    await p.page.goto(`${server.origin}/index.html?src=${encodeURIComponent(src)}&tag=${encodeURIComponent(exp.tags[0])}&platform=${encodeURIComponent(exp.platform)}&view=history`);
    assert.equal(await h.waitFinal(p.page), 'done', `data-state (failure: ${await h.text(p.page, '.failure')})`);
    await p.page.waitForSelector('main#view-history');
    assert.equal(await p.page.getAttribute('#tab-history', 'aria-selected'), 'true', 'the History tab is selected');
    assert.equal(await h.text(p.page, '#config-digest'), exp.configDigest, `the image on ${exp.platform} is shown`);
    assert.equal(await h.text(p.page, '#platform'), exp.platform, '#platform');
    assert.equal(await p.page.locator('table.history td.command').count(), exp.historyLen, 'its history rows');
    const q = Object.fromEntries(new URL(p.page.url()).searchParams);
    assert.equal(q.image, String(target), `the address bar names the image by index (query ${JSON.stringify(q)})`);
    assert.equal(q.view, 'history');
  } finally {
    await p.close();
  }
});
