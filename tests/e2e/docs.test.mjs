// The Sphinx lab guide (docs/): built here with .venv/bin/sphinx-build
// (docs/conf.py copies dist/ in under layercake/), served, and lab2.html
// opened: its two embeds of the sample (embed.js with data-view="cake", and
// a plain iframe with view=history) finish, show the sample, are as tall as
// their content, and nothing is fetched from or named on another host; the
// "compare two versions" embeds (data-against) show the lab report against
// its next version's.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as h from './harness.mjs';

const SPHINX = path.join(h.ROOT, '.venv', 'bin', 'sphinx-build');
const SITE = path.join(h.ROOT, 'docs', '_build', 'html');

let server;
let browser;
let buildError = null;
let lab = null; // the opened lab page, shared by the tests below

before(async () => {
  if (!fs.existsSync(SPHINX)) {
    buildError = `${SPHINX} not found: make the venv with Sphinx first (scripts/setup.sh, docs/requirements.txt)`;
    return;
  }
  try {
    execFileSync(SPHINX, ['-q', '-b', 'html', 'docs', 'docs/_build/html'], { cwd: h.ROOT, stdio: 'pipe', timeout: 90_000 });
  } catch (e) {
    buildError = `sphinx-build failed: ${e.stderr || e.message}`;
    return;
  }
  server = await h.startServer({ root: SITE });
  browser = await h.launchBrowser();
});

after(async () => {
  await lab?.p.close();
  await browser?.close();
  await server?.close();
});

/** http(s) URLs in a text whose host is not the served origin's. */
function externalUrls(body, origin) {
  const host = new URL(origin).host;
  return [...body.matchAll(/\bhttps?:\/\/[^\s"'<>()\\]+/gi)].map((m) => m[0]).filter((u) => {
    try {
      return new URL(u).host !== host;
    } catch {
      return true;
    }
  });
}

const stripHtmlComments = (s) => s.replace(/<!--[\s\S]*?-->/g, '');
const stripCssComments = (s) => s.replace(/\/\*[\s\S]*?\*\//g, '');

/** Heights of an iframe element and of its document's content. */
async function heights(iframe) {
  const frame = await iframe.contentFrame();
  const outer = await iframe.evaluate((f) => f.getBoundingClientRect().height);
  const inner = await frame.evaluate(() => ({
    scroll: document.documentElement.scrollHeight,
    root: Math.ceil(document.querySelector('#layercake').getBoundingClientRect().bottom),
  }));
  return { outer, ...inner };
}

/**
 * Opens lab2.html once (recording every iframe's height as it enters the
 * page, every request and response) and waits for the three embeds.
 */
async function openLab() {
  assert.equal(buildError, null, buildError);
  if (lab) return lab;
  const p = await h.newPage(browser, { viewport: { width: 1280, height: 900 } });
  await p.page.addInitScript(() => {
    if (window !== window.top) return;
    window.__initialHeights = [];
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          const found = n.nodeName === 'IFRAME' ? [n] : n.querySelectorAll ? [...n.querySelectorAll('iframe')] : [];
          for (const f of found) {
            window.__initialHeights.push({ src: f.getAttribute('src'), height: f.style.height || f.getAttribute('height') || '' });
          }
        }
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const responses = [];
  p.context.on('response', (r) => responses.push(r));
  lab = { p, responses, sample: h.dockerImagesOf(path.join(SITE, 'layercake', 'sample.tar'))[0] };
  await p.page.goto(`${server.origin}/lab2.html`);
  await p.page.waitForFunction(() => document.querySelectorAll('iframe').length >= 4, null, { timeout: 10_000 });
  lab.cakeEl = await p.page.$('div.layercake[data-src$=".tar"] > iframe');
  lab.reportEl = await p.page.$('div.layercake[data-src$=".layercake.json.gz"] > iframe');
  lab.historyEl = await p.page.$('iframe[src*="view=history"]');
  lab.dropEl = await p.page.$('div.layercake:not([data-src]) > iframe');
  assert.ok(lab.cakeEl, 'embed.js made an iframe in the div.layercake with data-src');
  assert.ok(lab.historyEl, 'the plain history iframe');
  assert.ok(lab.dropEl, 'embed.js made an iframe for the drop-your-own div');
  lab.cake = await lab.cakeEl.contentFrame();
  lab.history = await lab.historyEl.contentFrame();
  lab.drop = await lab.dropEl.contentFrame();
  assert.ok(lab.reportEl, 'embed.js made an iframe for the lab report');
  // lazy iframes load once they are near the viewport
  await lab.reportEl.scrollIntoViewIfNeeded();
  lab.report = await lab.reportEl.contentFrame();
  lab.states = {
    cake: await h.waitFinal(lab.cake),
    history: await h.waitFinal(lab.history),
    report: await h.waitFinal(lab.report),
  };
  await lab.drop.waitForSelector('#layercake[data-state="idle"]', { timeout: 15_000 });
  return lab;
}

test('lab2.html: the two embeds of the sample finish and show it (4 bands, 11 history rows)', { timeout: 60_000 }, async () => {
  const { cake, history, drop, cakeEl, sample, states } = await openLab();
  assert.equal(new URL(await cakeEl.getAttribute('src')).searchParams.get('view'), 'cake', 'the embed.js iframe asks for view=cake');
  for (const [name, frame] of [['cake', cake], ['history', history]]) {
    assert.equal(states[name], 'done', `${name} embed: data-state (failure: ${await h.text(frame, '.failure')})`);
    assert.equal(await frame.$('.bug'), null, `${name} embed: no panic banner`);
    assert.ok(await frame.$('.embed-bar'), `${name} embed: an .embed-bar`);
    assert.equal(await frame.$('.tabs'), null, `${name} embed: no tabs`);
    assert.ok(await frame.$(`main#view-${name}`), `${name} embed: the ${name} view`);
    assert.equal(await h.text(frame, '#layer-count'), String(sample.layers.length), `${name} embed: #layer-count`);
    assert.equal(await h.text(frame, '#image-tags'), sample.tags.join(', '), `${name} embed: #image-tags`);
  }
  assert.equal(sample.layers.length, 4, 'the sample has 4 layers');
  assert.equal(await cake.locator('g.band').count(), sample.layers.length, 'cake embed: one g.band per layer');
  assert.equal(sample.config.history.length, 11, 'the sample has 11 history steps');
  assert.equal(await history.locator('table.history tbody tr').count(), sample.config.history.length, 'history embed: one row per history step');
  assert.ok(await drop.$('#file-input'), 'drop-your-own embed: a file input');
  assert.deepEqual(lab.p.errors, [], 'no page errors');
});

test('lab2.html: the lab image\'s report embed reaches done and shows its files, as recorded', { timeout: 60_000 }, async () => {
  const { report, states } = await openLab();
  assert.equal(states.report, 'done', `report embed: data-state (failure: ${await h.text(report, '.failure')})`);
  assert.equal(await report.$('.bug'), null, 'no panic banner');
  assert.ok(await report.$('main#view-files'), 'the files view');
  await report.waitForSelector('.tree .row[data-path="usr"]', { timeout: 15_000 });
  assert.equal(await h.text(report, '#layer-count'), '5', 'five layers');
  assert.match(await h.text(report, '#image-tags'), /layercake\/lab:latest/);
  assert.ok(lab.p.requests.some((r) => new URL(r.url).pathname === '/layercake/lab.layercake.json.gz'), 'the report was fetched from the site');
  assert.ok(!lab.p.requests.some((r) => /lab\.tar/.test(r.url)), 'the image itself is not shipped');
  assert.ok(!fs.existsSync(path.join(SITE, 'layercake', 'lab.tar.part')), 'no image left in the site');
});

test('lab2.html: the "compare two versions" embeds show the lab image against its next version', { timeout: 90_000 }, async () => {
  const { p } = await openLab();
  const cakeEl = await p.page.$('div.layercake[data-against][data-view="cake"] > iframe');
  const changesEl = await p.page.$('div.layercake[data-against][data-view="changes"] > iframe');
  assert.ok(cakeEl && changesEl, 'embed.js made an iframe for each div.layercake with data-against');
  const params = new URL(await cakeEl.getAttribute('src')).searchParams;
  assert.match(params.get('src'), /\/layercake\/lab\.layercake\.json\.gz$/, 'src: the lab report');
  assert.match(params.get('against'), /\/layercake\/lab-v2\.layercake\.json\.gz$/, 'against: its next version, from data-against');
  for (const [view, el] of [['cake', cakeEl], ['changes', changesEl]]) {
    await el.scrollIntoViewIfNeeded();
    const frame = await el.contentFrame();
    assert.equal(await h.waitFinal(frame), 'done', `${view}: data-state (failure: ${await h.text(frame, '.failure')})`);
    await frame.waitForSelector('#compare:is([data-state="done"], [data-state="error"])', { timeout: h.DONE_TIMEOUT });
    assert.equal(await frame.getAttribute('#compare', 'data-state'), 'done', `${view}: #compare (failure: ${await h.text(frame, '#compare-failure')})`);
    assert.equal(await frame.$('.tabs'), null, `${view}: no tabs`);
    assert.ok(await frame.$(`#compare-view-${view}`), `${view}: the comparison's ${view} view`);
  }
  const cake = await cakeEl.contentFrame();
  assert.equal(await cake.locator('#compare-cakes .pair.shared').count(), 4, 'four shared layers, aligned');
  assert.equal(await cake.locator('#compare-cakes .band.shared .shared-tag').count(), 8, 'marked shared on both sides');
  const changes = await changesEl.contentFrame();
  await changes.waitForSelector('tr.change[data-path="app/health.py"][data-change="A"]', { timeout: 15_000 });
  assert.ok(await changes.$('tr.change[data-path="app/main.py"][data-change="M"]'), 'app/main.py modified');
  assert.ok(await changes.$('#changes-unhashed'), 'two reports: compared by size, and said so');
  assert.ok(lab.p.requests.some((r) => new URL(r.url).pathname === '/layercake/lab-v2.layercake.json.gz'), 'the second report was fetched from the site');
  assert.deepEqual(lab.p.errors, [], 'no page errors');
});

test('lab2.html: every embed is resized from its initial height to its content\'s (screenshot: artifacts/lab-page.png)', { timeout: 60_000 }, async (t) => {
  const { p, cakeEl, historyEl, dropEl } = await openLab();
  const initial = await p.page.evaluate(() => window.__initialHeights);
  t.diagnostic(`initial iframe heights: ${JSON.stringify(initial)}`);
  const frames = [['cake', cakeEl], ['history', historyEl], ['drop-your-own', dropEl]];
  const results = [];
  const end = Date.now() + 5000;
  for (;;) {
    results.length = 0;
    for (const [name, el] of frames) {
      const src = await el.getAttribute('src');
      const first = initial.find((x) => x.src === src);
      results.push({ name, first: first ? parseFloat(first.height) : NaN, ...(await heights(el)) });
    }
    const ok = results.every((r) => Math.abs(r.outer - r.first) > 2 && Math.abs(r.outer - r.scroll) <= 3);
    if (ok || Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.diagnostic(`iframe heights: ${JSON.stringify(results)}`);
  // the picture first, so that it is there to look at when a check fails
  await h.screenshot(p.page, 'lab-page');
  const wrong = [];
  for (const r of results) {
    assert.ok(Number.isFinite(r.first), `${r.name}: the iframe's initial height was recorded`);
    if (Math.abs(r.outer - r.scroll) > 3) {
      wrong.push(`${r.name} embed: the iframe (${r.outer}px) is not as tall as its content (scrollHeight ${r.scroll}px, content bottom ${r.root}px)`);
    } else if (Math.abs(r.outer - r.first) <= 2) {
      wrong.push(`${r.name} embed: the iframe was not resized from its initial ${r.first}px`);
    }
  }
  assert.deepEqual(wrong, [], 'each iframe is as tall as its content');
});

test('lab2.html: no request leaves the origin, no URL to another host in the HTML and CSS', { timeout: 60_000 }, async (t) => {
  const { p, responses } = await openLab();
  const off = p.requests.filter((r) => !r.url.startsWith(`${server.origin}/`)).map((r) => `${r.type} ${r.url}`);
  assert.deepEqual(off, [], 'every request goes to the site origin');
  assert.ok(p.requests.some((r) => new URL(r.url).pathname === '/layercake/sample.tar'), 'the sample was fetched from the site');
  assert.ok(server.log.every((x) => x.status !== 404), `nothing the site lacks is asked for: ${server.log.filter((x) => x.status === 404).map((x) => x.url)}`);

  // no external URL in the HTML and CSS loaded (comments aside; they are listed)
  const scanned = [];
  const inComments = [];
  const external = [];
  for (const r of responses) {
    const type = r.request().resourceType();
    const ct = r.headers()['content-type'] || '';
    const isHtml = type === 'document' || ct.startsWith('text/html');
    const isCss = type === 'stylesheet' || ct.startsWith('text/css');
    if (!isHtml && !isCss) continue;
    const where = new URL(r.url()).pathname;
    let body;
    try {
      body = (await r.body()).toString('utf8');
    } catch {
      const file = path.join(SITE, decodeURIComponent(where));
      body = fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : '';
    }
    const live = externalUrls(isHtml ? stripHtmlComments(body) : stripCssComments(body), server.origin);
    scanned.push(where);
    for (const u of live) external.push(`${where}: ${u}`);
    for (const u of externalUrls(body, server.origin)) if (!live.includes(u)) inComments.push(`${where}: ${u}`);
  }
  // and in the live documents (what scripts added, e.g. embed.js's iframes)
  for (const frame of p.page.frames()) {
    const attrs = await frame.evaluate(() => [...document.querySelectorAll('*')].flatMap((el) =>
      [...el.attributes].filter((a) => !/^xmlns/.test(a.name)).map((a) => a.value)));
    for (const u of externalUrls(attrs.join('\n'), server.origin)) external.push(`${frame.url()} (live DOM): ${u}`);
  }
  t.diagnostic(`scanned: ${[...new Set(scanned)].join(' ')}`);
  if (inComments.length) t.diagnostic(`external URLs inside comments only (not fetched, not shown): ${inComments.join(', ')}`);
  assert.ok(scanned.includes('/lab2.html'), 'lab2.html was scanned');
  assert.ok(scanned.some((x) => x.startsWith('/_static/') && x.endsWith('.css')), 'the theme CSS was scanned');
  assert.ok(scanned.some((x) => x.startsWith('/layercake/') && x.endsWith('.css')), "the page's CSS was scanned");
  assert.deepEqual(external, [], 'no URL to another host in the HTML and CSS loaded');
});
