/**
 * `gen-tls-cert`: a self-signed CA and a certificate it signs for `hosts`
 * (e.g. the domain and `*.domain`), made with the openssl CLI (ECDSA P-256,
 * 10 years). Output `{CACert, Cert, PrivateKey, Pin}`, `Pin` being the base64
 * SHA-256 of the certificate's DER (what `flynn cluster add -p` takes). With
 * `cert` and `key` rendering non-empty (e.g. from `TLS_CERT`/`TLS_KEY`),
 * those are used instead.
 */
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOTSTRAP_STEP_FAILED, BootstrapError } from '../core/errors.js';
import type { GenTlsCertStep } from '../core/manifest-types.js';
import type { Action } from '../step-context.js';

export interface TlsCertData {
  CACert: string;
  Cert: string;
  PrivateKey: string;
  Pin: string;
}

export const genTlsCert: Action<GenTlsCertStep> = async (ctx) => {
  const { step } = ctx;
  if (step.cert && step.key) return { data: certData(step.ca_cert ?? '', step.cert, step.key) };
  const serial = Buffer.from(ctx.tools.randomBytes(8)).toString('hex');
  return { data: await generateCertificate(ctx.tools.openssl, step.hosts, serial) };
};

/** The pin of the first certificate in a PEM: base64 SHA-256 of its DER. */
export function tlsPin(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('base64');
}

function certData(caCert: string, cert: string, key: string): TlsCertData {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error('the private key does not belong to the certificate');
  } catch (err) {
    throw new BootstrapError(BOOTSTRAP_STEP_FAILED, `invalid certificate or key: ${(err as Error).message}`, { cause: err });
  }
  return { CACert: caCert, Cert: cert, PrivateKey: key, Pin: createHash('sha256').update(x509.raw).digest('base64') };
}

export async function generateCertificate(openssl: string, hosts: readonly string[], serialHex: string): Promise<TlsCertData> {
  const dir = await mkdtemp(join(tmpdir(), 'flynn-bootstrap-tls-'));
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  try {
    await run(openssl, ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '3650', '-subj', '/O=Flynn/CN=Flynn Cluster CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    await run(openssl, ['req', ...ec, '-keyout', f('tls.key'), '-out', f('tls.csr'), '-subj', `/O=Flynn/CN=${hosts[0] ?? 'flynn'}`]);
    await writeFile(f('ext.cnf'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
    await run(openssl, ['x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-set_serial', `0x${serialHex}`, '-days', '3650', '-out', f('tls.crt'), '-extfile', f('ext.cnf')]);
    const [CACert, Cert, PrivateKey] = await Promise.all([readFile(f('ca.crt'), 'utf8'), readFile(f('tls.crt'), 'utf8'), readFile(f('tls.key'), 'utf8')]);
    return { CACert, Cert, PrivateKey, Pin: tlsPin(Cert) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, _out, stderr) => {
      if (!err) return resolve();
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} not found (install openssl)` : `${cmd} ${args[0]} failed: ${String(stderr).trim() || err.message}`;
      reject(new BootstrapError(BOOTSTRAP_STEP_FAILED, why, { cause: err }));
    });
  });
}
