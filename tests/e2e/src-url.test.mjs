// Loading by URL: `?src=` with a server that answers Range requests (the
// worker reads ranges: every request for the archive is a 206) and with one
// that does not (the page downloads the whole body with a plain GET); and
// the message a URL that cannot be fetched gives (404, network / CORS).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from './harness.mjs';

const FIXTURES = [
  'built__bb-docker.tar', // docker-archive, uncompressed
  'trivy__alpine-311.tar.gz', // whole-archive gzip
  'built__bb-oci-zstd.tar', // OCI layout, zstd layers
];

let browser;

before(async () => {
  browser = await h.launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Header of the image shown against facts.json (same checks as archives.test.mjs). */
async function checkHeader(page, file, exp) {
  assert.equal(await h.text(page, '#config-digest'), exp.configDigest, `${file}: #config-digest`);
  const tags = await h.text(page, '#image-tags');
  if (exp.tags.length === 0) {
    assert.equal(tags, '(untagged)', `${file}: #image-tags`);
  } else {
    for (const tag of exp.tags) {
      assert.ok(tags.split(', ').includes(tag), `${file}: #image-tags "${tags}" lacks "${tag}"`);
    }
  }
  assert.equal(await h.text(page, '#layer-count'), String(exp.layers), `${file}: #layer-count`);
  assert.equal(await h.text(page, '#platform'), exp.platform, `${file}: #platform`);
  assert.equal(await h.text(page, '#file-name'), file, `${file}: #file-name (the URL's last segment)`);
  assert.equal(await page.locator('g.band[data-layer]').count(), exp.layers, `${file}: cake bands`);
}

for (const range of [true, false]) {
  test(`?src= loads archives from a server with Range support ${range ? 'ON (range reads, 206)' : 'OFF (one plain GET, 200)'}`, { timeout: 90_000 }, async (t) => {
    if (!h.needFixtures(t)) return;
    const server = await h.startServer({ range, mounts: { '/fixtures/': h.FIXTURES } });
    try {
      for (const file of FIXTURES) {
        const [exp] = h.expectedImages(file);
        const url = h.fixtureUrl(file);
        const p = await h.newPage(browser);
        try {
          const before = server.log.length;
          await p.page.goto(`${server.origin}/index.html?profile=1&src=${encodeURIComponent(url)}`);
          const state = await h.waitFinal(p.page);
          assert.equal(state, 'done', `${file}: data-state (failure: ${await h.text(p.page, '.failure')})`);
          assert.equal(await p.page.$('.bug'), null, `${file}: no panic banner`);
          await checkHeader(p.page, file, exp);
          if (exp.facts.diff_ids_match) assert.match(await h.text(p.page, '#verified'), /✓/, `${file}: #verified`);
          if (file.endsWith('.tar.gz')) {
            // read in one pass: the worker reading the URL hands the layer
            // members to a second worker, where there is a core for it
            await p.page.waitForSelector('#layercake[data-profile]', { timeout: 10_000 });
            const prof = JSON.parse(await p.page.getAttribute('#layercake', 'data-profile'));
            const cores = await p.page.evaluate(() => navigator.hardwareConcurrency);
            const relayed = prof.workers.find((w) => w.worker === 0)?.relayed_mb ?? 0;
            if (cores > 1) assert.ok(relayed > 0, `${file}: layer members handed to the second worker (${relayed} MB)`);
          }

          // HEAD requests (the worker asks whether ranges are served) carry no body
          const hits = server.log.slice(before)
            .filter((x) => new URL(x.url, server.origin).pathname === url && x.method !== 'HEAD');
          const seen = hits.map((x) => `${x.range || 'no Range'} -> ${x.status}`);
          t.diagnostic(`${file} (range ${range ? 'on' : 'off'}): ${seen.join(', ')}`);
          assert.ok(hits.length > 0, `${file}: the archive was requested`);
          if (range) {
            assert.ok(hits.every((x) => x.range && x.status === 206),
              `${file}: with Range support every request for the archive is a Range request answered 206 (got ${seen.join(', ')})`);
          } else {
            assert.ok(hits.every((x) => x.status === 200), `${file}: no 206 from a server without Range support (got ${seen.join(', ')})`);
            assert.ok(hits.some((x) => !x.range),
              `${file}: without Range support the page downloads the archive with a plain GET (got ${seen.join(', ')})`);
            const fetched = p.requests.filter((r) => new URL(r.url).pathname === url && r.type === 'fetch');
            assert.ok(fetched.length >= 1, `${file}: the plain GET is the page's fetch() (recorded: ${JSON.stringify(p.requests.filter((r) => r.url.includes(url)))})`);
          }
          const off = p.requests.filter((r) => !r.url.startsWith(`${server.origin}/`)).map((r) => r.url);
          assert.deepEqual(off, [], `${file}: every request goes to the page origin`);
          assert.deepEqual(p.errors, [], `${file}: no page errors`);
        } finally {
          await p.close();
        }
      }
    } finally {
      await server.close();
    }
  });
}

test('?src= of a missing file: data-state "error" and a message naming the URL and the 404', { timeout: 60_000 }, async () => {
  for (const range of [true, false]) {
    const server = await h.startServer({ range });
    const p = await h.newPage(browser);
    try {
      await p.page.goto(`${server.origin}/index.html?src=/nope.tar`);
      assert.equal(await h.waitFinal(p.page), 'error', `data-state (range ${range ? 'on' : 'off'})`);
      const msg = await h.text(p.page, '#problems .failure');
      assert.ok(msg, `#problems .failure is shown (range ${range ? 'on' : 'off'})`);
      assert.ok(msg.includes('/nope.tar'), `the message names the URL: "${msg}"`);
      assert.match(msg, /\b404\b/, `the message gives the HTTP status: "${msg}"`);
      assert.equal(await p.page.$('.bug'), null, 'no panic banner');
      assert.equal(await p.page.$('g.band'), null, 'no cake');
      assert.ok(server.log.some((x) => x.url === '/nope.tar' && x.status === 404), 'the server was asked and answered 404');
    } finally {
      await p.close();
      await server.close();
    }
  }
});

test('?src= of an unreachable or cross-origin URL: data-state "error", a message naming the URL and a network/CORS cause', { timeout: 60_000 }, async () => {
  const server = await h.startServer();
  // a live server on another origin that sends no CORS headers
  const other = await h.startServer();
  // a port that was free a moment ago (port 9 is also refused by Chromium as unsafe)
  const gone = await h.startServer();
  await gone.close();
  try {
    const cases = [
      ['port 9, nothing listens there', 'http://127.0.0.1:9/x.tar'],
      ['a closed port', `http://127.0.0.1:${gone.port}/x.tar`],
      ['another origin without CORS headers', `${other.origin}/sample.tar`],
    ];
    for (const [why, src] of cases) {
      const p = await h.newPage(browser);
      try {
        await p.page.goto(`${server.origin}/index.html?src=${encodeURIComponent(src)}`);
        assert.equal(await h.waitFinal(p.page), 'error', `${why}: data-state`);
        const msg = await h.text(p.page, '#problems .failure');
        assert.ok(msg, `${why}: #problems .failure is shown`);
        assert.ok(msg.includes(src), `${why}: the message names the URL ${src}: "${msg}"`);
        assert.match(msg, /network|CORS/i, `${why}: the message says why: "${msg}"`);
        assert.equal(await p.page.$('.bug'), null, `${why}: no panic banner`);
        if (src.startsWith(other.origin)) {
          assert.ok(other.log.some((x) => x.url === '/sample.tar' || x.method === 'OPTIONS'),
            `${why}: the other origin was reached (so CORS, not the network, refused it): ${JSON.stringify(other.log)}`);
        }
      } finally {
        await p.close();
      }
    }
  } finally {
    await server.close();
    await other.close();
  }
});

// An uncompressed archive whose every byte is needed (all layers are hashed
// to verify them): each byte should cross the network about once, with or
// without Range support.
test('?src= transfers the archive about once (server Range support on and off)', { timeout: 60_000 }, async (t) => {
  if (!h.needFixtures(t)) return;
  const file = 'built__bb-docker.tar';
  const size = h.factsOf(file).size;
  const url = h.fixtureUrl(file);
  const wrong = [];
  for (const range of [true, false]) {
    const server = await h.startServer({ range, mounts: { '/fixtures/': h.FIXTURES } });
    const p = await h.newPage(browser);
    try {
      await p.page.goto(`${server.origin}/index.html?src=${encodeURIComponent(url)}`);
      assert.equal(await h.waitFinal(p.page), 'done', `range ${range ? 'on' : 'off'}: data-state`);
      await p.page.waitForTimeout(300);
      const hits = server.log.filter((x) => new URL(x.url, server.origin).pathname === url);
      const sent = hits.reduce((n, x) => n + x.bytes, 0);
      const detail = hits.map((x) => `${x.range || 'no Range'} -> ${x.status}, ${x.bytes} bytes`).join('; ');
      t.diagnostic(`range ${range ? 'on' : 'off'}: ${sent} bytes sent for a ${size}-byte archive (${(sent / size).toFixed(2)}x): ${detail}`);
      if (sent > size * 1.25) {
        wrong.push(`range ${range ? 'on' : 'off'}: ${sent} bytes sent for a ${size}-byte archive (${(sent / size).toFixed(2)}x): ${detail}`);
      }
    } finally {
      await p.close();
      await server.close();
    }
  }
  assert.deepEqual(wrong, [], 'the archive is transferred at most 1.25 times');
});
