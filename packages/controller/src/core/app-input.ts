/** App request bodies (schema `controller/app`). */
import { validationError } from '../errors.js';
import { DEPLOYMENT_STRATEGIES } from '../types.js';
import type { StringMap } from '../types.js';
import { appNameProblem } from './app-name.js';
import { asObject, int, rejectUnknown, str, stringMap, uuid } from './validate.js';

export const DEFAULT_DEPLOY_TIMEOUT = 120;
export const DEFAULT_STRATEGY = 'all-at-once';
/** The original's default for app garbage collection, added to every new app's meta. */
export const DEFAULT_GC_META = { 'gc.max_inactive_slug_releases': '10' } as const;

const APP_FIELDS = ['id', 'name', 'protected', 'meta', 'strategy', 'release', 'deploy_timeout', 'created_at', 'updated_at'] as const;

export interface NewAppInput {
  id?: string;
  name?: string;
  meta: StringMap;
  strategy: string;
  deployTimeout: number;
}

export interface AppUpdateInput {
  meta?: StringMap;
  strategy?: string;
  deployTimeout?: number;
}

/** `POST /apps`. */
export function parseNewApp(body: unknown): NewAppInput {
  const o = asObject(body);
  rejectUnknown(o, APP_FIELDS);
  const name = str(o, 'name');
  if (name !== undefined && name !== '') {
    const problem = appNameProblem(name);
    if (problem) throw validationError('name', problem);
  }
  const input: NewAppInput = {
    meta: { ...DEFAULT_GC_META, ...(stringMap(o, 'meta') ?? {}) },
    strategy: str(o, 'strategy', { oneOf: DEPLOYMENT_STRATEGIES }) || DEFAULT_STRATEGY,
    deployTimeout: int(o, 'deploy_timeout', { min: 0 }) || DEFAULT_DEPLOY_TIMEOUT,
  };
  const id = uuid(o, 'id');
  if (id) input.id = id;
  if (name) input.name = name;
  return input;
}

/** `POST /apps/:id` and `POST /apps/:id/meta`: meta (replaces), strategy, deploy_timeout. */
export function parseAppUpdate(body: unknown): AppUpdateInput {
  const o = asObject(body);
  rejectUnknown(o, APP_FIELDS);
  const out: AppUpdateInput = {};
  const meta = stringMap(o, 'meta');
  if (meta) out.meta = meta;
  const strategy = str(o, 'strategy', { oneOf: DEPLOYMENT_STRATEGIES });
  if (strategy) out.strategy = strategy;
  const timeout = int(o, 'deploy_timeout', { min: 0 });
  if (timeout !== undefined) out.deployTimeout = timeout;
  return out;
}

/** True for system apps (no default route; meta `flynn-system-app=true`). */
export function isSystemApp(meta: StringMap): boolean {
  return meta['flynn-system-app'] === 'true';
}

/** `flynn-deploy-batch-size` from app meta, when set to an integer. */
export function deployBatchSize(meta: StringMap): number | undefined {
  const v = meta['flynn-deploy-batch-size'];
  if (v === undefined || !/^-?\d{1,9}$/.test(v)) return undefined;
  return Number(v);
}
