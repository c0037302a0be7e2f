export { testHost, testFormation, testJob, syntheticCluster } from './fixtures.js';
export type { HostOptions, FormationOptions, SyntheticOptions } from './fixtures.js';
export { FakeSchedulerController, FakeSchedulerHost, testWireFormation } from './fake-cluster.js';
export { AsyncQueue } from './async-queue.js';
