// Hostile archives on the page (issue 7's end-to-end proof): "Dropped on
// the page, each of these reaches `done` or `error` with a message. No
// worker is left running."
//
// The archives (a)–(f) and (m)–(o) are the native tests' own (tests/hostile.rs),
// written by `cargo run --release --example hostile -- <dir>` into a
// temporary directory, at full size: (d) is 4 GiB of padding inflated in
// one pass (about 40 MB gzipped), (e) a 1 GiB PAX record. The example has
// no size knob; LAYERCAKE_HOSTILE_SKIP_BIG=1 leaves (d) and (e) out for a
// quick run. (g), unsafe names, is built here with a small tar writer.
//
// Each archive is given to the page's file input; the test waits (bounded)
// for `data-state` to be `done` or `error`, then asserts what the page
// shows (the image header, or the failure; a limit is a problem naming its
// constant from src/limits.rs), that no worker is left running (every
// worker still alive answers within a few seconds: none is stuck in a
// read) and that no worker's wasm memory passed 512 MiB (read from each
// worker's wasm instance, and from the page's "worker N holds X MiB of wasm
// memory" console lines). A table (archive, state, seconds, max worker
// memory) is printed at the end.
//
// Needs dist/ built (see tests/e2e/README.md) and cargo.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as h from './harness.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layercake-hostile-archives-'));
const ctx = h.serverAndBrowser();

/** How long one archive may take to reach `done` or `error`. */
const SETTLE_MS = 120_000;
/** The budget for one worker's wasm memory. */
const MEMORY_LIMIT = 512 << 20;
/** A worker that does not answer in this long is still busy reading. */
const IDLE_MS = 5000;

const SKIP_BIG = /^(1|true|yes)$/i.test(process.env.LAYERCAKE_HOSTILE_SKIP_BIG || '');

const results = [];

// ------------------------------------------------------------- (g) by hand

/** A tar of [{ name, body, type?, link? }]. */
function tar(members) {
  const parts = [];
  for (const m of members) {
    const body = Buffer.from(m.body ?? '');
    parts.push(
      h.tarHeader(m.name, body.length, m.type ?? '0', m.type === '5' ? 0o755 : 0o644, m.link ?? ''),
      body,
    );
    parts.push(Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

/** A docker-save image of one layer: its members and manifest.json entry. */
function dockerImage(layer, tag) {
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] },
    history: [{ created_by: `the layer of ${tag}` }],
  }));
  const layerPath = `${sha(layer)}/layer.tar`;
  const configPath = `${sha(config)}.json`;
  return {
    members: [{ name: layerPath, body: layer }, { name: configPath, body: config }],
    entry: { Config: configPath, RepoTags: [tag], Layers: [layerPath] },
  };
}

/** Names that would land outside the root when unpacked (tests/hostile.rs (g)). */
const UNSAFE = ['../../etc/passwd', '/abs/file', 'a/../../b', 'evil/passwd', '../manifest.json'];

/**
 * (g) a docker save whose layer holds `../../etc/passwd`, `/abs/file`,
 * `a/../../b` and a write through a symlink to /etc, followed by a decoy
 * image named by an outer `../manifest.json` (last, where a "last wins"
 * rule would let it replace manifest.json).
 */
function unsafeNames() {
  const layer = tar([
    { name: '../../etc/passwd', body: 'root::0:0::/:/bin/sh\n' },
    { name: '/abs/file', body: 'abs\n' },
    { name: 'a/../../b', body: 'b\n' },
    { name: 'evil', type: '2', link: '/etc' },
    { name: 'evil/passwd', body: 'through the link\n' },
    { name: 'fine/file', body: 'ok\n' },
  ]);
  const real = dockerImage(layer, 'real:1');
  const decoy = dockerImage(tar([{ name: 'decoy', body: 'x' }]), 'decoy:1');
  return tar([
    ...real.members,
    { name: 'manifest.json', body: JSON.stringify([real.entry]) },
    ...decoy.members,
    { name: '../manifest.json', body: JSON.stringify([decoy.entry]) },
  ]);
}

// ------------------------------------------------------------------ setup

before(async () => {
  const env = { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}` };
  // the release example (a no-op when it is built already); when the
  // tree does not build right now (an edit under way), an example built
  // before will do: it only writes archives
  const example = path.join(h.ROOT, 'target', 'release', 'examples', 'hostile');
  try {
    execFileSync('cargo', ['build', '--release', '--quiet', '--example', 'hostile'], {
      cwd: h.ROOT,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 30 * 60_000,
    });
  } catch (e) {
    if (!fs.existsSync(example)) throw e;
    console.log(`# cargo build --release --example hostile failed (${e.message.split('\n')[0]}); using the example built before`);
  }
  const only = SKIP_BIG ? ['a', 'b', 'c', 'f', 'm', 'n', 'o'] : [];
  execFileSync(example, [tmp, ...only], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 10 * 60_000,
  });
  fs.writeFileSync(path.join(tmp, 'g-unsafe-names.tar'), unsafeNames());
}, { timeout: 35 * 60_000 });

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  if (!results.length) return;
  const rows = [['archive', 'size', 'state', 'seconds', 'max worker memory', 'shown'], ...results.map((r) => [
    r.archive,
    r.size < 2 ** 20 ? `${(r.size / 1024).toFixed(0)} KiB` : `${(r.size / 2 ** 20).toFixed(1)} MiB`,
    r.state,
    r.seconds.toFixed(1),
    r.memory === null ? 'n/a' : `${(r.memory / 2 ** 20).toFixed(0)} MiB (${r.workers} workers)`,
    r.shown.join('; '),
  ])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(['', line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n'));
});

// ---------------------------------------------------------------- the run

/** Evaluates fn in a worker, or gives `fallback` after `ms` (a busy worker does not answer). */
function within(worker, fn, ms, fallback) {
  return Promise.race([
    worker.evaluate(fn).catch((e) => ({ gone: String(e) })),
    new Promise((r) => setTimeout(() => r(fallback), ms)),
  ]);
}

/**
 * Gives the archive to the page and waits for it to settle. Returns
 * { p, state, seconds, memory, busy, failure, problems } with the page
 * still open (the caller closes p).
 */
async function run(file) {
  const p = await h.newPage(ctx.browser);
  const logged = new Map(); // worker index -> max MiB the page logged
  p.page.on('console', (m) => {
    const hit = /worker (\d+) holds (\d+) MiB of wasm memory/.exec(m.text());
    if (hit) logged.set(hit[1], Math.max(logged.get(hit[1]) ?? 0, Number(hit[2]) << 20));
  });
  await h.openApp(p.page, ctx.server);
  const t0 = Date.now();
  await h.chooseFile(p.page, file);
  let state;
  try {
    state = await h.waitSettled(p.page, SETTLE_MS);
  } catch (e) {
    state = `${await p.page.getAttribute('#layercake', 'data-state')} after ${SETTLE_MS / 1000} s`;
  }
  const seconds = (Date.now() - t0) / 1000;
  // every worker still alive answers (none is stuck in a read), with its
  // wasm memory (which never shrinks: its size now is its peak)
  const workers = p.page.workers();
  const answers = await Promise.all(workers.map((w) => within(w, async () => {
    /* global wasm_bindgen */
    const exports = await wasm_bindgen();
    return { bytes: exports.memory.buffer.byteLength };
  }, IDLE_MS, { busy: true })));
  const busy = answers.filter((a) => a.busy).length;
  const sizes = [...answers.map((a) => a.bytes ?? 0), ...logged.values()];
  const memory = sizes.length ? Math.max(...sizes) : null;
  const failure = await h.text(p.page, '#problems .failure');
  const problems = await p.page.$$eval('#problems li.problem', (lis) => lis.map((li) => ({
    severity: li.querySelector('.severity')?.textContent.trim(),
    text: li.textContent.trim(),
  })));
  const archive = path.basename(file);
  const shown = [];
  results.push({ archive, size: fs.statSync(file).size, state, seconds, memory, workers: workers.length, shown });
  return { p, state, seconds, memory, busy, failure, problems, workers: workers.length, shown };
}

/** Asserts what holds for every archive: settled, no worker busy, memory within budget. */
function common(r, allowed) {
  const why = `state ${r.state}; failure: ${r.failure}; problems: ${r.problems.map((x) => x.text).join(' / ').slice(0, 2000)}; errors: ${JSON.stringify(r.p.errors)}`;
  assert.ok(allowed.includes(r.state), `reaches ${allowed.join(' or ')}: ${why}`);
  assert.equal(r.busy, 0, `no worker is left running (${r.busy} of ${r.workers} did not answer in ${IDLE_MS} ms)`);
  if (r.memory !== null) {
    assert.ok(r.memory < MEMORY_LIMIT, `every worker under 512 MiB of wasm memory: ${(r.memory / 2 ** 20).toFixed(0)} MiB`);
  }
  assert.deepEqual(r.p.errors, [], 'no page error, no crashed worker');
  return why;
}

/** A problem naming this limit constant is shown on the page, as a warning. */
async function assertLimit(r, names, why) {
  const hit = r.problems.find((x) => names.some((n) => x.text.includes(n)));
  assert.ok(hit, `a problem naming ${names.join(' or ')}: ${why}`);
  assert.equal(hit.severity, 'warning', `a limit is a warning: ${hit.text}`);
  assert.match(hit.text, /\d/, 'it says the value');
  const visible = await r.p.page.locator('#problems li.problem', { hasText: new RegExp(names.join('|')) }).first().isVisible();
  assert.ok(visible, `the ${hit.text.slice(0, 80)}… problem is visible`);
  r.shown.push(`limit ${names.find((n) => hit.text.includes(n))}`);
}

/** The image header shows these tags. */
async function assertImage(r, tag) {
  await r.p.page.waitForSelector('#image-tags', { timeout: 5000 });
  assert.ok(await r.p.page.isVisible('#image-tags'), 'the image header is visible');
  const tags = await h.text(r.p.page, '#image-tags');
  assert.match(tags, tag);
  r.shown.unshift(`image ${tags.match(tag)[0]}`);
}

const archive = (name) => path.join(tmp, name);

test('(a) an OCI layout of 40 nested indexes, each listing the next twice: fast, one image or MAX_INDEX_DEPTH', { timeout: 200_000 }, async () => {
  const r = await run(archive('a-index-dag-40x2.tar'));
  try {
    const why = common(r, ['done', 'error']);
    // 40 > MAX_INDEX_DEPTH (32): the image, or the limit that says why not
    if (r.state === 'done') await assertImage(r, /nested:1/);
    else {
      assert.match(r.failure, /no image was found/, why);
      r.shown.push('no image found');
      await assertLimit(r, ['MAX_INDEX_DEPTH'], why);
    }
    assert.ok(r.seconds < 30, `fast: ${r.seconds} s`);
  } finally {
    await r.p.close();
  }
});

test('(b) a chain of 20,000 nested indexes: error, MAX_INDEX_DEPTH, no stack overflow', { timeout: 200_000 }, async () => {
  const r = await run(archive('b-index-chain-20000.tar'));
  try {
    const why = common(r, ['error']);
    assert.match(r.failure, /^Cannot read this file: no image was found/, why);
    r.shown.push('no image found');
    await assertLimit(r, ['MAX_INDEX_DEPTH'], why);
  } finally {
    await r.p.close();
  }
});

test('(c) a layer of PAX paths of 32,768 components: done, MAX_PATH_BYTES or MAX_PATH_COMPONENTS', { timeout: 200_000 }, async () => {
  const r = await run(archive('c-pax-paths-32768-components.tar'));
  try {
    const why = common(r, ['done']);
    await assertImage(r, /deep:1/);
    await assertLimit(r, ['MAX_PATH_BYTES', 'MAX_PATH_COMPONENTS'], why);
  } finally {
    await r.p.close();
  }
});

test('(d) docker save | gzip with 4 GiB of padding before manifest.json: done, the image', { timeout: 200_000, skip: SKIP_BIG && 'LAYERCAKE_HOSTILE_SKIP_BIG' }, async () => {
  const r = await run(archive('d-gzip-4GiB-padding.tar.gz'));
  try {
    common(r, ['done']);
    await assertImage(r, /padded:1/);
  } finally {
    await r.p.close();
  }
});

test('(e) a gzip layer whose first member is a 1 GiB PAX header: done, MAX_HEADER_RECORD_BYTES', { timeout: 200_000, skip: SKIP_BIG && 'LAYERCAKE_HOSTILE_SKIP_BIG' }, async () => {
  const r = await run(archive('e-gzip-layer-1GiB-pax.tar'));
  try {
    const why = common(r, ['done']);
    await assertImage(r, /hugepax:1/);
    await assertLimit(r, ['MAX_HEADER_RECORD_BYTES'], why);
  } finally {
    await r.p.close();
  }
});

test('(f) manifest.json of 3,000 entries naming one 4 MiB config: done', { timeout: 200_000 }, async () => {
  const r = await run(archive('f-manifest-3000x-4MiB-config.tar'));
  try {
    common(r, ['done']);
    await assertImage(r, /many:\d+/);
  } finally {
    await r.p.close();
  }
});

test('(g) unsafe names (../../etc/passwd, /abs/file, a/../../b, through a symlink, ../manifest.json): done, unsafe_name warnings', { timeout: 200_000 }, async () => {
  const r = await run(archive('g-unsafe-names.tar'));
  try {
    const why = common(r, ['done']);
    await assertImage(r, /real:1/);
    assert.doesNotMatch(await h.text(r.p.page, '#image-tags'), /decoy/, 'the decoy does not stand for manifest.json');
    for (const name of UNSAFE) {
      // the message is `unsafe name "<raw name>": <how it leaves the root>`
      const hit = r.problems.find((x) => x.severity === 'warning' && x.text.includes(`unsafe name ${JSON.stringify(name)}`));
      assert.ok(hit, `an unsafe-name warning for ${name}: ${why}`);
    }
    r.shown.push(`${UNSAFE.length} unsafe_name warnings`);
    assert.ok(
      !r.problems.some((x) => x.text.includes('unsafe name "fine/file"')),
      `fine/file is safe: ${why}`,
    );
    assert.ok(await r.p.page.locator('#problems li.problem.warning').first().isVisible(), 'the warnings are visible');
  } finally {
    await r.p.close();
  }
});

test('(m) docker save | gzip with 60,000 tiny tar members beside the image: done, the image, fast', { timeout: 200_000 }, async () => {
  const r = await run(archive('m-gzip-60000-tiny-members.tar.gz'));
  try {
    common(r, ['done']);
    await assertImage(r, /tiny:1/);
    // read in one pass: each member is read where it is (too small to hand
    // on) and the page draws what it is told a frame at a time; a pause
    // (4 ms, clamped) and a render per member took over four minutes
    assert.ok(r.seconds < 60, `fast: ${r.seconds} s`);
  } finally {
    await r.p.close();
  }
});

test('(n) 60 images of 1,000 distinct tiny layers each (60,000 blobs): done, the images, fast', { timeout: 200_000 }, async () => {
  const r = await run(archive('n-60-images-of-1000-tiny-layers.tar'));
  try {
    common(r, ['done']);
    await assertImage(r, /many:\d+/);
    // each small blob is read from the worker's buffered reader (a Blob
    // read of its own costs about a millisecond), and a batch of updates
    // changes the page's state in place: over ten minutes before
    assert.ok(r.seconds < 90, `fast: ${r.seconds} s`);
  } finally {
    await r.p.close();
  }
});

test('(o) a gzip layer of 1,000,000 files named ../x<i>: done, 1,000 listed, MAX_LAYER_PROBLEMS', { timeout: 200_000 }, async () => {
  const r = await run(archive('o-gzip-layer-1000000-unsafe-names.tar'));
  try {
    const why = common(r, ['done']);
    await assertImage(r, /unsafe:1/);
    await assertLimit(r, ['MAX_LAYER_PROBLEMS'], why);
    const limit = r.problems.find((x) => x.text.includes('MAX_LAYER_PROBLEMS'));
    assert.match(limit.text, /999000 more found/, 'it counts what it did not list');
    const listed = r.problems.filter((x) => x.text.includes('unsafe name')).length;
    assert.ok(listed <= 1000, `at most MAX_LAYER_PROBLEMS unsafe names listed: ${listed}`);
    // the panel draws the 500 worst, limits first, and says where the rest are
    assert.ok(r.problems.length <= 500, `${r.problems.length} problems drawn`);
    assert.match(await h.text(r.p.page, '#problems .more-problems'), /The 500 worst are shown; Export JSON holds all \d+/);
    assert.match(await h.text(r.p.page, '#problems summary'), /^\d{4,} problems$/);
  } finally {
    await r.p.close();
  }
});
