// Manifest: types, validation, templates (pure).
export { parseManifest, CONTROLLER_ACTIONS } from './core/parse-manifest.js';
export { STEP_ACTIONS } from './core/manifest-types.js';
export type {
  Manifest,
  Step,
  StepAction,
  StepBase,
  IntField,
  AppSpec,
  ReleaseSpec,
  ProcessTypeSpec,
  PortSpec,
  ArtifactSpec,
  RouteSpec,
  RandomEncoding,
  RequireEnvStep,
  ResourceCheckStep,
  RunAppStep,
  WaitHostsStep,
  GenRandomStep,
  GenTlsCertStep,
  WaitStep,
  AddAppStep,
  ScaleAppStep,
  DeployAppStep,
  AddRouteStep,
  StatusCheckStep,
  LogStep,
} from './core/manifest-types.js';
export { renderTemplate, parseTemplate, templateRefs, hasTemplate, TemplateError, TEMPLATE_FUNCTIONS } from './core/template.js';
export type { TemplateContext, TemplateData, TemplateRefs } from './core/template.js';
export { renderStep } from './core/render-step.js';
export { capCounts, planJobs, hostJobFor, normalizeRelease, withNewId, uuidV4 } from './core/run-app-plan.js';
export type { PlannedJob, PlanJobsInput, NormalizedRelease, HostJobInput } from './core/run-app-plan.js';
export { formatStepEvent, formatStepJson, formatDuration } from './core/progress-format.js';
export type { StepEvent } from './core/progress-format.js';
export {
  BootstrapError,
  BOOTSTRAP_MANIFEST,
  BOOTSTRAP_TEMPLATE,
  BOOTSTRAP_STEP_FAILED,
  BOOTSTRAP_ALREADY_BOOTSTRAPPED,
  BOOTSTRAP_TIMEOUT,
  BOOTSTRAP_USAGE,
} from './core/errors.js';
export type { BootstrapErrorCode, StepLocation } from './core/errors.js';

// Runner.
export { runBootstrap, ensureNotBootstrapped } from './run-bootstrap.js';
export type { BootstrapOptions, BootstrapResult } from './run-bootstrap.js';
export type { StartedJob, StepTools } from './step-context.js';
export { ClusterAccess } from './cluster-access.js';
export type { ClusterAccessOptions, ClusterHost } from './cluster-access.js';
export { progressReporter } from './progress-reporter.js';
export type { ProgressReporterOptions } from './progress-reporter.js';
export { generateCertificate, tlsPin } from './actions/gen-tls-cert.js';
export type { TlsCertData } from './actions/gen-tls-cert.js';

// `flynn-host bootstrap`.
export { bootstrapCommand, shippedManifestPath, BOOTSTRAP_USAGE_TEXT } from './bootstrap-command.js';
export type { BootstrapCommandIo } from './bootstrap-command.js';

// The single-host developer cluster (`npm start`).
export { startDevCluster, devManifest } from './dev/dev-cluster.js';
export type { DevCluster, DevClusterIo } from './dev/dev-cluster.js';
export { devClusterConfig, devPorts, devManifestEnv, DevConfigError, DEV_PORTS, embeddedPgBin, SYSTEM_PG_BIN, OCI_COMMANDS } from './dev/dev-config.js';
export type { DevClusterConfig, DevFacts, DevPorts, DevPortName, DevImageEnv } from './dev/dev-config.js';
export { buildComponentImages } from './dev/component-image.js';
export type { ComponentImage, ComponentImages, ComponentImagesOptions } from './dev/component-image.js';
export { buildReleaseImages, IMAGE_NODE_PATH } from './images/release-images.js';
export type { ReleaseImages, ReleaseImagesOptions } from './images/release-images.js';
export { ENTRYPOINT_SCRIPT as POSTGRES_ENTRYPOINT_SCRIPT, POSTGRES_ENTRYPOINT } from './images/postgres-tree.js';
export { ociDevManifest, OCI_MANIFEST_ENV } from './dev/oci-manifest.js';
export { listAppFiles, appFilesFingerprint } from './dev/app-files.js';
export type { AppFile } from './dev/app-files.js';
export { teardownOciHost, mountsUnder } from './dev/oci-teardown.js';
export type { OciTeardownOptions } from './dev/oci-teardown.js';
export { readDevState } from './dev/dev-state.js';
export type { DevClusterState } from './dev/dev-state.js';
