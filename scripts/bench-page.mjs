// Times the page in headless Chromium on large images, next to the CLI and
// sha256sum on the same file, interleaved in the same run.
//
//   node scripts/bench-page.mjs [FILE...]   (default /tmp/layercake-large/large.tar)
//   ALL=1 node scripts/bench-page.mjs       (large.tar, large-oci.tar and large.tar.gz
//                                            from make-large.sh, in /tmp/layercake-large)
//   RUNS=3 node scripts/bench-page.mjs
//   BASE=/tmp/dist-base node scripts/bench-page.mjs
//                                           (also an older build of the page, its runs
//                                            interleaved with this one's: before/after)
//   ALSO='?workers=4' node scripts/bench-page.mjs
//                                           (also this build with other URL parameters,
//                                            interleaved; several separated by spaces)
//   PROFILE=1 node scripts/bench-page.mjs   (one more run, with ?profile=1:
//                                            where the time goes, per worker)
//
// It serves dist/ (build it first: scripts/build.sh or trunk build --release
// --offline), and target/release/layercake must be built. For each run it
// loads the page, waits until the workers are ready (as a person would
// before dropping a file), sets the file on the <input type=file>, and
// measures the time to the first render of the image header (manifest,
// config and history are rendered then) and to data-state="done", the
// longest task on the page's main thread (a PerformanceObserver for
// "longtask", installed before the page's own scripts), and each worker's
// wasm memory.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(new URL('..', import.meta.url).pathname);
const dir = process.env.LARGE || '/tmp/layercake-large';
const files = process.argv.slice(2).map((f) => resolve(f));
if (files.length === 0) {
  files.push(join(dir, 'large.tar'));
  if (process.env.ALL === '1') files.push(join(dir, 'large-oci.tar'), join(dir, 'large.tar.gz'));
}
const runs = Number(process.env.RUNS || 3);
const dists = [join(root, 'dist')];
if (process.env.BASE) dists.push(resolve(process.env.BASE));
// [name, which dist, query]
const builds = [['page', 0, '']];
for (const q of (process.env.ALSO || '').split(' ').filter(Boolean)) builds.push([`page${q}`, 0, q]);
if (process.env.BASE) builds.push(['base', 1, '']);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.tar': 'application/x-tar' };

const serve = async (dist) => {
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
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
};
const servers = await Promise.all(dists.map((d) => serve(d)));

// CPU time (s) all cores have been busy since boot, from /proc/stat:
// user, nice, system, irq and softirq (not idle or iowait)
// (NaN where there is no /proc, so the figure reads "NaN", not a crash)
const busy = () => {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + f[5] + f[6]) / 100;
  } catch {
    return NaN;
  }
};
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

// one page run: times on Playwright's clock and the page's, the longest
// main-thread task, and the workers' memory
const pageRun = async (origin, file, query = '') => {
  const page = await browser.newPage();
  const mem = [];
  page.on('console', (m) => {
    const g = /worker (\d+) holds (\d+) MiB/.exec(m.text());
    if (g) mem[Number(g[1])] = Number(g[2]);
  });
  await page.addInitScript(() => {
    window.__longest = 0;
    window.__since = Infinity;
    // the moment (epoch ms, the clock Date.now() reads here too) the page
    // says done, seen at once rather than when a poll next looks
    window.__doneAt = 0;
    new MutationObserver(() => {
      const el = document.getElementById('layercake');
      const st = el && el.getAttribute('data-state');
      if (!window.__doneAt && (st === 'done' || st === 'error')) window.__doneAt = Date.now();
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
    try {
      new PerformanceObserver((l) => {
        // a task of loading the page may be reported late: count only
        // those that began once the file was set
        for (const e of l.getEntries()) {
          if (e.startTime >= window.__since) window.__longest = Math.max(window.__longest, e.duration);
        }
      }).observe({ type: 'longtask', buffered: true });
    } catch { /* no longtask timing here */ }
  });
  await page.goto(origin + '/' + query);
  await page.waitForSelector('#file-input', { state: 'attached' });
  await page.waitForTimeout(1500);
  // only the tasks of reading the file count, not loading the page
  await page.evaluate(() => { window.__longest = 0; window.__since = performance.now(); });
  const t0 = Date.now();
  const b0 = busy();
  await page.setInputFiles('#file-input', file);
  await page.waitForSelector('#image-tags', { timeout: 600000 });
  const t1 = Date.now();
  await page.waitForSelector('#layercake[data-state="done"], #layercake[data-state="error"]', { timeout: 600000 });
  const t2 = Date.now();
  const b2 = busy();
  const doneAt = await page.evaluate(() => window.__doneAt);
  const state = await page.getAttribute('#layercake', 'data-state');
  if (state !== 'done') throw new Error(`page ended in state ${state} on ${file}`);
  const r = {
    first: t1 - t0,
    done: t2 - t0,
    doneAt: doneAt - t0,
    cpu: b2 - b0,
    inFirst: Number(await page.getAttribute('#layercake', 'data-first-image-ms')),
    inDone: Number(await page.getAttribute('#layercake', 'data-done-ms')),
  };
  if (query.includes('profile=1')) {
    await page.waitForSelector('#layercake[data-profile]', { timeout: 60000 });
    await page.waitForTimeout(500); // a helper's profile may come after the gatherer's
    r.profile = JSON.parse(await page.getAttribute('#layercake', 'data-profile'));
  }
  await page.waitForTimeout(300);
  r.longest = await page.evaluate(() => window.__longest);
  r.memory = mem.filter((m) => m !== undefined);
  await page.close();
  return r;
};

const cli = join(root, 'target/release/layercake');
for (const file of files) {
  execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] }); // warm the page cache
  const mb = (await stat(file)).size / 1e6;
  const results = builds.map(() => []);
  const cli_ms = [], sha_ms = [];
  for (let i = 0; i < runs; i++) {
    for (const [b, [, d, q]] of builds.entries()) results[b].push(await pageRun(servers[d].origin, file, q));
    cli_ms.push(time(cli, ['inspect', '--json', file]));
    sha_ms.push(time('sha256sum', [file]));
  }
  const c = median(cli_ms), s = median(sha_ms);
  console.log(`\nfile: ${file} (${mb.toFixed(0)} MB), ${runs} runs interleaved, medians`);
  console.log(`  layercake inspect --json: ${(c / 1000).toFixed(2)} s    sha256sum: ${(s / 1000).toFixed(2)} s    cli/sha256sum ${(c / s).toFixed(2)}`);
  builds.forEach(([name], b) => {
    const rs = results[b];
    // the headline: the moment the page marks done (a MutationObserver's
    // Date.now()); Playwright's own waits poll, backing off to 500 ms, so
    // they see it up to half a second late
    const at = median(rs.map((r) => r.doneAt));
    const p = median(rs.map((r) => r.done));
    console.log(`  ${name}: file set -> done ${(at / 1000).toFixed(2)} s as the page marks it: page/sha256sum ${(at / s).toFixed(2)}, page/cli ${(at / c).toFixed(2)}` +
      ` (${(mb / at * 1000).toFixed(0)} MB/s; page clock ${(median(rs.map((r) => r.inDone)) / 1000).toFixed(2)} s)`);
    console.log(`  ${name}: first render ${median(rs.map((r) => r.first))} ms (page clock ${median(rs.map((r) => r.inFirst))} ms)` +
      `; longest main-thread task ${Math.max(...rs.map((r) => r.longest)).toFixed(0)} ms; worker wasm memory (MiB) ${rs[rs.length - 1].memory.join(', ') || 'not reported'}` +
      `; CPU busy, all cores, file set -> seen done ${median(rs.map((r) => r.cpu)).toFixed(2)} s`);
    console.log(`  ${name}: as Playwright's polls see it ${(p / 1000).toFixed(2)} s: page/sha256sum ${(p / s).toFixed(2)}, page/cli ${(p / c).toFixed(2)}`);
    console.log(`  ${name}: each run, as marked (s): ${rs.map((r) => (r.doneAt / 1000).toFixed(2)).join(', ')}; as seen: ${rs.map((r) => (r.done / 1000).toFixed(2)).join(', ')}; sha256sum (s): ${sha_ms.map((x) => (x / 1000).toFixed(2)).join(', ')}`);
  });
  if (process.env.PROFILE === '1') {
    const { profile } = await pageRun(servers[0].origin, file, '?profile=1');
    const pg = profile.page;
    console.log(`\nprofile (one more run, ?profile=1; ms of performance.now() in each worker and on the page):`);
    console.log(`page: first render ${pg.first_render_ms}, done ${pg.done_ms}; reducer ${pg.reduce_ms} (${pg.actions} actions), render ${pg.render_ms} (${pg.renders} renders)`);
    console.table(profile.workers.map((w) => ({
      worker: w.worker, 'wasm start': w.start_ms, dissect: w.dissect_ms,
      'blob reads': w.read_ms, reads: w.reads, MB: w.read_mb, 'hash+inflate+tar+entries': w.analyze_ms,
      '(inflate': w.inflate_ms, 'walk': w.walk_ms, 'hash)': w.hash_ms, 'lanes': w.lanes,
      layers: w.layers, 'post updates': w.post_ms, posts: w.posts, 'post shares': w.forward_ms,
      merge: w.merge_ms, finish: w.finish_ms, 'relay wait': w.relay_wait_ms, 'relayed MB': w.relayed_mb,
    })));
  }
}
await browser.close();
for (const { server } of servers) server.close();
