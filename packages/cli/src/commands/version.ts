/** `flynn version`. */
import type { Command } from '../command.js';

export const versionCommand: Command = {
  name: 'version',
  summary: 'show flynn version',
  run: async (ctx) => ctx.out(ctx.version),
};
