/** The fields of each action (see ./manifest-types.ts), for {@link parseManifest}. Pure data. */
import type { StepAction } from './manifest-types.js';
import type { Field, Spec } from './schema.js';
import { bool, int, nonEmptyStr, opt, req, str, stringList, stringMap } from './schema.js';

const port: Spec = { t: 'int', min: 0, max: 65535 };
const count: Spec = { t: 'int', min: 0, max: 10_000 };
const proto: Spec = { t: 'string', oneOf: ['tcp', 'udp'] };

const app: Spec = {
  t: 'object',
  fields: { name: req(nonEmptyStr), id: opt(str), meta: opt(stringMap), strategy: opt(str), deploy_timeout: opt(int) },
};

const processType: Spec = {
  t: 'object',
  extra: true,
  fields: {
    args: opt({ t: 'array', of: str }),
    env: opt(stringMap),
    ports: opt({
      t: 'array',
      of: {
        t: 'object',
        fields: {
          port: req(port),
          proto: opt(proto),
          service: opt({ t: 'object', fields: { name: req(nonEmptyStr), create: opt(bool), check: opt({ t: 'any' }) } }),
        },
      },
    }),
    omni: opt(bool),
    host_network: opt(bool),
    service: opt(str),
    resurrect: opt(bool),
  },
};

const release: Spec = {
  t: 'object',
  fields: { id: opt(str), env: opt(stringMap), meta: opt(stringMap), processes: req({ t: 'map', of: processType, nonEmpty: true }) },
};

const artifacts: Spec = {
  t: 'array',
  of: {
    t: 'object',
    fields: {
      id: opt(str),
      type: req({ t: 'string', oneOf: ['flynn', 'docker', 'file'] }),
      uri: req(nonEmptyStr),
      manifest: opt({ t: 'any' }),
      meta: opt(stringMap),
      layer_url_template: opt(str),
    },
  },
};

const processes: Spec = { t: 'map', of: count };

const route: Spec = {
  t: 'object',
  fields: {
    type: req({ t: 'string', oneOf: ['http', 'tcp'] }),
    service: req(nonEmptyStr),
    domain: opt(nonEmptyStr),
    port: opt(port),
    path: opt(str),
    sticky: opt(bool),
    leader: opt(bool),
    drain_backends: opt(bool),
  },
};

/** Fields every step may have besides `id` and `action`. */
export const COMMON_FIELDS: Record<string, Field> = { timeout: opt({ t: 'int', min: 1, max: 86_400 }) };

export const STEP_FIELDS: Record<StepAction, Record<string, Field>> = {
  'require-env': { vars: req({ t: 'array', of: nonEmptyStr, nonEmpty: true }) },
  'resource-check': { ports: req({ t: 'array', nonEmpty: true, of: { t: 'object', fields: { port: req(port), proto: opt(proto) } } }) },
  'run-app': { app: req(app), release: req(release), artifacts: opt(artifacts), processes: req(processes) },
  'wait-hosts': { require: opt({ t: 'array', of: { t: 'string', oneOf: ['discoverd', 'network'] } }) },
  'gen-random': {
    length: opt({ t: 'int', min: 1, max: 4096 }),
    encoding: opt({ t: 'string', oneOf: ['hex', 'base64', 'base64url', 'alphanumeric', 'uuid'] }),
    data: opt(str),
    controller_key: opt(bool),
  },
  'gen-tls-cert': { hosts: req({ t: 'array', of: nonEmptyStr, nonEmpty: true }), ca_cert: opt(str), cert: opt(str), key: opt(str) },
  wait: { url: req(nonEmptyStr), status: opt({ t: 'int', min: 100, max: 599 }), host: opt(str) },
  'add-app': { from_step: req(nonEmptyStr) },
  'scale-app': { app_step: opt(nonEmptyStr), app: opt(nonEmptyStr), processes: req(processes), wait: opt(bool) },
  'deploy-app': { app: req(app), release: req(release), artifacts: opt(artifacts), processes: opt(processes), wait: opt(bool) },
  'add-route': { app_step: opt(nonEmptyStr), app: opt(nonEmptyStr), cert_step: opt(nonEmptyStr), route: req(route) },
  'status-check': { apps: opt(stringList), url: opt(nonEmptyStr) },
  log: { output: req(str) },
};
