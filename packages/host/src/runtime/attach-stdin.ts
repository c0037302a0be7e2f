import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { RuntimeError } from './runtime-error.js';

/**
 * conmon's attach socket (`<bundle>/attach`) is a SOCK_SEQPACKET unix socket,
 * which Node's `net` cannot open. A tiny relay in Perl (perl-base is
 * Essential on Debian; its Socket module has SOCK_SEQPACKET) connects to it,
 * shuts down its read side (so conmon stops echoing output to us and never
 * blocks on a slow reader), copies its stdin to the socket in ≤ 8 KiB
 * packets (conmon reads 32 KiB) and prints `ok` once connected. conmon
 * closes the container's stdin when the relay disconnects (the Writable's
 * end), so the job sees EOF then, as with `docker attach` of a
 * `StdinOnce` container.
 */
const RELAY = `use strict; use Socket;
socket(my $s, PF_UNIX, SOCK_SEQPACKET, 0) or die "socket: $!\\n";
connect($s, pack_sockaddr_un("attach")) or die "connect: $!\\n";
shutdown($s, 0);
$| = 1; print "ok\\n";
while (1) {
  my $n = sysread(STDIN, my $buf, 8192);
  die "read: $!\\n" unless defined $n;
  last if $n == 0;
  my $off = 0;
  while ($off < $n) { my $w = syswrite($s, $buf, $n - $off, $off); die "write: $!\\n" unless defined $w; $off += $w; }
}
`;

/** A Writable into the container's stdin through conmon's attach socket in `bundle`. */
export function openAttachStdin(bundle: string, perlPath: string): Promise<Writable> {
  const child = spawn(perlPath, ['-e', RELAY], { cwd: bundle, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  child.stdin.on('error', () => {});
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new RuntimeError('FLYNN_HOST_RUNTIME_NOT_RUNNING', `cannot attach to the container's stdin: ${why}`));
    child.on('error', (e) => fail(e.message));
    child.stdout.once('data', () => resolve(child.stdin));
    child.on('exit', (code) => fail(stderr.trim() || `relay exited ${code}`));
  });
}

/** Resizes the container's terminal through conmon's control FIFO (`<bundle>/ctl`, message `1 <height> <width>`). */
export async function resizeTerminal(bundle: string, height: number, width: number): Promise<void> {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0 || height > 65535 || width > 65535) {
    throw new RuntimeError('FLYNN_HOST_RUNTIME_INVALID_SPEC', `invalid terminal size ${height}x${width}`);
  }
  let fh;
  try {
    // Non-blocking: ENXIO instead of hanging when conmon (the reader) is gone.
    fh = await open(join(bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new RuntimeError('FLYNN_HOST_RUNTIME_NOT_RUNNING', `cannot resize: the container's monitor is gone (${(err as Error).message})`, { cause: err });
  }
  try {
    await fh.write(`1 ${height} ${width}\n`);
  } finally {
    await fh.close();
  }
}
