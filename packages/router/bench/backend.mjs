// Minimal HTTP backend (13-byte body, keep-alive). Run: node backend.mjs PORT
import http from 'node:http';
const port = Number(process.argv[2] || 18080);
const body = Buffer.from('Hello, World!'); // 13 bytes
const server = http.createServer((req, res) => {
  // drain any request body, then answer
  req.resume();
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65000;
server.listen(port, '127.0.0.1', () => console.log(`backend listening 127.0.0.1:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
