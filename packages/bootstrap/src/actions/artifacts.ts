/**
 * Image artifacts for run-app and deploy-app: a `flynn` artifact given only
 * by `uri` gets its image manifest read from there (http(s) or file), as the
 * original's manifests embedded them at build time; for jobs run directly
 * on hosts, its layers become the job's mountspecs (URLs from
 * `layer_url_template`) and its entrypoint the default args, as the
 * scheduler does for formation jobs.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ImageManifest, MountSpec } from '@flynn-ts/host';
import { expandLayerUrl, manifestProblem, mountspecsFromManifest } from '@flynn-ts/host';
import { BOOTSTRAP_STEP_FAILED, BootstrapError } from '../core/errors.js';
import type { ArtifactSpec } from '../core/manifest-types.js';

/** Fills in the manifest of `flynn` artifacts that have none. */
export async function loadArtifactManifests(artifacts: ArtifactSpec[], signal?: AbortSignal): Promise<void> {
  for (const a of artifacts) {
    if (a.type !== 'flynn' || a.manifest !== undefined) continue;
    let text: string;
    try {
      if (a.uri.startsWith('file:')) text = await readFile(fileURLToPath(a.uri), 'utf8');
      else {
        const res = await fetch(a.uri, { signal: signal ?? AbortSignal.timeout(30_000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        text = await res.text();
      }
    } catch (err) {
      throw new BootstrapError(BOOTSTRAP_STEP_FAILED, `cannot read the image manifest of artifact ${a.uri}: ${(err as Error).message} (is the image built?)`, { cause: err });
    }
    let manifest: unknown;
    try {
      manifest = JSON.parse(text);
    } catch {
      throw new BootstrapError(BOOTSTRAP_STEP_FAILED, `the image manifest at ${a.uri} is not JSON`);
    }
    const problem = manifestProblem(manifest);
    if (problem) throw new BootstrapError(BOOTSTRAP_STEP_FAILED, `the image manifest at ${a.uri}: ${problem}`);
    a.manifest = manifest;
  }
}

/** The mountspecs of the `flynn` artifacts' layers, in order. */
export function artifactMountspecs(artifacts: readonly ArtifactSpec[]): MountSpec[] {
  const specs: MountSpec[] = [];
  for (const a of artifacts) {
    if (a.type !== 'flynn' || typeof a.manifest !== 'object' || a.manifest === null) continue;
    const template = a.layer_url_template;
    for (const spec of mountspecsFromManifest(a.manifest as ImageManifest, (layer) => (template ? expandLayerUrl(template, layer.id ?? '') : ''))) {
      if (spec.url === '') delete spec.url;
      specs.push(spec);
    }
  }
  return specs;
}

/** The entrypoint args for `type` (or `_default`) of the last `flynn` artifact that has one. */
export function artifactEntrypoint(artifacts: readonly ArtifactSpec[], type: string): string[] | undefined {
  for (const a of [...artifacts].reverse()) {
    const eps = (a.manifest as ImageManifest | undefined)?.entrypoints;
    const args = eps?.[type]?.args ?? eps?._default?.args;
    if (a.type === 'flynn' && args && args.length > 0) return [...args];
  }
  return undefined;
}
