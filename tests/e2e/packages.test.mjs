// The Packages view: the installed packages of a real image (trivy's
// `docker save alpine:3.11 | gzip`: 14 apk packages in its one layer),
// read only when the view is opened, with a filter.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

const ctx = h.serverAndBrowser();

test('the Packages view lists the apk packages of alpine:3.11, filtered', async (t) => {
  if (!h.needFixtures(t)) return;
  const p = await h.newPage(ctx.browser);
  try {
    await h.openApp(p.page, ctx.server);
    assert.equal(await h.load(p.page, h.fixture('trivy__alpine-311.tar.gz')), 'done');
    assert.equal(await p.page.$('#packages'), null, 'nothing read before the view opens');
    await h.showTab(p.page, 'packages');
    await p.page.waitForSelector('#packages-count', { timeout: h.DONE_TIMEOUT });
    assert.equal(await h.text(p.page, '#packages-count'), '14 of 14 packages');
    const rows = () => p.page.$$eval('#packages tr.package', (trs) => trs.map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const all = await rows();
    assert.ok(all.some((r) => r[0] === 'musl' && r[1] === '1.1.24-r2' && r[2] === 'apk' && r[3] === '0'), JSON.stringify(all));
    await p.page.fill('#installed-search', 'MUSL');
    await p.page.waitForFunction(() => document.querySelectorAll('#packages tr.package').length === 2);
    assert.deepEqual((await rows()).map((r) => r[0]), ['musl', 'musl-utils']);
    assert.equal(p.errors.length, 0, p.errors.join('\n'));
  } finally {
    await p.close();
  }
});
