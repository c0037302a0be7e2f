/** The action of each step kind. */
import type { Step, StepAction } from '../core/manifest-types.js';
import type { Action } from '../step-context.js';
import { addApp } from './add-app.js';
import { addRoute } from './add-route.js';
import { deployApp } from './deploy-app.js';
import { genRandom } from './gen-random.js';
import { genTlsCert } from './gen-tls-cert.js';
import { log } from './log.js';
import { requireEnv } from './require-env.js';
import { resourceCheck } from './resource-check.js';
import { runApp } from './run-app.js';
import { scaleApp } from './scale-app.js';
import { statusCheck } from './status-check.js';
import { wait } from './wait.js';
import { waitHosts } from './wait-hosts.js';

type ActionTable = { [A in StepAction]: Action<Extract<Step, { action: A }>> };

export const ACTIONS: ActionTable = {
  'require-env': requireEnv,
  'resource-check': resourceCheck,
  'run-app': runApp,
  'wait-hosts': waitHosts,
  'gen-random': genRandom,
  'gen-tls-cert': genTlsCert,
  wait,
  'add-app': addApp,
  'scale-app': scaleApp,
  'deploy-app': deployApp,
  'add-route': addRoute,
  'status-check': statusCheck,
  log,
};

