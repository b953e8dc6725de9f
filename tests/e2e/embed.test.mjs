// Embedding: inside an iframe, the page tells its parent when it is done.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
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

// the same, with the frame told which origin embeds it
const hostFor = (parent) => HOST.replace('<iframe id="lc" src="/"', `<iframe id="lc" src="/?parent=${encodeURIComponent(parent)}"`);

const pages = { '/host.html': HOST, '/host-other.html': hostFor('https://elsewhere.example') };
let server;
let browser;

before(async () => {
  server = await h.startServer({ pages });
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
    assert.equal(s.file, null, 'summary.file: the name of a file the reader chose never leaves the page');
    assert.ok(!JSON.stringify(m.data).includes(file), 'the file name is nowhere in the message');
    assert.equal(s.state, 'done', 'summary.state');
    assert.equal(s.verified, true, 'summary.verified');
  } finally {
    await p.close();
  }
});

/** Loads the sample inside /<host> and returns what the host received. */
async function framedSample(host) {
  const p = await h.newPage(browser);
  await p.page.goto(`${server.origin}/${host}`);
  const frame = await (await p.page.waitForSelector('#lc')).contentFrame();
  await frame.waitForSelector('#layercake[data-state="idle"]', { timeout: 15_000 });
  await h.armStateWatch(frame);
  await frame.setInputFiles('#file-input', path.join(h.DIST, 'sample.tar'));
  assert.equal(await h.waitSettled(frame, h.DONE_TIMEOUT, frame), 'done');
  await p.page.waitForTimeout(300);
  const got = await p.page.evaluate(() => window.received.filter((m) => m.data && m.data.type === 'layercake:done' && m.fromFrame));
  await p.close();
  return got;
}

test('with ?parent= naming another origin, layercake:done is not delivered to this host', { timeout: 60_000 }, async () => {
  assert.deepEqual(await framedSample('host-other.html'), []);
});

test('with ?parent= naming the host, layercake:done reaches it', { timeout: 60_000 }, async () => {
  pages['/host-self.html'] = hostFor(server.origin); // the origin is known now
  const got = await framedSample('host-self.html');
  assert.equal(got.length, 1, JSON.stringify(got));
  assert.equal(got[0].data.summary.state, 'done');
});

test('a page that is not embedded posts no layercake:done (not even to itself)', { timeout: 60_000 }, async () => {
  const p = await h.newPage(browser);
  try {
    await p.context.addInitScript(() => {
      window.received = [];
      window.addEventListener('message', (e) => window.received.push(e.data));
    });
    await h.openApp(p.page, server);
    assert.equal(await h.load(p.page, path.join(h.DIST, 'sample.tar')), 'done');
    await p.page.waitForTimeout(300);
    assert.deepEqual(await p.page.evaluate(() => window.received.filter((d) => d && d.type)), []);
  } finally {
    await p.close();
  }
});
