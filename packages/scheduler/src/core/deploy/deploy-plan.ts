/**
 * A strategy as a list of steps, computed once when the deployment starts
 * (reference §6.5, following the original's final code):
 *
 * - `all-at-once`: the new formation at full counts (wait until all up),
 *   then the old one at zero (no wait: the scheduler stops those jobs).
 * - `one-by-one`: per type (sorted), repeat: new +1 (wait up), old −1
 *   (wait down).
 * - `one-down-one-up`: per type (sorted), repeat: old −1 (wait down),
 *   new +1 (wait up).
 * - `in-batches`: as one-by-one with steps of `batchSize` (default: the
 *   number of hosts).
 *
 * Counts are formation units: an omni type's unit is one job per host.
 * Types the new release lacks are not scaled up. The step strategies end
 * with the old formation at zero (no wait) for whatever it still runs, so a
 * type removed by the new release does not keep running old jobs.
 */
import type { DeployStart, DeployStepSpec, DeploymentSpec } from './deploy-model.js';

export type StepsResult = { steps: DeployStepSpec[] } | { error: string };

export function strategySteps(spec: DeploymentSpec, start: DeployStart): StepsResult {
  const types = Object.keys(spec.processes).sort();
  const target = (t: string) => Math.max(0, spec.processes[t] ?? 0);
  switch (spec.strategy) {
    case 'all-at-once':
      return { steps: allAtOnce(types, target, start) };
    case 'one-by-one':
      return { steps: upDown(types, target, start, 1, 'up-first') };
    case 'one-down-one-up':
      return { steps: upDown(types, target, start, 1, 'down-first') };
    case 'in-batches':
      return { steps: upDown(types, target, start, spec.batchSize ?? Math.max(1, start.hostCount), 'up-first') };
    case 'sirenia':
    case 'discoverd-meta':
      return { error: `deployment: strategy "${spec.strategy}" is not supported by this deployer yet` };
    default:
      return { error: `deployment: unknown strategy "${spec.strategy}"` };
  }
}

function allAtOnce(types: string[], target: (t: string) => number, start: DeployStart): DeployStepSpec[] {
  const full: Record<string, number> = {};
  for (const t of types) if (start.newTypes[t]) full[t] = target(t);
  return [
    { release: 'new', processes: full, wait: true },
    { release: 'old', processes: zeroed(start.oldFormation, start.oldTypes), wait: false },
  ];
}

function upDown(types: string[], target: (t: string) => number, start: DeployStart, batch: number, order: 'up-first' | 'down-first'): DeployStepSpec[] {
  const steps: DeployStepSpec[] = [];
  const next = { ...start.newFormation };
  const old = { ...start.oldFormation };
  const up = (t: string) => {
    const n = next[t] ?? 0;
    if (!start.newTypes[t] || n >= target(t)) return;
    next[t] = Math.min(n + batch, target(t));
    steps.push({ release: 'new', processes: { ...next }, wait: true });
  };
  const down = (t: string) => {
    const n = old[t] ?? 0;
    if (n <= 0) return;
    old[t] = Math.max(n - batch, 0);
    steps.push({ release: 'old', processes: { ...old }, wait: true });
  };
  for (const t of types) {
    for (let i = 0; i < target(t); i += batch) {
      if (order === 'up-first') {
        up(t);
        down(t);
      } else {
        down(t);
        up(t);
      }
    }
  }
  if (Object.values(old).some((n) => n > 0)) steps.push({ release: 'old', processes: zeroed(old, start.oldTypes), wait: false });
  return steps;
}

/** Every type of the formation and the release at zero. */
function zeroed(formation: Record<string, number>, types: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of new Set([...Object.keys(formation), ...Object.keys(types)])) out[t] = 0;
  return out;
}
