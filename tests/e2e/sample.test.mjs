// The landing's "try a sample" link loads the built-in sample image.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

const ctx = h.serverAndBrowser();

test('"try a sample" loads the built-in sample', { timeout: 60_000 }, async () => {
  const p = await h.newPage(ctx.browser);
  try {
    await h.openApp(p.page, ctx.server);
    assert.equal(await p.page.getAttribute('#layercake', 'data-state'), 'idle');
    await h.armStateWatch(p.page);
    await p.page.click('a.sample');
    assert.equal(await h.waitSettled(p.page), 'done', `data-state (failure: ${await h.text(p.page, '.failure')})`);
    assert.equal(await h.text(p.page, '#image-tags'), 'layercake/sample:latest');
    assert.equal(await h.text(p.page, '#layer-count'), '4');
    assert.equal(await p.page.locator('g.band[data-layer]').count(), 4, 'four bands in the cake');
    assert.match(await h.text(p.page, '#verified'), /✓/);
    assert.equal(await h.text(p.page, '#file-name'), 'sample.tar');
    const sample = p.requests.filter((r) => new URL(r.url).pathname === '/sample.tar');
    assert.equal(sample.length, 1, 'the sample is fetched once');
    assert.ok(sample[0].url.startsWith(`${ctx.server.origin}/`), 'from the page origin');
    assert.equal(await p.page.$('#problems .failure'), null);
    assert.deepEqual(p.errors, [], 'no page errors');
  } finally {
    await p.close();
  }
});
