/**
 * `wait`: poll a URL until it answers `status` (default 200), or until a
 * `tcp://host:port` accepts a connection. A host `<service>.discoverd` is
 * looked up in discoverd at each attempt; `host` sets the Host header (and
 * TLS server name), to reach a route through a router.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { WaitStep } from '../core/manifest-types.js';
import { optInt } from '../core/render-step.js';
import { describeFailedJobs } from '../job-diagnostics.js';
import { errorText, pollUntil } from '../poll.js';
import type { Action, StepContext } from '../step-context.js';

export const wait: Action<WaitStep> = async (ctx) => {
  const { step } = ctx;
  const want = optInt(step.status, 'status', ctx.at) ?? 200;
  const isTcp = step.url.startsWith('tcp://');
  let last = '';
  let lastStatus: number | undefined;
  await pollUntil(
    ctx,
    async () => {
      let url: string | undefined;
      try {
        url = await ctx.cluster.resolveUrl(step.url.replace(/^tcp:/, 'http:'), ctx.signal);
      } catch (err) {
        last = `discoverd: ${errorText(err)}`;
        ctx.progress(last);
        return undefined;
      }
      if (url === undefined) {
        last = `${new URL(step.url).hostname} has no instance in discoverd yet`;
        ctx.progress(last);
        return undefined;
      }
      try {
        if (isTcp) {
          await tcpConnect(new URL(url), ctx.signal);
          return true;
        }
        const status = await httpStatus(url, step.host, ctx.signal);
        lastStatus = status;
        last = `${url} answered ${status}`;
      } catch (err) {
        last = `${url}: ${errorText(err)}`;
      }
      ctx.progress(last);
      return last.endsWith(` answered ${want}`) ? true : undefined;
    },
    {
      what: isTcp ? `${step.url} to accept connections` : `${step.url}${step.host ? ` (Host: ${step.host})` : ''} to answer ${want}`,
      last: () => last,
      diagnose: async () => {
        const routes = lastStatus === 404 && step.host ? await routerRoutes(ctx, step.host) : undefined;
        return [routes, await startedJobFailures(ctx)].filter(Boolean).join('\n') || undefined;
      },
    },
  );
  return { data: {} };
};

/** Crashed jobs this bootstrap started (or that belong to apps it started), for timeout messages. */
export function startedJobFailures(ctx: StepContext): Promise<string | undefined> {
  const jobIds = ctx.state.started.map((s) => s.job.id);
  const apps = Object.values(ctx.state.stepData)
    .map((d) => (d as { app?: { id?: unknown } } | undefined)?.app?.id)
    .filter((id): id is string => typeof id === 'string');
  return describeFailedJobs(ctx.cluster, { jobIds, apps });
}

/** Whether the routers in discoverd have a route for `host` (a 404 through a router usually means they do not). */
async function routerRoutes(ctx: StepContext, host: string): Promise<string | undefined> {
  const domain = host.replace(/:\d+$/, '').toLowerCase();
  const lines: string[] = [];
  for (const addr of await ctx.cluster.serviceAddrs('router-api').catch(() => [])) {
    try {
      const res = await fetch(`http://${addr}/routes`, { signal: AbortSignal.timeout(5_000) });
      const routes = (await res.json()) as { type?: string; domain?: string }[];
      const http = routes.filter((r) => r.type === 'http').map((r) => r.domain ?? '');
      if (!http.includes(domain)) {
        lines.push(
          `the router at ${addr} has no route for ${domain} (it has ${http.length === 0 ? 'no http routes' : http.join(', ')}), although the controller has it: the router must follow the controller's routes (GET /routes and its route events)`,
        );
      }
    } catch {
      // not a router API we can read
    }
  }
  return lines.length > 0 ? lines.join('\n') : undefined;
}

function httpStatus(url: string, host: string | undefined, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      u,
      {
        method: 'GET',
        signal,
        timeout: 5_000,
        headers: host ? { host } : {},
        ...(u.protocol === 'https:' ? { rejectUnauthorized: false, ...(host ? { servername: host.replace(/:\d+$/, '') } : {}) } : {}),
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

function tcpConnect(u: URL, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), timeout: 5_000, signal });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => socket.destroy(new Error('no answer within 5 s')));
    socket.once('error', reject);
  });
}
