/**
 * TLS certificate checks for HTTP routes with node:crypto: the PEM must hold
 * a certificate (the first one is the leaf) and an unencrypted private key
 * that belongs to it. Failures are 400 validation errors worded like the
 * original's ("Certificate invalid: ...").
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { CertificateInput } from '../core/route-input.js';
import { validationError } from '../errors.js';

export function checkCertificate(c: CertificateInput): void {
  if (c.cert === '') throw validationError('', 'Certificate invalid: no certificate PEM given');
  if (c.key === '') throw validationError('', 'Certificate invalid: no private key PEM given');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(c.cert);
  } catch (err) {
    throw validationError('', `Certificate invalid: cannot parse certificate (${reason(err)})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: c.key, format: 'pem' });
  } catch (err) {
    throw validationError('', `Certificate invalid: cannot parse private key (${reason(err)})`);
  }
  let matches = false;
  try {
    matches = x509.checkPrivateKey(key);
  } catch {
    matches = false;
  }
  if (!matches) throw validationError('', 'Certificate invalid: private key does not match public key');
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err);
}
