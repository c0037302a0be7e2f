import { describe, expect, it } from 'vitest';
import { PROCESS_WRAPPER_SCRIPT, processWrapperArgv } from './process-script.js';

const tools = { sh: '/bin/sh', sleep: '/bin/sleep', setsid: '/usr/bin/setsid', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' };

describe('processWrapperArgv', () => {
  it('runs the job through setsid with no limits or users', () => {
    const argv = processWrapperArgv(tools, { stateDir: '/s', args: ['node', 'app.js'], stdin: false });
    expect(argv).toEqual(['/bin/sh', '-c', PROCESS_WRAPPER_SCRIPT, 'flynn-job', '/s', '0', '/bin/sleep', '/bin/sh', '/usr/bin/setsid', '--', 'node', 'app.js']);
  });

  it('chains prlimit (hard+soft as root) and setpriv', () => {
    const argv = processWrapperArgv(tools, { stateDir: '/s', args: ['-weird'], stdin: true, maxFd: 100, maxProcs: 7, uid: 1000, gid: 50 });
    expect(argv.slice(5)).toEqual(['1', '/bin/sleep', '/bin/sh', '/usr/bin/setsid', '--', '/usr/bin/prlimit', '--nofile=100:100', '--nproc=7:7', '--', '/usr/bin/setpriv', '--regid=50', '--reuid=1000', '--clear-groups', '--', '-weird']);
  });

  it('only raises soft limits for an unprivileged daemon, and skips missing tools', () => {
    expect(processWrapperArgv(tools, { stateDir: '/s', args: ['x'], stdin: false, maxFd: 100, softLimitsOnly: true })).toContain('--nofile=100:');
    const bare = processWrapperArgv({ sh: '/bin/sh', sleep: '/bin/sleep', setsid: '/usr/bin/setsid' }, { stateDir: '/s', args: ['x'], stdin: false, maxFd: 1, uid: 1 });
    expect(bare.slice(8)).toEqual(['/usr/bin/setsid', '--', 'x']);
  });

  it('writes the exit status with one write ending in a newline', () => {
    expect(PROCESS_WRAPPER_SCRIPT).toContain('echo "$c" >"$d/exit"');
    expect(PROCESS_WRAPPER_SCRIPT).toContain('echo $$ >"$0/pid"; exec "$@"');
  });
});
