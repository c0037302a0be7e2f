import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BootstrapError } from './errors.js';
import { parseManifest } from './parse-manifest.js';

const key = { id: 'controller_key', action: 'gen-random', controller_key: true };
const runApp = (over: Record<string, unknown> = {}) => ({
  id: 'controller',
  action: 'run-app',
  app: { name: 'controller' },
  release: { processes: { web: { args: ['ctrl'], ports: [{ port: 80 }] } } },
  processes: { web: 1 },
  ...over,
});

/** The message parseManifest throws for `steps`. */
function problem(steps: unknown): string {
  try {
    parseManifest(steps);
  } catch (err) {
    expect(err).toBeInstanceOf(BootstrapError);
    expect((err as BootstrapError).code).toBe('FLYNN_BOOTSTRAP_MANIFEST');
    return (err as Error).message;
  }
  throw new Error('the manifest was accepted');
}

describe('parseManifest', () => {
  it('accepts the shipped manifests', () => {
    for (const name of ['dev', 'cluster']) {
      const text = readFileSync(new URL(`../../manifests/${name}.json`, import.meta.url), 'utf8');
      const m = parseManifest(text);
      expect(m.steps.length).toBeGreaterThan(10);
      expect(m.steps.at(-1)!.action).toBe('log');
    }
  });

  it('accepts a JSON array or {"steps": [...]}, as text or a value', () => {
    const steps = [key, runApp(), { id: 'controller-add', action: 'add-app', from_step: 'controller' }];
    expect(parseManifest(JSON.stringify(steps)).steps.map((s) => s.id)).toEqual(['controller_key', 'controller', 'controller-add']);
    expect(parseManifest({ steps }).steps).toHaveLength(3);
  });

  it('names the step and the missing field', () => {
    const release = runApp();
    delete (release as Record<string, unknown>).release;
    expect(problem([key, release])).toBe('step 2 (controller): run-app: missing field "release"');
    expect(problem([key, runApp({ app: {} })])).toBe('step 2 (controller): run-app: missing field "app.name"');
    expect(problem([{ action: 'log', output: 'x' }])).toBe('step 1: missing field "id"');
    expect(problem([{ id: 'x' }])).toBe('step 1 (x): missing field "action"');
  });

  it('names the field with a wrong type, with its path', () => {
    const bad = runApp({ release: { processes: { web: { ports: [{ port: 'eighty' }] } } } });
    expect(problem([key, bad])).toBe('step 2 (controller): run-app: field "release.processes.web.ports[0].port": must be an integer or a template, got "eighty"');
    expect(problem([key, runApp({ processes: { web: -1 } })])).toBe('step 2 (controller): run-app: field "processes.web": must be at least 0, got -1');
    expect(problem([{ id: 'r', action: 'gen-random', encoding: 'rot13' }])).toMatch(/^step 1 \(r\): gen-random: field "encoding": must be one of hex, base64/);
    expect(problem([{ id: 'e', action: 'require-env', vars: 'CLUSTER_DOMAIN' }])).toBe('step 1 (e): require-env: field "vars": must be a list, got a string ("CLUSTER_DOMAIN")');
  });

  it('accepts templates where numbers go, and rejects unknown fields (typos)', () => {
    expect(parseManifest([key, runApp({ processes: { web: '{{ getenv "N" }}' } })]).steps).toHaveLength(2);
    expect(problem([key, runApp({ proccesses: {} })])).toBe('step 2 (controller): run-app: unknown field "proccesses"');
  });

  it('rejects unknown actions, bad and duplicate ids', () => {
    expect(problem([{ id: 'x', action: 'run' }])).toMatch(/^step 1 \(x\): field "action": unknown action "run" \(known: require-env, /);
    expect(problem([{ id: 'has space', action: 'log', output: '' }])).toMatch(/^step 1: field "id": must be letters, digits/);
    expect(problem([key, { ...key }])).toBe('step 2 (controller_key): gen-random: duplicate step id "controller_key"');
  });

  it('rejects what is not a list of step objects', () => {
    expect(problem('{"steps": ')).toMatch(/^manifest is not valid JSON/);
    expect(problem({ nope: 1 })).toBe('manifest must be a JSON array of steps, got an object');
    expect(problem([])).toBe('manifest has no steps');
    expect(problem([key, 'log'])).toBe('step 2: a step must be an object, got a string ("log")');
  });

  describe('step order', () => {
    it('from_step, app_step and cert_step must name an earlier step of the right kind', () => {
      const add = { id: 'add', action: 'add-app', from_step: 'controller' };
      expect(problem([key, add, runApp()])).toBe('step 2 (add): add-app: field "from_step": no step "controller" comes before this one');
      expect(problem([key, { ...add, from_step: 'controller_key' }])).toBe('step 2 (add): add-app: field "from_step": step "controller_key" is a gen-random step, want run-app');
      const route = { id: 'route', action: 'add-route', app_step: 'controller', cert_step: 'controller_key', route: { type: 'http', service: 'controller', domain: 'c.example.com' } };
      expect(problem([key, runApp(), route])).toBe('step 3 (route): add-route: field "cert_step": step "controller_key" is a gen-random step, want gen-tls-cert');
    });

    it('a template may only read the output of an earlier step', () => {
      const app = runApp({ release: { env: { AUTH_KEY: '{{ .StepData.controller_key.data }}' }, processes: { web: {} } } });
      expect(parseManifest([key, app]).steps).toHaveLength(2);
      expect(problem([app, key])).toBe(
        'step 1 (controller): run-app: field "release.env.AUTH_KEY": the template reads .StepData.controller_key, but no step "controller_key" comes before this one',
      );
      expect(problem([{ id: 'log', action: 'log', output: '{{ index .StepData "later" "x" }}' }, { id: 'later', action: 'log', output: '' }])).toMatch(
        /field "output": the template reads \.StepData\.later, but no step "later" comes before/,
      );
    });

    it('reports template syntax errors with the field', () => {
      expect(problem([{ id: 'log', action: 'log', output: 'x {{ nope }}' }])).toMatch(/^step 1 \(log\): log: field "output": unknown function "nope"/);
    });

    it('steps that talk to the controller need an earlier controller key', () => {
      expect(problem([runApp(), { id: 'add', action: 'add-app', from_step: 'controller' }])).toBe(
        'step 2 (add): add-app: talks to the controller, but no earlier gen-random step has "controller_key": true',
      );
      expect(parseManifest([{ id: 's', action: 'status-check', apps: [], url: 'http://x.discoverd/' }]).steps).toHaveLength(1);
    });
  });

  it('checks each action’s own rules', () => {
    expect(problem([key, runApp({ processes: { worker: 1 } })])).toBe('step 2 (controller): run-app: field "processes.worker": no process type "worker" in release.processes');
    const route = (over: Record<string, unknown>) => ({ id: 'r', action: 'add-route', app: 'a', route: { type: 'http', service: 's', domain: 'a.b.c' }, ...over });
    expect(problem([key, route({ app_step: 'controller_key' })])).toBe('step 2 (r): add-route: field "app_step": step "controller_key" is a gen-random step, want run-app or deploy-app');
    expect(problem([key, route({ app: undefined })])).toBe('step 2 (r): add-route: give exactly one of "app_step" and "app"');
    expect(problem([key, route({ route: { type: 'http', service: 's' } })])).toBe('step 2 (r): add-route: missing field "route.domain" (http routes need a domain)');
    expect(problem([{ id: 't', action: 'gen-tls-cert', hosts: ['a'], cert: 'x' }])).toBe('step 1 (t): gen-tls-cert: give both "cert" and "key", or neither');
    expect(problem([{ id: 'w', action: 'wait', url: 'ftp://x' }])).toBe('step 1 (w): wait: field "url": must be an http://, https:// or tcp:// URL, got "ftp://x"');
    expect(problem([{ id: 'w', action: 'wait', url: 'http://x', timeout: 0 }])).toBe('step 1 (w): wait: field "timeout": must be at least 1, got 0');
  });
});
