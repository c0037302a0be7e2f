/**
 * The dev manifest for the `oci` driver, derived from the one for the
 * process driver (manifests/dev.json stays the single source of truth):
 *
 * - every `file://` artifact of the checkout becomes a `flynn` image
 *   artifact: the component image for system apps (`flynn-system-app`),
 *   the demo image for the others, layers from `FLYNN_IMAGE_LAYERS`;
 * - system apps' processes run on the host network, as the original's
 *   router and discoverd did: they reach discoverd and PostgreSQL on
 *   127.0.0.1 and listen there, exactly as with the process driver;
 * - other apps (the demo) get their own network namespace on the host's
 *   bridge: `LISTEN_IP=0.0.0.0` (the host's default LISTEN_IP is its own
 *   127.0.0.1, which inside the namespace would be the job's loopback); the
 *   host registers them at their bridge address, which the router reaches;
 * - the blobstore keeps blobs in PostgreSQL (`FLYNN_BLOBSTORE_DATABASE_URL`)
 *   rather than in a directory that would be inside its container.
 *
 * Pure: returns a new manifest.
 */
import type { ArtifactSpec, DeployAppStep, Manifest, ProcessTypeSpec, RunAppStep, Step } from '../core/manifest-types.js';

/** The variables the derived manifest reads besides dev.json's (see devImageEnv). */
export const OCI_MANIFEST_ENV = ['FLYNN_COMPONENT_IMAGE', 'FLYNN_DEMO_IMAGE', 'FLYNN_IMAGE_LAYERS', 'FLYNN_BLOBSTORE_DATABASE_URL'] as const;

function imageArtifact(variable: 'FLYNN_COMPONENT_IMAGE' | 'FLYNN_DEMO_IMAGE'): ArtifactSpec {
  return { type: 'flynn', uri: `file://{{ getenv \`${variable}\` }}`, layer_url_template: 'file://{{ getenv `FLYNN_IMAGE_LAYERS` }}/{id}.squashfs' };
}

function isAppStep(step: Step): step is RunAppStep | DeployAppStep {
  return step.action === 'run-app' || step.action === 'deploy-app';
}

export function ociDevManifest(manifest: Manifest): Manifest {
  const steps = manifest.steps.map((step): Step => {
    if (!isAppStep(step) || !step.artifacts?.some((a) => a.type === 'file')) return step;
    const system = step.app.meta?.['flynn-system-app'] === 'true';
    const processes: Record<string, ProcessTypeSpec> = {};
    for (const [type, p] of Object.entries(step.release.processes)) processes[type] = system ? systemProcess(step.app.name, p) : bridgedProcess(p);
    return {
      ...step,
      artifacts: [imageArtifact(system ? 'FLYNN_COMPONENT_IMAGE' : 'FLYNN_DEMO_IMAGE'), ...step.artifacts.filter((a) => a.type !== 'file')],
      release: { ...step.release, processes },
    };
  });
  return { ...manifest, steps };
}

function systemProcess(app: string, p: ProcessTypeSpec): ProcessTypeSpec {
  const out: ProcessTypeSpec = { ...p, host_network: true };
  if (app === 'blobstore' && p.args?.some((a) => a.startsWith('--dir='))) {
    out.args = p.args.filter((a) => !a.startsWith('--dir='));
    out.env = { ...p.env, DATABASE_URL: '{{ getenv `FLYNN_BLOBSTORE_DATABASE_URL` }}' };
  }
  return out;
}

function bridgedProcess(p: ProcessTypeSpec): ProcessTypeSpec {
  return { ...p, env: { ...p.env, LISTEN_IP: '0.0.0.0' } };
}
