/** `flynn-host tags | volume`. */
import type { CommandContext } from './context.js';
import { client, pairs, parse, table, UsageError } from './context.js';

export async function tags({ argv, io }: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, {});
  const c = client(values, io);
  try {
    const current = (await c.status()).tags ?? {};
    const [sub, ...rest] = positionals;
    if (sub === undefined) {
      io.out(table([['KEY', 'VALUE'], ...Object.entries(current).sort()]));
      return 0;
    }
    if (rest.length === 0) throw new UsageError(`tags ${sub} needs arguments`);
    if (sub === 'set') {
      await c.updateTags({ ...current, ...pairs(rest, 'tag') });
    } else if (sub === 'del') {
      await c.updateTags(Object.fromEntries(Object.entries(current).filter(([k]) => !rest.includes(k))));
    } else {
      throw new UsageError(`unknown tags command ${JSON.stringify(sub)} (want set or del)`);
    }
    return 0;
  } finally {
    await c.close();
  }
}

export async function volume({ argv, io }: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, { meta: { type: 'string', multiple: true }, id: { type: 'string' } });
  const [sub, ...rest] = positionals;
  const c = client(values, io);
  try {
    switch (sub) {
      case 'list': {
        const vols = await c.listVolumes();
        io.out(table([['ID', 'TYPE', 'CREATED', 'META'], ...vols.map((v) => [v.id, v.type, v.created_at, Object.entries(v.meta ?? {}).map(([k, x]) => `${k}=${x}`).join(',')])]));
        return 0;
      }
      case 'create': {
        const meta = pairs(values.meta as string[] | undefined, 'meta');
        const v = await c.createVolume({ ...(Object.keys(meta).length > 0 ? { meta } : {}), ...(values.id ? { id: values.id as string } : {}) });
        io.out(`${v.id}\n`);
        return 0;
      }
      case 'delete': {
        if (rest.length === 0) throw new UsageError('volume delete needs at least one volume id');
        let status = 0;
        for (const id of rest) {
          try {
            await c.destroyVolume(id);
            io.out(`${id} deleted\n`);
          } catch (err) {
            io.err(`${id}: ${(err as Error).message}\n`);
            status = 1;
          }
        }
        return status;
      }
      default:
        throw new UsageError(`volume needs list, create or delete`);
    }
  } finally {
    await c.close();
  }
}
