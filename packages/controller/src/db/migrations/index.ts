/**
 * The controller's schema migrations, in order. A migration is applied once,
 * in one transaction, and never edited after release: changes go into a new
 * migration with the next id.
 */
import { MIGRATION_0001 } from './0001-core-schema.js';
import { MIGRATION_0002 } from './0002-routes.js';

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: 'core schema', sql: MIGRATION_0001 },
  { id: 2, name: 'routes and certificates', sql: MIGRATION_0002 },
];
