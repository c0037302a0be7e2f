/**
 * Directory volumes (reference §2.8 without ZFS): a volume is a directory
 * `<dir>/data/<id>` that jobs bind-mount (`config.volumes[]`), described by
 * `<dir>/meta/<id>.json` (`{id, type: "data", meta, created_at}`, the
 * original's `volume.Info`). Jobs' `delete_on_stop` volumes are destroyed by
 * the job manager when the job stops. The host never garbage-collects
 * volumes itself.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import { writeFileDurable, isTempFile, syncDir } from '../job/atomic-file.js';
import { invalid, isObject, optString, optStringMap } from '../job/core/fields.js';
import { isValidJobId, uuidV4 } from '../job/core/job-id.js';
import { rfc3339 } from '../job/core/job-state.js';
import { VolumeExistsError, VolumeNotFoundError } from '../job/errors.js';

/** The original's `volume.Info`. */
export interface VolumeInfo {
  id: string;
  type: 'data';
  meta?: Record<string, string>;
  created_at: string;
}

/** `POST /storage/providers/:provider/volumes` body (all optional). */
export interface CreateVolumeInput {
  id?: string;
  type?: string;
  meta?: Record<string, string>;
}

export interface VolumeManagerOptions {
  dir: string;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

/** The only provider: directories under the volumes dir. */
export const DEFAULT_VOLUME_PROVIDER = 'default';

export class VolumeManager {
  private readonly volumes = new Map<string, VolumeInfo>();
  private readonly dataDir: string;
  private readonly metaDir: string;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;

  constructor(options: VolumeManagerOptions) {
    this.dataDir = join(options.dir, 'data');
    this.metaDir = join(options.dir, 'meta');
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom();
    this.logger = options.logger ?? noopLogger;
  }

  /** Creates the directories and loads the volumes made by earlier runs. */
  async init(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true, mode: 0o755 });
    await mkdir(this.metaDir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.metaDir)) {
      const path = join(this.metaDir, name);
      if (isTempFile(name)) {
        await rm(path, { force: true });
        continue;
      }
      try {
        const info = JSON.parse(await readFile(path, 'utf8')) as VolumeInfo;
        if (typeof info?.id !== 'string' || !isValidJobId(info.id)) throw new Error('no valid id');
        this.volumes.set(info.id, info);
      } catch (err) {
        this.logger.error({ event: 'volume_meta_unreadable', path, err }, 'skipping unreadable volume metadata');
      }
    }
  }

  /** Validates a create request body (a missing body is `{}`). Throws a 400 naming the field. */
  static parseCreateInput(body: unknown): CreateVolumeInput {
    if (body === undefined || body === null) return {};
    if (!isObject(body)) invalid('body', 'must be a JSON object');
    const input: CreateVolumeInput = {};
    const id = optString(body, 'id', '');
    if (id !== undefined && id !== '') {
      if (!isValidJobId(id)) invalid('id', 'must be 1-128 letters, digits, "_", "." or "-", starting with a letter or digit');
      input.id = id;
    }
    const type = optString(body, 'type', '');
    if (type !== undefined && type !== '') {
      if (type !== 'data') invalid('type', 'must be "data" (the only volume type of this host)');
      input.type = type;
    }
    const meta = optStringMap(body, 'meta', '');
    if (meta !== undefined) input.meta = meta;
    return input;
  }

  async create(input: CreateVolumeInput = {}): Promise<VolumeInfo> {
    const id = input.id ?? uuidV4(this.random);
    if (this.volumes.has(id)) throw new VolumeExistsError(id);
    const info: VolumeInfo = { id, type: 'data', created_at: rfc3339(this.clock.now()) };
    if (input.meta && Object.keys(input.meta).length > 0) info.meta = input.meta;
    this.volumes.set(id, info);
    try {
      await mkdir(this.path(id), { recursive: true, mode: 0o755 });
      await writeFileDurable(this.metaFile(id), JSON.stringify(info));
    } catch (err) {
      this.volumes.delete(id);
      throw err;
    }
    this.logger.info({ event: 'volume_created', volumeId: id }, 'volume created');
    return info;
  }

  list(): VolumeInfo[] {
    return [...this.volumes.values()];
  }

  get(id: string): VolumeInfo | undefined {
    return this.volumes.get(id);
  }

  has(id: string): boolean {
    return this.volumes.has(id);
  }

  /** The host directory of a volume (bind-mounted into jobs). */
  path(id: string): string {
    return join(this.dataDir, id);
  }

  /** Removes a volume and its data. Throws {@link VolumeNotFoundError}. */
  async destroy(id: string): Promise<void> {
    if (!this.volumes.has(id)) throw new VolumeNotFoundError(id);
    this.volumes.delete(id);
    await rm(this.metaFile(id), { force: true });
    await syncDir(this.metaDir);
    await rm(this.path(id), { recursive: true, force: true });
    this.logger.info({ event: 'volume_destroyed', volumeId: id }, 'volume destroyed');
  }

  private metaFile(id: string): string {
    return join(this.metaDir, `${id}.json`);
  }
}
