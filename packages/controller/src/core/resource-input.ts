/** Provider and resource bodies (schemas `controller/provider`, `resource_req`, `resource`). */
import { validationError } from '../errors.js';
import type { StringMap } from '../types.js';
import type { JsonObject } from './validate.js';
import { asObject, checkStorable, rejectUnknown, str, stringArray, stringMap } from './validate.js';

const PROVIDER_FIELDS = ['id', 'name', 'url', 'created_at', 'updated_at'] as const;
const RESOURCE_REQ_FIELDS = ['apps', 'config'] as const;
const RESOURCE_FIELDS = ['id', 'provider', 'external_id', 'env', 'apps', 'created_at'] as const;

export interface NewProviderInput {
  name: string;
  url: string;
}

export interface ResourceRequestInput {
  /** App ids or names. */
  apps: string[];
  config: JsonObject;
}

export interface ResourcePutInput {
  externalId: string;
  env: StringMap;
  apps: string[];
}

export function parseNewProvider(body: unknown): NewProviderInput {
  const o = asObject(body);
  rejectUnknown(o, PROVIDER_FIELDS);
  const name = str(o, 'name', { required: true, minLength: 1, maxLength: 255, pattern: /^[a-z0-9][a-z0-9._-]*$/ })!;
  const url = str(o, 'url', { required: true, minLength: 1, maxLength: 2048 })!;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw validationError('url', 'must be a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw validationError('url', 'must be an http or https URL');
  return { name, url };
}

/** `POST /providers/:p/resources`: `{apps?, config?}`; config defaults to `{}`. */
export function parseResourceRequest(body: unknown): ResourceRequestInput {
  const o = asObject(body);
  rejectUnknown(o, RESOURCE_REQ_FIELDS);
  const apps = stringArray(o, 'apps') ?? [];
  const config = o.config === undefined || o.config === null ? {} : asObject(o.config, 'config');
  checkStorable(config, 'config');
  return { apps: dedupe(apps), config };
}

/** `PUT /providers/:p/resources/:r` (import an existing resource). */
export function parseResourcePut(body: unknown): ResourcePutInput {
  const o = asObject(body);
  rejectUnknown(o, RESOURCE_FIELDS);
  return {
    externalId: str(o, 'external_id', { required: true, minLength: 1, maxLength: 1024 })!,
    env: stringMap(o, 'env') ?? {},
    apps: dedupe(stringArray(o, 'apps') ?? []),
  };
}

/** The provider's answer to a provisioning POST: `{id, env}`. */
export function parseProvisionResponse(body: unknown): { id: string; env: StringMap } {
  const o = asObject(body, 'provider response');
  const id = o.id;
  if (typeof id !== 'string' || id === '' || id.includes('\u0000')) throw validationError('provider response', 'has no resource id');
  return { id, env: stringMap(o, 'env', 'provider response.') ?? {} };
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
