// Screenshots of every tab and of the problems panel, at a desktop and a
// phone size, saved as tests/e2e/artifacts/<viewport>-<name>.png for a
// person to look at. Asserts only that each view rendered.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as h from './harness.mjs';

const VIEWPORTS = {
  desktop: { width: 1280, height: 720 },
  phone: { width: 390, height: 844 },
};

const ctx = h.serverAndBrowser();

/** Page width beyond the viewport (horizontal scrolling), for the report. */
const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

for (const [vp, viewport] of Object.entries(VIEWPORTS)) {
  test(`screenshots at ${vp} size (${viewport.width}x${viewport.height})`, { timeout: 90_000 }, async (t) => {
    if (!h.needFixtures(t)) return;
    const p = await h.newPage(ctx.browser, { viewport });
    const shots = [];
    const shoot = async (name) => {
      const file = await h.screenshot(p.page, `${vp}-${name}`);
      assert.ok(fs.statSync(file).size > 1000, `${file} written`);
      shots.push(`${name}${(await overflow(p.page)) > 0 ? ` (scrolls sideways by ${await overflow(p.page)}px)` : ''}`);
    };
    try {
      await h.openApp(p.page, ctx.server);
      await shoot('landing');
      await h.chooseFile(p.page, h.fixture('built__bb-docker.tar'));
      assert.equal(await h.waitSettled(p.page), 'done');
      for (const tab of ['cake', 'history', 'config', 'manifest', 'verify']) {
        await h.showTab(p.page, tab);
        await shoot(tab);
      }
      await h.showTab(p.page, 'files');
      await p.page.click('.row[data-path="app"] > .name');
      await p.page.waitForSelector('.row[data-path="app/hello.txt"]');
      await p.page.click('.row[data-path="app/hello.txt"] > .name');
      await p.page.waitForSelector('#file-contents');
      await shoot('files');

      // the problems panel: a truncated archive, then a refused file
      await h.dropFile(p.page, h.fixture('built__bb-docker-truncated.tar'));
      assert.equal(await h.waitSettled(p.page), 'error'); // ends before any manifest
      await p.page.waitForSelector('#problems li.problem');
      await shoot('problems');
      await h.dropFile(p.page, h.fixture('dive__test-gzip-image.tar'));
      assert.equal(await h.waitSettled(p.page), 'error');
      await p.page.waitForSelector('#problems .failure');
      await shoot('error');
      t.diagnostic(`${vp}: ${shots.join(', ')}`);
    } finally {
      await p.close();
    }
  });
}
