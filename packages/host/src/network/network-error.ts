import { FlynnError } from '@flynn-ts/core';
import type { FlynnErrorOptions } from '@flynn-ts/core';

export type NetworkErrorCode =
  /** The config passed to `configure()` is invalid (HTTP 400). */
  | 'FLYNN_HOST_NETWORK_INVALID_CONFIG'
  /** `attach()` before `configure()` (HTTP 503, retry). */
  | 'FLYNN_HOST_NETWORK_NOT_CONFIGURED'
  /** Every address of the subnet is taken (HTTP 503, retry). */
  | 'FLYNN_HOST_NETWORK_EXHAUSTED'
  /** The kernel or a command refused a step (bridge, netns, veth, nft). */
  | 'FLYNN_HOST_NETWORK_SETUP'
  /** The persisted state file cannot be read. */
  | 'FLYNN_HOST_NETWORK_STATE';

const API: Record<NetworkErrorCode, Pick<FlynnErrorOptions, 'apiCode' | 'retry'>> = {
  FLYNN_HOST_NETWORK_INVALID_CONFIG: { apiCode: 'validation_error' },
  FLYNN_HOST_NETWORK_NOT_CONFIGURED: { apiCode: 'service_unavailable', retry: true },
  FLYNN_HOST_NETWORK_EXHAUSTED: { apiCode: 'service_unavailable', retry: true },
  FLYNN_HOST_NETWORK_SETUP: { apiCode: 'unknown_error' },
  FLYNN_HOST_NETWORK_STATE: { apiCode: 'unknown_error' },
};

/** An error of the host's network module (bridge, IPAM, job namespaces). */
export class NetworkError extends FlynnError {
  constructor(code: NetworkErrorCode, message: string, options: { cause?: unknown; detail?: unknown } = {}) {
    super(code, message, { ...API[code], ...options });
    this.name = 'NetworkError';
  }
}
