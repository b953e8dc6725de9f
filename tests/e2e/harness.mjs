// Shared helpers for the end-to-end browser tests: a static server for
// dist/ (with switchable HTTP Range support and extra mounted directories),
// Chromium through playwright-core, request recording, file drops,
// screenshots, the fixtures' facts, and a minimal tar reader.

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
export const DIST = path.join(ROOT, 'dist');
export const ARTIFACTS = path.join(here, 'artifacts');
export const FIXTURES = path.resolve(
  process.env.LAYERCAKE_FIXTURES || path.join(ROOT, '..', 'shared', 'fixtures'),
);
export const CI = /^(1|true|yes)$/i.test(process.env.CI || '');

/** Default wait for a dissection to finish. */
export const DONE_TIMEOUT = 30_000;

// ---------------------------------------------------------------- fixtures

let factsCache = null;

/** True when the fixture corpus (facts.json) is present. */
export function haveFixtures() {
  return fs.existsSync(path.join(FIXTURES, 'facts.json'));
}

/**
 * Call at the top of a test that needs the corpus. Without it the test is
 * skipped, except under CI=true, where a missing corpus is a failure.
 * Returns true when the test may go on.
 */
export function needFixtures(t) {
  if (haveFixtures()) return true;
  const msg = `fixture corpus not found at ${FIXTURES} (set LAYERCAKE_FIXTURES)`;
  if (CI) throw new Error(`${msg}; CI=true, so this is a failure, not a skip`);
  t.skip(msg);
  return false;
}

/** facts.json as a map: file name -> facts. */
export function facts() {
  if (!factsCache) {
    const list = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'facts.json'), 'utf8'));
    factsCache = new Map(list.map((f) => [f.file, f]));
  }
  return factsCache;
}

/** Facts of one archive, by file name (throws if unknown). */
export function factsOf(file) {
  const f = facts().get(file);
  if (!f) throw new Error(`no facts for ${file} in facts.json`);
  return f;
}

/** Absolute path of a fixture, by its file name (built__/upstream by prefix). */
export function fixture(file) {
  const dir = file.startsWith('built__') ? 'built' : 'upstream';
  const p = path.join(FIXTURES, dir, file);
  if (!fs.existsSync(p)) throw new Error(`fixture missing: ${p}`);
  return p;
}

/**
 * The images of an archive as the tests expect them, from facts.json:
 * { tags, configDigest, layers, cmd, entrypoint, historyLen, platform, configPath }
 * configPath is the config blob's member name inside the archive.
 */
export function expectedImages(file) {
  const f = factsOf(file);
  const out = [];
  for (const d of f.docker_images || []) {
    out.push({
      kind: 'docker',
      tags: d.RepoTags || [],
      configDigest: d.config_digest,
      layers: d.n_layers,
      cmd: d.Cmd,
      entrypoint: d.Entrypoint,
      historyLen: d.history_len,
      platform: `${d.os}/${d.architecture}`,
      configPath: d.Config,
      facts: d,
    });
  }
  for (const o of f.oci_images || []) {
    out.push({
      kind: 'oci',
      tags: o.ref ? [o.ref] : [],
      configDigest: o.config_digest,
      layers: o.layers.length,
      cmd: o.Cmd,
      entrypoint: o.Entrypoint,
      historyLen: o.history_len,
      platform: `${o.os}/${o.architecture}`,
      configPath: `blobs/sha256/${o.config_digest.replace(/^sha256:/, '')}`,
      facts: o,
    });
  }
  return out;
}

// ------------------------------------------------------------- tar reading

function cstr(buf, start, len) {
  const b = buf.subarray(start, start + len);
  const z = b.indexOf(0);
  return (z < 0 ? b : b.subarray(0, z)).toString('utf8');
}

function octal(buf, start, len) {
  const b = buf.subarray(start, start + len);
  if (b[0] & 0x80) {
    // base-256
    let v = 0n;
    for (let i = 1; i < b.length; i++) v = (v << 8n) | BigInt(b[i]);
    return Number(v);
  }
  const s = cstr(buf, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function paxRecords(data) {
  const out = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.subarray(i, sp).toString('ascii'), 10);
    if (!len) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/**
 * A minimal tar reader (ustar, PAX x/g path records, GNU L/K long names;
 * whole-archive gzip is inflated first). Returns
 * [{ name, type, size, linkname, data }] in archive order; names keep their
 * raw form except a leading "./" is dropped. Stops at the end-of-archive
 * block or at a truncated member.
 */
export function readTar(buf) {
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  const entries = [];
  let off = 0;
  let longName = null;
  let longLink = null;
  let pax = {};
  let globalPax = {};
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 0x30);
    const dataStart = off + 512;
    const data = buf.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'L') { longName = cstr(data, 0, data.length); continue; }
    if (type === 'K') { longLink = cstr(data, 0, data.length); continue; }
    if (type === 'x') { pax = paxRecords(data); continue; }
    if (type === 'g') { globalPax = { ...globalPax, ...paxRecords(data) }; continue; }
    const magic = cstr(h, 257, 6);
    const prefix = magic.startsWith('ustar') ? cstr(h, 345, 155) : '';
    let name = cstr(h, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    const recs = { ...globalPax, ...pax };
    if (longName !== null) name = longName;
    if (recs.path !== undefined) name = recs.path;
    let linkname = cstr(h, 157, 100);
    if (longLink !== null) linkname = longLink;
    if (recs.linkpath !== undefined) linkname = recs.linkpath;
    name = name.replace(/^(\.\/)+/, '');
    entries.push({ name, type: type === '\0' ? '0' : type, size, linkname, data, truncated: data.length < size });
    longName = longLink = null;
    pax = {};
    if (data.length < size) break;
  }
  return entries;
}

/** One member's bytes, by name, from a tar buffer (or an entries list). */
export function tarMember(bufOrEntries, name) {
  const entries = Array.isArray(bufOrEntries) ? bufOrEntries : readTar(bufOrEntries);
  const e = entries.find((x) => x.name === name);
  if (!e) throw new Error(`no member ${name} in the archive`);
  return e.data;
}

/** The config JSON of an image of a fixture (see expectedImages). */
export function configOf(file, image) {
  const entries = readTar(fs.readFileSync(fixture(file)));
  return JSON.parse(tarMember(entries, image.configPath).toString('utf8'));
}

// ------------------------------------------------------------------ server

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.tar': 'application/x-tar',
  '.gz': 'application/gzip',
  '.zst': 'application/zstd',
};

/** Parses one "bytes=a-b" range against a size; null if unsatisfiable. */
export function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(String(header).trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // not a single range: ignore it
  let start;
  let end;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return null;
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return null;
  return { start, end };
}

/**
 * Starts a static server on 127.0.0.1 at a free port.
 * options:
 *   root   directory served at / (default dist/)
 *   range  honour Range requests with 206 (default true); when false,
 *          Range headers are ignored and Accept-Ranges is "none"
 *   mounts { '/fixtures/': dir, ... } extra directories under a prefix
 *   pages  { '/host.html': '<html>…', ... } extra in-memory pages
 * Returns { origin, port, log, close() }; log lists every request received
 * as { method, url, status, range, bytes } (bytes: body bytes sent so far).
 */
export async function startServer(options = {}) {
  const root = path.resolve(options.root || DIST);
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new Error(`${root}/index.html not found: build the page first (see tests/e2e/README.md)`);
  }
  const range = options.range !== false;
  const mounts = Object.entries(options.mounts || {}).map(([p, d]) => [
    p.endsWith('/') ? p : `${p}/`,
    path.resolve(d),
  ]);
  const pages = options.pages || {};
  const log = [];
  const sockets = new Set();

  const server = http.createServer(async (req, res) => {
    const entry = { method: req.method, url: req.url, status: 0, range: req.headers.range || null, bytes: 0 };
    log.push(entry);
    const send = (status, headers, body) => {
      entry.status = status;
      if (body) entry.bytes += body.length;
      res.writeHead(status, headers);
      res.end(body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(405, { Allow: 'GET, HEAD' }, 'method not allowed');
      }
      const url = new URL(req.url, 'http://x');
      let pathname;
      try {
        pathname = decodeURIComponent(url.pathname);
      } catch {
        return send(400, {}, 'bad path');
      }
      if (pages[pathname] !== undefined) {
        const body = Buffer.from(pages[pathname]);
        return send(200, {
          'Content-Type': TYPES[path.extname(pathname)] || 'text/html; charset=utf-8',
          'Content-Length': body.length,
          'Cache-Control': 'no-store',
        }, req.method === 'HEAD' ? undefined : body);
      }
      let base = root;
      let rel = pathname;
      for (const [prefix, dir] of mounts) {
        if (pathname.startsWith(prefix)) {
          base = dir;
          rel = pathname.slice(prefix.length - 1);
          break;
        }
      }
      let file = path.join(base, path.normalize(rel));
      if (file !== base && !file.startsWith(base + path.sep)) return send(403, {}, 'forbidden');
      let st = await fsp.stat(file).catch(() => null);
      if (st && st.isDirectory()) {
        file = path.join(file, 'index.html');
        st = await fsp.stat(file).catch(() => null);
      }
      if (!st || !st.isFile()) return send(404, { 'Content-Type': 'text/plain' }, 'not found');
      const headers = {
        'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
        'Cache-Control': 'no-store',
        'Accept-Ranges': range ? 'bytes' : 'none',
        'Last-Modified': st.mtime.toUTCString(),
      };
      let start = 0;
      let end = st.size - 1;
      let status = 200;
      if (range && req.headers.range) {
        const r = parseRange(req.headers.range, st.size);
        if (r === null) {
          return send(416, { ...headers, 'Content-Range': `bytes */${st.size}` });
        }
        if (r) {
          ({ start, end } = r);
          status = 206;
          headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
        }
      }
      headers['Content-Length'] = st.size === 0 ? 0 : end - start + 1;
      entry.status = status;
      res.writeHead(status, headers);
      if (req.method === 'HEAD' || st.size === 0) return res.end();
      const stream = fs.createReadStream(file, { start, end });
      stream.on('data', (c) => {
        entry.bytes += c.length;
      });
      stream.pipe(res);
    } catch (e) {
      if (!res.headersSent) send(500, {}, String(e));
      else res.destroy();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    log,
    range,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ----------------------------------------------------------------- browser

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless=new',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** Launches Debian's Chromium (never a downloaded one). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

/**
 * A new context and page. Records every request of the context (page,
 * frames and workers) in `requests` ({ url, method, type, frame }, in
 * order) and page errors and console errors in `errors`. close() closes
 * the context.
 */
export async function newPage(browser, { viewport = { width: 1280, height: 720 }, acceptDownloads = false } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  const onRequest = (r) => {
    let frame = null;
    try {
      frame = r.frame().url();
    } catch {
      // a worker's request has no frame
    }
    requests.push({ url: r.url(), method: r.method(), type: r.resourceType(), frame });
  };
  context.on('request', onRequest);
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const at = m.location()?.url || '';
    // the browser asks for /favicon.ico on its own; the page links none
    if (/\/favicon\.ico$/.test(at)) return;
    errors.push(`console: ${m.text()}${at ? ` (${at})` : ''}`);
  });
  return {
    context,
    page,
    requests,
    errors,
    close: () => context.close(),
  };
}

/** Opens the page and waits until the app rendered its idle state. */
export async function openApp(page, server, pathname = '/') {
  await page.goto(server.origin + pathname);
  await page.waitForSelector('#layercake[data-state="idle"]', { timeout: 15_000 });
}

/**
 * Starts recording every data-state #layercake takes, so that
 * waitSettled() waits for THIS load (a "loading" first), not for the
 * state a previous file left. Call it right before giving the page a file
 * (chooseFile and dropFile do).
 */
export async function armStateWatch(frame) {
  await frame.evaluate(() => {
    const root = document.querySelector('#layercake');
    window.__lcObserver?.disconnect();
    window.__lcStates = [];
    window.__lcObserver = new MutationObserver(() => window.__lcStates.push(root.getAttribute('data-state')));
    window.__lcObserver.observe(root, { attributes: true, attributeFilter: ['data-state'] });
  });
}

/**
 * Waits until the load started after armStateWatch() went through
 * "loading" and ended in "done" or "error"; returns that final state.
 */
export async function waitSettled(page, timeout = DONE_TIMEOUT, frame = page) {
  await frame.waitForFunction(
    () => {
      const s = document.querySelector('#layercake')?.getAttribute('data-state');
      const seen = window.__lcStates;
      if (seen && !seen.includes('loading')) return false;
      return s === 'done' || s === 'error';
    },
    null,
    { timeout, polling: 50 },
  );
  return frame.getAttribute('#layercake', 'data-state');
}

/** Loads a file through the file chooser input. */
export async function chooseFile(page, file) {
  await armStateWatch(page);
  await page.setInputFiles('#file-input', file);
}

/**
 * Drops a file on #layercake with a synthetic drag-and-drop: the bytes
 * are read in node, passed to the page as base64, turned into a File in a
 * DataTransfer, and `dragover` then `drop` are dispatched. Returns whether
 * the page called preventDefault on each (it must, to accept the drop).
 */
export async function dropFile(page, file, name = path.basename(file)) {
  const b64 = (await fsp.readFile(file)).toString('base64');
  return dropBytes(page, b64, name);
}

export async function dropBytes(page, b64, name) {
  await armStateWatch(page);
  return page.evaluate(
    ({ b64, name }) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type: 'application/x-tar' }));
      const target = document.querySelector('#layercake');
      const over = new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true });
      target.dispatchEvent(over);
      const drop = new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
      target.dispatchEvent(drop);
      return { dragoverPrevented: over.defaultPrevented, dropPrevented: drop.defaultPrevented };
    },
    { b64, name },
  );
}

/** Loads a file one of two ways ('input' or 'drop') and waits for the end. */
export async function load(page, file, how = 'input') {
  if (how === 'input') await chooseFile(page, file);
  else await dropFile(page, file);
  return waitSettled(page);
}

/** Text of an element, trimmed (null if absent). */
export async function text(page, selector) {
  const el = await page.$(selector);
  if (!el) return null;
  return (await el.textContent()).trim();
}

/** Clicks a tab and waits for its view. */
export async function showTab(page, name) {
  await page.click(`#tab-${name}`);
  await page.waitForSelector(`#tab-${name}[aria-selected="true"]`);
  await page.waitForSelector(`main#view-${name}`);
}

/** Saves a screenshot as tests/e2e/artifacts/<name>.png. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  await fsp.mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

// ------------------------------------------------- loading by URL (?src=)

/**
 * The path under which a server started with
 * `mounts: { '/fixtures/': FIXTURES }` serves a fixture, by file name
 * (e.g. "/fixtures/built/built__bb-docker.tar").
 */
export function fixtureUrl(file) {
  return `/fixtures/${path.relative(FIXTURES, fixture(file)).split(path.sep).join('/')}`;
}

/**
 * Waits until #layercake ends in "done" or "error" and returns the state.
 * For a page that loads by itself (?src=), freshly opened: there is no
 * earlier state to mistake for this load's end, so no armStateWatch().
 */
export async function waitFinal(frame, timeout = DONE_TIMEOUT) {
  await frame.waitForSelector('#layercake:is([data-state="done"], [data-state="error"])', { timeout });
  return frame.getAttribute('#layercake', 'data-state');
}

/**
 * The images of a docker-archive tar, read from its own bytes (a path or
 * a Buffer): [{ tags, layers: [member names], config }] in manifest.json
 * order. For archives outside the corpus, such as dist/sample.tar.
 */
export function dockerImagesOf(fileOrBuffer) {
  const buf = Buffer.isBuffer(fileOrBuffer) ? fileOrBuffer : fs.readFileSync(fileOrBuffer);
  const entries = readTar(buf);
  const manifest = JSON.parse(tarMember(entries, 'manifest.json').toString('utf8'));
  return manifest.map((m) => ({
    tags: m.RepoTags || [],
    layers: m.Layers,
    config: JSON.parse(tarMember(entries, m.Config.replace(/^(\.\/)+/, '')).toString('utf8')),
  }));
}

/**
 * A static server for dist/ and a browser, started before a file's tests
 * and closed after them: `const ctx = serverAndBrowser();` then
 * `ctx.server`, `ctx.browser`.
 */
export function serverAndBrowser(options = {}) {
  const ctx = {};
  before(async () => {
    ctx.server = await startServer(options);
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.close();
  });
  return ctx;
}

// ------------------------------------------------ archives built in tests

/** A ustar header (sizes up to 8 GiB), with a link target for links. */
export function tarHeader(name, size, type = '0', mode = 0o644, linkname = '') {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.fill(0x20, 148, 156);
  h.write(type, 156);
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

const STEP = 8 << 20;
const ZEROS = Buffer.alloc(STEP);
// byte i of a 'pattern' file is i % 251 (never aligned with 512 or 4 MiB)
const PATTERN = Buffer.from(Array.from({ length: STEP + 251 }, (_, i) => i % 251));

/** The bytes of a test file: { size, content: 'zeros' | 'pattern' }. */
export function* fileChunks({ size, content }) {
  for (let off = 0; off < size; off += STEP) {
    const n = Math.min(STEP, size - off);
    if (content === 'zeros') yield ZEROS.subarray(0, n);
    else yield PATTERN.subarray(off % 251, (off % 251) + n);
  }
}

/** The whole of a 'pattern' or 'zeros' test file, in memory. */
export function fileBytes(f) {
  return Buffer.concat([...fileChunks(f)]);
}

const pad = (n) => Buffer.alloc((512 - (n % 512)) % 512);

/** A layer tar holding `files` ([{ name, size, content }]), as chunks. */
function* layerChunks(files) {
  for (const f of files) {
    yield tarHeader(f.name, f.size);
    yield* fileChunks(f);
    yield pad(f.size);
  }
  yield Buffer.alloc(1024);
}

function layerSize(files) {
  return files.reduce((n, f) => n + 512 + f.size + pad(f.size).length, 0) + 1024;
}

/**
 * Writes a docker-archive with one image of one uncompressed layer
 * holding `files` ([{ name, size, content: 'zeros' | 'pattern' }]),
 * streamed (a layer of gigabytes costs no memory), whole-archive gzip
 * when `gzip`. manifest.json and the config come first, so the image is
 * known before the layer is read. Returns the file's path.
 */
export async function writeImageArchive(file, { files, gzip = false, tag = 'hostile/test:1' }) {
  const hash = crypto.createHash('sha256');
  for (const c of layerChunks(files)) hash.update(c);
  const diffId = `sha256:${hash.digest('hex')}`;
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/true'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created_by: 'a layer built by the e2e tests' }],
  }));
  const configName = `${crypto.createHash('sha256').update(config).digest('hex')}.json`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: ['layer/layer.tar'] }]));
  function* archive() {
    for (const [name, body] of [['manifest.json', manifest], [configName, config]]) {
      yield tarHeader(name, body.length);
      yield body;
      yield pad(body.length);
    }
    yield tarHeader('layer/', 0, '5', 0o755);
    const size = layerSize(files);
    yield tarHeader('layer/layer.tar', size);
    yield* layerChunks(files);
    yield pad(size);
    yield Buffer.alloc(1024);
  }
  const out = fs.createWriteStream(file);
  const sink = gzip ? zlib.createGzip({ level: 1 }) : out;
  if (gzip) sink.pipe(out);
  for (const c of archive()) {
    if (!sink.write(c)) await new Promise((r) => sink.once('drain', r));
  }
  sink.end();
  await new Promise((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
  });
  return file;
}
