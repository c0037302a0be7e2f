import { NotLeaderError, ProposalDroppedError, RaftTimeoutError } from '@flynn-ts/raft';
import { describe, expect, it } from 'vitest';
import { raftError } from './store-raft-errors.js';

const mapped = (err: unknown) => {
  try {
    raftError(err);
  } catch (e) {
    return e;
  }
  throw new Error('raftError must throw');
};

describe('raftError', () => {
  it('turns a leaderless refusal into 503 "no known leader"', () => {
    for (const err of [new NotLeaderError('', 'propose'), new ProposalDroppedError('no-leader')]) {
      expect(mapped(err)).toMatchObject({ apiCode: 'service_unavailable', message: 'discoverd: no known leader', retry: true });
    }
  });

  it('passes everything else through unchanged', () => {
    for (const err of [new NotLeaderError('10.0.0.1:1111', 'propose'), new RaftTimeoutError('proposal', 5), new Error('x')]) {
      expect(mapped(err)).toBe(err);
    }
  });
});
