/**
 * Fuzzing the syslog input over real TCP: whatever a connection sends
 * (random bytes, mutated or cut frames, lies in MSG-LEN, LF-framed junk),
 * the aggregator does not crash, counts what it refuses, and keeps taking
 * good lines, both from a long-lived connection open the whole time and from
 * new ones.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { waitFor } from '@flynn-ts/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogAggregator } from '../src/log-aggregator.js';
import { logEntry, syslogFrame } from '../src/testing/log-fixtures.js';

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends `bytes` on a new connection, half-closes, and waits until the server has closed it too. */
async function sendAndClose(port: number, bytes: Uint8Array): Promise<void> {
  const s = await open(port);
  s.on('error', () => undefined); // the server may reset a connection it gave up on
  await new Promise<void>((resolve) => {
    s.on('close', () => resolve());
    s.on('data', () => undefined);
    s.end(bytes);
  });
}

const enc = new TextEncoder();
const goodFrame = (seq: number) => syslogFrame(logEntry({ hostId: 'good', appId: 'fuzz', seq, msg: `good ${seq}` }));
const junkFrame = (seq: number) => syslogFrame(logEntry({ hostId: 'junk', appId: 'junk', seq, msg: `junk ${seq}` }));

const junkArb = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  // A valid frame, mutated: bytes overwritten, cut, or with bytes inserted.
  fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat()).map(([seq, edits, cut]) => {
    const f = Uint8Array.from(junkFrame(seq));
    for (const [at, b] of edits) f[at % f.length] = b;
    return f.subarray(0, cut % (f.length + 1));
  }),
  // Octet counting that lies about the length, or is absurdly long.
  fc.tuple(fc.integer({ min: 1, max: 10_000_000 }), fc.string({ maxLength: 200 })).map(([n, s]) => enc.encode(`${n} ${s}`)),
  // LF framing with junk, and a message that is valid RFC 5424 but not a Flynn log line.
  fc.array(fc.string({ maxLength: 80 }), { maxLength: 10 }).map((lines) => enc.encode(lines.map((l) => `<${l}\n`).join(''))),
  fc.constant(enc.encode('<0>1 2024-05-06T07:08:09Z h a p ID1 - not a flynn line\n')),
  fc.constant(enc.encode('16 <0>1 - - - - - -')),
);

describe('syslog input under fuzzing', () => {
  let agg: LogAggregator;
  let steady: Socket;
  let steadySeq = 0;

  beforeAll(async () => {
    agg = await LogAggregator.start({ maxFrameBytes: 16 * 1024 });
    steady = await open(agg.syslogPort);
  });

  afterAll(async () => {
    steady?.destroy();
    await agg?.close();
  });

  const cursor = async () => ((await (await fetch(`${agg.apiUrl}/cursors`)).json()) as Record<string, { seq: number }>).good?.seq ?? 0;

  it('survives junk on any connection and keeps taking good lines on the others', async () => {
    let junkRuns = 0;
    await fc.assert(
      fc.asyncProperty(junkArb, async (junk) => {
        junkRuns++;
        await sendAndClose(agg.syslogPort, junk);
        // The long-lived connection still works...
        steadySeq++;
        steady.write(goodFrame(steadySeq));
        await waitFor(async () => (await cursor()) === steadySeq, { what: `good line ${steadySeq}` });
      }),
      { numRuns: 150 },
    );
    // ...and so do new connections, with both framings.
    steadySeq++;
    const lfFrame = new TextDecoder().decode(goodFrame(steadySeq)).replace(/^\d+ /, '') + '\n';
    await sendAndClose(agg.syslogPort, enc.encode(lfFrame));
    await waitFor(async () => (await cursor()) === steadySeq, { what: 'an LF-framed line on a new connection' });

    const res = await fetch(`${agg.apiUrl}/log/fuzz?lines=10000`);
    const msgs = (await res.text()).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs).toEqual(Array.from({ length: steadySeq }, (_, i) => `good ${i + 1}`));
    const stats = agg.stats();
    expect(junkRuns).toBe(150);
    expect(stats.badFrames + stats.badMessages).toBeGreaterThan(0);
    expect(stats.openConnections).toBe(1);
    const status = await fetch(`${agg.apiUrl}/.well-known/status`);
    expect(status.status).toBe(200);
  });

  it('closes a connection whose framing is lost, but not one with a bad message inside good framing', async () => {
    const before = agg.stats();
    const s = await open(agg.syslogPort);
    const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
    s.on('error', () => undefined);
    s.write(enc.encode('16 <0>1 - - - - - -')); // well framed, not a Flynn line: skipped
    steadySeq++;
    s.write(goodFrame(steadySeq));
    await waitFor(async () => (await cursor()) === steadySeq, { what: 'the line after the bad message' });
    expect(agg.stats().badMessages).toBe(before.badMessages + 1);
    s.write(enc.encode('0 oops')); // MSG-LEN with a leading zero: framing is lost
    await closed;
    expect(agg.stats().badFrames).toBe(before.badFrames + 1);
  });
});
