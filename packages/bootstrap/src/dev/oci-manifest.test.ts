import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DeployAppStep, RunAppStep } from '../core/manifest-types.js';
import { parseManifest, stringsOf } from '../core/parse-manifest.js';
import { templateRefs } from '../core/template.js';
import { devClusterConfig, devManifestEnv } from './dev-config.js';
import { OCI_MANIFEST_ENV, ociDevManifest } from './oci-manifest.js';

const dev = () => parseManifest(readFileSync(new URL('../../manifests/dev.json', import.meta.url), 'utf8'));
const appStep = (m: ReturnType<typeof dev>, id: string) => m.steps.find((s) => s.id === id) as RunAppStep | DeployAppStep;

describe('ociDevManifest', () => {
  it('system apps: the component image, host network; the demo: its image, its own namespace listening on 0.0.0.0', () => {
    const m = ociDevManifest(dev());
    for (const id of ['controller', 'router', 'blobstore', 'logaggregator']) {
      const step = appStep(m, id);
      expect(step.artifacts).toEqual([{ type: 'flynn', uri: 'file://{{ getenv `FLYNN_COMPONENT_IMAGE` }}', layer_url_template: 'file://{{ getenv `FLYNN_IMAGE_LAYERS` }}/{id}.squashfs' }]);
      for (const p of Object.values(step.release.processes)) expect(p.host_network).toBe(true);
    }
    const demo = appStep(m, 'demo');
    expect(demo.artifacts?.[0]?.uri).toBe('file://{{ getenv `FLYNN_DEMO_IMAGE` }}');
    expect(demo.release.processes.web?.host_network).toBeUndefined();
    expect(demo.release.processes.web?.env?.LISTEN_IP).toBe('0.0.0.0');
  });

  it('the blobstore keeps blobs in PostgreSQL instead of a directory inside its container', () => {
    const web = appStep(ociDevManifest(dev()), 'blobstore').release.processes.web!;
    expect(web.args?.some((a) => a.startsWith('--dir='))).toBe(false);
    expect(web.env?.DATABASE_URL).toBe('{{ getenv `FLYNN_BLOBSTORE_DATABASE_URL` }}');
  });

  it('leaves the input and the other steps alone', () => {
    const input = dev();
    const before = JSON.stringify(input);
    const m = ociDevManifest(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(m.steps.map((s) => s.id)).toEqual(input.steps.map((s) => s.id));
    expect(m.steps.find((s) => s.id === 'demo-route')).toBe(input.steps.find((s) => s.id === 'demo-route'));
  });

  it('reads only variables devManifestEnv sets when given the images', () => {
    const read = new Set<string>();
    for (const [, text] of stringsOf(JSON.parse(JSON.stringify(ociDevManifest(dev()).steps)), '')) for (const name of templateRefs(text).env) read.add(name);
    const c = devClusterConfig({}, { repoRoot: '/r', execPath: '/usr/bin/node', tsxLoaderUrl: 'file:///r/t.mjs', cwd: '/' });
    const env = devManifestEnv(c, 'postgres://x', { componentManifest: '/i/c.json', demoManifest: '/i/d.json', layersDir: '/i/layers', blobstoreDatabaseUrl: 'postgres://b' });
    const provided = new Set([...Object.keys(env), 'PATH', 'CONTROLLER_KEY', 'TLS_CA', 'TLS_CERT', 'TLS_KEY']);
    expect([...read].filter((n) => !provided.has(n))).toEqual([]);
    for (const name of OCI_MANIFEST_ENV) expect(read.has(name)).toBe(true);
  });
});
