/** `flynn git-credentials`: the git credential helper `flynn cluster add` configures. */
import type { Command } from '../command.js';

/** Git's credential protocol: answers `get` for a cluster's git URL with the cluster key. */
export const gitCredentialsCommand: Command = {
  name: 'git-credentials',
  summary: 'git credential helper (configured by flynn cluster add)',
  hidden: true,
  args: [{ name: 'operation', required: true }],
  run: async (ctx) => {
    if (ctx.args[0] !== 'get') return;
    const details = new Map<string, string>();
    let text = '';
    for await (const chunk of ctx.io.stdin) {
      text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
      if (/\n\r?\n/.test(text)) break;
    }
    for (const line of text.split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) details.set(line.slice(0, i), line.slice(i + 1).trim());
    }
    if (details.get('protocol') !== 'https') return;
    const host = details.get('host') ?? '';
    const { rc } = await ctx.flynnrc();
    const cluster = rc.clusters.find((c) => c.gitUrl === `https://${host}`);
    if (!cluster?.key) return;
    ctx.io.stdout.write(`protocol=https\nusername=user\nhost=${host}\npassword=${cluster.key}\n`);
  },
};
