/**
 * End to end: the `flynn` CLI as a child process, like a user runs it,
 * against a real controller (in this process) on a real PostgreSQL, with a
 * real git repository and a fake resource provider over HTTP. The test
 * plays the scheduler and the deployer where a command waits for them (it
 * upserts job states, completes the scale request, finishes the
 * deployment), since neither runs here.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@flynn-ts/core/http';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import { waitFor } from '@flynn-ts/core/testing';
import { ControllerClient, createController, setDeploymentStatus } from '@flynn-ts/controller';
import type { Controller, Release, ScaleRequest } from '@flynn-ts/controller';
import { startTestPostgres, testPostgresMissing } from '@flynn-ts/controller/testing';
import type { TestPostgres } from '@flynn-ts/controller/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFlynnrc } from '../src/core/flynnrc.js';
import type { CliEnv } from './harness.js';
import { flynn, listen, readBody, run, selfSignedCert, startFlynn } from './harness.js';

const PG_MISSING = testPostgresMissing();
const KEY = `key-${randomUUID()}`;
const GIT_URL = 'https://git.test.local';

describe.skipIf(PG_MISSING)('flynn CLI against a real controller', () => {
  let pg: TestPostgres;
  let controller: Controller;
  let http: HttpServerHandle;
  /** The same controller on a second port (a cluster entry with a wrong key needs its own URL). */
  let http2: HttpServerHandle;
  let client: ControllerClient;
  let provider: Awaited<ReturnType<typeof listen>>;
  const providerCalls: string[] = [];
  const stoppedJobs: string[] = [];
  let tmp: string;
  let env: CliEnv;
  let repo: string;
  let cert: Awaited<ReturnType<typeof selfSignedCert>>;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'flynn-cli-e2e-'));
    repo = join(tmp, 'repo');
    mkdirSync(join(tmp, 'home'));
    mkdirSync(repo);
    await run('git', ['init', '-q', '.'], repo);
    env = { home: join(tmp, 'home'), flynnrc: join(tmp, 'flynnrc'), cwd: repo };
    cert = await selfSignedCert(tmp, 'secure.test.local');
    pg = await startTestPostgres();
    controller = await createController({
      database: await pg.createDatabase(),
      authKeys: [KEY],
      defaultRouteDomain: 'test.local',
      hostClientFor: (hostId) => ({ stopJob: async (jobId) => void stoppedJobs.push(`${hostId}:${jobId}`) }),
      sseKeepAliveMs: 1_000,
      eventPollMs: 500,
    });
    http = await serve(controller.fetch, { host: '127.0.0.1', port: 0, graceMs: 500 });
    http2 = await serve(controller.fetch, { host: '127.0.0.1', port: 0, graceMs: 500 });
    client = new ControllerClient({ urls: [http.url], key: KEY });
    provider = await listen((req, res) => {
      void readBody(req).then((body) => {
        providerCalls.push(`${req.method} ${req.url} ${body}`);
        res.setHeader('content-type', 'application/json');
        res.end(req.method === 'POST' ? JSON.stringify({ id: 'ext-1', env: { DATABASE_URL: 'postgres://fake/db1' } }) : '{}');
      });
    });
  });

  afterAll(async () => {
    await client?.close();
    controller?.shutdown();
    await http?.close(500);
    await http2?.close(500);
    await controller?.close();
    await provider?.close();
    await pg?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** `flynn <args>` that must succeed; returns stdout. */
  async function ok(...args: string[]): Promise<string> {
    const r = await flynn(env, args);
    expect(r.code, `flynn ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  }

  let appId = '';
  let firstRelease: Release;

  it('cluster add writes the flynnrc (original format) and configures git', async () => {
    expect(await ok('cluster', 'add', '--git-url', GIT_URL, 'default', http.url, KEY)).toBe('Cluster "default" added and set as default.\n');
    expect(await ok('cluster', 'add', '--no-git', 'wrong-key', http2.url, 'not-the-key')).toBe('Cluster "wrong-key" added.\n');
    expect(await ok('cluster', 'add', '--no-git', 'dead', 'http://127.0.0.1:1', KEY)).toBe('Cluster "dead" added.\n');
    const text = readFileSync(env.flynnrc, 'utf8');
    expect(text).toMatch(/^default = "default"\n\n\[\[cluster\]\]\n {2}Name = "default"\n {2}Key = /);
    expect(parseFlynnrc(text).clusters[0]).toEqual({ name: 'default', key: KEY, controllerUrl: http.url, gitUrl: GIT_URL, imageUrl: '' });
    const helper = await run('git', ['config', '--global', `credential.${GIT_URL}.helper`], repo, { PATH: process.env.PATH ?? '', HOME: env.home });
    expect(helper.trim()).toMatch(/ git-credentials$/);
    const list = await ok('cluster');
    expect(list.split('\n')[0]).toMatch(/^NAME +CONTROLLER URL +GIT URL +IMAGE URL$/);
    expect(list).toMatch(new RegExp(`default +${http.url} +${GIT_URL} +\\(none\\) +\\(default\\)`));
    expect(await ok('cluster', 'default')).toMatch(/default +http:\/\/127\.0\.0\.1:\d+ +\(default\)/);
    const dup = await flynn(env, ['cluster', 'add', 'default', http.url, KEY]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/Cluster "default" already exists/);
    expect(await ok('cluster', 'add', '--no-git', 'tmp', 'http://127.0.0.1:2', KEY)).toContain('added');
    expect(await ok('cluster', 'remove', 'tmp')).toBe('Cluster "tmp" removed.\n');
  });

  it('git credential helper answers with the cluster key', async () => {
    const out = await ok('git-credentials', 'get');
    expect(out).toBe('');
    const r = await flynn(env, ['git-credentials', 'get'], { input: 'protocol=https\nhost=git.test.local\n\n' });
    expect(r.stdout).toBe(`protocol=https\nusername=user\nhost=git.test.local\npassword=${KEY}\n`);
  });

  it('create makes the app and the flynn git remote; apps and info find it', async () => {
    expect(await ok('create', 'myapp')).toBe('Created myapp\n');
    expect((await run('git', ['remote', 'get-url', 'flynn'], repo)).trim()).toBe(`${GIT_URL}/myapp.git`);
    appId = (await client.getApp('myapp')).id;
    const apps = await ok('apps');
    expect(apps.split('\n')[0]).toMatch(/^ID +NAME$/);
    expect(apps).toContain(`${appId}  myapp`);
    expect((JSON.parse(await ok('apps', '--json')) as Array<{ name: string }>).map((a) => a.name)).toContain('myapp');
    // No -a: the app comes from the git remote.
    expect(await ok('info')).toBe(`=== myapp\nGit URL:  ${GIT_URL}/myapp.git\nWeb URL:  http://myapp.test.local\n`);
    const generated = await ok('create', '--no-remote');
    expect(generated).toMatch(/^Created [a-z]+(-[a-z]+)+\n$/);
    await ok('-a', generated.slice('Created '.length).trim(), 'delete', '-y');
  });

  it('release add from an image manifest file deploys the first release', async () => {
    writeFileSync(join(tmp, 'image.json'), JSON.stringify({ _type: 'application/vnd.flynn.image.manifest.v1+json', rootfs: [{ layers: [] }] }));
    writeFileSync(join(tmp, 'release.json'), JSON.stringify({ env: { GREETING: 'hello' }, processes: { web: { args: ['/bin/server'], ports: [{ proto: 'tcp' }] } } }));
    const out = await ok('release', 'add', '--manifest', join(tmp, 'image.json'), '-f', join(tmp, 'release.json'));
    expect(out).toMatch(/^Created release [0-9a-f-]{36}\.\n$/);
    firstRelease = await client.getAppRelease('myapp');
    expect(out).toContain(firstRelease.id);
    const shown = JSON.parse(await ok('release', 'show', '--json')) as Release;
    expect(shown.env).toEqual({ GREETING: 'hello' });
    expect(Object.keys(shown.processes)).toEqual(['web']);
    const artifact = await client.getArtifact(shown.artifacts[0]!);
    expect(artifact.type).toBe('flynn');
    expect(artifact.uri).toMatch(/^file:\/\/.*image\.json\?sha256=[0-9a-f]{64}$/);
    const show = await ok('release', 'show');
    expect(show).toMatch(new RegExp(`^ID: +${firstRelease.id}\nArtifact\\[0\\]: +flynn\\+file://`));
    expect(show).toMatch(/ENV\[GREETING\] +hello/);
  });

  it('env set creates and deploys a new release; env get and env list read it', async () => {
    const out = await ok('env', 'set', 'FOO=bar', 'EMPTY=');
    const id = /^Created release ([0-9a-f-]{36})\.\n$/.exec(out)?.[1];
    expect(id).toBeDefined();
    expect((await client.getAppRelease('myapp')).id).toBe(id);
    expect(await ok('env', 'get', 'FOO')).toBe('bar\n');
    expect(await ok('env')).toBe('EMPTY=\nFOO=bar\nGREETING=hello\n');
    await ok('env', 'unset', 'EMPTY');
    expect(JSON.parse(await ok('env', '--json'))).toEqual({ FOO: 'bar', GREETING: 'hello' });
    const missing = await flynn(env, ['env', 'get', 'NOPE']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/var "NOPE" not found/);
    expect((await ok('release', '-q')).trim().split('\n')).toHaveLength(3);
  });

  it('meta set and unset', async () => {
    // The controller gives every app `gc.max_inactive_slug_releases`.
    await ok('meta', 'set', 'owner=me', 'team=paas');
    expect(await ok('meta')).toBe('KEY                            VALUE\ngc.max_inactive_slug_releases  10\nowner                          me\nteam                           paas\n');
    await ok('meta', 'unset', 'team');
    expect(JSON.parse(await ok('meta', '--json'))).toEqual({ 'gc.max_inactive_slug_releases': '10', owner: 'me' });
  });

  it('routes: add http with a certificate, add tcp, list, remove', async () => {
    const httpId = (await ok('route', 'add', 'http', '-c', cert.certFile, '-k', cert.keyFile, '--sticky', 'secure.test.local')).trim();
    expect(httpId).toMatch(/^http\/[0-9a-f-]{36}$/);
    const apiId = (await ok('route', 'add', 'http', '-s', 'api-web', 'secure.test.local/api')).trim();
    const tcp = await ok('route', 'add', 'tcp', '--leader');
    const m = /^(tcp\/[0-9a-f-]{36}) listening on port (\d+)\n$/.exec(tcp);
    expect(m).not.toBeNull();
    const list = await ok('route');
    expect(list.split('\n')[0]).toMatch(/^ROUTE +SERVICE +ID +STICKY +LEADER +PATH$/);
    expect(list).toMatch(new RegExp(`https:secure\\.test\\.local +myapp-web +${httpId} +true +false +/\n`));
    expect(list).toMatch(new RegExp(`http:secure\\.test\\.local +api-web +${apiId} +false +false +/api/`));
    expect(list).toMatch(new RegExp(`tcp:${m![2]} +myapp-web +${m![1]} +true`));
    expect(list).toMatch(/http:myapp\.test\.local +myapp-web/);
    const route = await client.getRoute('myapp', httpId);
    expect(route.type === 'http' && route.certificate?.cert.trim()).toBe(cert.cert.trim());
    expect(await ok('route', 'remove', m![1]!)).toBe(`Route ${m![1]} removed.\n`);
    expect((JSON.parse(await ok('route', '--json')) as unknown[]).length).toBe(3);
    const bad = await flynn(env, ['route', 'add', 'http', '-c', cert.certFile, 'x.test.local']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Both the TLS certificate AND private key need to be specified/);
  });

  it('provider add and resource add through a provider; resource remove unsets its env', async () => {
    expect(await ok('provider', 'add', 'fakedb', provider.url)).toBe('Created provider fakedb.\n');
    expect(await ok('provider')).toMatch(new RegExp(`fakedb +${provider.url}`));
    const out = await ok('resource', 'add', 'fakedb');
    const m = /^Created resource ([0-9a-f-]{36}) and release ([0-9a-f-]{36})\.\n$/.exec(out);
    expect(m).not.toBeNull();
    expect(providerCalls.some((c) => c.startsWith('POST '))).toBe(true);
    expect(await ok('env', 'get', 'DATABASE_URL')).toBe('postgres://fake/db1\n');
    expect(await ok('resource')).toMatch(new RegExp(`${m![1]} +[0-9a-f-]{36} +fakedb`));
    const removed = await ok('resource', 'remove', 'fakedb');
    expect(removed).toMatch(new RegExp(`^Deleted resource ${m![1]}, created release [0-9a-f-]{36}\\.\n$`));
    expect(providerCalls.some((c) => c.startsWith('DELETE /?id=ext-1'))).toBe(true);
    expect((await flynn(env, ['env', 'get', 'DATABASE_URL'])).code).toBe(1);
  });

  it('limit set makes a release; release rollback deploys the previous one', async () => {
    expect(await ok('limit', 'set', 'web', 'memory=512MB', 'cpu=500')).toMatch(/^Created release [0-9a-f-]{36}\n$/);
    expect(await ok('limit')).toBe('web:  cpu=500  max_fd=10000  memory=512MB  temp_disk=100MB\n');
    const rolled = await ok('release', 'rollback', '-y');
    expect(rolled).toMatch(/^Rolling back to release [0-9a-f-]{36} from [0-9a-f-]{36}\.\nSuccessfully rolled back/);
    expect(await ok('limit')).toBe('web:  cpu=1000  max_fd=10000  memory=1GB  temp_disk=100MB\n');
  });

  it('scale -n sends the scale request; scale shows the formation', async () => {
    expect(await ok('scale', 'web=2', '-n')).toBe('scaling web: 0=>2\n');
    expect(await ok('scale')).toBe('web=2\n');
    const bad = await flynn(env, ['scale', 'worker=1', '-n']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('unknown process types: "worker"\n');
  });

  it('scale waits for the job events and the completed scale request', async () => {
    const release = await client.getAppRelease('myapp');
    const cli = startFlynn(env, ['scale', 'web=3', '--timeout', '60s']);
    // Play the scheduler: wait for the request, start a job, complete the request.
    let request: ScaleRequest | undefined;
    await waitFor(async () => {
      const [e] = await client.listEvents({ appId, objectTypes: ['scale_request'], count: 1 });
      const r = e?.data as ScaleRequest | undefined;
      if (r?.state === 'pending' && r.new_processes?.web === 3) request = r;
      return request !== undefined;
    }, { timeoutMs: 30_000 });
    await waitFor(() => cli.output().includes('scaling web: 2=>3'), { timeoutMs: 30_000 });
    const uuid = randomUUID();
    await client.putJob({ id: `host1-${uuid}`, uuid, app: appId, release: release.id, type: 'web', state: 'up', host_id: 'host1' });
    await waitFor(() => cli.output().includes(`==> web host1-${uuid} up`), { timeoutMs: 30_000 });
    await client.putScaleRequest(appId, release.id, { id: request!.id, state: 'complete' });
    const r = await cli.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^scaling web: 2=>3\n\n\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ==> web host1-${uuid} up\n\nscale completed in \\S+\n$`));

    const ps = await ok('ps');
    expect(ps.split('\n')[0]).toMatch(/^ID +TYPE +STATE +CREATED +RELEASE$/);
    expect(ps).toMatch(new RegExp(`host1-${uuid} +web +up +.+ ago +${release.id}`));
    expect(await ok('ps', '-q')).toBe(`host1-${uuid}\n`);
    expect(await ok('kill', `host1-${uuid}`)).toBe(`Job host1-${uuid} killed.\n`);
    expect(stoppedJobs).toEqual([`host1:host1-${uuid}`]);
  });

  it('scale gives up after --timeout with a clear error', async () => {
    const r = await flynn(env, ['scale', 'web=1', '--timeout', '1s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('timed out waiting for scale to complete (waited 1s)\n');
  });

  it('deploy waits for the deployment; deployment lists it', async () => {
    const cli = startFlynn(env, ['deploy', firstRelease.id]);
    let deploymentId = '';
    await waitFor(async () => {
      const d = (await client.deploymentList('myapp')).find((x) => x.new_release === firstRelease.id && x.status === 'pending');
      deploymentId = d?.id ?? '';
      return deploymentId !== '';
    }, { timeoutMs: 30_000 });
    // Play the deployer.
    await controller.db.tx((tx) => setDeploymentStatus(tx, deploymentId, 'running'));
    await controller.db.tx((tx) => setDeploymentStatus(tx, deploymentId, 'complete'));
    const r = await cli.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/==> pending\n.*==> running\n.*==> complete\n/);
    expect(r.stdout).toContain(`Deployed release ${firstRelease.id} (deployment ${deploymentId}).`);
    const list = await ok('deployment');
    expect(list.split('\n')[0]).toMatch(/^ID +STATUS +CREATED +FINISHED$/);
    expect(list).toMatch(new RegExp(`${deploymentId} +complete +.+ ago +.+ ago`));
    expect(await ok('deployment', 'timeout', '150')).toBe('');
    expect(await ok('deployment', 'timeout')).toBe('150\n');
  });

  it('delete -y deletes the app and its git remote', async () => {
    expect(await ok('delete', '-y')).toBe('Deleted myapp\n');
    expect(await run('git', ['remote'], repo)).toBe('');
    expect(await ok('apps')).not.toContain('myapp');
    const r = await flynn(env, ['-a', 'myapp', 'info']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not_found: app not found/);
  });

  it('a wrong key: a clear message and exit 1', async () => {
    const r = await flynn(env, ['-c', 'wrong-key', 'apps']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'unauthorized: check the cluster key (flynn cluster add)\n' });
  });

  it('a wrong URL: a clear message and exit 1', async () => {
    const r = await flynn(env, ['-c', 'dead', 'apps']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'cannot reach the controller at http://127.0.0.1:1: connection refused (ECONNREFUSED)\n' });
  });

  it('an unknown command: usage and exit 2', async () => {
    const r = await flynn(env, ['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^flynn: "frobnicate" is not a flynn command\. See 'flynn help'\.\n\nusage: flynn \[-a <app>\]/);
  });

  it('the bash completion script completes subcommands', async () => {
    const script = await ok('completion', 'bash');
    writeFileSync(join(tmp, 'flynn.bash'), script);
    const complete = async (...words: string[]) =>
      (await run('bash', ['-c', `source ${join(tmp, 'flynn.bash')}; COMP_WORDS=(flynn ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _flynn; echo "\${COMPREPLY[*]}"`], tmp)).trim().split(' ');
    expect(await complete('route', 'add', '')).toEqual(['http', 'tcp', '-h', '--help']);
    expect(await complete('-a', 'myapp', 'sc')).toEqual(['scale']);
    expect(await complete('route', 'add', 'http', '--st')).toEqual(['--sticky']);
  });
});
