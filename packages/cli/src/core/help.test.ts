import { describe, expect, it } from 'vitest';
import type { Command } from '../command.js';
import { COMMANDS } from '../commands/index.js';
import { commandHelp, mainHelp, runnableCommands, usageLine } from './help.js';
import { completionNodes, completionScript } from './completion.js';

function walk(path: string[], cmd: Command, visit: (path: string[], cmd: Command) => void): void {
  visit(path, cmd);
  for (const s of cmd.subcommands ?? []) walk([...path, s.name], s, visit);
}

describe('the command table', () => {
  it('covers every command of issue #10', () => {
    const paths = COMMANDS.flatMap((c) => runnableCommands([c.name], c).map((r) => r.path.join(' ')));
    for (const p of [
      'cluster', 'cluster add', 'cluster remove', 'cluster default', 'cluster list', 'create', 'apps', 'delete', 'info', 'ps', 'scale', 'run', 'log',
      'env', 'env get', 'env set', 'env unset', 'meta', 'meta set', 'meta unset', 'release', 'release add', 'release show', 'release list',
      'release rollback', 'deploy', 'deployment', 'route', 'route add http', 'route add tcp', 'route update', 'route remove', 'resource add',
      'resource remove', 'provider', 'provider add', 'kill', 'limit', 'limit set', 'version', 'completion',
    ]) {
      expect(paths).toContain(p);
    }
  });

  it('gives every command a summary, and options a description and no clashing short flags', () => {
    for (const top of COMMANDS) {
      walk([top.name], top, (path, cmd) => {
        expect(cmd.summary, path.join(' ')).not.toBe('');
        const shorts = Object.values(cmd.options ?? {}).map((o) => o.short).filter(Boolean);
        expect(new Set(shorts).size, path.join(' ')).toBe(shorts.length);
        expect(shorts, path.join(' ')).not.toContain('h');
        for (const o of Object.values(cmd.options ?? {})) expect(o.description, path.join(' ')).not.toBe('');
        if (!cmd.run) expect(cmd.subcommands?.length, path.join(' ')).toBeGreaterThan(0);
      });
    }
  });
});

describe('help', () => {
  it('lists every visible command in the main help', () => {
    const text = mainHelp(COMMANDS);
    expect(text).toMatch(/^usage: flynn \[-a <app>\] \[-c <cluster>\] <command> \[<args>\.\.\.\]/);
    for (const c of COMMANDS) {
      if (c.hidden) expect(text).not.toMatch(new RegExp(`\\n  ${c.name} `));
      else expect(text).toMatch(new RegExp(`\\n  ${c.name} +${c.summary}`));
    }
  });

  it('shows usage lines for runnable subcommands, options with values, and examples', () => {
    const route = COMMANDS.find((c) => c.name === 'route')!;
    const text = commandHelp(['route'], route);
    expect(text.split('\n').slice(0, 5)).toEqual([
      'usage: flynn route [options]',
      '       flynn route add http [options] <domain>',
      '       flynn route add tcp [options]',
      '       flynn route update [options] <id>',
      '       flynn route remove <id>',
    ]);
    expect(text).toContain('  add http  add an HTTP route');
    const http = route.subcommands![0]!.subcommands![0]!;
    const httpHelp = commandHelp(['route', 'add', 'http'], http);
    expect(httpHelp).toMatch(/-c, --tls-cert <file> +PEM certificate/);
    expect(httpHelp).toMatch(/ {6}--sticky +cookie-based/);
    expect(httpHelp).toMatch(/-h, --help +show this help/);
    expect(usageLine(['run'], COMMANDS.find((c) => c.name === 'run')!)).toBe('flynn run [options] [--] <command> [<argument>...]');
    expect(usageLine(['kill'], COMMANDS.find((c) => c.name === 'kill')!)).toBe('flynn kill <job>...');
  });
});

describe('completion', () => {
  it('knows every command path and its options', () => {
    const nodes = completionNodes(COMMANDS);
    const byKey = new Map(nodes.map((n) => [n.key, n]));
    expect(byKey.get('')!.subcommands.map((s) => s.name)).toContain('route');
    expect(byKey.get('')!.subcommands.map((s) => s.name)).not.toContain('git-credentials');
    expect(byKey.get('/route/add')!.subcommands.map((s) => s.name)).toEqual(['http', 'tcp']);
    expect(byKey.get('/route/add/http')!.options).toEqual(expect.arrayContaining(['-c', '--tls-cert', '--sticky', '--help']));
    expect(byKey.get('/help')!.subcommands.map((s) => s.name)).toContain('scale');
  });

  it('renders bash and zsh scripts from the table', () => {
    const bash = completionScript('bash', COMMANDS);
    expect(bash).toContain('complete -F _flynn flynn');
    expect(bash).toContain('"/route/add") words="http tcp -h --help" ;;');
    const zsh = completionScript('zsh', COMMANDS);
    expect(zsh.startsWith('#compdef flynn\n')).toBe(true);
    expect(zsh).toContain("'http:add an HTTP route for <domain>[/path]'");
  });
});
