// Embed mode (`?embed=1`): one compact view under an .embed-bar (no landing
// chrome, no header, no tabs), a theme from `&theme=`, and height reports
// (`layercake:resize`) to the parent; and www/embed.js, which turns
// `div.layercake` placeholders into iframes sized from those reports.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as h from './harness.mjs';

/** The built-in sample, read from dist/sample.tar itself. */
const SAMPLE = h.dockerImagesOf(path.join(h.DIST, 'sample.tar'))[0];

const RECORDER = `<script>
  window.received = [];
  window.addEventListener('message', (e) => {
    const frames = [...document.querySelectorAll('iframe')];
    window.received.push({ data: e.data, origin: e.origin, frame: frames.findIndex((f) => f.contentWindow === e.source) });
  });
</script>`;

const HOST = `<!doctype html>
<html><head><meta charset="utf-8"><title>host</title></head>
<body>
${RECORDER}
<iframe id="lc" src="/index.html?embed=1&amp;src=/sample.tar&amp;view=cake&amp;theme=dark" width="800" height="300"></iframe>
</body></html>`;

const EMBED_HOST = `<!doctype html>
<html><head><meta charset="utf-8"><title>embed.js host</title></head>
<body style="max-width: 900px">
${RECORDER}
<h1>Two embeds</h1>
<div class="layercake" id="a" data-src="sample.tar" data-view="cake"></div>
<p>Between the two.</p>
<div class="layercake" id="b" data-src="sample.tar" data-view="history" data-theme="dark" data-layer="1"></div>
<script src="embed.js"></script>
</body></html>`;

// data-height is only the initial height: the content (about 450px) is shorter
const TALL_HOST = `<!doctype html>
<html><head><meta charset="utf-8"><title>embed.js host, tall</title></head>
<body>
<div class="layercake" id="tall" data-src="sample.tar" data-view="cake" data-height="900"></div>
<script src="embed.js"></script>
</body></html>`;

let server;
let browser;

before(async () => {
  server = await h.startServer({ pages: { '/host.html': HOST, '/embed-host.html': EMBED_HOST, '/tall-host.html': TALL_HOST } });
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Luminance (0..1) of a CSS rgb()/rgba() colour. */
function luminance(css) {
  const [r, g, b] = css.match(/[\d.]+/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/** Heights of an iframe element and of its document's content. */
async function heights(iframe) {
  const frame = await iframe.contentFrame();
  const outer = await iframe.evaluate((f) => f.getBoundingClientRect().height);
  const inner = await frame.evaluate(() => ({
    scroll: document.documentElement.scrollHeight,
    client: document.documentElement.clientHeight,
    root: Math.ceil(document.querySelector('#layercake').getBoundingClientRect().bottom),
  }));
  return { outer, ...inner };
}

/** Waits (up to timeout) until the iframe is as tall as its content; returns the heights. */
async function waitSized(iframe, initial, timeout = 5000) {
  const end = Date.now() + timeout;
  let hs = await heights(iframe);
  while (Date.now() < end && !(Math.abs(hs.outer - initial) > 2 && Math.abs(hs.outer - hs.scroll) <= 3)) {
    await new Promise((r) => setTimeout(r, 100));
    hs = await heights(iframe);
  }
  return hs;
}

test('?embed=1&theme=dark: compact view, dark theme, resize and done messages to the parent', { timeout: 60_000 }, async () => {
  const p = await h.newPage(browser);
  try {
    await p.page.goto(`${server.origin}/host.html`);
    const iframe = await p.page.waitForSelector('#lc');
    const frame = await iframe.contentFrame();
    assert.equal(await h.waitFinal(frame), 'done', `data-state (failure: ${await h.text(frame, '.failure')})`);

    // one compact view
    assert.ok(await frame.$('.embed-bar'), 'an .embed-bar');
    assert.equal(await frame.$('.tabs'), null, 'no tabs');
    assert.equal(await frame.$('header.image-header'), null, 'no image header');
    assert.equal(await frame.$('.landing'), null, 'no landing chrome');
    assert.ok(await frame.$('#layercake.embed'), '#layercake has the embed class');
    assert.ok(await frame.$('main#view-cake'), 'the cake view');
    assert.equal(await frame.locator('g.band[data-layer]').count(), SAMPLE.layers.length, 'one band per layer of the sample');
    assert.equal(await h.text(frame, '.embed-bar #image-tags'), SAMPLE.tags.join(', '), 'the embed bar names the image');
    assert.equal(await h.text(frame, '.embed-bar #layer-count'), String(SAMPLE.layers.length), 'the embed bar counts the layers');
    const full = await frame.$eval('.embed-bar a.open-full', (a) => a.href);
    const fq = new URL(full).searchParams;
    assert.notEqual(fq.get('embed'), '1', `"Open in Layer Cake" leaves embed mode (${full})`);
    assert.equal(fq.get('src'), '/sample.tar', `"Open in Layer Cake" keeps src= (${full})`);

    // theme
    assert.equal(await frame.evaluate(() => document.documentElement.dataset.theme), 'dark', '<html data-theme="dark">');
    const bg = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.ok(luminance(bg) < 0.35, `the dark theme is applied (body background ${bg})`);

    // messages to the parent
    await p.page.waitForFunction(
      () => window.received.some((m) => m.data?.type === 'layercake:done') && window.received.some((m) => m.data?.type === 'layercake:resize'),
      null,
      { timeout: 5000 },
    ).catch(() => {});
    const got = await p.page.evaluate(() => window.received);
    const resize = got.filter((m) => m.data?.type === 'layercake:resize');
    assert.ok(resize.length > 0, `a layercake:resize message (got ${JSON.stringify(got)})`);
    for (const m of resize) {
      assert.equal(typeof m.data.height, 'number', 'resize height is a number');
      assert.ok(m.data.height > 0, `resize height is positive (${m.data.height})`);
      assert.equal(m.frame, 0, 'sent by the iframe');
      assert.equal(m.origin, server.origin, 'from the page origin');
    }
    const last = resize.at(-1).data.height;
    const { scroll } = await heights(iframe);
    assert.ok(Math.abs(last - scroll) <= 3, `the last reported height (${last}) is the content's (${scroll})`);
    const done = got.filter((m) => m.data?.type === 'layercake:done');
    assert.equal(done.length, 1, `one layercake:done message (got ${JSON.stringify(done)})`);
    assert.equal(done[0].data.summary.state, 'done', 'summary.state');
    assert.equal(done[0].data.summary.src, '/sample.tar', 'summary.src');
    assert.equal(done[0].data.summary.layers, SAMPLE.layers.length, 'summary.layers');
    assert.deepEqual(done[0].data.summary.tags, SAMPLE.tags, 'summary.tags');
    assert.deepEqual(p.errors, [], 'no page errors');
  } finally {
    await p.close();
  }
});

test('&theme=light sets data-theme="light"; an unknown theme sets none', { timeout: 30_000 }, async () => {
  const p = await h.newPage(browser);
  try {
    await h.openApp(p.page, server, '/index.html?theme=light');
    assert.equal(await p.page.evaluate(() => document.documentElement.dataset.theme), 'light');
    const bg = await p.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.ok(luminance(bg) > 0.65, `the light theme is applied (body background ${bg})`);
    await h.openApp(p.page, server, '/index.html?theme=purple');
    assert.equal(await p.page.evaluate(() => document.documentElement.hasAttribute('data-theme')), false, 'no data-theme for an unknown theme');
  } finally {
    await p.close();
  }
});

test('embed.js turns div.layercake into iframes with the right parameters, sized to their content', { timeout: 60_000 }, async () => {
  const p = await h.newPage(browser);
  try {
    await p.page.goto(`${server.origin}/embed-host.html`);
    await p.page.waitForFunction(() => document.querySelectorAll('div.layercake > iframe').length === 2, null, { timeout: 10_000 });
    const frames = await p.page.$$('div.layercake > iframe');
    const srcs = await Promise.all(frames.map((f) => f.getAttribute('src')));
    const expected = [
      { id: 'a', view: 'cake', theme: null, layer: null },
      { id: 'b', view: 'history', theme: 'dark', layer: '1' },
    ];
    const initial = 360; // embed.js's height without data-height
    for (const [i, e] of expected.entries()) {
      const u = new URL(srcs[i], server.origin);
      const where = `iframe in #${e.id} (${srcs[i]})`;
      assert.equal(await frames[i].evaluate((f) => f.parentElement.id), e.id, `${where}: inside its div`);
      assert.equal(u.origin + u.pathname, `${server.origin}/index.html`, `${where}: the page next to embed.js`);
      assert.equal(u.searchParams.get('embed'), '1', `${where}: embed=1`);
      assert.equal(u.searchParams.get('src'), `${server.origin}/sample.tar`, `${where}: src= resolved against the host page`);
      assert.equal(u.searchParams.get('view'), e.view, `${where}: view=`);
      assert.equal(u.searchParams.get('theme'), e.theme, `${where}: theme=`);
      assert.equal(u.searchParams.get('layer'), e.layer, `${where}: layer=`);
      assert.equal(u.searchParams.get('parent'), server.origin, `${where}: parent= names the host page's origin`);
    }
    const sized = [];
    for (const [i, e] of expected.entries()) {
      const frame = await frames[i].contentFrame();
      assert.equal(await h.waitFinal(frame), 'done', `#${e.id}: data-state (failure: ${await h.text(frame, '.failure')})`);
      assert.ok(await frame.$(`main#view-${e.view}`), `#${e.id}: shows the ${e.view} view`);
      assert.equal(await frame.$('.tabs'), null, `#${e.id}: no tabs`);
      if (e.view === 'cake') assert.equal(await frame.locator('g.band[data-layer]').count(), SAMPLE.layers.length, `#${e.id}: bands`);
      if (e.view === 'history') assert.equal(await frame.locator('table.history td.command').count(), SAMPLE.config.history.length, `#${e.id}: history rows`);
      assert.equal(await frame.evaluate(() => document.documentElement.dataset.theme ?? null), e.theme, `#${e.id}: data-theme`);
      const hs = await waitSized(frames[i], initial);
      sized.push(hs.outer);
      assert.notEqual(Math.round(hs.outer), initial, `#${e.id}: resized from embed.js's default ${initial}px (${JSON.stringify(hs)})`);
      assert.ok(Math.abs(hs.outer - hs.scroll) <= 3, `#${e.id}: the iframe is as tall as its content (${JSON.stringify(hs)})`);
      assert.ok(hs.root <= hs.outer + 1, `#${e.id}: nothing of the page is cut off (${JSON.stringify(hs)})`);
    }
    assert.notEqual(Math.round(sized[0]), Math.round(sized[1]), `each iframe gets its own height (${sized})`);
    assert.deepEqual(p.errors, [], 'no page errors');
  } finally {
    await p.close();
  }
});

test('an embed.js iframe taller than its content shrinks to it (data-height="900")', { timeout: 30_000 }, async () => {
  const p = await h.newPage(browser);
  try {
    await p.page.goto(`${server.origin}/tall-host.html`);
    const iframe = await p.page.waitForSelector('div.layercake > iframe', { timeout: 10_000 });
    const frame = await iframe.contentFrame();
    assert.equal(await h.waitFinal(frame), 'done', `data-state (failure: ${await h.text(frame, '.failure')})`);
    const content = await frame.evaluate(() => Math.ceil(document.querySelector('#layercake').getBoundingClientRect().bottom));
    assert.ok(content < 850, `the cake of the sample is shorter than 900px (${content}px), so this tests shrinking`);
    const hs = await waitSized(iframe, 900);
    assert.ok(Math.abs(hs.outer - content) <= 3,
      `the iframe shrinks to its content: iframe ${hs.outer}px, content ${content}px, reported scrollHeight ${hs.scroll}px (${JSON.stringify(hs)})`);
  } finally {
    await p.close();
  }
});

test('embed.js ignores resize messages that do not come from its frames', { timeout: 60_000 }, async () => {
  const p = await h.newPage(browser);
  try {
    await p.page.goto(`${server.origin}/embed-host.html`);
    const frames = await p.page.$$('div.layercake > iframe');
    assert.equal(frames.length, 2);
    for (const f of frames) assert.equal(await h.waitFinal(await f.contentFrame()), 'done');
    await waitSized(frames[0], 360);
    const before = await Promise.all(frames.map((f) => f.evaluate((x) => x.style.height)));
    // from the host window itself, and from a frame that is not Layer Cake
    await p.page.evaluate(() => {
      window.postMessage({ type: 'layercake:resize', height: 7 }, '*');
      const other = document.createElement('iframe');
      other.srcdoc = "<script>parent.postMessage({type: 'layercake:resize', height: 9}, '*')<\/script>";
      document.body.appendChild(other);
    });
    await p.page.waitForTimeout(500);
    const after = await Promise.all(frames.map((f) => f.evaluate((x) => x.style.height)));
    assert.deepEqual(after, before, 'no frame resized by a stranger');
    const other = await p.page.$$eval('iframe:not(.layercake-frame)', (fs) => fs.map((f) => f.style.height));
    assert.deepEqual(other, [''], 'the foreign frame is left alone');
  } finally {
    await p.close();
  }
});
