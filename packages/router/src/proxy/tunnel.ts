/**
 * A raw two-way pipe between a client and a backend after `101 Switching
 * Protocols` (WebSockets or any `Upgrade`), with half-close: a FIN from one
 * side is passed on while the other direction keeps flowing. `onClosed` runs
 * once both sockets are closed.
 */
import type { Socket } from 'node:net';

export function joinTunnel(client: Socket, up: Socket, onClosed: () => void): void {
  up.setNoDelay(true);
  let closed = 0;
  const closedOne = () => {
    if (++closed === 2) onClosed();
  };
  up.on('error', () => client.destroy());
  client.on('error', () => up.destroy());
  up.on('close', () => {
    client.destroy();
    closedOne();
  });
  client.on('close', () => {
    up.destroy();
    closedOne();
  });
  client.pipe(up);
  up.pipe(client);
  client.resume();
  up.resume();
}
