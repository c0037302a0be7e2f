#!/usr/bin/env node
// The demo app `npm start` deploys (manifests/dev.json): a tiny HTTP server
// answering every request with a greeting and which job answered. It listens
// on $LISTEN_IP:$PORT, as flynn-host tells every job, and stops on SIGTERM.
import { createServer } from 'node:http';

const port = Number(process.env.PORT || 8080);
const host = process.env.LISTEN_IP || '0.0.0.0';
let requests = 0;

const server = createServer((req, res) => {
  requests++;
  const body = [
    'Hello from flynn-ts!',
    '',
    `app:      ${process.env.FLYNN_APP_NAME ?? '(not run by flynn)'}`,
    `job:      ${process.env.FLYNN_JOB_ID ?? '-'}`,
    `release:  ${process.env.FLYNN_RELEASE_ID ?? '-'}`,
    `request:  ${req.method} ${req.url} (Host: ${req.headers.host ?? '-'}), #${requests} of this job`,
    '',
  ].join('\n');
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});

server.listen(port, host, () => {
  process.stdout.write(`demo app listening on ${host}:${port}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    process.stdout.write(`demo app: ${signal}, stopping\n`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
