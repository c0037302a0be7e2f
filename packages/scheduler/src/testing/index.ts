export { testHost, testFormation, testJob, syntheticCluster } from './fixtures.js';
export type { HostOptions, FormationOptions, SyntheticOptions } from './fixtures.js';
