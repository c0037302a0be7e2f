/** `?types=` of `GET /events`. */
import { ValidationError } from '@flynn-ts/core';
import { ROUTER_EVENT_TYPES } from '../core/types.js';
import type { RouterEventType } from '../core/types.js';

/** Parses a comma list of event types; undefined = every type. Throws a 400 for an unknown type. */
export function parseEventTypes(raw: string | undefined): ReadonlySet<RouterEventType> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const out = new Set<RouterEventType>();
  for (const t of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(ROUTER_EVENT_TYPES as readonly string[]).includes(t)) {
      throw new ValidationError('types', `unknown event type ${JSON.stringify(t)}; expected ${ROUTER_EVENT_TYPES.join(', ')}`, { code: 'FLYNN_ROUTER_INVALID_EVENT_TYPE' });
    }
    out.add(t as RouterEventType);
  }
  return out;
}
