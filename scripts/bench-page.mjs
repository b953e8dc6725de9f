// Times the page in headless Chromium on a large image, next to the CLI and
// sha256sum on the same file in the same run.
//
//   node scripts/bench-page.mjs [FILE]      (default /tmp/layercake-large/large.tar)
//   RUNS=3 node scripts/bench-page.mjs
//   PROFILE=1 node scripts/bench-page.mjs   (one more run, with ?profile=1:
//                                            where the time goes, per worker)
//
// It serves dist/ (build it first: trunk build --release --offline), and
// target/release/layercake must be built. For each run it loads the page,
// waits until the workers are ready (as a person would before dropping a
// file), sets the file on the <input type=file>, and measures the time to
// the first render of the image header (manifest, config and history are
// rendered then) and to data-state="done". Workers report their wasm memory.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { extname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(new URL('..', import.meta.url).pathname);
const file = resolve(process.argv[2] || '/tmp/layercake-large/large.tar');
const runs = Number(process.env.RUNS || 3);
const dist = join(root, 'dist');
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.tar': 'application/x-tar' };

const server = createServer(async (req, res) => {
  const path = join(dist, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  try {
    const p = (await stat(path)).isDirectory() ? join(path, 'index.html') : path;
    res.writeHead(200, { 'content-type': types[extname(p)] || 'application/octet-stream' });
    res.end(await readFile(p));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (cmd, args) => {
  const t = process.hrtime.bigint();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  return Number(process.hrtime.bigint() - t) / 1e6;
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync'],
});
execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] }); // warm the page cache
const size = (await stat(file)).size;
const page_ms = [], first_ms = [], cli_ms = [], sha_ms = [], inpage_first = [], inpage_done = [];
let memory = [];
for (let i = 0; i < runs; i++) {
  const page = await browser.newPage();
  const mem = [];
  page.on('console', (m) => {
    const g = /worker (\d+) holds (\d+) MiB/.exec(m.text());
    if (g) mem.push(Number(g[2]));
  });
  await page.goto(origin + '/');
  await page.waitForSelector('#file-input', { state: 'attached' });
  await page.waitForTimeout(1500);
  const t0 = Date.now();
  await page.setInputFiles('#file-input', file);
  await page.waitForSelector('#image-tags', { timeout: 120000 });
  const t1 = Date.now();
  await page.waitForSelector('#layercake[data-state="done"], #layercake[data-state="error"]', { timeout: 600000 });
  const t2 = Date.now();
  const state = await page.getAttribute('#layercake', 'data-state');
  inpage_first.push(Number(await page.getAttribute('#layercake', 'data-first-image-ms')));
  inpage_done.push(Number(await page.getAttribute('#layercake', 'data-done-ms')));
  if (state !== 'done') throw new Error(`page ended in state ${state}`);
  await page.waitForTimeout(200);
  first_ms.push(t1 - t0);
  page_ms.push(t2 - t0);
  memory = mem;
  await page.close();
  cli_ms.push(time(join(root, 'target/release/layercake'), ['inspect', '--json', file]));
  sha_ms.push(time('sha256sum', [file]));
}

// one more run with ?profile=1, not counted in the medians above
let profile = null;
if (process.env.PROFILE === '1') {
  const page = await browser.newPage();
  await page.goto(origin + '/?profile=1');
  await page.waitForSelector('#file-input', { state: 'attached' });
  await page.waitForTimeout(1500);
  await page.setInputFiles('#file-input', file);
  await page.waitForSelector('#layercake[data-profile]', { timeout: 600000 });
  await page.waitForTimeout(500); // a helper's profile may come after the gatherer's
  profile = JSON.parse(await page.getAttribute('#layercake', 'data-profile'));
  await page.close();
}
await browser.close();
server.close();

const p = median(page_ms), c = median(cli_ms), s = median(sha_ms);
const mb = size / 1e6;
console.log(`file: ${file} (${mb.toFixed(0)} MB), ${runs} runs, medians`);
console.log(`page, file set -> first render of the image:  ${median(first_ms)} ms (the page's own clock, from the change event: ${median(inpage_first)} ms)`);
console.log(`page, file set -> data-state=done:            ${(p / 1000).toFixed(2)} s  (${(mb / p * 1000).toFixed(0)} MB/s; the page's own clock: ${(median(inpage_done) / 1000).toFixed(2)} s)`);
console.log(`layercake inspect --json:                     ${(c / 1000).toFixed(2)} s`);
console.log(`sha256sum:                                    ${(s / 1000).toFixed(2)} s`);
console.log(`ratios: page/sha256sum ${(p / s).toFixed(2)}, page/cli ${(p / c).toFixed(2)}, cli/sha256sum ${(c / s).toFixed(2)}`);
console.log(`worker wasm memory (MiB, per worker): ${memory.join(', ') || 'not reported'}`);
if (profile) {
  const pg = profile.page;
  console.log(`\nprofile (one more run, ?profile=1; ms of performance.now() in each worker and on the page):`);
  console.log(`page: first render ${pg.first_render_ms}, done ${pg.done_ms}; reducer ${pg.reduce_ms} (${pg.actions} actions), render ${pg.render_ms} (${pg.renders} renders)`);
  console.table(profile.workers.map((w) => ({
    worker: w.worker, 'wasm start': w.start_ms, dissect: w.dissect_ms,
    'blob reads': w.read_ms, reads: w.reads, MB: w.read_mb, 'hash+inflate+tar+entries': w.analyze_ms,
    layers: w.layers, 'post updates': w.post_ms, posts: w.posts, 'post shares': w.forward_ms,
    merge: w.merge_ms, finish: w.finish_ms,
  })));
}
