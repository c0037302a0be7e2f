/** `flynn-host image build-base`: the base image of the stack, with debootstrap (local, no daemon needed). */
import { buildBaseImage } from '@flynn-ts/host';
import type { BaseImageOptions } from '@flynn-ts/host';
import type { CommandContext } from './context.js';
import { parse, UsageError } from './context.js';

const VARIANTS = ['minbase', 'buildd', 'fakechroot'] as const;

export async function image({ argv, io }: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, {
    dir: { type: 'string' },
    suite: { type: 'string' },
    mirror: { type: 'string' },
    variant: { type: 'string' },
    include: { type: 'string', multiple: true },
    force: { type: 'boolean' },
  });
  const [sub, ...rest] = positionals;
  if (sub !== 'build-base') throw new UsageError(sub === undefined ? 'image needs a command (build-base)' : `unknown image command ${JSON.stringify(sub)} (want build-base)`);
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const variant = (values.variant as string | undefined) ?? 'minbase';
  if (!(VARIANTS as readonly string[]).includes(variant)) throw new UsageError(`--variant must be one of ${VARIANTS.join(', ')}`);
  const options: BaseImageOptions = { dir: (values.dir as string | undefined) ?? '/var/lib/flynn/base-image', variant: variant as (typeof VARIANTS)[number] };
  if (values.suite) options.suite = values.suite as string;
  if (values.mirror) options.mirror = values.mirror as string;
  if (values.include) options.include = (values.include as string[]).flatMap((s) => s.split(',')).filter(Boolean);
  if (values.force) options.force = true;
  const img = await buildBaseImage(options);
  io.err(`${img.cached ? 'cached' : 'built'}: ${img.manifestPath}\n`);
  io.out(`${img.manifestId}\n`);
  return 0;
}
