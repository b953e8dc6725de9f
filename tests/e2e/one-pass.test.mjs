// A one-pass archive (whole-archive gzip) whose manifest.json comes last:
// the page draws each layer as soon as it has been read, before the
// manifest names it (issue 9), then the image's cake once it does.
//
// The archive is built here: three small layers, then 384 MiB of zeros
// (a member no manifest names, inflated in one pass: it keeps the read
// going for a while), then the config and manifest.json.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import * as h from './harness.mjs';

const ctx = h.serverAndBrowser();
const pad = (n) => Buffer.alloc((512 - (n % 512)) % 512);
const member = (name, body) => [h.tarHeader(name, body.length), body, pad(body.length)];
const tar = (files) => Buffer.concat([...files.flatMap(([n, b]) => member(n, Buffer.from(b))), Buffer.alloc(1024)]);

async function writeManifestLast(file) {
  const layers = [
    tar([['etc/os-release', 'ID=test\n'], ['bin/sh', 'x'.repeat(5000)]]),
    // 1.5 MiB: large enough to be handed to a second worker (layers under
    // MIN_RELAYED_MEMBER_BYTES, 1 MiB, are read where they are)
    tar([['app/main.py', 'print(1)\n'], ['app/data.bin', 'y'.repeat(3 << 19)]]),
    tar([['app/extra.txt', 'z\n']]),
  ];
  const diffIds = layers.map((l) => `sha256:${crypto.createHash('sha256').update(l).digest('hex')}`);
  const paths = diffIds.map((d) => `${d.slice(7)}/layer.tar`);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Cmd: ['python3', 'app/main.py'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created_by: `step ${i}` })),
  }));
  const configName = `${crypto.createHash('sha256').update(config).digest('hex')}.json`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ['onepass/last:1'], Layers: paths }]));
  const out = fs.createWriteStream(file);
  const gz = zlib.createGzip({ level: 1 });
  gz.pipe(out);
  const write = async (c) => { if (!gz.write(c)) await new Promise((r) => gz.once('drain', r)); };
  for (let i = 0; i < layers.length; i++) for (const c of member(paths[i], layers[i])) await write(c);
  const zeros = 384 << 20;
  await write(h.tarHeader('padding.bin', zeros));
  const chunk = Buffer.alloc(8 << 20);
  for (let n = 0; n < zeros; n += chunk.length) await write(chunk);
  for (const c of [...member(configName, config), ...member('manifest.json', manifest), Buffer.alloc(1024)]) await write(c);
  gz.end();
  await new Promise((r) => out.once('finish', r));
  return file;
}

test('one-pass archive: layers drawn as they are read, the image when manifest.json comes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layercake-onepass-'));
  const file = await writeManifestLast(path.join(dir, 'manifest-last.tar.gz'));
  const { page, close } = await h.newPage(ctx.browser);
  try {
    await h.openApp(page, ctx.server);
    await h.chooseFile(page, file);
    // while the zeros inflate: three bands, no image yet
    await page.waitForFunction(() => document.querySelectorAll('#arriving g.band').length === 3, null, { timeout: 60_000 });
    assert.equal(await page.getAttribute('#layercake', 'data-state'), 'loading', 'the read is still going');
    assert.equal(await page.$('#image-tags'), null, 'no image before manifest.json');
    const sizes = await page.locator('#arriving g.band title').allTextContents();
    assert.ok(sizes.some((t) => /2 entries/.test(t)), `band titles: ${sizes.join(' | ')}`);
    // then the image: its tags, and the cake of its three layers
    assert.equal(await h.waitSettled(page, 120_000), 'done');
    assert.equal(await h.text(page, '#image-tags'), 'onepass/last:1');
    assert.equal(await page.$('#arriving'), null, 'the cake replaces the layers read so far');
    assert.equal(await page.locator('g.band[data-layer]').count(), 3);
  } finally {
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Two workers read a one-pass archive together: the first inflates and
// walks it, handing each layer member to the second, which hashes and
// walks it. The profile says how many bytes went across; the facts are
// the same as one worker's.
test('one-pass archive, two workers: layer members handed to the second, the same facts', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layercake-onepass-'));
  const file = await writeManifestLast(path.join(dir, 'manifest-last.tar.gz'));
  const seen = {};
  for (const workers of [1, 2]) {
    const { page, close } = await h.newPage(ctx.browser);
    try {
      await h.openApp(page, ctx.server, `/?workers=${workers}&profile=1`);
      await h.chooseFile(page, file);
      assert.equal(await h.waitSettled(page, 120_000), 'done');
      await page.waitForSelector('#layercake[data-profile]', { timeout: 10_000 });
      const prof = JSON.parse(await page.getAttribute('#layercake', 'data-profile'));
      const relayed = prof.workers.find((w) => w.worker === 0)?.relayed_mb ?? 0;
      if (workers === 1) assert.equal(relayed, 0, 'one worker hands nothing on');
      // the 1.5 MiB layer (and the zeros, an empty tar to the eye) went
      // across; the two small layers are read where they are
      else assert.ok(relayed > 1.5, `the 1.5 MiB layer went to the second worker: ${relayed} MB`);
      const bands = await page.locator('g.band[data-layer]').count();
      await h.showTab(page, 'verify');
      seen[workers] = {
        tags: await h.text(page, '#image-tags'),
        bands,
        verify: await h.text(page, 'main#view-verify'),
      };
    } finally {
      await close();
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(seen[2].tags, 'onepass/last:1');
  assert.equal(seen[2].bands, 3);
  assert.deepEqual(seen[2], seen[1]);
  assert.match(seen[2].verify, /verified/i);
});
