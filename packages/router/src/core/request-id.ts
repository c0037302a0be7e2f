/**
 * `X-Request-Id` rule of the original router (reference §7.4): a client's
 * value is kept when it is 20–200 characters of `[A-Za-z0-9+/=-]`; otherwise
 * the router sets a new UUID.
 */

const ID_CHAR = (() => {
  const t = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of '+/=-') t[ch.charCodeAt(0)] = 1;
  return t;
})();

export function isValidRequestId(id: string | undefined): id is string {
  if (id === undefined || id.length < 20 || id.length > 200) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c >= 128 || ID_CHAR[c] !== 1) return false;
  }
  return true;
}

/** Methods a proxy may send again after a connection broke before any response byte (RFC 9110 §9.2.2, minus those with bodies). */
export function isReplayableMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'TRACE';
}
