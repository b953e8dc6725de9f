// Hostile archives, the page side: Stop ends every worker, a worker that
// dies (a WebAssembly trap, a panic) is an error that says so, a large
// file downloads whole in pieces, and the built page runs under its
// Content-Security-Policy. The archives are built here, in a temporary
// directory (none is committed).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as h from './harness.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layercake-hostile-'));
const ctx = h.serverAndBrowser({ mounts: { '/tmp/': tmp } });

// 1 GiB of zeros in one layer, whole-archive gzip: about 1 MB on disk
const BOMB = path.join(tmp, 'bomb.tar.gz');
// a 9 MiB file (more than two download pieces) in an uncompressed archive
const BIG = { name: 'data/big.bin', size: (9 << 20) + 5, content: 'pattern' };
const BIG_TAR = path.join(tmp, 'big.tar');

before(async () => {
  await h.writeImageArchive(BOMB, { files: [{ name: 'zeros', size: 1 << 30, content: 'zeros' }], gzip: true });
  await h.writeImageArchive(BIG_TAR, { files: [BIG] });
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Workers of the page that are still running. */
const workers = (page) => page.workers().length;

async function waitNoWorkers(page) {
  const until = Date.now() + 5000;
  while (workers(page) > 0 && Date.now() < until) await page.waitForTimeout(50);
  return workers(page);
}

test('Stop during a long read: every worker ends, the page says "stopped", another file opens', { timeout: 120_000 }, async () => {
  const p = await h.newPage(ctx.browser);
  try {
    await h.openApp(p.page, ctx.server);
    await h.chooseFile(p.page, BOMB);
    await p.page.waitForSelector('#layercake[data-state="loading"] #stop', { timeout: 10_000 });
    // mid-read: the image is known (its manifest comes first), the layer is not
    // the layer inflates far more than the archive holds: that is shown
    await p.page.waitForFunction(() => / [MG]B inflated/.test(document.querySelector('#progress-text')?.textContent), null, { timeout: 15_000 });
    assert.equal(await p.page.getAttribute('#layercake', 'data-state'), 'loading', 'still reading when Stop is pressed');
    assert.ok(workers(p.page) > 0, 'workers run while reading');
    await p.page.click('#stop');
    await p.page.waitForSelector('#layercake[data-state="stopped"]', { timeout: 5000 });
    assert.equal(await waitNoWorkers(p.page), 0, 'no worker is left running');
    assert.match(await h.text(p.page, '#problems .failure.stopped'), /^Stopped: .*Open another file/);
    assert.equal(await p.page.$('#stop'), null, 'no Stop button once stopped');
    assert.equal(await p.page.$('.progress'), null, 'no progress bar once stopped');
    // and the reader can go on with another file
    await h.armStateWatch(p.page);
    await p.page.setInputFiles('#file-input-another', path.join(h.DIST, 'sample.tar'));
    assert.equal(await h.waitSettled(p.page), 'done');
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});

/**
 * Replaces, in every worker of the page, what the next
 * FileReaderSync.readAsArrayBuffer returns to the wasm: `make` is the body
 * of a function of (exports, bytes), `exports` the worker's wasm exports
 * and `bytes` the ArrayBuffer really read.
 */
async function onNextRead(page, make) {
  for (const w of page.workers()) {
    await w.evaluate(async (make) => {
      /* global wasm_bindgen */
      // the exports of the instance already running (or being loaded:
      // wasm-bindgen loads once)
      const exports = await wasm_bindgen();
      const read = FileReaderSync.prototype.readAsArrayBuffer;
      FileReaderSync.prototype.readAsArrayBuffer = function (blob) {
        FileReaderSync.prototype.readAsArrayBuffer = read;
        // eslint-disable-next-line no-new-func
        return new Function('exports', 'bytes', make)(exports, read.call(this, blob));
      };
    }, make);
  }
}

test('a worker that traps while reading (allocation failure): error, "the reader crashed", no worker left', { timeout: 60_000 }, async () => {
  const p = await h.newPage(ctx.browser);
  try {
    await h.openApp(p.page, ctx.server);
    while (workers(p.page) === 0) await p.page.waitForTimeout(50);
    // the wasm copies the bytes with `new Uint8Array(x)`, which asks x for
    // its length; that asks the wasm's allocator for what it cannot give:
    // it aborts, the `unreachable` trap an out-of-memory read ends in
    await onNextRead(p.page, 'return { get length() { exports.__wbindgen_malloc(0xfffffff0, 8); return 0; } };');
    await h.chooseFile(p.page, BIG_TAR);
    assert.equal(await h.waitSettled(p.page), 'error');
    const failure = await h.text(p.page, '#problems .failure.crashed');
    assert.ok(failure, `a crash is shown: ${await h.text(p.page, '#problems')} ${JSON.stringify(p.errors)}`);
    assert.match(failure, /^The reader crashed: .*WebAssembly trap.*unreachable/);
    assert.equal(await waitNoWorkers(p.page), 0, 'no worker is left running');
    assert.equal(await p.page.$('#tab-cake'), null, 'no views without a worker to answer them');
    await h.armStateWatch(p.page);
    await p.page.setInputFiles('#file-input-another', path.join(h.DIST, 'sample.tar'));
    assert.equal(await h.waitSettled(p.page), 'done', 'another file opens after a crash');
  } finally {
    await p.close();
  }
});

test('a worker that panics answering a request: error with the panic message', { timeout: 60_000 }, async () => {
  const p = await h.newPage(ctx.browser);
  try {
    await h.openApp(p.page, ctx.server);
    assert.equal(await h.load(p.page, BIG_TAR), 'done');
    // bytes that shrink between two looks at their length: js-sys's
    // copy_to asserts the lengths agree, and panics
    await onNextRead(p.page, `
      const proto = Object.getPrototypeOf(Uint8Array.prototype);
      const real = Object.getOwnPropertyDescriptor(proto, 'length');
      const shrinking = new ArrayBuffer(bytes.byteLength, { maxByteLength: bytes.byteLength });
      new Uint8Array(shrinking).set(new Uint8Array(bytes));
      Object.defineProperty(proto, 'length', { configurable: true, get() {
        const n = real.get.call(this);
        if (this.buffer === shrinking && n > 0) {
          Object.defineProperty(proto, 'length', real);
          shrinking.resize(n - 1);
        }
        return n;
      } });
      return shrinking;`);
    await h.showTab(p.page, 'files');
    await p.page.click('.row[data-path="data"] > .name');
    await p.page.click('.row[data-path="data/big.bin"] > .name');
    await p.page.waitForSelector('#layercake[data-state="error"]', { timeout: 15_000 }).catch(async (e) => {
      throw new Error(`${e.message}: ${await h.text(p.page, '.viewer')} ${JSON.stringify(p.errors)}`);
    });
    const failure = await h.text(p.page, '#problems .failure.crashed');
    assert.match(failure, /^The reader crashed: a bug: panicked at .*assertion/s);
    assert.equal(await waitNoWorkers(p.page), 0, 'no worker is left running');
  } finally {
    await p.close();
  }
});

test('"Download whole file" streams a 9 MiB file in pieces: the bytes are the file', { timeout: 60_000 }, async () => {
  const p = await h.newPage(ctx.browser, { acceptDownloads: true });
  try {
    await p.page.goto(`${ctx.server.origin}/?src=/tmp/big.tar&path=/data/big.bin`);
    assert.equal(await h.waitFinal(p.page), 'done');
    await p.page.waitForSelector('#file-contents', { timeout: 15_000 });
    assert.match(await h.text(p.page, '.viewer header'), /first 262\.1 kB shown/);
    const [download] = await Promise.all([p.page.waitForEvent('download', { timeout: 30_000 }), p.page.click('#download')]);
    assert.equal(download.suggestedFilename(), 'big.bin');
    const got = fs.readFileSync(await download.path());
    const want = h.fileBytes(BIG);
    assert.equal(got.length, want.length, 'size');
    assert.equal(
      crypto.createHash('sha256').update(got).digest('hex'),
      crypto.createHash('sha256').update(want).digest('hex'),
      'the same bytes',
    );
    await p.page.waitForSelector('#download:not([disabled])');
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});

test('?src= shows where the archive comes from', { timeout: 60_000 }, async () => {
  const p = await h.newPage(ctx.browser);
  try {
    await p.page.goto(`${ctx.server.origin}/?src=/tmp/big.tar`);
    assert.equal(await h.waitFinal(p.page), 'done');
    assert.equal(await h.text(p.page, '#source-origin'), ctx.server.origin);
  } finally {
    await p.close();
  }
});

test('the built page runs under its Content-Security-Policy, with no inline script', { timeout: 60_000 }, async () => {
  const html = fs.readFileSync(path.join(h.DIST, 'index.html'), 'utf8');
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
  assert.ok(csp, 'a CSP meta tag');
  assert.match(csp[1], /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  const scriptSrc = csp[1].split(';').find((d) => d.trim().startsWith('script-src'));
  assert.doesNotMatch(scriptSrc, /'unsafe-inline'|'unsafe-eval'/);
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => !/\bsrc=/.test(m[1]) || m[2].trim());
  assert.deepEqual(inline.map((m) => m[0]), [], 'no inline script in dist/index.html');

  const p = await h.newPage(ctx.browser);
  const violations = [];
  p.page.on('console', (m) => {
    if (/Content.Security.Policy|CSP/i.test(m.text())) violations.push(m.text());
  });
  await p.context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  try {
    await h.openApp(p.page, ctx.server);
    await p.page.click('a.sample');
    await p.page.waitForSelector('#layercake[data-state="done"]', { timeout: h.DONE_TIMEOUT });
    await h.showTab(p.page, 'files');
    await h.showTab(p.page, 'config');
    assert.deepEqual(await p.page.evaluate(() => window.__violations), [], 'no securitypolicyviolation event');
    assert.deepEqual(violations, [], 'no CSP message in the console');
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});
