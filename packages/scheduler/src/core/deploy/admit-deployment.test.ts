import { describe, expect, it } from 'vitest';
import { isSchedulerError, SCHEDULER_DEPLOY_IN_PROGRESS } from '../errors.js';
import { admitDeployment, batchSizeFromMeta } from './admit-deployment.js';
import type { DeploymentSpec } from './deploy-model.js';

const spec = (processes: Record<string, number>, app = 'a'): DeploymentSpec => ({ id: 'd2', app, oldRelease: 'r1', newRelease: 'r2', strategy: 'all-at-once', processes, deployTimeout: 120 });

describe('admitDeployment', () => {
  it('allows one deployment per app at a time', () => {
    const res = admitDeployment(spec({ web: 1 }), [{ id: 'd1', app: 'a' }]);
    expect(res.kind).toBe('rejected');
    if (res.kind !== 'rejected') return;
    expect(isSchedulerError(res.error, SCHEDULER_DEPLOY_IN_PROGRESS)).toBe(true);
    expect(res.error.toJSON()).toEqual({ code: 'validation_error', message: 'Cannot create deploy, there is already one in progress for this app.', retry: false });
    expect(admitDeployment(spec({ web: 1 }), [{ id: 'd1', app: 'b' }]).kind).toBe('pending');
  });

  it('an app running nothing just switches release: complete at once', () => {
    expect(admitDeployment(spec({ web: 0 }), [])).toEqual({
      kind: 'complete',
      setRelease: 'r2',
      events: [{ app: 'a', deployment: 'd2', release: 'r2', status: 'complete' }],
    });
    expect(admitDeployment(spec({}), []).kind).toBe('complete');
  });

  it('otherwise the deployment is pending', () => {
    expect(admitDeployment(spec({ web: 2 }), [])).toEqual({ kind: 'pending', events: [{ app: 'a', deployment: 'd2', release: 'r2', status: 'pending' }] });
  });
});

describe('batchSizeFromMeta', () => {
  it('reads flynn-deploy-batch-size when it is a positive integer', () => {
    expect(batchSizeFromMeta({ 'flynn-deploy-batch-size': '3' })).toBe(3);
    expect(batchSizeFromMeta({ 'flynn-deploy-batch-size': '0' })).toBeUndefined();
    expect(batchSizeFromMeta({ 'flynn-deploy-batch-size': 'two' })).toBeUndefined();
    expect(batchSizeFromMeta({ 'flynn-deploy-batch-size': '-1' })).toBeUndefined();
    expect(batchSizeFromMeta(undefined)).toBeUndefined();
  });
});
