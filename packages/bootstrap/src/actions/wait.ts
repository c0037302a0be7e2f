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
      diagnose: () => startedJobFailures(ctx),
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
