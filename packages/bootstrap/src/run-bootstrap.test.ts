/**
 * The runner with the steps that need no cluster (require-env, gen-random,
 * log): step outputs flow into later templates, progress events come in
 * order, and a failure stops the run with an error naming the step.
 */
import { ManualClock } from '@flynn-ts/core/testing';
import { seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { parseManifest } from './core/parse-manifest.js';
import type { StepEvent } from './core/progress-format.js';
import { BootstrapError } from './core/errors.js';
import { runBootstrap } from './run-bootstrap.js';

function options(env: Record<string, string>, events: StepEvent[] = []) {
  let n = 0;
  return {
    hostUrls: ['http://127.0.0.1:9'], // never contacted by these steps
    env,
    clock: new ManualClock(),
    random: seededRandom(1),
    onEvent: (e: StepEvent) => events.push(e),
    tools: { randomBytes: (len: number) => Uint8Array.from({ length: len }, () => n++ % 256), openssl: 'openssl' },
  };
}

const manifest = parseManifest([
  { id: 'check', action: 'require-env', vars: ['CLUSTER_DOMAIN'] },
  { id: 'controller_key', action: 'gen-random', controller_key: true, data: '{{ getenv "CONTROLLER_KEY" }}' },
  { id: 'secret', action: 'gen-random', length: 4 },
  { id: 'done', action: 'log', output: 'flynn cluster add default {{ getenv "CLUSTER_DOMAIN" }} {{ .StepData.controller_key.data }} ({{ .StepData.secret.data }}, singleton={{ .Singleton }})' },
]);

describe('runBootstrap', () => {
  it('runs the steps in order; each step’s output is readable by the later ones', async () => {
    const events: StepEvent[] = [];
    const result = await runBootstrap(manifest, options({ CLUSTER_DOMAIN: 'dev.example.com' }, events));
    // The controller key took the first 16 bytes of the (fake) randomness, the secret the next 4.
    expect(result.controllerKey).toBe('000102030405060708090a0b0c0d0e0f');
    expect(result.stepData.secret).toEqual({ data: '10111213' });
    expect(result.stepData.done).toEqual({ output: `flynn cluster add default dev.example.com ${result.controllerKey} (10111213, singleton=true)` });
    expect(events.filter((e) => e.type !== 'progress').map((e) => `${e.type} ${e.index}/${e.total} ${e.id}`)).toEqual([
      'start 1/4 check',
      'done 1/4 check',
      'start 2/4 controller_key',
      'done 2/4 controller_key',
      'start 3/4 secret',
      'done 3/4 secret',
      'start 4/4 done',
      'done 4/4 done',
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', output: expect.stringContaining('flynn cluster add default dev.example.com') });
  });

  it('uses a given CONTROLLER_KEY instead of a random one; --min-hosts > 1 is not singleton', async () => {
    const result = await runBootstrap(manifest, { ...options({ CLUSTER_DOMAIN: 'a.b', CONTROLLER_KEY: 'given' }), minHosts: 3 });
    expect(result.controllerKey).toBe('given');
    expect((result.stepData.done as { output: string }).output).toMatch(/singleton=false\)$/);
  });

  it('stops at the first failing step with an error naming it, and runs nothing after', async () => {
    const events: StepEvent[] = [];
    const err = await runBootstrap(manifest, options({}, events)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BootstrapError);
    expect((err as BootstrapError).code).toBe('FLYNN_BOOTSTRAP_STEP_FAILED');
    expect((err as Error).message).toBe('step 1 (check): require-env: missing environment variable CLUSTER_DOMAIN (set CLUSTER_DOMAIN=…)');
    expect(events.map((e) => e.type)).toEqual(['start', 'failed']);
    expect(events[1]).toMatchObject({ error: 'missing environment variable CLUSTER_DOMAIN (set CLUSTER_DOMAIN=…)' });
  });

  it('a template that fails when rendered names the step and the field', async () => {
    const bad = parseManifest([
      { id: 'k', action: 'gen-random' },
      { id: 'out', action: 'log', output: 'x {{ .StepData.k.Data }}' },
    ]);
    const err = await runBootstrap(bad, options({})).catch((e: unknown) => e);
    expect((err as BootstrapError).code).toBe('FLYNN_BOOTSTRAP_TEMPLATE');
    expect((err as Error).message).toBe('step 2 (out): log: field "output": .StepData.k.Data: no field "Data", in {{ .StepData.k.Data }}');
  });

  it('gen-random encodings', async () => {
    const m = parseManifest([
      { id: 'hex', action: 'gen-random', length: 3 },
      { id: 'b64', action: 'gen-random', length: 32, encoding: 'base64' },
      { id: 'url', action: 'gen-random', length: 3, encoding: 'base64url' },
      { id: 'alnum', action: 'gen-random', length: 40, encoding: 'alphanumeric' },
      { id: 'uuid', action: 'gen-random', encoding: 'uuid' },
    ]);
    const { stepData } = await runBootstrap(m, { ...options({}), tools: { openssl: 'openssl' } });
    const data = (id: string) => (stepData[id] as { data: string }).data;
    expect(data('hex')).toMatch(/^[0-9a-f]{6}$/);
    expect(Buffer.from(data('b64'), 'base64')).toHaveLength(32);
    expect(data('url')).toMatch(/^[A-Za-z0-9_-]{4}$/);
    expect(data('alnum')).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(data('uuid')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
