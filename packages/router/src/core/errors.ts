/**
 * The router's typed errors (codes `FLYNN_ROUTER_*`). Route validation uses
 * the original's wire codes: a duplicate is `conflict` (409, "Duplicate
 * route"), anything else malformed is `validation_error` (400).
 */
import { FlynnError, ValidationError } from '@flynn-ts/core';

export const ROUTER_CONFLICT = 'FLYNN_ROUTER_CONFLICT';
export const ROUTER_INVALID_ROUTE = 'FLYNN_ROUTER_INVALID_ROUTE';
export const ROUTER_NOT_FOUND = 'FLYNN_ROUTER_NOT_FOUND';
export const ROUTER_CONFIG = 'FLYNN_ROUTER_CONFIG';
export const ROUTER_CLOSED = 'FLYNN_ROUTER_CLOSED';

/** A route clashes with the table: duplicate key, or a removal that would orphan sub-path routes. */
export class RouteConflictError extends FlynnError {
  constructor(message: string, detail?: unknown) {
    super(ROUTER_CONFLICT, message, { apiCode: 'conflict', detail });
    this.name = 'RouteConflictError';
  }
}

/** A route that is malformed on its own, or needs a route that is missing (a sub-path without its root). */
export class RouteValidationError extends ValidationError {
  constructor(field: string, message: string) {
    super(field, message, { code: ROUTER_INVALID_ROUTE });
    this.name = 'RouteValidationError';
  }
}

/** `remove(id)` of a route the table does not have. */
export class RouteNotFoundError extends FlynnError {
  constructor(id: string) {
    super(ROUTER_NOT_FOUND, `route not found: ${JSON.stringify(id)}`, { apiCode: 'object_not_found' });
    this.name = 'RouteNotFoundError';
  }
}

/** Bad router configuration (ports, keys, certificates). */
export class RouterConfigError extends FlynnError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ROUTER_CONFIG, message, { apiCode: 'validation_error', cause: options.cause });
    this.name = 'RouterConfigError';
  }
}

/** Used after `close()`. */
export class RouterClosedError extends FlynnError {
  constructor() {
    super(ROUTER_CLOSED, 'router is closed', { apiCode: 'service_unavailable' });
    this.name = 'RouterClosedError';
  }
}
