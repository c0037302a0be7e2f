export { ManualClock, flushMicrotasks } from './manual-clock.js';
export { seededRandom } from '../random.js';
export { deferred, waitFor } from './deferred.js';
export type { Deferred } from './deferred.js';
export { missingRequirements, hasCommand } from './requirements.js';
export type { Requirements } from './requirements.js';
export { isAlive, killAllTracked, netnsArgv, parseLogLine, safeKill, spawnTracked, trackedProcesses } from './spawn-tracked.js';
export type { ExitStatus, NetnsEntry, SpawnTrackedOptions, TrackedProcess } from './spawn-tracked.js';
export { deleteNetns, ipIn, runCommand } from './run-command.js';
