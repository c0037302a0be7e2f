import { FlynnError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_STATUSES } from '../types.js';
import { deploymentTransition, parseDeploymentEventInput } from './deployment-event-input.js';

const UUID = '5e0c0a4e-2f0b-4b0e-9a4a-0f6b8d5f7c11';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (FlynnError.is(err)) return { apiCode: err.apiCode, detail: err.detail };
    throw err;
  }
  return 'no error';
}

describe('parseDeploymentEventInput', () => {
  it('reads the original event fields', () => {
    expect(parseDeploymentEventInput({ status: 'running', release: UUID.toUpperCase(), job_type: 'web', job_state: 'up' })).toEqual({ status: 'running', release: UUID, jobType: 'web', jobState: 'up' });
    expect(parseDeploymentEventInput({ status: 'failed', error: 'web job failed to start' })).toEqual({ status: 'failed', error: 'web job failed to start' });
    expect(parseDeploymentEventInput({ status: 'complete', release: null, error: '' })).toEqual({ status: 'complete' });
  });

  it('answers 400 naming the field', () => {
    const bad: [unknown, string | undefined][] = [
      [{}, 'status'],
      [{ status: 'pending' }, 'status'],
      [{ status: 'done' }, 'status'],
      [{ status: 1 }, 'status'],
      [{ status: 'running', release: 'r1' }, 'release'],
      [{ status: 'running', job_state: 'sleeping' }, 'job_state'],
      [{ status: 'running', job_type: 'x'.repeat(256) }, 'job_type'],
      [{ status: 'failed', error: 'a\u0000b' }, 'error'],
      [{ status: 'running', app: UUID }, 'app'],
    ];
    for (const [body, field] of bad) expect(fieldOf(() => parseDeploymentEventInput(body))).toEqual({ apiCode: 'validation_error', detail: { field } });
    expect(fieldOf(() => parseDeploymentEventInput([]))).toEqual({ apiCode: 'validation_error', detail: undefined });
  });
});

describe('deploymentTransition', () => {
  it('moves only forward; a finished deployment takes only its own status again (a no-op)', () => {
    const table = Object.fromEntries(DEPLOYMENT_STATUSES.map((from) => [from, DEPLOYMENT_STATUSES.map((to) => deploymentTransition(from, to)).join(' ')]));
    // columns: pending running complete failed
    expect(table).toEqual({
      pending: 'illegal apply apply apply',
      running: 'illegal apply apply apply',
      complete: 'illegal illegal noop illegal',
      failed: 'illegal illegal illegal noop',
    });
  });
});
