import { describe, expect, it } from 'vitest';
import { netnsArgv, parseLogLine } from './spawn-tracked.js';

describe('netnsArgv', () => {
  it('leaves argv alone without a namespace', () => {
    expect(netnsArgv(['node', 'a.js'])).toEqual(['node', 'a.js']);
  });

  it('enters with ip netns exec by name', () => {
    expect(netnsArgv(['node', 'a.js'], { name: 'ns1', via: 'ip' })).toEqual(['ip', 'netns', 'exec', 'ns1', 'node', 'a.js']);
  });

  it('enters with nsenter --net on the /run/netns path', () => {
    expect(netnsArgv(['node', 'a.js'], { name: 'ns1', via: 'nsenter' })).toEqual(['nsenter', '--net=/run/netns/ns1', '--', 'node', 'a.js']);
  });
});

describe('parseLogLine', () => {
  it('parses a JSON object line', () => {
    expect(parseLogLine('{"level":"info","msg":"up"}')).toEqual({ level: 'info', msg: 'up' });
  });

  it('wraps anything else as raw', () => {
    expect(parseLogLine('not json')).toEqual({ raw: 'not json' });
    expect(parseLogLine('[1]')).toEqual({ raw: '[1]' });
    expect(parseLogLine('null')).toEqual({ raw: 'null' });
  });
});
