/** Shared by the HTTP API unit tests (not exported from the package). */
import type { Hono } from 'hono';
import { instanceId } from '../core/instance-id.js';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

export interface CallOptions {
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Content-Type; default `application/json` when there is a body, `null` for none. */
  contentType?: string | null;
  headers?: Record<string, string>;
}

export async function call(app: Hono, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers = new Headers(options.headers);
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const ct = options.contentType === undefined ? 'application/json' : options.contentType;
    if (ct !== null) headers.set('Content-Type', ct);
  } else if (options.contentType) {
    headers.set('Content-Type', options.contentType);
  }
  const res = await app.request(`http://127.0.0.1:1111${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export function inst(port: number, meta?: Record<string, string>, proto = 'tcp') {
  const addr = `127.0.0.1:${port}`;
  return { id: instanceId(proto, addr), addr, proto, ...(meta ? { meta } : {}) };
}

export function errBody(code: string, message: string, retry = false): string {
  return JSON.stringify({ code, message, retry });
}

/** Reads an SSE body incrementally. */
export class BodyReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  text = '';
  done = false;

  constructor(res: Response) {
    this.reader = res.body!.getReader();
  }

  /** Reads until the text so far holds `n` blank-line-terminated frames (comments count). */
  async frames(n: number): Promise<string[]> {
    while (split(this.text).length < n && !this.done) await this.readOnce();
    return split(this.text);
  }

  /** Reads until `predicate(text)` holds or the body ends. */
  async until(predicate: (text: string) => boolean): Promise<string> {
    while (!predicate(this.text) && !this.done) await this.readOnce();
    return this.text;
  }

  async readToEnd(): Promise<string> {
    while (!this.done) await this.readOnce();
    return this.text;
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }

  private async readOnce(): Promise<void> {
    const { done, value } = await this.reader.read();
    if (done) this.done = true;
    else this.text += this.decoder.decode(value, { stream: true });
  }
}

/** Frames of an SSE text: `data:` frames end with a blank line, keep-alives are `:\n`. */
function split(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  for (;;) {
    if (rest.startsWith(':\n')) {
      out.push(':\n');
      rest = rest.slice(2);
      continue;
    }
    const end = rest.indexOf('\n\n');
    if (end < 0) return out;
    out.push(rest.slice(0, end + 2));
    rest = rest.slice(end + 2);
  }
}
