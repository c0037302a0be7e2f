import { describe, expect, it } from 'vitest';
import { deferred } from '../testing/deferred.js';
import type { LogFields, Logger } from '../logger.js';
import { runDaemon, untilAborted } from './run-daemon.js';
import type { SignalProcess } from './run-daemon.js';

/** A process whose signals the test sends; `exit` records instead of exiting. */
function fakeProcess() {
  const listeners = new Map<string, Set<(s: NodeJS.Signals) => void>>();
  const exits: number[] = [];
  const proc: SignalProcess & { send(s: NodeJS.Signals): void; count(): number; exits: number[] } = {
    on(s, l) {
      if (!listeners.has(s)) listeners.set(s, new Set());
      listeners.get(s)!.add(l);
    },
    off(s, l) {
      listeners.get(s)?.delete(l);
    },
    exit(code) {
      exits.push(code);
    },
    send(s) {
      for (const l of [...(listeners.get(s) ?? [])]) l(s);
    },
    count: () => [...listeners.values()].reduce((n, set) => n + set.size, 0),
    exits,
  };
  return proc;
}

function recordingLogger() {
  const lines: { level: string; fields: LogFields; msg?: string }[] = [];
  const at =
    (level: string) =>
    (fields: LogFields, msg?: string): void => {
      lines.push({ level, fields, ...(msg !== undefined ? { msg } : {}) });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return { logger, lines };
}

describe('runDaemon', () => {
  it('aborts stop on the first SIGTERM, logs it, and resolves with what run returns', async () => {
    const proc = fakeProcess();
    const { logger, lines } = recordingLogger();
    const started = deferred<void>();
    const result = runDaemon(
      async (stop) => {
        started.resolve();
        const reason = await untilAborted(stop);
        return reason === 'SIGTERM' ? 0 : 3;
      },
      { logger, process: proc },
    );
    await started.promise;
    expect(proc.count()).toBe(2);
    proc.send('SIGTERM');
    expect(await result).toBe(0);
    expect(lines).toEqual([{ level: 'info', fields: { event: 'signal', signal: 'SIGTERM' }, msg: 'shutting down' }]);
    expect(proc.exits).toEqual([]);
    expect(proc.count()).toBe(0);
  });

  it('exits 1 at once on a second signal while shutting down', async () => {
    const proc = fakeProcess();
    const { logger, lines } = recordingLogger();
    const closing = deferred<void>();
    const result = runDaemon(
      async (stop) => {
        await untilAborted(stop);
        await closing.promise; // a slow shutdown
        return 0;
      },
      { logger, process: proc, stopMessage: 'draining' },
    );
    proc.send('SIGINT');
    proc.send('SIGTERM');
    expect(proc.exits).toEqual([1]);
    expect(lines.map((l) => [l.level, l.fields.signal, l.msg])).toEqual([
      ['info', 'SIGINT', 'draining'],
      ['warn', 'SIGTERM', 'second signal: exiting at once'],
    ]);
    closing.resolve();
    expect(await result).toBe(0);
  });

  it('sees a signal that comes during start-up, and removes its handlers when run throws', async () => {
    const proc = fakeProcess();
    const gate = deferred<void>();
    const result = runDaemon(
      async (stop) => {
        await gate.promise; // still starting
        expect(stop.aborted).toBe(true);
        throw new Error('start failed');
      },
      { process: proc, signals: ['SIGHUP'] },
    );
    proc.send('SIGHUP');
    gate.resolve();
    await expect(result).rejects.toThrow('start failed');
    expect(proc.count()).toBe(0);
  });
});

describe('untilAborted', () => {
  it('resolves with the reason, at once when already aborted', async () => {
    const c = new AbortController();
    c.abort('why');
    expect(await untilAborted(c.signal)).toBe('why');
    const d = new AbortController();
    const p = untilAborted(d.signal);
    d.abort('later');
    expect(await p).toBe('later');
  });
});
