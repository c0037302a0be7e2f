/**
 * Parser for conmon's `k8s-file` log format (the CRI log format): one record
 * per line,
 *
 *     <RFC 3339 nano timestamp> <stdout|stderr> <P|F> <content>\n
 *
 * `F` (full): the content was followed by a newline in the container's output;
 * `P` (partial): it was not (a long line split, or the last bytes before a
 * pause). The content never holds a newline, but may hold any other byte.
 */

export interface K8sLogRecord {
  stream: 'stdout' | 'stderr';
  /** Milliseconds since the epoch (NaN if the timestamp did not parse). */
  time: number;
  /** The content plus `\n` for `F` records: exactly the bytes the container wrote. */
  data: Uint8Array;
  /** Offset just after this record's line, relative to the parsed buffer's start. */
  end: number;
}

export interface K8sLogParse {
  records: K8sLogRecord[];
  /** Bytes consumed: the parser stops before an incomplete last line. */
  consumed: number;
  /** Lines that did not match the format (skipped). */
  malformed: number;
}

const NL = 0x0a;
const SP = 0x20;
const decoder = new TextDecoder();

/** Parses every complete line of `buf`. Never throws. */
export function parseK8sLog(buf: Uint8Array): K8sLogParse {
  const records: K8sLogRecord[] = [];
  let pos = 0;
  let malformed = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(NL, pos);
    if (nl < 0) break;
    const rec = parseLine(buf, pos, nl);
    if (rec) records.push(rec);
    else malformed++;
    pos = nl + 1;
  }
  return { records, consumed: pos, malformed };
}

function parseLine(buf: Uint8Array, start: number, nl: number): K8sLogRecord | undefined {
  const sp1 = buf.indexOf(SP, start);
  if (sp1 < 0 || sp1 > nl) return undefined;
  const sp2 = buf.indexOf(SP, sp1 + 1);
  if (sp2 < 0 || sp2 > nl) return undefined;
  const stream = decoder.decode(buf.subarray(sp1 + 1, sp2));
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = buf[sp2 + 1];
  // "<tag> " then content; an empty content still has the separating space.
  if ((tag !== 0x46 && tag !== 0x50) || buf[sp2 + 2] !== SP || sp2 + 2 > nl) return undefined;
  const content = buf.subarray(sp2 + 3, nl);
  let data: Uint8Array;
  if (tag === 0x46) {
    data = new Uint8Array(content.length + 1);
    data.set(content);
    data[content.length] = NL;
  } else {
    data = content.slice();
  }
  return { stream, time: parseTimestamp(decoder.decode(buf.subarray(start, sp1))), data, end: nl + 1 };
}

/** `2026-11-26T08:37:14.405732867+00:00` → ms since the epoch (fraction cut to ms). */
export function parseTimestamp(ts: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(ts);
  if (!m) return Number.NaN;
  const frac = (m[2] ?? '').slice(0, 3).padEnd(3, '0');
  return Date.parse(`${m[1]}.${frac}${m[3]}`);
}
