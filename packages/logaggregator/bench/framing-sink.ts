/**
 * The ingest benchmark's peer: the aggregator's TCP input and RFC 6587
 * decoder, nothing else (no RFC 5424 parsing, no storing). Counts frames;
 * `GET /` on the second port answers the count.
 *
 *   node --conditions=@flynn-ts/source --import tsx framing-sink.ts <syslog port> <http port>
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { FrameDecoder } from '@flynn-ts/host/syslog';

const [syslogPort, httpPort] = process.argv.slice(2).map(Number);
let frames = 0;
createServer((socket) => {
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    frames += decoder.push(chunk).length;
    if (decoder.error) socket.destroy();
  });
  socket.on('error', () => undefined);
}).listen(syslogPort, '127.0.0.1');
createHttpServer((_req, res) => res.end(String(frames))).listen(httpPort, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
