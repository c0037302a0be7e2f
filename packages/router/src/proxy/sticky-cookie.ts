/**
 * The sticky-session cookie `_backend` (reference §7.4): the backend address
 * sealed with the router's 32-byte cookie key, base64 (standard alphabet),
 * `Path=/`.
 *
 * The original sealed it with NaCl secretbox (XSalsa20-Poly1305, 24-byte
 * nonce). node:crypto has no XSalsa20, so this router uses AES-256-GCM:
 * `base64(nonce[12] ‖ ciphertext ‖ tag[16])`. Cookies issued by the original
 * router do not decrypt here (they are ignored: the client gets a new one);
 * both are authenticated encryption, so a client can neither read nor forge
 * the address.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const STICKY_COOKIE = '_backend';
const NONCE = 12;
const TAG = 16;

export class StickyCookieCodec {
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError(`cookie key must be 32 bytes, got ${key.length}`);
    this.key = Buffer.from(key);
  }

  /** The cookie value for `addr` (a fresh random nonce each call). */
  seal(addr: string): string {
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(addr, 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
  }

  /** The address sealed in `value`, or undefined when it is not a cookie of this key. */
  open(value: string): string | undefined {
    const data = Buffer.from(value, 'base64');
    if (data.length <= NONCE + TAG) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, NONCE));
      decipher.setAuthTag(data.subarray(data.length - TAG));
      return Buffer.concat([decipher.update(data.subarray(NONCE, data.length - TAG)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** The value of cookie `name` in a Cookie header (`a=1; _backend=xyz`), or undefined. */
export function cookieValue(header: string, name: string): string | undefined {
  let from = 0;
  for (;;) {
    const i = header.indexOf(name, from);
    if (i === -1) return undefined;
    const before = i === 0 ? 0x3b : header.charCodeAt(i - 1);
    const after = header.charCodeAt(i + name.length);
    if ((before === 0x3b || before === 0x20) && after === 0x3d /* = */) {
      const start = i + name.length + 1;
      const end = header.indexOf(';', start);
      let v = header.slice(start, end === -1 ? header.length : end).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      return v;
    }
    from = i + name.length;
  }
}
