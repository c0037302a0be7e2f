// Wire model.
export { DEPLOYMENT_STRATEGIES, ARTIFACT_TYPES, SCALE_REQUEST_STATES, JOB_STATES, DEPLOYMENT_STATUSES, EVENT_TYPES, ROUTE_PARENT_REF_PREFIX } from './types.js';
export type {
  App,
  AppDeletion,
  AppDeletionEvent,
  AppRelease,
  Artifact,
  ArtifactType,
  Certificate,
  ControllerEvent,
  Deployment,
  DeploymentEvent,
  DeploymentStatus,
  DeploymentStrategy,
  EventType,
  ExpandedFormation,
  Formation,
  HttpRoute,
  Job,
  JobState,
  Port,
  ProcessCounts,
  ProcessTags,
  ProcessType,
  Provider,
  Release,
  ReleaseDeletionEvent,
  Resource,
  Route,
  ScaleRequest,
  ScaleRequestState,
  StringMap,
  TcpRoute,
  VolumeReq,
} from './types.js';

// Errors.
export {
  ControllerError,
  validationError,
  notFound,
  objectExists,
  conflict,
  preconditionFailed,
  unavailable,
  isControllerNotFound,
  ifNotFound,
  CONTROLLER_VALIDATION,
  CONTROLLER_NOT_FOUND,
  CONTROLLER_EXISTS,
  CONTROLLER_CONFLICT,
  CONTROLLER_PRECONDITION,
  CONTROLLER_UNAVAILABLE,
  CONTROLLER_DATABASE,
  CONTROLLER_PROVIDER,
} from './errors.js';

// Pure rules.
export { appNameProblem, generatedAppName, APP_NAME_PATTERN, APP_NAME_MAX_LENGTH, GENERATED_NAME_SPACE } from './core/app-name.js';
export { matchesEventFilter, parseEventQuery } from './core/event-filter.js';
export type { EventFilter, EventQuery } from './core/event-filter.js';
export { normalizeRoutePath, normalizeDomain, parseRouteInput, RESERVED_TCP_PORTS, TCP_PORT_RANGE } from './core/route-input.js';
export type { RouteInput, HttpRouteInput, TcpRouteInput, CertificateInput } from './core/route-input.js';
export { planScale, deploymentType, totalProcesses, splitJobId } from './core/formation-input.js';
export type { ScalePlan } from './core/formation-input.js';
export { pgTimestampToRfc3339 } from './core/timestamp.js';
export { parseNewJob, JOB_PARTITIONS, JOB_RESOURCE_TYPES } from './core/new-job-input.js';
export type { NewJobInput, JobPartition, JobResourceType, JobResources } from './core/new-job-input.js';
export { buildOneOffJob, clusterJobId, imageEntrypoint, mountspecsFor, META_APP, META_APP_NAME, META_RELEASE } from './core/one-off-job.js';
export type { OneOffJobPlan } from './core/one-off-job.js';
export { jobStateFromHost, hostJobStatus, isForward, JOB_STATE_RANK } from './core/job-state.js';
export type { HostJobStatus, ObservedJobState } from './core/job-state.js';
export { readAttachStart } from './core/attach-state.js';
export type { AttachStart } from './core/attach-state.js';
export { parseAppLogQuery, aggregatorLogQuery, LOG_MAX_LINES, LOG_STREAM_TYPES } from './core/log-query.js';
export type { AppLogQuery } from './core/log-query.js';

// Server side.
export { createController } from './controller.js';
export type { Controller, ControllerOptions } from './controller.js';
export { createControllerApi } from './api/controller-api.js';
export type { ControllerApiOptions } from './api/controller-api.js';
export type { ApiDeps, ControllerApp } from './api/context.js';
export { KeyAuthorizer, basicAuthPassword, basicAuthHeader } from './api/auth.js';
export { checkCertificate } from './api/certificate.js';
export { ROUTES_EVENT_ID_HEADER } from './api/route-routes.js';
export { Database, CONTROLLER_PG_TYPES } from './db/database.js';
export type { DatabaseConfig, PendingEvent, Queryable, Tx, TxOptions } from './db/database.js';
export { migrate, MIGRATIONS_TABLE } from './db/migrate.js';
export type { MigrateOptions, MigrateResult } from './db/migrate.js';
export { MIGRATIONS } from './db/migrations/index.js';
export type { Migration } from './db/migrations/index.js';
export { EventHub } from './events/event-hub.js';
export type { EventHubOptions, SubscribeOptions } from './events/event-hub.js';
export { EventSubscription } from './events/event-subscription.js';
export { httpProviderClient } from './provider-client.js';
export type { ProviderClient, HttpProviderClientOptions } from './provider-client.js';
export { isJobRunner, isJobWatcher } from './host-client.js';
export type { HostClientFor, JobStopper, JobRunner, JobWatcher, HostInfo, HostJob, HostMountSpec, HostMount, HostActiveJob, HostJobEvent } from './host-client.js';
export { HttpHostClient } from './hosts/http-host-client.js';
export type { HttpHostClientOptions } from './hosts/http-host-client.js';
export { DiscoveryHosts, HOST_SERVICE } from './hosts/discovery-hosts.js';
export type { DiscoveryHostsOptions } from './hosts/discovery-hosts.js';
export { randomHostPicker } from './hosts/host-picker.js';
export type { HostPicker, HostPickRequest, PickedHost, RandomHostPickerOptions } from './hosts/host-picker.js';
export { JobLauncher, CONTROLLER_HOST_REFUSED } from './jobs/job-launcher.js';
export type { JobLauncherOptions, PreparedJob } from './jobs/job-launcher.js';
export { openHostAttach, ATTACH_PROTOCOL, AttachFlags } from './jobs/host-attach.js';
export type { HostAttachRequest, HostAttachConnection } from './jobs/host-attach.js';
export { attachUpgradeHandler, isAttachUpgrade } from './api/attach-upgrade.js';
export type { UpgradeListener, AttachUpgradeHandler, AttachUpgradeOptions } from './api/attach-upgrade.js';
export { proxyAppLog } from './logs/app-log-proxy.js';
export type { AppLogRequest } from './logs/app-log-proxy.js';
export { discoveryLogAggregators, aggregatorApiUrl, LOG_AGGREGATOR_SERVICE } from './logs/discovery-log-aggregators.js';

// Data access (for the deployer and scheduler running next to the API).
export { getApp, findApp, listApps, setAppRelease } from './data/apps.js';
export { getRelease, listAppReleases } from './data/releases.js';
export { getFormation, getExpandedFormation, listActiveFormations, updateScaleRequest } from './data/formations.js';
export { getDeployment, listDeployments, setDeploymentStatus } from './data/deployments.js';
export type { DeploymentStatusExtra } from './data/deployments.js';
export { REPORTED_DEPLOYMENT_STATUSES, deploymentTransition, parseDeploymentEventInput } from './core/deployment-event-input.js';
export type { DeploymentEventInput, ReportedDeploymentStatus } from './core/deployment-event-input.js';
export { getJob, listActiveJobs, upsertJob, recordJobState } from './data/jobs.js';
export { listEvents, getEvent, latestEventId } from './data/events.js';
export { listRoutes } from './data/routes.js';
export { collectAppGarbage } from './data/app-gc.js';
export type { AppGarbageCollection } from './data/app-gc.js';

// Client SDK and router integration.
export { ControllerClient } from './client/controller-client.js';
export type {
  ControllerClientOptions,
  ListEventsOptions,
  StreamEventsOptions,
  AppUpdate,
  NewApp,
  NewRelease,
  NewArtifact,
  NewRoute,
  NewJob,
  ScaleRequestInput,
  DeploymentEventReport,
} from './client/controller-client.js';
export type { ControllerEventStream, FormationStreamItem, MappedStream } from './client/event-stream.js';
export { discoveredUrls } from './client/discovered-urls.js';
export type { DiscoveredUrls } from './client/discovered-urls.js';
export { controllerRouteSource, sortRoutesForApply } from './router/controller-route-source.js';
export type { ControllerRouteSource, ControllerRouteSourceOptions, RouteSourceEvent, RouteSourceSubscribeOptions } from './router/controller-route-source.js';
