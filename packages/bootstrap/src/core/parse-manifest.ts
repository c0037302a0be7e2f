/**
 * Validates a manifest before anything runs, so a mistake is reported at
 * once and precisely: `step 7 (controller): run-app: missing field
 * "release"`. Checks each step's fields (./step-specs.ts), unique ids, that
 * `from_step`/`app_step`/`cert_step` and every `.StepData.<id>` a template
 * reads name an EARLIER step of the right kind, and the templates' syntax.
 * Pure.
 */
import { BOOTSTRAP_MANIFEST, BootstrapError, manifestError } from './errors.js';
import type { Manifest, Step, StepAction } from './manifest-types.js';
import { STEP_ACTIONS } from './manifest-types.js';
import { checkFields, isObject, kindOf } from './schema.js';
import { COMMON_FIELDS, STEP_FIELDS } from './step-specs.js';
import { hasTemplate, TemplateError, templateRefs } from './template.js';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** Parses (when given text) and validates a manifest: a JSON array of steps, or `{"steps": [...]}`. */
export function parseManifest(input: unknown): Manifest {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new BootstrapError(BOOTSTRAP_MANIFEST, `manifest is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  const list = isObject(value) && Array.isArray(value.steps) ? value.steps : value;
  if (!Array.isArray(list)) throw new BootstrapError(BOOTSTRAP_MANIFEST, `manifest must be a JSON array of steps, got ${kindOf(value)}`);
  if (list.length === 0) throw new BootstrapError(BOOTSTRAP_MANIFEST, 'manifest has no steps');
  const seen = new Map<string, StepAction>();
  const steps: Step[] = [];
  let haveKey = false;
  list.forEach((raw: unknown, i) => {
    const step = checkStep(raw, i + 1, seen);
    if (needsControllerKey(step) && !haveKey) {
      throw manifestError({ index: i + 1, id: step.id, action: step.action }, 'talks to the controller, but no earlier gen-random step has "controller_key": true');
    }
    if (step.action === 'gen-random' && step.controller_key === true) haveKey = true;
    steps.push(step);
  });
  return { steps };
}

/** Actions that talk to the controller, with the key of a gen-random step. */
export const CONTROLLER_ACTIONS: readonly StepAction[] = ['add-app', 'scale-app', 'deploy-app', 'add-route', 'status-check'];

function needsControllerKey(step: Step): boolean {
  if (step.action === 'status-check' && step.apps !== undefined && step.apps.length === 0) return false;
  return CONTROLLER_ACTIONS.includes(step.action);
}

function checkStep(raw: unknown, index: number, seen: Map<string, StepAction>): Step {
  if (!isObject(raw)) throw manifestError({ index }, `a step must be an object, got ${kindOf(raw)}`);
  const id = raw.id;
  if (id === undefined) throw manifestError({ index }, 'missing field "id"');
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw manifestError({ index }, `field "id": must be letters, digits, "_" and "-" (starting with a letter or digit), got ${kindOf(id)}`);
  }
  const action = raw.action;
  if (action === undefined) throw manifestError({ index, id }, 'missing field "action"');
  if (typeof action !== 'string' || !(STEP_ACTIONS as readonly string[]).includes(action)) {
    throw manifestError({ index, id }, `field "action": unknown action ${JSON.stringify(action)} (known: ${STEP_ACTIONS.join(', ')})`);
  }
  const at = { index, id, action };
  if (seen.has(id)) throw manifestError(at, `duplicate step id "${id}"`);
  const act = action as StepAction;
  const problem = checkFields(raw, { ...COMMON_FIELDS, ...STEP_FIELDS[act] }, { ignore: ['id', 'action'] });
  if (problem) throw manifestError(at, problem);
  const step = raw as unknown as Step;
  const more = checkReferences(step, seen) ?? checkAction(step) ?? checkTemplates(raw, seen);
  if (more) throw manifestError(at, more);
  seen.set(id, act);
  return step;
}

const REF_KINDS: Record<string, readonly StepAction[]> = {
  from_step: ['run-app'],
  app_step: ['run-app', 'deploy-app'],
  cert_step: ['gen-tls-cert'],
};

function checkReferences(step: Step, seen: ReadonlyMap<string, StepAction>): string | undefined {
  for (const [field, kinds] of Object.entries(REF_KINDS)) {
    const ref = (step as unknown as Record<string, unknown>)[field];
    if (typeof ref !== 'string') continue;
    const kind = seen.get(ref);
    if (kind === undefined) return `field "${field}": no step "${ref}" comes before this one`;
    if (!kinds.includes(kind)) return `field "${field}": step "${ref}" is a ${kind} step, want ${kinds.join(' or ')}`;
  }
  return undefined;
}

function checkAction(step: Step): string | undefined {
  switch (step.action) {
    case 'run-app':
    case 'deploy-app':
      for (const type of Object.keys(step.processes ?? {})) {
        if (!(type in step.release.processes)) return `field "processes.${type}": no process type "${type}" in release.processes`;
      }
      return undefined;
    case 'scale-app':
    case 'add-route':
      if ((step.app_step === undefined) === (step.app === undefined)) return 'give exactly one of "app_step" and "app"';
      if (step.action === 'add-route' && step.route.type === 'http' && step.route.domain === undefined) return 'missing field "route.domain" (http routes need a domain)';
      if (step.action === 'add-route' && step.route.type === 'tcp' && step.cert_step !== undefined) return 'field "cert_step": tcp routes have no certificate';
      return undefined;
    case 'gen-tls-cert':
      if ((step.cert === undefined) !== (step.key === undefined)) return 'give both "cert" and "key", or neither';
      return undefined;
    case 'wait':
      if (!hasTemplate(step.url) && !/^(https?|tcp):\/\/[^/]/.test(step.url)) return `field "url": must be an http://, https:// or tcp:// URL, got ${JSON.stringify(step.url)}`;
      return undefined;
    default:
      return undefined;
  }
}

/** Parses every template in the step and checks that the steps it reads come earlier. */
function checkTemplates(raw: Record<string, unknown>, seen: ReadonlyMap<string, StepAction>): string | undefined {
  for (const [path, text] of stringsOf(raw, '')) {
    if (path === 'id' || path === 'action' || !hasTemplate(text)) continue;
    let refs;
    try {
      refs = templateRefs(text);
    } catch (err) {
      if (err instanceof TemplateError) return `field "${path}": ${err.message}`;
      throw err;
    }
    for (const ref of refs.steps) {
      if (!seen.has(ref)) return `field "${path}": the template reads .StepData.${ref}, but no step "${ref}" comes before this one`;
    }
  }
  return undefined;
}

/** Every string in a JSON value with its field path (`release.processes.web.args[1]`). */
export function* stringsOf(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') {
    yield [path, value];
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* stringsOf(value[i], `${path}[${i}]`);
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) yield* stringsOf(v, path === '' ? k : `${path}.${k}`);
  }
}
