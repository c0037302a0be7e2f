// Wire model and module contracts.
export type {
  MountSpec,
  HealthCheck,
  PortService,
  Port,
  Mount,
  VolumeBinding,
  ContainerConfig,
  ResourceType,
  ResourceSpec,
  Resources,
  Partition,
  Job,
  JobStatus,
  ActiveJob,
  HostEventType,
  HostEvent,
  HostNetwork,
  HostDiscoverd,
  HostStatus,
  HostResources,
  HostResourceAmount,
  ResourceCheck,
} from './types.js';
export type {
  ContainerLimits,
  ContainerMount,
  ContainerNetwork,
  ContainerSpec,
  ContainerExit,
  OutputChunk,
  ContainerHandle,
  RuntimeDriver,
  HostNetworkConfig,
  JobNetwork,
  NetworkManager,
  PreparedImage,
  ImageStore,
  LogStream,
  LogLine,
  LogManager,
  ShippingLogManager,
} from './contracts.js';
export { canShipLogs } from './contracts.js';

// Composition root.
export { startHost, HOST_SERVICE, TAG_PREFIX } from './host.js';
export type { HostOptions, FlynnHost } from './host.js';

// Jobs: pure core.
export { validateJob } from './job/core/validate-job.js';
export type { ValidateJobOptions } from './job/core/validate-job.js';
export { JOB_ID_PATTERN, isValidJobId, newJobId, uuidV4 } from './job/core/job-id.js';
export { DEFAULT_RESOURCE_LIMITS, withResourceDefaults, containerLimits, cpuShares, tempDiskBytes, requestedResources } from './job/core/resources.js';
export { buildJobEnv, resolvePorts } from './job/core/job-env.js';
export type { JobEnvInput, JobEnv } from './job/core/job-env.js';
export { createActiveJob, transition, isActive, isTerminal } from './job/core/job-state.js';
export type { JobInput, JobTransition } from './job/core/job-state.js';
export { LineSplitter } from './job/core/line-splitter.js';
export type { LineSplitterOptions } from './job/core/line-splitter.js';

// Jobs: manager.
export { JobManager } from './job/job-manager.js';
export type { JobManagerOptions } from './job/job-manager.js';
export { FileJobStore, JOB_RECORD_VERSION, isStagedStore } from './job/job-store.js';
export type { JobStateStore, JobRecord, HostStateRecord, StagedJobStateStore, StagedWrite } from './job/job-store.js';
export { ALL_JOBS } from './job/event-hub.js';
export type { HostEventListener } from './job/event-hub.js';
export {
  JobNotFoundError,
  JobExistsError,
  RateLimitedError,
  JobNotRunningError,
  ShuttingDownError,
  VolumeNotFoundError,
  VolumeExistsError,
  VolumeInUseError,
  NotConfiguredError,
  HOST_JOB_NOT_FOUND,
  HOST_JOB_EXISTS,
  HOST_RATELIMITED,
  HOST_JOB_NOT_RUNNING,
  HOST_SHUTTING_DOWN,
  HOST_VOLUME_NOT_FOUND,
  HOST_VOLUME_EXISTS,
  HOST_VOLUME_IN_USE,
  HOST_NOT_CONFIGURED,
} from './job/errors.js';
export { INVALID_JOB } from './job/core/fields.js';

// Volumes.
export { VolumeManager, DEFAULT_VOLUME_PROVIDER } from './volume/volume-manager.js';
export type { VolumeInfo, CreateVolumeInput, VolumeManagerOptions } from './volume/volume-manager.js';

// HTTP API and attach.
export { createHostApi } from './api/host-api.js';
export type { HostApiOptions } from './api/host-api.js';
export type { HostControl } from './api/host-control.js';
export type { JobLogEntry } from './api/log-response.js';
export { attachUpgradeListener, parseAttachRequest } from './attach/attach-server.js';
export type { AttachServerOptions, UpgradeListener } from './attach/attach-server.js';
export { runAttachSession, ERR_JOB_NOT_RUNNING } from './attach/attach-session.js';
export type { AttachTarget, AttachableJob } from './attach/attach-target.js';
export {
  ATTACH_PROTOCOL,
  AttachByte,
  AttachFlag,
  encodeState,
  encodeData,
  encodeEof,
  encodeSignal,
  encodeExit,
  encodeResize,
  encodeError,
  encodeFrame,
} from './attach/core/attach-codec.js';
export type { AttachRequest, AttachStream, AttachFrame } from './attach/core/attach-codec.js';
export { AttachDecoder } from './attach/core/attach-decoder.js';
export type { AttachDecoderOptions } from './attach/core/attach-decoder.js';

// Client SDK.
export { HostClient } from './client/host-client.js';
export type { HostClientOptions, HostEventStream, JobLogOptions } from './client/host-client.js';
export { attachToJob, ATTACH_WOULD_WAIT, ATTACH_FAILED } from './client/attach-client.js';
export type { AttachOptions, AttachSession } from './client/attach-client.js';
export { normalizeStatus, normalizeActiveJob } from './client/normalize.js';

// Runtime drivers.
export { OciDriver } from './runtime/oci-driver.js';
export type { OciDriverOptions } from './runtime/oci-driver.js';
export { findFlynnMonitor, monitorProtocol, MONITOR_PROTOCOL } from './runtime/flynn-monitor.js';
export { isListingNetworkManager } from './job/job-restore.js';
export type { ListingNetworkManager, RestoreResult } from './job/job-restore.js';
export { ProcessDriver } from './runtime/process-driver.js';
export type { ProcessDriverOptions } from './runtime/process-driver.js';
export { RuntimeError } from './runtime/runtime-error.js';
export type { RuntimeErrorCode } from './runtime/runtime-error.js';

// Networking.
export { BridgeNetworkManager } from './network/bridge-network.js';
export type { BridgeNetworkOptions } from './network/bridge-network.js';
export { NetworkError } from './network/network-error.js';
export type { NetworkErrorCode } from './network/network-error.js';
export { portInUse, portsInUse } from './network/port-check.js';
export { netnsName } from './network/core/names.js';
export type { PortCheckOptions } from './network/port-check.js';

// Images.
export { LayerImageStore } from './image/layer-store.js';
export type { LayerImageStoreOptions } from './image/layer-store.js';
export { ImageError } from './image/image-error.js';
export type { ImageErrorCode } from './image/image-error.js';
export { writeImage } from './image/write-image.js';
export type { WriteImageOptions, WrittenImage } from './image/write-image.js';
export { importOciLayout } from './image/oci-import.js';
export type { OciImportOptions, OciImport } from './image/oci-import.js';
export { buildBaseImage } from './image/base-image.js';
export { manifestId, hashFile } from './image/hashing.js';
export { buildSquashfsLayer, squashfsFromTar, layerEntry } from './image/squashfs.js';
export type { SquashfsLayer, BuildLayerOptions } from './image/squashfs.js';
export type { BaseImageOptions, BaseImage } from './image/base-image.js';
export {
  IMAGE_MANIFEST_TYPE,
  SQUASHFS_LAYER_TYPE,
  buildManifest,
  canonicalManifestJson,
  expandLayerUrl,
  manifestProblem,
  mountspecsFromManifest,
  normalizeManifest,
} from './image/core/manifest.js';
export type { ImageManifest, ImageEntrypoint, ImageLayer, ImagePlatform, ImageRootfs } from './image/core/manifest.js';

// Logs (the pure syslog codecs are the ./syslog subpath).
export {
  FileLogManager,
  LogShipper,
  AggregatorConnection,
  LOG_SINK_CHANNEL,
  httpCursorFetcher,
  defaultCursorsUrl,
  API_PORT_META,
  LOG_CURSORS_UNAVAILABLE,
  tcpDialer,
  splitAddr,
  SinkConnectionError,
  LOG_SINK_CONNECTION,
  fileStem,
  logFilePath,
} from './logs/index.js';
export type {
  FileLogManagerOptions,
  LogShipperOptions,
  SinkStatus,
  ShipSource,
  ConnectionState,
  CursorFetcher,
  LogReceiver,
  HttpCursorFetcherOptions,
  SinkDialer,
  SinkSocket,
  TcpDialerOptions,
  StoredRecord,
} from './logs/index.js';
