/**
 * The first bytes a host sends on an attach connection (reference §2.10):
 * `1` (waiting: the job has not started) any number of times, then `0`
 * (success: attached to the running job). The controller's attach proxy
 * consumes them, as the original did (`attachClient.Wait()`), so its client
 * sees frames only; anything else in their place (an `error` frame of a job
 * that could not start) is passed on as it is.
 */

const SUCCESS = 0;
const WAITING = 1;

export type AttachStart =
  /** Only waiting bytes so far: read more. */
  | { kind: 'pending' }
  /** The host said success; `rest` are the frames after it. */
  | { kind: 'success'; rest: Uint8Array }
  /** A frame came instead of success (e.g. an error); `rest` starts with it. */
  | { kind: 'frame'; rest: Uint8Array };

export function readAttachStart(bytes: Uint8Array): AttachStart {
  let i = 0;
  while (i < bytes.length && bytes[i] === WAITING) i++;
  if (i === bytes.length) return { kind: 'pending' };
  if (bytes[i] === SUCCESS) return { kind: 'success', rest: bytes.subarray(i + 1) };
  return { kind: 'frame', rest: bytes.subarray(i) };
}
