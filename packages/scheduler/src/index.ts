export { plan } from './core/plan.js';
export type { PlanOptions } from './core/plan.js';
export { applyActions, settleView } from './core/apply-actions.js';
export {
  MiB,
  GiB,
  DEFAULT_MEMORY,
  DEFAULT_CPU,
  META_SYSTEM_CRITICAL,
  META_SYSTEM_APP,
  META_DEPLOY_BATCH_SIZE,
  JOB_STATES,
  isLive,
  holdsResources,
  hostJobId,
} from './core/model.js';
export type {
  Action,
  ActionKind,
  ClusterView,
  Formation,
  HostHealth,
  HostView,
  JobState,
  JobView,
  ProcessResources,
  ProcessTypeSpec,
  ResourceAmount,
  ResourceSpec,
  StopReason,
} from './core/model.js';
export { requestFor, formatMemory, formatCpu } from './core/resources.js';
export { tagsMatch, formatTags } from './core/tags.js';
export { stopOrder, chooseJobsToStop } from './core/stop-order.js';
export { newJobId } from './core/job-id.js';
export { restartBackoff, restartFor, nextRunAt, RESTART_RESET_AFTER_MS } from './core/restart.js';
export type { RestartDecision, RestartOptions } from './core/restart.js';
export { advance, canTransition, isUp, jobStateRank } from './core/job-state.js';
export type { HostJobStatus, JobObservation } from './core/job-state.js';
export { HostHealthTracker, DEFAULT_MAX_FAILED_CHECKS } from './core/host-health.js';
export type { HostHealthEntry, HostHealthEvent, HostHealthOptions, HostObservation } from './core/host-health.js';
export { startDeployment, deployStep } from './core/deploy/deploy-step.js';
export { strategySteps } from './core/deploy/deploy-plan.js';
export { admitDeployment, batchSizeFromMeta } from './core/deploy/admit-deployment.js';
export type { Admission, UnfinishedDeployment } from './core/deploy/admit-deployment.js';
export {
  DEPLOY_STRATEGIES,
  DEFAULT_DEPLOY_TIMEOUT,
  NEW_JOB_FAILURE_THRESHOLD,
  ROLLBACK_TIMEOUT_MS,
} from './core/deploy/deploy-model.js';
export type {
  DeployJob,
  DeployObservation,
  DeployOutput,
  DeployStart,
  DeployState,
  DeployStatus,
  DeployStepSpec,
  DeployStrategy,
  DeployWait,
  DeploymentEvent,
  DeploymentSpec,
  FormationChange,
} from './core/deploy/deploy-model.js';
export { SchedulerError, isSchedulerError, SCHEDULER_DEPLOY_IN_PROGRESS, SCHEDULER_INVALID_DEPLOYMENT } from './core/errors.js';
export type { SchedulerErrorCode } from './core/errors.js';

// Executor: the scheduler loop, leader election, deployer runner and their ports.
export { Scheduler } from './executor/scheduler.js';
export type { SchedulerRole, LastPlan } from './executor/scheduler.js';
export { machineCapacity } from './executor/scheduler-options.js';
export type { SchedulerOptions, SchedulerTuning } from './executor/scheduler-options.js';
export type { SchedulerState } from './executor/scheduler-state.js';
export { createSchedulerApi } from './executor/debug-api.js';
export type { SchedulerApiOptions } from './executor/debug-api.js';
export { DeployRunner } from './executor/deploy-runner.js';
export type { DeployRunnerOptions, DeploymentSummary } from './executor/deploy-runner.js';
export type { DeployJobSource } from './executor/deployment-run.js';
export { LeaderElection, SCHEDULER_SERVICE } from './executor/leader-election.js';
export type { LeaderElectionOptions } from './executor/leader-election.js';
export { httpRouter, httpRouterConnector } from './executor/http-router.js';
export type { HttpRouterOptions } from './executor/http-router.js';
export { HOST_SERVICE } from './executor/host-set.js';
export { ROUTER_SERVICE } from './executor/router-set.js';
export { JOB_ID_META } from './executor/service-set.js';
export { formationFromWire, hostJobFor, hostJobFacts, mountspecsFor, uuidOfHostJob } from './executor/translate.js';
export type { HostJobFacts, HostJobInput } from './executor/translate.js';
export type { JobRecord, JobChangeListener } from './executor/job-table.js';
export type {
  ClosableStream,
  DeployController,
  HostConnector,
  HostInstance,
  JobWrite,
  RouterConnector,
  SchedulerController,
  SchedulerHost,
  SchedulerRouter,
} from './executor/ports.js';
export { META_APP, META_APP_NAME, META_RELEASE, META_TYPE, META_FORMATION, META_RESTARTS } from './executor/wire.js';
export type {
  WireActiveJob,
  WireApp,
  WireArtifact,
  WireDeployment,
  WireDeploymentEventReport,
  WireEvent,
  WireExpandedFormation,
  WireFormationItem,
  WireHostEvent,
  WireHostJob,
  WireHostJobStatus,
  WireHostStatus,
  WireJob,
  WirePort,
  WireProcessType,
  WireRelease,
  WireResourceSpec,
  WireRoute,
  WireRouterEvent,
} from './executor/wire.js';
