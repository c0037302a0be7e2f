/**
 * `gen-random`: random data (`{data}`), e.g. the controller key. A `data`
 * field that renders non-empty (`{{ getenv "CONTROLLER_KEY" }}`) is used
 * instead. `length` is bytes for hex/base64/base64url (default 16) and
 * characters for alphanumeric; `uuid` ignores it.
 */
import type { GenRandomStep } from '../core/manifest-types.js';
import { optInt } from '../core/render-step.js';
import type { Action } from '../step-context.js';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export const genRandom: Action<GenRandomStep> = async (ctx) => {
  const { step } = ctx;
  const length = optInt(step.length, 'length', ctx.at) ?? 16;
  const data = step.data !== undefined && step.data !== '' ? step.data : randomString(ctx.tools.randomBytes, step.encoding ?? 'hex', length);
  if (step.controller_key) ctx.state.controllerKey = data;
  return { data: { data } };
};

export function randomString(randomBytes: (n: number) => Uint8Array, encoding: NonNullable<GenRandomStep['encoding']>, length: number): string {
  switch (encoding) {
    case 'hex':
      return Buffer.from(randomBytes(length)).toString('hex');
    case 'base64':
      return Buffer.from(randomBytes(length)).toString('base64');
    case 'base64url':
      return Buffer.from(randomBytes(length)).toString('base64url');
    case 'uuid': {
      const b = randomBytes(16);
      b[6] = (b[6]! & 0x0f) | 0x40;
      b[8] = (b[8]! & 0x3f) | 0x80;
      const hex = Buffer.from(b).toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    case 'alphanumeric': {
      let out = '';
      while (out.length < length) {
        for (const byte of randomBytes(length)) {
          // 248 = 4 × 62: reject the top bytes so every character is equally likely.
          if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
        }
      }
      return out;
    }
  }
}
