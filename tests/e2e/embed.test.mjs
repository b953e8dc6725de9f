// Embedding: inside an iframe, the page tells its parent when it is done.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

const HOST = `<!doctype html>
<html><head><meta charset="utf-8"><title>host</title></head>
<body>
<script>
  window.received = [];
  window.addEventListener('message', (e) => {
    const frame = document.getElementById('lc');
    window.received.push({ data: e.data, origin: e.origin, fromFrame: e.source === frame.contentWindow });
  });
</script>
<iframe id="lc" src="/" width="1000" height="700"></iframe>
</body></html>`;

let server;
let browser;

before(async () => {
  server = await h.startServer({ pages: { '/host.html': HOST } });
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the iframe posts {type: "layercake:done", summary} to its parent', { timeout: 60_000 }, async (t) => {
  if (!h.needFixtures(t)) return;
  const file = 'built__bb-docker.tar';
  const [exp] = h.expectedImages(file);
  const p = await h.newPage(browser);
  try {
    await p.page.goto(`${server.origin}/host.html`);
    const frame = await (await p.page.waitForSelector('#lc')).contentFrame();
    await frame.waitForSelector('#layercake[data-state="idle"]', { timeout: 15_000 });
    assert.deepEqual(await p.page.evaluate(() => window.received), [], 'nothing posted before a file is chosen');
    await h.armStateWatch(frame);
    await frame.setInputFiles('#file-input', h.fixture(file));
    assert.equal(await h.waitSettled(frame, h.DONE_TIMEOUT, frame), 'done');
    await p.page.waitForFunction(() => window.received.length > 0, null, { timeout: 5000 });
    const got = await p.page.evaluate(() => window.received);
    const done = got.filter((m) => m.data && m.data.type === 'layercake:done');
    assert.equal(done.length, 1, `one layercake:done message (got ${JSON.stringify(got)})`);
    const [m] = done;
    assert.equal(m.origin, server.origin, 'message origin');
    assert.ok(m.fromFrame, 'sent by the iframe');
    const s = m.data.summary;
    assert.equal(s.config_digest, exp.configDigest, 'summary.config_digest');
    assert.deepEqual(s.tags, exp.tags, 'summary.tags');
    assert.equal(s.layers, exp.layers, 'summary.layers');
    assert.equal(s.images, 1, 'summary.images');
    assert.equal(s.file, file, 'summary.file');
    assert.equal(s.state, 'done', 'summary.state');
    assert.equal(s.verified, true, 'summary.verified');
  } finally {
    await p.close();
  }
});
