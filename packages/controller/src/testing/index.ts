export { startTestPostgres, testPostgresMissing, DEFAULT_PG_BIN } from './test-postgres.js';
export type { TestPostgres, TestPostgresOptions } from './test-postgres.js';
