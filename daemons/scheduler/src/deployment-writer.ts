/**
 * Deployment status writes (the deployer's `DeploymentStatusWriter`) through
 * the controller's data layer: its `setDeploymentStatus` in a transaction,
 * which updates the record and emits the `deployment` event, exactly as the
 * controller would. A stopgap until the controller API has an endpoint for
 * it (the original's deployer ran inside the controller with database access).
 */
import { Database, setDeploymentStatus } from '@flynn-ts/controller';
import type { DatabaseConfig } from '@flynn-ts/controller';
import type { DeploymentStatusWriter } from '@flynn-ts/scheduler';

export interface DatabaseDeploymentWriter extends DeploymentStatusWriter {
  close(): Promise<void>;
}

export function databaseDeploymentWriter(config: DatabaseConfig): DatabaseDeploymentWriter {
  const db = new Database(config, { max: 2 });
  return {
    async setStatus(id, status, extra) {
      await db.tx((tx) => setDeploymentStatus(tx, id, status, extra));
    },
    close: () => db.close(),
  };
}
