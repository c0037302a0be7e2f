/** Self-signed certificates for the TLS tests, made with openssl into a temp dir. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** One self-signed certificate per name, valid for the name and `*.name`. */
export function makeCerts(names: string[]): { certs: Record<string, TestCert>; dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'router-certs-'));
  const certs: Record<string, TestCert> = {};
  for (const name of names) {
    const keyFile = join(dir, `${name}.key`);
    const certFile = join(dir, `${name}.crt`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name},DNS:*.${name}`], { stdio: 'ignore' });
    certs[name] = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  }
  return { certs, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
