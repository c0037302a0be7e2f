/**
 * A conformance check for {@link RouteSource} implementations (the memory
 * and file sources here; the controller's stream elsewhere), usable from any
 * test framework: it resolves, or rejects with what broke the contract.
 *
 * It folds the source's events into a model the way the router does
 * (snapshot = replace everything, set = upsert, remove = delete) and checks,
 * after each change made through the harness, that the model converges to
 * the expected routes; that the first event is a snapshot; and that
 * aborting the subscription ends the iteration.
 */
import type { RouteSource, RouteSourceEvent } from '../control/route-source.js';
import type { Route } from '../core/types.js';

export interface RouteSourceHarness {
  /** A source whose current routes are `initial`. */
  create(initial: Route[]): Promise<RouteSource> | RouteSource;
  /** Adds or replaces a route in the source's backing store. */
  set(route: Route): Promise<void> | void;
  remove(id: string): Promise<void> | void;
  /** Replaces every route at once. */
  replace(routes: Route[]): Promise<void> | void;
  close?(): Promise<void> | void;
}

export interface CheckRouteSourceOptions {
  /** How long to wait for the model to converge after a change. Default 5 000 ms. */
  timeoutMs?: number;
}

const r = (id: string, domain: string, path = '/'): Route => ({ type: 'http', id, service: 'svc', domain, path });

export async function checkRouteSource(harness: RouteSourceHarness, options: CheckRouteSourceOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const source = await harness.create([r('a', 'a.test'), r('b', 'b.test')]);
  const ctl = new AbortController();
  const model = new Map<string, Route>();
  const events: RouteSourceEvent['type'][] = [];
  let ended = false;
  let failure: unknown;
  const iterator = (async () => {
    for await (const e of source.subscribe({ signal: ctl.signal })) {
      events.push(e.type);
      if (e.type === 'snapshot') {
        model.clear();
        for (const route of e.routes) model.set(route.id, route);
      } else if (e.type === 'set') model.set(e.route.id, e.route);
      else model.delete(e.id);
    }
  })().then(
    () => (ended = true),
    (err: unknown) => {
      ended = true;
      failure = err;
    },
  );

  const converge = async (what: string, want: Record<string, string>) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (failure !== undefined) throw new Error(`${what}: the subscription threw: ${String(failure)}`);
      const got = Object.fromEntries([...model.values()].map((x) => [x.id, x.type === 'http' ? x.domain : String(x.port)]));
      if (JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort())) return;
      if (Date.now() > deadline) throw new Error(`${what}: routes ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      await new Promise((res) => setImmediate(res));
    }
  };

  try {
    await converge('initial snapshot', { a: 'a.test', b: 'b.test' });
    if (events[0] !== 'snapshot') throw new Error(`the first event must be a snapshot, got ${String(events[0])}`);
    await harness.set(r('c', 'c.test'));
    await converge('after set', { a: 'a.test', b: 'b.test', c: 'c.test' });
    await harness.set({ ...r('a', 'changed.test') });
    await converge('after update', { a: 'changed.test', b: 'b.test', c: 'c.test' });
    await harness.remove('b');
    await converge('after remove', { a: 'changed.test', c: 'c.test' });
    await harness.replace([r('x', 'x.test'), r('y', 'x.test', '/y/')]);
    await converge('after replace (resync)', { x: 'x.test', y: 'x.test' });
    ctl.abort();
    const deadline = Date.now() + timeoutMs;
    while (!ended) {
      if (Date.now() > deadline) throw new Error('aborting the subscription did not end the iteration');
      await new Promise((res) => setImmediate(res));
    }
    await iterator;
  } finally {
    ctl.abort();
    await harness.close?.();
  }
}
