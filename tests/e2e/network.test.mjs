// Privacy: while a file is dissected, nothing leaves the page's origin and
// nothing but the page's own static assets is requested. Run against a
// server with and without HTTP Range support.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as h from './harness.mjs';

let browser;

before(async () => {
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** The page's own assets: '/', what index.html references, and the worker. */
function ownAssets() {
  const html = fs.readFileSync(path.join(h.DIST, 'index.html'), 'utf8');
  const refs = new Set(['/']);
  // Trunk.toml's public_url is "./": references are relative ("./app-….js")
  // (boot.js names the wasm in its query string: the file is boot.js)
  const abs = (r) => r.replace(/^\.\//, '/').replace(/\?.*$/, '');
  for (const m of html.matchAll(/(?:href|src|module_or_path:|from)\s*=?\s*['"]((?:\.\/|\/)[^'"]+)['"]/g)) refs.add(abs(m[1]));
  for (const m of html.matchAll(/import\s[^'"]*['"]((?:\.\/|\/)[^'"]+)['"]/g)) refs.add(abs(m[1]));
  // started by the page (src/web/pool.rs: Worker::new("./worker_loader.js"))
  for (const w of ['/worker_loader.js', '/worker.js', '/worker_bg.wasm']) refs.add(w);
  for (const r of refs) {
    if (r !== '/') assert.ok(fs.existsSync(path.join(h.DIST, r)), `dist${r} exists`);
  }
  return refs;
}

for (const range of [true, false]) {
  test(`no request leaves the origin while a file is dissected (server Range support ${range ? 'on' : 'off'})`, { timeout: 60_000 }, async (t) => {
    if (!h.needFixtures(t)) return;
    const file = 'built__bb-docker.tar';
    const server = await h.startServer({ range });
    const p = await h.newPage(browser);
    try {
      const allowed = ownAssets();
      await h.openApp(p.page, server);
      const r = await h.dropFile(p.page, h.fixture(file));
      assert.ok(r.dropPrevented);
      assert.equal(await h.waitSettled(p.page), 'done');
      // browse a little: the worker answers, the network must stay quiet
      for (const tab of ['history', 'config', 'manifest', 'files', 'verify', 'cake']) await h.showTab(p.page, tab);
      await p.page.waitForTimeout(300);

      const urls = p.requests.map((x) => x.url);
      assert.ok(urls.length >= allowed.size, `requests were recorded: ${JSON.stringify(urls)}`);
      const offOrigin = urls.filter((u) => !u.startsWith(`${server.origin}/`));
      assert.deepEqual(offOrigin, [], 'every request goes to the page origin');
      const paths = urls.map((u) => new URL(u).pathname);
      const unexpected = paths.filter((x) => !allowed.has(x));
      assert.deepEqual(unexpected, [], `only the page's own assets are requested (allowed: ${[...allowed].join(', ')})`);
      // (favicon.ico is the alternate icon: a browser that takes the SVG never asks for it)
      for (const a of allowed) if (a !== '/favicon.ico') assert.ok(paths.includes(a), `${a} was requested (the recording sees it)`);
      assert.deepEqual(p.requests.filter((x) => x.method !== 'GET').map((x) => `${x.method} ${x.url}`), [], 'nothing is sent (only GET)');
      assert.ok(!urls.some((u) => u.includes(file) || u.includes('fixtures')), 'the file is never fetched or named');
      assert.ok(!paths.includes('/sample.tar'), 'the sample is not fetched unless asked for');

      // the server saw the same (plus the browser's own /favicon.ico probe)
      const served = server.log.map((x) => new URL(x.url, server.origin).pathname);
      assert.deepEqual(served.filter((x) => !allowed.has(x) && x !== '/favicon.ico'), [], 'server log: own assets only');
      if (!range) assert.ok(server.log.every((x) => x.status !== 206), 'no 206 from a server without Range support');
      t.diagnostic(`requests (${range ? "range" : "no range"}): ${[...new Set(paths)].join(" ")}`);
    } finally {
      await p.close();
      await server.close();
    }
  });
}
