/**
 * Talks to resource providers (reference §5.3; the original's pkg/resource):
 * provisioning is `POST <provider url>` with the config as the JSON body,
 * answered by `{id, env}`; deprovisioning is `DELETE <provider url>?id=<id>`.
 * A provider refusing the request (4xx) is the caller's problem (400); an
 * unreachable or failing provider is a retryable 503.
 */
import { ControllerError, CONTROLLER_PROVIDER, validationError } from './errors.js';
import { parseProvisionResponse } from './core/resource-input.js';
import type { StringMap } from './types.js';

export interface ProviderClient {
  provision(url: string, config: unknown): Promise<{ id: string; env: StringMap }>;
  deprovision(url: string, externalId: string): Promise<void>;
}

export interface HttpProviderClientOptions {
  /** Per-request deadline. Default 30 000 ms. */
  timeoutMs?: number;
}

export function httpProviderClient(options: HttpProviderClientOptions = {}): ProviderClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const call = async (url: string, init: RequestInit): Promise<string> => {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    } catch (err) {
      throw providerError(`provider at ${url} unreachable: ${(err as Error).message}`, err);
    }
    const text = await res.text().catch(() => '');
    if (res.status >= 400 && res.status < 500) throw validationError('', `provider rejected the request with ${res.status}: ${text.slice(0, 200)}`);
    if (res.status !== 200) throw providerError(`provider at ${url} answered ${res.status}`);
    return text;
  };
  return {
    async provision(url, config) {
      const text = await call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config ?? {}) });
      let body: unknown;
      try {
        body = JSON.parse(text);
        return parseProvisionResponse(body);
      } catch (err) {
        throw providerError(`provider at ${url} sent an invalid response`, err);
      }
    },
    async deprovision(url, externalId) {
      const target = new URL(url);
      target.searchParams.set('id', externalId);
      await call(target.toString(), { method: 'DELETE' });
    },
  };
}

function providerError(message: string, cause?: unknown): ControllerError {
  return new ControllerError(CONTROLLER_PROVIDER, message, { apiCode: 'service_unavailable', retry: true, cause });
}
