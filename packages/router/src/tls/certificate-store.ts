/**
 * TLS certificates for the HTTPS listeners: a `SecureContext` per distinct
 * certificate (cached, so a route update that keeps its certificate costs
 * nothing), chosen by SNI through the route table (the certificate of the
 * route that `https://<servername>/` would match), and the default
 * certificate otherwise (no SNI, an unknown name, a route without one).
 */
import { createHash } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { SecureContext, SecureVersion } from 'node:tls';
import { RouteValidationError } from '../core/errors.js';
import type { Certificate } from '../core/types.js';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface CertificateStoreOptions {
  /** Served when no route certificate matches. Without it such handshakes fail. */
  defaultCertificate?: KeyPair;
  /** Lowest TLS version accepted. Default `TLSv1.2` (`LEGACY_TLS` → `TLSv1`). */
  minVersion?: SecureVersion;
}

export class CertificateStore {
  readonly minVersion: SecureVersion;
  readonly defaultContext: SecureContext | undefined;
  readonly defaultPair: KeyPair | undefined;
  private readonly byPem = new Map<string, SecureContext>();
  private readonly byObject = new WeakMap<Certificate, SecureContext>();

  constructor(options: CertificateStoreOptions = {}) {
    this.minVersion = options.minVersion ?? 'TLSv1.2';
    this.defaultPair = options.defaultCertificate;
    this.defaultContext = options.defaultCertificate ? this.build(options.defaultCertificate) : undefined;
  }

  /** The context for a route certificate (built once per distinct cert + key). Throws for an unusable pair. */
  contextFor(cert: Certificate): SecureContext {
    const cached = this.byObject.get(cert);
    if (cached) return cached;
    const key = createHash('sha256').update(cert.cert).update('\0').update(cert.key).digest('hex');
    let ctx = this.byPem.get(key);
    if (!ctx) {
      ctx = this.build(cert);
      this.byPem.set(key, ctx);
    }
    this.byObject.set(cert, ctx);
    return ctx;
  }

  /** Checks that `cert` holds a usable certificate and matching key (route validation). */
  static check(cert: KeyPair): void {
    try {
      createSecureContext({ cert: cert.cert, key: cert.key });
    } catch (err) {
      throw new RouteValidationError('certificate', `invalid certificate: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private build(pair: KeyPair): SecureContext {
    return createSecureContext({ cert: pair.cert, key: pair.key, minVersion: this.minVersion });
  }
}
