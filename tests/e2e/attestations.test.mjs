// Archives as today's tools write them, built here and dropped on the
// page: a BuildKit OCI export of two platforms with provenance, and a
// containerd-store `docker save` of one platform with provenance and an
// SPDX SBOM, whose second platform was never pulled. Neither picker offers
// unknown/unknown, the header shows the full name, the absent platform is
// listed and cannot be chosen, and the Attestations view shows the
// provenance's builder and the SBOM's packages (searchable).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as h from './harness.mjs';

const ctx = h.serverAndBrowser();

const BUILDER = 'https://github.com/example/pyapp/actions/runs/42';
const REPO = 'https://github.com/example/pyapp.git';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
const IN_TOTO = 'application/vnd.in-toto+json';

const sha = (b) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;
const json = (v) => Buffer.from(JSON.stringify(v));
const desc = (mediaType, b) => ({ mediaType, digest: sha(b), size: b.length });
const pad = (n) => Buffer.alloc((512 - (n % 512)) % 512);

function tar(members) {
  const parts = [];
  for (const [name, data] of members) parts.push(h.tarHeader(name, data.length), data, pad(data.length));
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
const blobPath = (b) => `blobs/sha256/${sha(b).slice(7)}`;

/** One platform's image and its BuildKit attestation manifest. */
function platform(arch, withSbom) {
  const layer = tar([[`${arch}.txt`, Buffer.from(arch)]]);
  const config = json({ architecture: arch, os: 'linux', config: { Cmd: ['python', 'app.py'] },
    rootfs: { type: 'layers', diff_ids: [sha(layer)] }, history: [{ created_by: 'COPY app.py .' }] });
  const manifest = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: desc(OCI_CONFIG, config), layers: [desc(LAYER_TAR, layer)] });
  const subject = [{ name: 'pkg:docker/pyapp@1.0', digest: { sha256: sha(manifest).slice(7) } }];
  const provenance = json({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v0.2', subject,
    predicate: { builder: { id: BUILDER }, buildType: 'https://mobyproject.org/buildkit@v1',
      materials: [{ uri: 'pkg:docker/python@3.12-slim', digest: { sha256: 'ab'.repeat(32) } }],
      invocation: { configSource: { uri: `${REPO}#refs/heads/main`, entryPoint: 'Dockerfile' },
        parameters: { frontend: 'dockerfile.v0', args: { 'build-arg:PYTHON': '3.12' } } } } });
  const statements = [provenance];
  const layers = [{ ...desc(IN_TOTO, provenance), annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }];
  if (withSbom) {
    const sbom = json({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://spdx.dev/Document', subject,
      predicate: { spdxVersion: 'SPDX-2.3', packages: [
        { name: 'flask', versionInfo: '3.0.0', licenseConcluded: 'BSD-3-Clause',
          externalRefs: [{ referenceType: 'purl', referenceLocator: 'pkg:pypi/flask@3.0.0' }] },
        { name: 'requests', versionInfo: '2.31.0', licenseConcluded: 'Apache-2.0',
          externalRefs: [{ referenceType: 'purl', referenceLocator: 'pkg:pypi/requests@2.31.0' }] },
      ] } });
    statements.push(sbom);
    layers.push({ ...desc(IN_TOTO, sbom), annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' } });
  }
  const attConfig = json({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [] } });
  const att = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: desc(OCI_CONFIG, attConfig), layers });
  const descriptors = [
    { ...desc(OCI_MANIFEST, manifest), platform: { os: 'linux', architecture: arch } },
    { ...desc(OCI_MANIFEST, att), platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': sha(manifest) } },
  ];
  return { layer, config, manifest, att, attConfig, statements, descriptors };
}

function layout(name, refName, images, present, extra = []) {
  const index = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: images.flatMap((i) => i.descriptors) });
  const root = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...desc(OCI_INDEX, index),
    annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': refName } }] });
  const blobs = [index];
  for (const i of present) blobs.push(i.layer, i.config, i.manifest, i.att, i.attConfig, ...i.statements);
  return tar([['oci-layout', json({ imageLayoutVersion: '1.0.0' })], ['index.json', root],
    ...blobs.map((b) => [blobPath(b), b]), ...extra]);
}

/** containerd-store `docker save pyapp:1.0`: amd64 pulled, arm64 never. */
function containerdSave() {
  const amd = platform('amd64', true);
  const arm = platform('arm64', false);
  const manifestJson = json([{ Config: blobPath(amd.config), RepoTags: ['pyapp:1.0'], Layers: [blobPath(amd.layer)] }]);
  return layout('docker.io/library/pyapp:1.0', '1.0', [amd, arm], [amd], [['manifest.json', manifestJson]]);
}

/** `docker buildx build --platform linux/amd64,linux/arm64 --output type=oci`. */
function buildkitExport() {
  const both = [platform('amd64', false), platform('arm64', false)];
  return layout('example.com/pyapp:2.0', '2.0', both, both);
}

const options = (page, sel) =>
  page.$$eval(`${sel} option`, (os) => os.map((o) => ({ text: o.textContent.trim(), disabled: o.disabled })));

test('containerd-store docker save: full name, absent platform, provenance and SBOM', async () => {
  const p = await h.newPage(ctx.browser);
  try {
    await h.openApp(p.page, ctx.server);
    await h.dropBytes(p.page, containerdSave().toString('base64'), 'pyapp.tar');
    assert.equal(await h.waitSettled(p.page), 'done');
    assert.equal(await h.text(p.page, '#image-tags'), 'docker.io/library/pyapp:1.0');
    assert.equal(await p.page.$('#image-picker'), null, 'one image: no image picker');
    assert.deepEqual(await options(p.page, '#platform-picker'), [
      { text: 'linux/amd64', disabled: false },
      { text: 'linux/arm64 (not in this archive)', disabled: true },
    ]);
    assert.equal(await h.text(p.page, '#attestation-count'), '1 attestation or signature');

    await h.showTab(p.page, 'attestations');
    await p.page.waitForSelector('#provenance-builder', { timeout: h.DONE_TIMEOUT });
    assert.equal(await h.text(p.page, '#provenance-builder'), BUILDER);
    const view = await h.text(p.page, '#view-attestations');
    assert.match(view, /SLSA provenance v0\.2 \(https:\/\/slsa\.dev\/provenance\/v0\.2\)/, 'says what the statement is');
    assert.match(view, new RegExp(REPO.replace(/[.]/g, '\\.')));
    assert.match(view, /Dockerfile/);
    const names = () => p.page.$$eval('#sbom-packages tr.package td.name', (tds) => tds.map((t) => t.textContent));
    assert.deepEqual(await names(), ['flask', 'requests']);
    await p.page.fill('#package-search', 'REQ');
    await p.page.waitForFunction(() => document.querySelectorAll('#sbom-packages tr.package').length === 1);
    assert.deepEqual(await names(), ['requests']);
    assert.equal(p.errors.length, 0, p.errors.join('\n'));
  } finally {
    await p.close();
  }
});

test('BuildKit OCI export of two platforms: no unknown/unknown in either picker', async () => {
  const p = await h.newPage(ctx.browser);
  try {
    await h.openApp(p.page, ctx.server);
    await h.dropBytes(p.page, buildkitExport().toString('base64'), 'pyapp-oci.tar');
    assert.equal(await h.waitSettled(p.page), 'done');
    assert.equal(await h.text(p.page, '#image-tags'), 'example.com/pyapp:2.0');
    const images = await options(p.page, '#image-picker');
    assert.equal(images.length, 2, JSON.stringify(images));
    assert.ok(images.every((o) => !o.text.includes('unknown')), JSON.stringify(images));
    assert.deepEqual((await options(p.page, '#platform-picker')).map((o) => o.text), ['linux/amd64', 'linux/arm64']);
    await h.showTab(p.page, 'attestations');
    await p.page.waitForSelector('#provenance-builder', { timeout: h.DONE_TIMEOUT });
    assert.equal(await h.text(p.page, '#provenance-builder'), BUILDER);
    assert.equal(p.errors.length, 0, p.errors.join('\n'));
  } finally {
    await p.close();
  }
});
