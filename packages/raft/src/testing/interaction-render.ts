/**
 * Human-readable renderings of raft data for scenario transcripts. Stable
 * output: transcripts are compared byte for byte.
 */
import { decodeConfChange, describeConf, describeConfChange } from '../core/conf-change.js';
import type { RaftStatus } from '../core/status.js';
import type { Entry, HardState, Message, ReadState, Ready, Snapshot, SoftState } from '../core/types.js';

const decoder = new TextDecoder();

/** UTF-8 text in quotes when printable, else hex. */
export function describeData(data: Uint8Array): string {
  const text = decoder.decode(data);
  if (/^[\x20-\x7e]*$/.test(text)) return JSON.stringify(text);
  return `0x${[...data].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function describeEntry(e: Entry): string {
  if (e.type === 'conf-change') {
    try {
      return `${e.term}/${e.index} conf ${describeConfChange(decodeConfChange(e.data))}`;
    } catch {
      return `${e.term}/${e.index} conf <undecodable ${describeData(e.data)}>`;
    }
  }
  return `${e.term}/${e.index} ${describeData(e.data)}`;
}

export function describeEntries(entries: readonly Entry[]): string {
  return `[${entries.map(describeEntry).join(', ')}]`;
}

export function describeSnapshotMeta(s: Snapshot): string {
  return `Index:${s.meta.index} Term:${s.meta.term} ${describeConf(s.meta.conf)}`;
}

/** One line per message: `from->to type Term:t …` with the fields that matter for its type. */
export function describeMessage(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} Term:${m.term}`];
  switch (m.type) {
    case 'app':
      parts.push(`Log:${m.logTerm}/${m.index} Commit:${m.commit}`);
      if (m.entries.length > 0) parts.push(`Entries:${describeEntries(m.entries)}`);
      break;
    case 'app-resp':
      if (m.reject) parts.push(`Index:${m.index} Rejected (Hint: ${m.rejectHint}/${m.logTerm})`);
      else parts.push(`Index:${m.index}`);
      break;
    case 'vote':
    case 'pre-vote':
      parts.push(`Log:${m.logTerm}/${m.index}`);
      break;
    case 'vote-resp':
    case 'pre-vote-resp':
      if (m.reject) parts.push('Rejected');
      break;
    case 'heartbeat':
      parts.push(`Commit:${m.commit}`);
      break;
    case 'snap':
      if (m.snapshot) parts.push(`Snapshot: ${describeSnapshotMeta(m.snapshot)}`);
      break;
    case 'prop':
      parts.push(`Entries:${describeEntries(m.entries)}`);
      break;
    case 'read-index-resp':
      parts.push(`Index:${m.index}`);
      break;
    default:
      break;
  }
  if (m.context && m.context.byteLength > 0) parts.push(`Context:${describeData(m.context)}`);
  return parts.join(' ');
}

export function describeHardState(hs: HardState): string {
  return `HardState Term:${hs.term} Vote:${hs.vote || '-'} Commit:${hs.commit}`;
}

export function describeSoftState(ss: SoftState): string {
  return `Lead:${ss.leader || '-'} State:${ss.role}`;
}

export function describeReadState(rs: ReadState): string {
  return `Index:${rs.index} Context:${describeData(rs.context)}`;
}

/** A Ready as a block of lines (without indentation). */
export function describeReady(rd: Ready): string[] {
  const out = [`Ready MustSync=${rd.mustSync}:`];
  if (rd.softState) out.push(describeSoftState(rd.softState));
  if (rd.hardState) out.push(describeHardState(rd.hardState));
  if (rd.snapshot) out.push(`Snapshot ${describeSnapshotMeta(rd.snapshot)}`);
  if (rd.entries.length > 0) {
    out.push('Entries:');
    for (const e of rd.entries) out.push(describeEntry(e));
  }
  if (rd.committedEntries.length > 0) {
    out.push('CommittedEntries:');
    for (const e of rd.committedEntries) out.push(describeEntry(e));
  }
  if (rd.messages.length > 0) {
    out.push('Messages:');
    for (const m of rd.messages) out.push(describeMessage(m));
  }
  if (rd.readStates.length > 0) {
    out.push('ReadStates:');
    for (const rs of rd.readStates) out.push(describeReadState(rs));
  }
  return out;
}

/** A status as lines: a summary, then the leader's progress per member. */
export function describeStatus(s: RaftStatus): string[] {
  const out = [
    `${s.id}: ${s.role} term=${s.term} vote=${s.vote || '-'} lead=${s.leader || '-'} commit=${s.commit} applied=${s.applied} log=[${s.firstIndex}, ${s.lastIndex}] ${describeConf(s.conf)}`,
  ];
  if (s.progress) {
    for (const [id, p] of Object.entries(s.progress)) {
      let line = `  ${id}: ${p.state} match=${p.match} next=${p.next}`;
      if (p.isLearner) line += ' learner';
      if (p.paused) line += ' paused';
      if (p.pendingSnapshot > 0) line += ` pendingSnap=${p.pendingSnapshot}`;
      if (!p.recentActive) line += ' inactive';
      if (p.inflight > 0) line += ` inflight=${p.inflight}`;
      out.push(line);
    }
  }
  if (s.transferee) out.push(`  transferring leadership to ${s.transferee}`);
  return out;
}
