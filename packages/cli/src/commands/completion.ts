/** `flynn completion bash|zsh`. */
import type { Command, CommandContext } from '../command.js';
import { COMPLETION_SHELLS, completionScript } from '../core/completion.js';
import type { CompletionShell } from '../core/completion.js';
import { UsageError } from '../errors.js';

/** The completion command renders the table it is part of, so it is built from it. */
export function completionCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'completion',
    summary: 'print a shell completion script',
    description: 'Prints a completion script for bash or zsh, generated from the command table.',
    args: [{ name: 'shell', required: true }],
    examples: ['$ source <(flynn completion bash)', '$ flynn completion zsh > "${fpath[1]}/_flynn"'],
    run: async (ctx: CommandContext) => {
      const shell = ctx.args[0]!;
      if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) throw new UsageError(`unsupported shell ${JSON.stringify(shell)} (one of ${COMPLETION_SHELLS.join(', ')})`, ctx.path);
      ctx.io.stdout.write(completionScript(shell as CompletionShell, commands()));
    },
  };
}
