// Shared by the start benchmarks: percentiles and the bare-runc peer.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

export const r1 = (x: number): number => Math.round(x * 10) / 10;

export interface Started {
  ms: number;
  stop(): Promise<void>;
}

/**
 * The peer: `runc run -d` of one bundle config (with its root pointed at a
 * rootfs mounted once, not per container), each container in its own cgroup
 * under `cgroupParent`, timed from spawn to the exit of `runc run -d` (when
 * the container's process runs). State under `<dir>/root`.
 */
export class BareRunc {
  private config: { linux?: { cgroupsPath?: string }; root?: unknown } | undefined;
  private seq = 0;
  readonly root: string;

  constructor(
    private readonly dir: string,
    private readonly cgroupParent: string,
    private readonly runtime = 'runc',
  ) {
    this.root = join(dir, 'root');
  }

  setConfig(config: object, rootfs: string): void {
    this.config = { ...(config as { linux?: { cgroupsPath?: string } }), root: { path: rootfs, readonly: false } };
  }

  /** Starts one container (config written before the clock starts). */
  start(): Promise<Started> {
    if (!this.config) throw new Error('BareRunc: setConfig first');
    const cid = `bare-${process.pid}-${++this.seq}`;
    const bundle = join(this.dir, 'configs', cid);
    mkdirSync(bundle, { recursive: true });
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ...this.config, linux: { ...this.config.linux, cgroupsPath: `${this.cgroupParent}/${cid}` } }));
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(this.runtime, ['--root', this.root, 'run', '-d', '--bundle', bundle, cid], { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', (code) => {
        const ms = performance.now() - t0;
        if (code !== 0) return reject(new Error(`${this.runtime} run -d exited ${code}`));
        resolve({
          ms,
          stop: async () => {
            spawnSync(this.runtime, ['--root', this.root, 'delete', '-f', cid]);
            rmSync(bundle, { recursive: true, force: true });
          },
        });
      });
    });
  }

  /** Deletes every container left under its root. */
  removeAll(): void {
    const ids = spawnSync(this.runtime, ['--root', this.root, 'list', '-q'], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
    for (const cid of ids) spawnSync(this.runtime, ['--root', this.root, 'delete', '-f', cid]);
  }
}
