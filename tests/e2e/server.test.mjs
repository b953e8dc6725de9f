// The test server itself: content types, Range requests (206/416) when
// enabled, full responses when disabled, mounted directories.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as h from './harness.mjs';

function distFile(re) {
  const f = fs.readdirSync(h.DIST).find((n) => re.test(n));
  assert.ok(f, `dist/ holds ${re} (build the page first)`);
  return f;
}

test('static server: types, ranges, mounts', async () => {
  const extra = fs.mkdtempSync(path.join(os.tmpdir(), 'layercake-mount-'));
  fs.writeFileSync(path.join(extra, 'blob.bin'), Buffer.from('0123456789abcdef'));
  const on = await h.startServer({ mounts: { '/fixtures/': extra } });
  const off = await h.startServer({ range: false, mounts: { '/fixtures/': extra } });
  try {
    const wasm = distFile(/^app-.*_bg\.wasm$/);
    const js = distFile(/^app-.*\.js$/);
    let r = await fetch(`${on.origin}/`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    r = await fetch(`${on.origin}/${wasm}`);
    assert.equal(r.headers.get('content-type'), 'application/wasm');
    r = await fetch(`${on.origin}/${js}`);
    assert.match(r.headers.get('content-type'), /^text\/javascript/);
    r = await fetch(`${on.origin}/worker_bg.wasm`);
    assert.equal(r.headers.get('content-type'), 'application/wasm');
    r = await fetch(`${on.origin}/nope.js`);
    assert.equal(r.status, 404);

    // ranges on
    r = await fetch(`${on.origin}/fixtures/blob.bin`, { headers: { Range: 'bytes=2-5' } });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-range'), 'bytes 2-5/16');
    assert.equal(r.headers.get('accept-ranges'), 'bytes');
    assert.equal(await r.text(), '2345');
    r = await fetch(`${on.origin}/fixtures/blob.bin`, { headers: { Range: 'bytes=-3' } });
    assert.equal(r.status, 206);
    assert.equal(await r.text(), 'def');
    r = await fetch(`${on.origin}/fixtures/blob.bin`, { headers: { Range: 'bytes=10-' } });
    assert.equal(await r.text(), 'abcdef');
    r = await fetch(`${on.origin}/fixtures/blob.bin`, { headers: { Range: 'bytes=99-' } });
    assert.equal(r.status, 416);
    assert.equal(r.headers.get('content-range'), 'bytes */16');
    r = await fetch(`${on.origin}/fixtures/blob.bin`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), '0123456789abcdef');

    // ranges off: the header is ignored
    r = await fetch(`${off.origin}/fixtures/blob.bin`, { headers: { Range: 'bytes=2-5' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('accept-ranges'), 'none');
    assert.equal(await r.text(), '0123456789abcdef');

    // no escaping a mount
    r = await fetch(`${on.origin}/fixtures/..%2f..%2fetc%2fpasswd`);
    assert.ok(r.status === 403 || r.status === 404, `status ${r.status}`);
    assert.equal(on.log.at(-1).url, '/fixtures/..%2f..%2fetc%2fpasswd', 'requests are logged');
  } finally {
    await on.close();
    await off.close();
    fs.rmSync(extra, { recursive: true, force: true });
  }
});
