/**
 * The overlay's error codes. Every error is a `FlynnError`; match on `code`
 * (or `isFlannelError(err, code)`), not on the class.
 */
import { FlynnError } from '@flynn-ts/core';
import type { FlynnErrorOptions } from '@flynn-ts/core';

/** The network config (flags, or the one stored in discovery) is invalid. */
export const FLANNEL_INVALID_CONFIG = 'FLYNN_FLANNEL_INVALID_CONFIG';
/** The stored `flannel` meta is not a flannel document. */
export const FLANNEL_INVALID_DOCUMENT = 'FLYNN_FLANNEL_INVALID_DOCUMENT';
/** Every subnet of the network is leased to a live host. */
export const FLANNEL_NETWORK_FULL = 'FLYNN_FLANNEL_NETWORK_FULL';
/** No underlay interface / public IP could be determined. */
export const FLANNEL_NO_UNDERLAY = 'FLYNN_FLANNEL_NO_UNDERLAY';
/** The VXLAN device could not be brought to the wanted configuration. */
export const FLANNEL_DEVICE = 'FLYNN_FLANNEL_DEVICE';
/** The agent was used in the wrong state (started twice, used after stop). */
export const FLANNEL_STATE = 'FLYNN_FLANNEL_STATE';
/** Reporting the network to the host API failed. */
export const FLANNEL_NOTIFY = 'FLYNN_FLANNEL_NOTIFY';

export type FlannelErrorCode =
  | typeof FLANNEL_INVALID_CONFIG
  | typeof FLANNEL_INVALID_DOCUMENT
  | typeof FLANNEL_NETWORK_FULL
  | typeof FLANNEL_NO_UNDERLAY
  | typeof FLANNEL_DEVICE
  | typeof FLANNEL_STATE
  | typeof FLANNEL_NOTIFY;

export class FlannelError extends FlynnError {
  declare readonly code: FlannelErrorCode;
  constructor(code: FlannelErrorCode, message: string, options: FlynnErrorOptions = {}) {
    super(code, message, { apiCode: code === FLANNEL_INVALID_CONFIG ? 'validation_error' : 'unknown_error', ...options });
    this.name = 'FlannelError';
  }
}

/** True for a FlynnError with this code (from any copy of the package). */
export function isFlannelError(err: unknown, code?: FlannelErrorCode): err is FlynnError {
  return FlynnError.is(err) && err.code.startsWith('FLYNN_FLANNEL_') && (code === undefined || err.code === code);
}
