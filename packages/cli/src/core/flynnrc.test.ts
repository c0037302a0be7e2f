import { describe, expect, it } from 'vitest';
import { addCluster, clusterUrls, formatFlynnrc, parseFlynnrc, removeCluster, selectCluster, setDefaultCluster } from './flynnrc.js';
import type { Flynnrc, FlynnrcCluster } from './flynnrc.js';

/** What the original CLI (Go, BurntSushi/toml) wrote after two `flynn cluster add`s. */
const ORIGINAL = `default = "default"

[[cluster]]
  Name = "default"
  Key = "e09dc5301d72be755a3d666f617c4600"
  TLSPin = "KGCENkp53YF5OvOKkZIry71+czFRkSw2ZdMszZ/0ljs="
  ControllerURL = "https://controller.dev.localflynn.com"
  GitURL = "https://git.dev.localflynn.com"
  ImageURL = "https://images.dev.localflynn.com"

[[cluster]]
  Name = "prod"
  Key = "0123456789abcdef"
  ControllerURL = "https://controller.prod.example.com"
  GitURL = ""
  ImageURL = "https://images.prod.example.com"
  DockerPushURL = "https://docker.prod.example.com"

`;

const dev: FlynnrcCluster = {
  name: 'default',
  key: 'e09dc5301d72be755a3d666f617c4600',
  tlsPin: 'KGCENkp53YF5OvOKkZIry71+czFRkSw2ZdMszZ/0ljs=',
  controllerUrl: 'https://controller.dev.localflynn.com',
  gitUrl: 'https://git.dev.localflynn.com',
  imageUrl: 'https://images.dev.localflynn.com',
};

describe('flynnrc', () => {
  it("reads the original's file", () => {
    const rc = parseFlynnrc(ORIGINAL);
    expect(rc.default).toBe('default');
    expect(rc.clusters).toEqual([
      dev,
      {
        name: 'prod',
        key: '0123456789abcdef',
        controllerUrl: 'https://controller.prod.example.com',
        gitUrl: '',
        imageUrl: 'https://images.prod.example.com',
        dockerPushUrl: 'https://docker.prod.example.com',
      },
    ]);
  });

  it("writes the original's layout byte for byte, and round-trips", () => {
    expect(formatFlynnrc(parseFlynnrc(ORIGINAL))).toBe(ORIGINAL);
    const rc: Flynnrc = { default: 'a', clusters: [{ ...dev, name: 'a', key: 'k"\\\n\u0001é' }] };
    expect(parseFlynnrc(formatFlynnrc(rc))).toEqual(rc);
  });

  it('matches keys case-insensitively (as Go did) and drops unknown ones', () => {
    const rc = parseFlynnrc('DEFAULT = "x"\n[[Cluster]]\nname = "x"\ncontrollerurl = "http://c"\nGitUrl = "https://g"\nimageURL = ""\nSomething = "else"\n');
    expect(rc).toEqual({ default: 'x', clusters: [{ name: 'x', controllerUrl: 'http://c', gitUrl: 'https://g', imageUrl: '' }] });
    expect(formatFlynnrc(rc)).not.toContain('Something');
  });

  it('an empty file has no clusters, and no clusters is an empty file', () => {
    expect(parseFlynnrc('')).toEqual({ clusters: [] });
    expect(formatFlynnrc({ clusters: [] })).toBe('');
  });

  it('rejects invalid files with a message naming the problem', () => {
    expect(() => parseFlynnrc('default = ')).toThrow(/flynnrc: invalid TOML/);
    expect(() => parseFlynnrc('[[cluster]]\nKey = "k"\n')).toThrow(/cluster 1 has no Name/);
    expect(() => parseFlynnrc('[[cluster]]\nName = 3\n')).toThrow(/cluster 1: Name must be a string/);
    expect(() => parseFlynnrc('cluster = "x"')).toThrow(/array of tables/);
    expect(() => parseFlynnrc('default = 1')).toThrow(/default must be a string/);
  });

  it('adds clusters: the first becomes default; conflicts need --force and then replace', () => {
    let rc = addCluster({ clusters: [] }, dev);
    expect(rc.default).toBe('default');
    const other = { ...dev, name: 'other', controllerUrl: 'https://controller.other', gitUrl: 'https://git.other' };
    rc = addCluster(rc, other);
    expect(rc.default).toBe('default');
    expect(() => addCluster(rc, { ...other, controllerUrl: 'https://x' })).toThrow(/Cluster "other" already exists/);
    expect(() => addCluster(rc, { ...other, name: 'new', controllerUrl: 'https://x' })).toThrow(/URL "https:\/\/git.other" already exists/);
    expect(() => addCluster(rc, { ...other, name: 'new', gitUrl: '' })).toThrow(/URL "https:\/\/controller.other" already exists/);
    expect(() => addCluster(rc, { ...other, name: 'default' }, { force: true })).toThrow(/conflict with multiple/);
    const replaced = addCluster(rc, { ...other, key: 'new-key' }, { force: true, setDefault: true });
    expect(replaced.clusters.map((c) => [c.name, c.key])).toEqual([
      ['default', dev.key],
      ['other', 'new-key'],
    ]);
    expect(replaced.default).toBe('other');
  });

  it('removes clusters, moving the default to the first remaining one', () => {
    const rc = addCluster(addCluster({ clusters: [] }, dev), { ...dev, name: 'b', controllerUrl: 'https://b', gitUrl: '' });
    const r1 = removeCluster(rc, 'default');
    expect(r1.removed?.name).toBe('default');
    expect(r1.newDefault).toBe('b');
    expect(r1.rc).toEqual({ default: 'b', clusters: [rc.clusters[1]] });
    expect(removeCluster(rc, 'nope').removed).toBeUndefined();
    expect(removeCluster(r1.rc, 'b').rc).toEqual({ clusters: [] });
  });

  it('selects the named, default or first cluster', () => {
    const rc: Flynnrc = { clusters: [dev, { ...dev, name: 'b' }] };
    expect(selectCluster(rc).name).toBe('default');
    expect(selectCluster({ ...rc, default: 'b' }).name).toBe('b');
    expect(selectCluster(rc, 'b').name).toBe('b');
    expect(() => selectCluster(rc, 'c')).toThrow(/unknown cluster "c"/);
    expect(() => selectCluster({ clusters: [] })).toThrow(/no clusters configured/);
    expect(setDefaultCluster(rc, 'b').default).toBe('b');
    expect(() => setDefaultCluster(rc, 'c')).toThrow(/does not exist/);
  });

  it('derives the URLs from a domain, the legacy controller URL, or a plain controller URL', () => {
    expect(clusterUrls('dev.localflynn.com')).toEqual({
      controllerUrl: 'https://controller.dev.localflynn.com',
      gitUrl: 'https://git.dev.localflynn.com',
      imageUrl: 'https://images.dev.localflynn.com',
    });
    expect(clusterUrls('https://controller.dev.localflynn.com').gitUrl).toBe('https://git.dev.localflynn.com');
    expect(clusterUrls('example.com', { noGit: true }).gitUrl).toBe('');
    expect(clusterUrls('http://127.0.0.1:3000/')).toEqual({ controllerUrl: 'http://127.0.0.1:3000', gitUrl: '', imageUrl: '' });
    expect(clusterUrls('http://127.0.0.1:3000', { gitUrl: 'https://git.local/' }).gitUrl).toBe('https://git.local');
  });
});
