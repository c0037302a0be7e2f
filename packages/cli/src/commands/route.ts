/** `flynn route`: HTTP and TCP routes of the app (reference §7.3). */
import { readFile } from 'node:fs/promises';
import type { HttpRoute, Route, TcpRoute } from '@flynn-ts/controller';
import type { NewRoute } from '@flynn-ts/controller';
import type { Command, CommandContext, OptionSpec } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { JSON_OPTION } from './shared.js';

const formattedId = (r: Pick<Route, 'type' | 'id'>) => `${r.type}/${r.id}`;

async function runList(ctx: CommandContext): Promise<void> {
  const routes = await (await ctx.client()).appRouteList(await ctx.app());
  if (ctx.flag('json')) {
    ctx.json(routes);
    return;
  }
  ctx.table([
    ['ROUTE', 'SERVICE', 'ID', 'STICKY', 'LEADER', 'PATH'],
    ...routes.map((r) =>
      r.type === 'tcp'
        ? [`tcp:${r.port}`, r.service, formattedId(r), '', r.leader, '']
        : [`${r.certificate ? 'https' : 'http'}:${r.domain}${r.port ? `:${r.port}` : ''}`, r.service, formattedId(r), r.sticky, r.leader, r.path],
    ),
  ]);
}

function portOption(ctx: CommandContext): number | undefined {
  const p = ctx.str('port');
  if (p === undefined) return undefined;
  if (!/^\d+$/.test(p) || Number(p) > 65535) throw new UsageError(`invalid port ${JSON.stringify(p)}`, ctx.path);
  return Number(p);
}

/** PEM blocks of one type from text (for `-c -` / `-k -`: both read from stdin). */
function pemBlocks(text: string, type: string): string {
  const re = new RegExp(`-----BEGIN ${type}-----[\\s\\S]*?-----END ${type}-----`, 'g');
  return (text.match(re) ?? []).join('\n');
}

async function readStdin(ctx: CommandContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of ctx.io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** `-c <cert> -k <key>` (files, or `-` for PEM on stdin); both or neither. */
async function tlsCertificate(ctx: CommandContext): Promise<{ cert: string; key: string } | undefined> {
  const certPath = ctx.str('tls-cert');
  const keyPath = ctx.str('tls-key');
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) throw new UsageError('Both the TLS certificate AND private key need to be specified', ctx.path);
  const stdin = certPath === '-' || keyPath === '-' ? await readStdin(ctx) : '';
  const read = async (path: string, what: 'cert' | 'key') => {
    if (path !== '-') {
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        throw new CliError(`Failed to read TLS ${what}: ${(err as Error).message}`);
      }
    }
    const blocks = what === 'cert' ? pemBlocks(stdin, 'CERTIFICATE') : pemBlocks(stdin, '(?:RSA |EC )?PRIVATE KEY');
    if (blocks === '') throw new CliError(`Failed to read TLS ${what}: No PEM blocks found in stdin`);
    return blocks;
  };
  return { cert: await read(certPath, 'cert'), key: await read(keyPath, 'key') };
}

async function runAddHttp(ctx: CommandContext): Promise<void> {
  const app = await ctx.app();
  let url: URL;
  try {
    url = new URL(`http://${ctx.args[0]!}`);
  } catch {
    throw new CliError(`Failed to parse ${ctx.args[0]} as URL`);
  }
  const port = portOption(ctx) ?? (url.port ? Number(url.port) : 0);
  const certificate = await tlsCertificate(ctx);
  const route: NewRoute = {
    type: 'http',
    service: ctx.str('service') ?? `${app}-web`,
    domain: url.hostname,
    port,
    path: url.pathname,
    sticky: ctx.flag('sticky'),
    leader: ctx.flag('leader'),
    // Absent: as the service's other routes (the controller requires them to agree), else true.
    ...(ctx.flag('no-drain-backends') ? { drain_backends: false } : {}),
    disable_keep_alives: ctx.flag('disable-keep-alives'),
    ...(certificate ? { certificate } : {}),
  } as Partial<HttpRoute> as NewRoute;
  const created = await (await ctx.client()).createRoute(app, route);
  ctx.out(formattedId(created));
}

async function runAddTcp(ctx: CommandContext): Promise<void> {
  const app = await ctx.app();
  const route = {
    type: 'tcp',
    service: ctx.str('service') ?? `${app}-web`,
    port: portOption(ctx) ?? 0,
    leader: ctx.flag('leader'),
    ...(ctx.flag('no-drain-backends') ? { drain_backends: false } : {}),
  } as Partial<TcpRoute> as NewRoute;
  const created = (await (await ctx.client()).createRoute(app, route)) as TcpRoute;
  ctx.out(`${formattedId(created)} listening on port ${created.port}`);
}

const pick = (ctx: CommandContext, on: string, off: string, current: boolean) => (ctx.flag(on) ? true : ctx.flag(off) ? false : current);

async function runUpdate(ctx: CommandContext): Promise<void> {
  const app = await ctx.app();
  const id = ctx.args[0]!;
  const type = id.split('/')[0];
  if (type !== 'http' && type !== 'tcp') throw new CliError(`Route type ${type} not supported (route ids look like http/<uuid> or tcp/<uuid>).`);
  const client = await ctx.client();
  const route = await client.getRoute(app, id);
  const service = ctx.str('service');
  let update: Route;
  if (route.type === 'tcp') {
    if (!service) throw new CliError('No service name given');
    update = { ...route, service, leader: pick(ctx, 'leader', 'no-leader', route.leader) };
  } else {
    const certificate = await tlsCertificate(ctx);
    const { certificate: _old, ...rest } = route;
    update = {
      ...rest,
      ...(service ? { service } : {}),
      ...(certificate ? { certificate } : {}),
      sticky: pick(ctx, 'sticky', 'no-sticky', route.sticky),
      leader: pick(ctx, 'leader', 'no-leader', route.leader),
      disable_keep_alives: pick(ctx, 'disable-keep-alives', 'enable-keep-alives', route.disable_keep_alives),
    };
  }
  const { id: _id, created_at: _c, updated_at: _u, parent_ref: _p, ...body } = update;
  const updated = await client.updateRoute(app, id, body as NewRoute);
  ctx.out(updated.type === 'tcp' ? `${formattedId(updated)} listening on port ${updated.port}` : `updated ${formattedId(updated)}`);
}

async function runRemove(ctx: CommandContext): Promise<void> {
  const id = ctx.args[0]!;
  await (await ctx.client()).deleteRoute(await ctx.app(), id);
  ctx.out(`Route ${id} removed.`);
}

const SERVICE: Record<string, OptionSpec> = { service: { type: 'string', short: 's', description: 'service to route to (default <app>-web)' } };
const PORT: Record<string, OptionSpec> = { port: { type: 'string', short: 'p', description: 'port to accept traffic on' } };
const TLS: Record<string, OptionSpec> = {
  'tls-cert': { type: 'string', short: 'c', valueName: 'file', description: 'PEM certificate for TLS, - for stdin (http only)' },
  'tls-key': { type: 'string', short: 'k', valueName: 'file', description: 'PEM private key for TLS, - for stdin (http only)' },
};
const LEADER: Record<string, OptionSpec> = { leader: { type: 'boolean', description: 'route only to the service leader' } };
const NO_DRAIN: Record<string, OptionSpec> = { 'no-drain-backends': { type: 'boolean', description: "don't wait for in-flight requests before stopping backends" } };

export const routeCommand: Command = {
  name: 'route',
  summary: 'manage routes',
  description: 'Manage the routes of the app. With no subcommand, lists them.',
  options: JSON_OPTION,
  run: runList,
  examples: ['$ flynn route add http example.com', 'http/5ababd60-3f6b-4a6f-a22d-4c9c4d1e5b38', '', '$ flynn route add http -c cert.pem -k key.pem example.com/api/', '', '$ flynn route add tcp --leader', 'tcp/0f1a… listening on port 3000'],
  subcommands: [
    {
      name: 'add',
      summary: 'add a route',
      subcommands: [
        {
          name: 'http',
          summary: 'add an HTTP route for <domain>[/path]',
          options: {
            ...SERVICE,
            ...PORT,
            ...TLS,
            sticky: { type: 'boolean', description: 'cookie-based sticky routing' },
            ...LEADER,
            ...NO_DRAIN,
            'disable-keep-alives': { type: 'boolean', description: 'no keep-alive connections between the router and backends' },
          },
          args: [{ name: 'domain', required: true }],
          run: runAddHttp,
        },
        { name: 'tcp', summary: 'add a TCP route (a port of the router)', options: { ...SERVICE, ...PORT, ...LEADER, ...NO_DRAIN }, run: runAddTcp },
      ],
    },
    {
      name: 'update',
      summary: 'change a route',
      options: {
        ...SERVICE,
        ...TLS,
        sticky: { type: 'boolean', description: 'enable sticky routing (http)' },
        'no-sticky': { type: 'boolean', description: 'disable sticky routing (http)' },
        ...LEADER,
        'no-leader': { type: 'boolean', description: 'route to every instance' },
        'disable-keep-alives': { type: 'boolean', description: 'disable keep-alives to backends (http)' },
        'enable-keep-alives': { type: 'boolean', description: 'enable keep-alives to backends (http)' },
      },
      args: [{ name: 'id', required: true }],
      run: runUpdate,
    },
    { name: 'remove', summary: 'remove a route', args: [{ name: 'id', required: true }], run: runRemove },
  ],
};
