/**
 * Opens `POST /attach` on a host (reference §2.10) and hands back the raw
 * upgraded connection: the controller only relays its bytes. A non-101
 * answer rejects with the host's error (an HttpError with its status and
 * code); a connection failure with an HttpConnectionError (503).
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { HttpConnectionError, httpErrorFrom } from '@flynn-ts/core/http';

export const ATTACH_PROTOCOL = 'flynn-attach/0';

/** Attach flags (reference §2.10). */
export const AttachFlags = { stdout: 1, stderr: 2, stdin: 4, logs: 8, stream: 16, initLog: 32 } as const;

export interface HostAttachRequest {
  job_id: string;
  flags: number;
  height?: number;
  width?: number;
}

export interface HostAttachConnection {
  socket: Socket;
  /** Bytes the host sent right after the 101. */
  head: Buffer;
}

export function openHostAttach(baseUrl: string, body: HostAttachRequest, signal?: AbortSignal): Promise<HostAttachConnection> {
  const url = new URL('/attach', baseUrl);
  const payload = JSON.stringify(body);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let req: ClientRequest;
    try {
      req = request(url, {
        method: 'POST',
        headers: { Connection: 'Upgrade', Upgrade: ATTACH_PROTOCOL, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      reject(new HttpConnectionError(url.toString(), err));
      return;
    }
    req.once('error', (err) => reject(signal?.aborted ? signal.reason : new HttpConnectionError(url.toString(), err)));
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => reject(httpErrorFrom(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), url.toString())));
      res.once('error', (err) => reject(new HttpConnectionError(url.toString(), err)));
    });
    req.once('upgrade', (_res: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on('error', () => {});
      resolve({ socket, head });
    });
    req.end(payload);
  });
}
