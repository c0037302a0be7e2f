/**
 * The `flynn` executable: runs the CLI on this process (argv, stdio,
 * environment, signals) and exits with its code once output is flushed.
 */
import { createRequire } from 'node:module';
import { runCli } from './cli.js';
import { processIo } from './io.js';

function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)('../package.json') as { version?: string }).version ?? 'dev';
  } catch {
    return 'dev';
  }
}

// `flynn apps | head -1`: a closed pipe ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

// The library's timers (retry backoff, wait deadlines) are unref'd; this keeps the process up until the command ends.
const keepAlive = setInterval(() => {}, 1 << 30);
const code = await runCli(process.argv.slice(2), processIo(), { version: packageVersion() });
clearInterval(keepAlive);
// Exit once stdout and stderr are flushed (pipes are asynchronous).
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
