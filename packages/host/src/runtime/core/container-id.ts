/**
 * The OCI runtime's container id for a job: `flynn-<jobId>` when the job id is
 * made of the characters runc and crun accept (`[A-Za-z0-9_.-]`) and short
 * enough, else `flynn-<sanitised prefix>-<fnv1a hash of the job id>` so two
 * different job ids never map to the same container.
 */
export function containerId(jobId: string): string {
  if (/^[A-Za-z0-9_.-]{1,100}$/.test(jobId)) return `flynn-${jobId}`;
  const prefix = jobId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
  return `flynn-${prefix}-${fnv1a(jobId)}`;
}

function fnv1a(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x811c9dc5) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}
