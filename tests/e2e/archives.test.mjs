// Real fixture archives, loaded both through the file chooser and by a
// synthetic drag-and-drop; header, config and history checked against
// facts.json and against the config blob read from the archive itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

const FIXTURES = [
  'built__bb-docker.tar',
  'built__bb-oci-zstd.tar',
  'dive__test-docker-image.tar',
  'trivy__alpine-311.tar.gz', // whole-archive gzip
  'built__bb-multiarch-index.tar', // OCI index -> 2 platforms
  'ggcr__test_bundle.tar', // 2 images in one docker archive
];

const ctx = h.serverAndBrowser();

/** Polls fn until pred(value) or timeout; returns the last value. */
async function poll(fn, pred, timeout = 5000) {
  const end = Date.now() + timeout;
  let v = await fn();
  while (!pred(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    v = await fn();
  }
  return v;
}

async function checkImage(page, file, index, exp, config) {
  const where = `${file} image ${index}`;
  // header
  const digest = await poll(() => h.text(page, '#config-digest'), (v) => v === exp.configDigest);
  assert.equal(digest, exp.configDigest, `${where}: #config-digest`);
  const tags = await h.text(page, '#image-tags');
  if (exp.tags.length === 0) {
    assert.equal(tags, '(untagged)', `${where}: #image-tags`);
  } else {
    for (const tag of exp.tags) {
      assert.ok(tags.split(', ').includes(tag), `${where}: #image-tags "${tags}" lacks "${tag}"`);
    }
  }
  assert.equal(await h.text(page, '#layer-count'), String(exp.layers), `${where}: #layer-count`);
  assert.equal(await h.text(page, '#platform'), exp.platform, `${where}: #platform`);
  if (exp.facts.diff_ids_match) {
    assert.match(await h.text(page, '#verified'), /✓/, `${where}: #verified`);
  }
  // the cake has one band per layer
  await h.showTab(page, 'cake');
  assert.equal(await page.locator('g.band[data-layer]').count(), exp.layers, `${where}: cake bands`);

  // config: Entrypoint + Cmd as a shell line, every word in order
  await h.showTab(page, 'config');
  const run = await page.textContent('#run-line');
  const words = [...(exp.entrypoint || []), ...(exp.cmd || [])].flatMap((w) => w.split(/\s+/)).filter(Boolean);
  if (words.length === 0) {
    // ggcr's test_bundle images have neither Entrypoint nor Cmd
    assert.match(run, /no entrypoint or cmd/, `${where}: #run-line for an image without Entrypoint/Cmd`);
  }
  let at = 0;
  for (const w of words) {
    const i = run.indexOf(w, at);
    assert.ok(i >= 0, `${where}: #run-line "${run}" lacks "${w}" (in order; words ${JSON.stringify(words)})`);
    at = i + w.length;
  }
  // environment table: every Env of the config
  const env = await page.$$eval('table.env tbody tr', (rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent).join('=')),
  );
  assert.deepEqual(env, exp.facts.Env || [], `${where}: table.env`);

  // history: every created_by of the config, in order
  await h.showTab(page, 'history');
  const commands = await page.$$eval('table.history td.command code', (cs) => cs.map((c) => c.textContent));
  assert.equal(commands.length, exp.historyLen, `${where}: history rows vs facts history_len`);
  assert.equal(config.history.length, exp.historyLen, `${where}: facts vs config blob`);
  assert.deepEqual(commands, config.history.map((x) => x.created_by ?? ''), `${where}: history created_by`);
  const empties = await page.$$eval('table.history tbody tr', (rs) => rs.filter((r) => r.classList.contains('empty')).length);
  assert.equal(empties, exp.facts.history_empty_layers, `${where}: empty_layer history rows`);
}

for (const file of FIXTURES) {
  for (const how of ['input', 'drop']) {
    test(`${file} via ${how === 'input' ? 'the file input' : 'drag and drop'}`, { timeout: 60_000 }, async (t) => {
      if (!h.needFixtures(t)) return;
      const expected = h.expectedImages(file);
      assert.ok(expected.length > 0, `${file}: facts list images`);
      const configs = expected.map((e) => h.configOf(file, e));
      const p = await h.newPage(ctx.browser);
      try {
        await h.openApp(p.page, ctx.server);
        if (how === 'input') {
          await h.chooseFile(p.page, h.fixture(file));
        } else {
          const r = await h.dropFile(p.page, h.fixture(file));
          assert.ok(r.dragoverPrevented, 'dragover must be accepted (preventDefault) so a drop can happen');
          assert.ok(r.dropPrevented, 'drop must be handled (preventDefault) so the browser does not navigate');
        }
        const state = await h.waitSettled(p.page);
        assert.equal(state, 'done', `${file}: data-state (failure: ${await h.text(p.page, '.failure')})`);
        assert.equal(await p.page.$('.bug'), null, 'no panic banner');
        assert.equal(await h.text(p.page, '#file-name'), file.split('/').pop(), '#file-name');

        if (expected.length > 1) {
          const options = await p.page.$$eval('#image-picker option', (os) => os.map((o) => o.value));
          assert.deepEqual(options, expected.map((_, i) => String(i)), '#image-picker lists every image');
        } else {
          assert.equal(await p.page.$('#image-picker'), null, 'no #image-picker for a single image');
        }
        for (let i = 0; i < expected.length; i++) {
          if (expected.length > 1) {
            await h.showTab(p.page, 'cake');
            await p.page.selectOption('#image-picker', String(i));
          }
          await checkImage(p.page, file, i, expected[i], configs[i]);
          // images that share tags (a multi-platform index) get a platform picker
          const key = expected[i].tags.join(',');
          const siblings = expected.filter((e) => key && e.tags.join(',') === key);
          const platforms = await p.page.$$eval('#platform-picker option', (os) => os.map((o) => o.textContent));
          assert.deepEqual(platforms, siblings.length > 1 ? siblings.map((e) => e.platform) : [], `${file} image ${i}: #platform-picker`);
        }
        assert.deepEqual(p.errors, [], 'no page errors');
      } finally {
        await p.close();
      }
    });
  }
}
