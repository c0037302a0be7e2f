/**
 * The layer store's default `fetch` for http(s) layers: a node:http(s) GET
 * (following up to 5 redirects) answered as a web `Response` whose body
 * streams the download. Not undici's fetch: undici 7.30's HTTP/1 client
 * crashes the process with an uncatchable `assert(!this.paused)` when the
 * server closes the connection while a slow reader (a layer being written to
 * disk) has paused the body (nodejs/undici#5360, fixed upstream by #5474);
 * seen with busybox httpd, which closes after each response.
 */
import { get as httpGet } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { Readable } from 'node:stream';
import type { FetchFn } from './layer-fetch.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([204, 205, 304]);

export const nodeHttpFetch: FetchFn = (url, init = {}) => get(url, init.signal, 0);

function get(url: string, signal: AbortSignal | undefined, redirects: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsGet : httpGet;
    const req = send(url, signal ? { signal } : {}, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECTS.has(status) && location && redirects < 5) {
        res.resume();
        get(new URL(location, url).toString(), signal, redirects + 1).then(resolve, reject);
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
      if (NULL_BODY.has(status)) res.resume();
      const body = NULL_BODY.has(status) ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
      try {
        resolve(new Response(body, { status, headers }));
      } catch (err) {
        res.destroy();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    req.once('error', reject);
  });
}
