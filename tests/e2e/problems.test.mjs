// Broken and foreign inputs: a truncated archive still reports what it
// read, a plain tar and random bytes are refused with a clear message.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as h from './harness.mjs';

let server;
let browser;
let tmp;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layercake-e2e-'));
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function loadAndSettle(file, how = 'input') {
  const p = await h.newPage(browser);
  try {
    await h.openApp(p.page, server);
    const state = await h.load(p.page, file, how);
    return { p, state };
  } catch (e) {
    await p.close();
    throw e;
  }
}

test('a truncated archive that ends before any manifest: error "no image", with an "ends early" problem', { timeout: 60_000 }, async (t) => {
  if (!h.needFixtures(t)) return;
  const file = 'built__bb-docker-truncated.tar';
  // facts.json: the outer tar ends inside its first member
  assert.match(h.factsOf(file).outer_error, /unexpected end of data/);
  const { p, state } = await loadAndSettle(h.fixture(file), 'drop');
  try {
    // nothing names an image: never a silent "done"
    assert.equal(state, 'error', `data-state (failure: ${await h.text(p.page, '.failure')})`);
    assert.match(await h.text(p.page, '#problems .failure'), /no image was found/);
    await p.page.waitForSelector('#problems li.problem');
    const problems = await p.page.$$eval('#problems li.problem', (ls) => ls.map((l) => l.textContent));
    assert.ok(
      problems.some((x) => /ends early/.test(x)),
      `a problem mentions "ends early"; problems: ${JSON.stringify(problems)}`,
    );
    // the panel is open: there are errors, the dissection is over
    assert.equal(await p.page.$eval('#problems details', (d) => d.open), true, 'problems panel open');
    assert.equal(await p.page.$('.bug'), null, 'no panic banner');
  } finally {
    await p.close();
  }
});

test('a plain tar (not an image): error "not an image archive"', { timeout: 60_000 }, async (t) => {
  if (!h.needFixtures(t)) return;
  const file = 'dive__test-gzip-image.tar';
  assert.deepEqual(h.factsOf(file).has, [], 'facts: no manifest.json / index.json / repositories');
  const { p, state } = await loadAndSettle(h.fixture(file), 'input');
  try {
    assert.equal(state, 'error');
    const failure = await h.text(p.page, '#problems .failure');
    assert.ok(failure, '.failure is shown inside #problems');
    assert.match(failure, /not an image archive/);
    assert.equal(await p.page.$('#tab-cake'), null, 'no tabs for a file without images');
    assert.equal(await p.page.$('.bug'), null, 'no panic banner');
  } finally {
    await p.close();
  }
});

test('random bytes: error with a clear message', { timeout: 60_000 }, async () => {
  const file = path.join(tmp, 'random.bin');
  const bytes = crypto.randomBytes(64 * 1024);
  bytes[0] = 0x42; // never a gzip/zstd/xz magic by chance
  fs.writeFileSync(file, bytes);
  const { p, state } = await loadAndSettle(file, 'drop');
  try {
    assert.equal(state, 'error');
    const failure = await h.text(p.page, '#problems .failure');
    assert.ok(failure, '.failure is shown inside #problems');
    assert.match(failure, /^Cannot read this file: /);
    assert.match(failure, /not an image archive/);
    assert.match(failure, /not a tar/, 'says what the bytes are not');
    assert.equal(await p.page.$('.bug'), null, 'no panic banner');
    assert.deepEqual(p.errors, [], 'no page errors');
  } finally {
    await p.close();
  }
});

test('an empty file: error, not a hang', { timeout: 60_000 }, async () => {
  const file = path.join(tmp, 'empty.tar');
  fs.writeFileSync(file, Buffer.alloc(0));
  const { p, state } = await loadAndSettle(file, 'input');
  try {
    assert.equal(state, 'error');
    assert.ok(await h.text(p.page, '#problems .failure'), '.failure is shown');
    assert.equal(await p.page.$('.bug'), null, 'no panic banner');
  } finally {
    await p.close();
  }
});

/**
 * A copy of ggcr__test_bundle.tar whose second image's layer has one
 * padding byte changed: the tar still parses the same, but the layer no
 * longer hashes to the diff_id its config names.
 */
function tamperedBundle() {
  const file = 'ggcr__test_bundle.tar';
  const buf = Buffer.from(fs.readFileSync(h.fixture(file)));
  const outer = h.readTar(buf);
  const manifest = JSON.parse(h.tarMember(outer, 'manifest.json'));
  const layer = outer.find((e) => e.name === manifest[1].Layers[0]);
  const member = h.readTar(layer.data).find((e) => e.type === '0' && e.size % 512 !== 0);
  assert.ok(member, 'a regular file with padding in the layer');
  const at = member.data.byteOffset - buf.byteOffset + member.size;
  assert.equal(buf[at], 0, 'a padding byte');
  buf[at] = 0x55;
  const out = path.join(tmp, 'tampered-bundle.tar');
  fs.writeFileSync(out, buf);
  const expected = h.factsOf(file).docker_images[1].diff_ids[0];
  const actual = `sha256:${crypto.createHash('sha256').update(layer.data).digest('hex')}`;
  assert.notEqual(actual, expected);
  return { out, expected, actual };
}

test('a tampered layer: ✗ in the header and the Verify tab', { timeout: 60_000 }, async (t) => {
  if (!h.needFixtures(t)) return;
  const { out, expected, actual } = tamperedBundle();
  const { p, state } = await loadAndSettle(out, 'drop');
  try {
    assert.equal(state, 'done');
    // image 0 is untouched
    assert.match(await h.text(p.page, '#verified'), /✓/, 'image 0 still verifies');
    await p.page.selectOption('#image-picker', '1');
    await p.page.waitForFunction(() => /✗/.test(document.querySelector('#verified')?.textContent || ''), null, { timeout: 5000 }).catch(() => {});
    assert.match(await h.text(p.page, '#verified'), /✗/, 'image 1 does not verify');
    await h.showTab(p.page, 'verify');
    const rows = await p.page.$$eval('section.verify table.checks tbody tr', (rs) =>
      rs.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
    );
    const diff = rows.find(([what]) => what === 'Layer 0 diff_id');
    assert.ok(diff, `a "Layer 0 diff_id" row: ${JSON.stringify(rows)}`);
    assert.match(diff[1], /✗ mismatch/);
    assert.ok(diff[1].includes(expected) && diff[1].includes(actual), `expected and actual digests shown: ${diff[1]}`);
  } finally {
    await p.close();
  }
});

test('a tampered layer is listed in the Problems panel', { timeout: 60_000 }, async (t) => {
  if (!h.needFixtures(t)) return;
  const { out, expected, actual } = tamperedBundle();
  const { p, state } = await loadAndSettle(out, 'input');
  try {
    assert.equal(state, 'done');
    const problems = await p.page.$$eval('#problems li.problem', (ls) => ls.map((l) => l.textContent));
    const hex = (d) => d.replace(/^sha256:/, '').slice(0, 12);
    // a config or manifest whose digest does not match is a problem
    // ("digest of … is …, should be …"); a layer's must be one too
    assert.ok(
      problems.some((x) => /digest|diff_id/i.test(x) && (x.includes(hex(expected)) || x.includes(hex(actual)))),
      `a problem reports the layer digest mismatch (diff_id ${expected} vs content ${actual}); problems: ${JSON.stringify(problems)}`,
    );
  } finally {
    await p.close();
  }
});
