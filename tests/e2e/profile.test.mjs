// ?profile=1: every worker's phases and the page's, as JSON in
// #layercake[data-profile] (and a console.table); without it, nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

const ctx = h.serverAndBrowser();

async function readSample(page, pathname) {
  await h.openApp(page, ctx.server, pathname);
  await h.armStateWatch(page);
  await page.click('a.sample');
  assert.equal(await h.waitSettled(page), 'done');
}

test('?profile=1 puts the phases of every worker in data-profile', { timeout: 60_000 }, async () => {
  const p = await h.newPage(ctx.browser);
  try {
    const tables = [];
    p.page.on('console', (m) => { if (m.type() === 'table') tables.push(m.text()); });
    await readSample(p.page, '/?profile=1');
    await p.page.waitForSelector('#layercake[data-profile]', { timeout: 10_000 });
    const prof = JSON.parse(await p.page.getAttribute('#layercake', 'data-profile'));
    for (const k of ['first_render_ms', 'done_ms', 'reduce_ms', 'render_ms']) {
      assert.equal(typeof prof.page[k], 'number', `page.${k}`);
    }
    assert.ok(prof.page.done_ms >= prof.page.first_render_ms);
    assert.ok(prof.workers.length >= 1);
    assert.equal(prof.workers[0].worker, 0, 'the gathering worker reports');
    for (const w of prof.workers) {
      for (const k of ['start_ms', 'dissect_ms', 'read_ms', 'analyze_ms', 'post_ms', 'forward_ms', 'merge_ms', 'finish_ms']) {
        assert.equal(typeof w[k], 'number', `worker ${w.worker}: ${k}`);
        assert.ok(w[k] >= 0, `worker ${w.worker}: ${k} = ${w[k]}`);
      }
      assert.ok(w.start_ms > 0, 'wasm start is timed');
    }
    const layers = prof.workers.reduce((n, w) => n + w.layers, 0);
    assert.equal(layers, 4, 'the sample\'s four layers, each read by one worker');
    assert.ok(prof.workers[0].reads > 0 && prof.workers[0].read_mb > 0, 'the gatherer read the index');
    assert.deepEqual(p.errors, [], 'no page errors');
  } finally {
    await p.close();
  }
});

test('without ?profile=1 there is no data-profile', { timeout: 60_000 }, async () => {
  const p = await h.newPage(ctx.browser);
  try {
    await readSample(p.page, '/');
    await p.page.waitForTimeout(500);
    assert.equal(await p.page.getAttribute('#layercake', 'data-profile'), null);
  } finally {
    await p.close();
  }
});
