/**
 * Shared setup of the CLI's integration tests: running `flynn` as a child
 * process (TypeScript from source, as a user would run the bin), a
 * self-signed certificate made with openssl, and small HTTP servers.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  home: string;
  flynnrc: string;
  cwd: string;
  extraEnv?: Record<string, string>;
}

/** A clean environment: no FLYNN_APP / FLYNN_CLUSTER from the caller, HOME in the test's temp dir. */
function childEnv(env: CliEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: env.home,
    FLYNNRC: env.flynnrc,
    GIT_CONFIG_NOSYSTEM: '1',
    LANG: 'C',
    ...(env.extraEnv ?? {}),
  };
}

/** Starts `flynn <args>`; `done` resolves when it exits. */
export function startFlynn(env: CliEnv, args: readonly string[], options: { input?: string; cwd?: string } = {}) {
  const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', TSX, MAIN, ...args], {
    cwd: options.cwd ?? env.cwd,
    env: childEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const done = once(child, 'exit').then(([code, signal]): CliResult => {
    clearTimeout(timer);
    return { code: code ?? (signal ? 128 : -1), stdout, stderr };
  });
  return { child, done, output: () => stdout, errors: () => stderr };
}

export function flynn(env: CliEnv, args: readonly string[], options: { input?: string; cwd?: string } = {}): Promise<CliResult> {
  return startFlynn(env, args, options).done;
}

export function run(cmd: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { cwd, ...(env ? { env } : {}) }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

/** A self-signed EC certificate for `name` (and 127.0.0.1) made by openssl in `dir`. */
export async function selfSignedCert(dir: string, name: string): Promise<{ certFile: string; keyFile: string; cert: string; key: string }> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await run(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name},IP:127.0.0.1`],
    dir,
  );
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** An HTTP server on a loopback port. */
export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
