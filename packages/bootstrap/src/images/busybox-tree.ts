/**
 * The shell layer of the release images: a static busybox at /bin/busybox
 * with a symlink per applet in /bin (`/bin/sh` among them), so that
 * manifests can run `/bin/sh -c '…'` and the postgres entrypoint has its
 * tools (`su`, `chown`, `tr`…). busybox-static needs no libraries.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface BusyboxInputs {
  /** The static busybox binary (normally /usr/bin/busybox from busybox-static). */
  busybox: string;
  /** Its applets (`busybox --list`). */
  applets: string[];
  fingerprint: string;
}

/** Applets never linked: they would shadow the image's own files or make no sense in a container. */
const SKIP_APPLETS = new Set(['busybox', 'node', 'init', 'linuxrc']);

export async function busyboxInputs(busybox: string): Promise<BusyboxInputs> {
  const text = await new Promise<string>((resolve, reject) => {
    execFile(busybox, ['--list'], (err, stdout) => (err ? reject(new Error(`${busybox} --list failed: ${err.message}`, { cause: err })) : resolve(String(stdout))));
  });
  const applets = text.split('\n').map((s) => s.trim()).filter((s) => /^[\w.[\]-]+$/.test(s) && !SKIP_APPLETS.has(s)).sort();
  const st = statSync(busybox);
  return { busybox, applets, fingerprint: `busybox v1\n${busybox} ${st.size} ${Math.trunc(st.mtimeMs)}\n${applets.join(' ')}` };
}

/** Lays busybox out under `root`: /bin/busybox and /bin/<applet> → busybox. */
export function stageBusybox(root: string, inputs: BusyboxInputs): void {
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(inputs.busybox, join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  for (const a of inputs.applets) symlinkSync('busybox', join(root, 'bin', a));
}
