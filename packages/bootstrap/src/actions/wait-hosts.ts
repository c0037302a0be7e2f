/** `wait-hosts`: wait until `--min-hosts` hosts answer (and report discoverd/network when required). */
import type { HostStatus } from '@flynn-ts/host';
import type { WaitHostsStep } from '../core/manifest-types.js';
import { errorText, pollUntil } from '../poll.js';
import type { Action } from '../step-context.js';

export const waitHosts: Action<WaitHostsStep> = async (ctx) => {
  const require = ctx.step.require ?? [];
  let last = '';
  const ready = await pollUntil(
    ctx,
    async () => {
      let hosts;
      try {
        hosts = await ctx.cluster.hosts(ctx.signal);
      } catch (err) {
        last = errorText(err);
        ctx.progress(`looking for hosts: ${last}`);
        return undefined;
      }
      const ok: { id: string; ip: string; url: string }[] = [];
      const waiting: string[] = [];
      for (const h of hosts) {
        const status: HostStatus = await h.client.status();
        const lacks = require.filter((r) => (r === 'discoverd' ? !status.discoverd?.url : !status.network?.subnet));
        if (lacks.length === 0) ok.push({ id: h.id, ip: h.ip, url: h.url });
        else waiting.push(`${h.id} (no ${lacks.join(', ')})`);
      }
      last = `${ok.length} of ${ctx.minHosts} host${ctx.minHosts === 1 ? '' : 's'} ready${ok.length > 0 ? `: ${ok.map((h) => h.id).join(', ')}` : ''}${waiting.length > 0 ? `; waiting for ${waiting.join(', ')}` : ''}`;
      ctx.progress(last);
      return ok.length >= ctx.minHosts ? ok : undefined;
    },
    { what: `${ctx.minHosts} host${ctx.minHosts === 1 ? '' : 's'}`, last: () => last },
  );
  return { data: { hosts: ready } };
};
