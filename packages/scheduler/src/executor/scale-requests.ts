/**
 * Marks a formation's pending scale request `complete` once the formation has
 * converged (reference §5.3: `flynn scale` waits for it): the last plan had
 * nothing to do for it, and none of its jobs is pending, blocked, starting or
 * stopping. Only the leader writes; each request once.
 */
import type { Action } from '../core/model.js';
import { formationKey } from './translate.js';
import type { Scheduler } from './scheduler.js';

export function completeScaleRequests(s: Scheduler, actions: readonly Action[]): void {
  if (!s.isLeader) return;
  const busy = new Set<string>();
  for (const a of actions) {
    if (a.kind === 'start') busy.add(formationKey(a.job.app, a.job.release));
    else if (a.kind !== 'refuse') busy.add(formationKey(a.app, a.release));
  }
  const unsettled = new Set<string>();
  for (const j of s.table.all()) {
    if (!j.oneOff && j.state !== 'up' && j.state !== 'down') unsettled.add(formationKey(j.app, j.release));
  }
  for (const e of s.formations.all()) {
    const id = e.pendingScale;
    const key = formationKey(e.formation.app, e.formation.release);
    if (id === undefined || busy.has(key) || unsettled.has(key) || s.scaleWrites.has(id)) continue;
    s.scaleWrites.add(id);
    const { app, release } = e.formation;
    s.logger.info({ event: 'scale_complete', app: e.wire.app.name, release, scaleRequest: id }, 'formation converged');
    void s.controller
      .putScaleRequest(app, release, { id, state: 'complete' })
      .then(
        () => s.formations.scaleDone(app, release, id),
        (err: unknown) => s.logger.warn({ event: 'scale_complete_failed', scaleRequest: id, err }, 'could not complete the scale request'),
      )
      .finally(() => s.scaleWrites.delete(id));
  }
}
