/** `GET /apps/:id/log` (reference §5.3): the app's log lines from the log aggregator. */
import { parseAppLogQuery } from '../core/log-query.js';
import { getApp } from '../data/apps.js';
import { unavailable } from '../errors.js';
import { proxyAppLog } from '../logs/app-log-proxy.js';
import type { ApiDeps, ControllerApp } from './context.js';
import { param, wantsEventStream } from './context.js';

export function mountLogRoutes(app: ControllerApp, deps: ApiDeps): void {
  app.get('/apps/:app/log', async (c) => {
    const a = await getApp(deps.db, param(c, 'app'));
    const query = parseAppLogQuery(c.req.queries());
    if (!deps.logAggregators) throw unavailable('no log aggregator configured');
    const urls = await deps.logAggregators();
    return proxyAppLog({ urls, appId: a.id, query, sse: wantsEventStream(c), signal: deps.shutdown });
  });
}
