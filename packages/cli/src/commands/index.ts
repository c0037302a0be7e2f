/** The command table, in the order `flynn help` lists it. */
import type { Command } from '../command.js';
import { appsCommand } from './apps.js';
import { clusterCommand } from './cluster.js';
import { completionCommand } from './completion.js';
import { createCommand } from './create.js';
import { deleteCommand } from './delete.js';
import { deployCommand } from './deploy.js';
import { deploymentCommand } from './deployment.js';
import { envCommand } from './env.js';
import { gitCredentialsCommand } from './git-credentials.js';
import { infoCommand } from './info.js';
import { killCommand } from './kill.js';
import { limitCommand } from './limit.js';
import { logCommand } from './log.js';
import { metaCommand } from './meta.js';
import { providerCommand } from './provider.js';
import { psCommand } from './ps.js';
import { releaseCommand } from './release.js';
import { resourceCommand } from './resource.js';
import { routeCommand } from './route.js';
import { runCommand } from './run.js';
import { scaleCommand } from './scale.js';
import { versionCommand } from './version.js';

export const COMMANDS: readonly Command[] = [
  clusterCommand,
  createCommand,
  deleteCommand,
  appsCommand,
  infoCommand,
  psCommand,
  killCommand,
  logCommand,
  scaleCommand,
  runCommand,
  envCommand,
  limitCommand,
  metaCommand,
  routeCommand,
  providerCommand,
  resourceCommand,
  releaseCommand,
  deployCommand,
  deploymentCommand,
  versionCommand,
  completionCommand(() => COMMANDS),
  gitCredentialsCommand,
];
