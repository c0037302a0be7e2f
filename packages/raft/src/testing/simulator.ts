/**
 * The seeded cluster simulator: `runSimulation({ seed })` runs N `RaftNode`s
 * (over `MemoryNetwork`, each on a `MemoryStorage`, one `ManualClock`, one
 * seeded `Random`) through `steps` random actions (client operations,
 * partitions, message faults, crashes and restarts, membership changes,
 * leadership transfers, time) and checks Raft's safety properties after every
 * step (`SafetyMonitor`). At the end it heals everything, waits for the
 * cluster to converge, and checks that every node applied the same state,
 * that every acknowledged write survived, and that the clients' history is
 * linearizable (`checkOperations` with `kvModel`).
 *
 * Everything derives from the seed, so a failure replays exactly: the thrown
 * `SimulationError` names the seed and the step and prints the trace tail,
 * and two runs of one seed give the same `traceHash`.
 */
import { FlynnError, seededRandom } from '@flynn-ts/core';
import type { Random } from '@flynn-ts/core';
import { ManualClock } from '@flynn-ts/core/testing';
import { checkHistory } from '../check/check-operations.js';
import { formatCheckResult, HistoryRecorder } from '../check/history.js';
import { kvModel } from '../check/kv-model.js';
import type { NodeId } from '../core/types.js';
import type { KvResult } from './kv-state-machine.js';
import { MemoryNetwork } from './memory-network.js';
import type { CrashKind } from './memory-storage.js';
import { pickWeighted, SimClients } from './simulator-clients.js';
import type { ClientStats, SimInput, SimOutput } from './simulator-clients.js';
import { SimCluster } from './simulator-cluster.js';
import type { SimNodeOptions } from './simulator-cluster.js';
import { SimKvStateMachine } from './simulator-kv.js';
import { describeError, hashString, SafetyMonitor } from './simulator-safety.js';
import { finishSimulation, statusLines } from './simulator-finish.js';
import { ACTIONS, DEFAULT_WEIGHTS } from './simulator-actions.js';
import type { ActionKind } from './simulator-actions.js';

export type { ActionKind } from './simulator-actions.js';

export interface SimulationOptions {
  seed: number;
  /** Cluster size. Default 3. */
  nodes?: number;
  /** Random actions before the final convergence. Default 2000. */
  steps?: number;
  /** Concurrent clients (each with one operation in flight at most). Default 4. */
  clients?: number;
  /** Keys the clients use. Default 3. */
  keys?: number;
  /** How crashes lose data. Default 'power-loss' (only synced saves survive). Saves still waiting out their disk latency are lost either way. */
  crashKind?: CrashKind;
  /** Disk latency per save, [min, max] ms. Default [0, 3]. */
  storageLatencyMs?: readonly [number, number];
  /** Most nodes down at once. Default a minority: floor((nodes - 1) / 2). */
  maxDown?: number;
  /** Relative weights of the random actions (missing kinds keep their default; 0 disables). */
  weights?: Partial<Record<ActionKind, number>>;
  /** Options for every RaftNode. Defaults: tickMs 10, electionTicks 10, snapshotEvery 50, snapshotTrailing 10, timeoutMs 2000. */
  node?: SimNodeOptions<KvResult>;
  /** Client operation timeout. Default 1000 ms. */
  opTimeoutMs?: number;
  /**
   * A node that stops on its own (an invariant broke, as when a follower lost
   * entries it had acknowledged) is a failure by default. With this set it is
   * crashed and restarted instead, as a supervisor would, and the run goes on
   * to see whether the damage reaches the safety properties.
   */
  restartFailedNodes?: boolean;
  /**
   * Most messages per simulated second (measured over windows of at least
   * 100 ms) before the run fails as a message storm. Default 10_000; a
   * healthy run sends a few hundred.
   */
  stormLimit?: number;
  /** Linearizability search budget, in polls (one per 1024 search steps); beyond it the verdict is 'unknown'. Default 5000. */
  checkBudget?: number;
  /** Receives every trace line as it is produced. */
  log?: (line: string) => void;
  /** Trace lines printed with a failure. Default 60. */
  traceTail?: number;
}

export interface SimulationResult {
  seed: number;
  steps: number;
  /** FNV-1a of the whole trace: equal for two runs of one seed. */
  traceHash: string;
  simulatedMs: number;
  /** Highest index applied. */
  appliedIndex: number;
  clients: ClientStats;
  ackedWrites: number;
  crashes: number;
  /** Messages sent over the network. */
  messages: number;
  /** Nodes that stopped on their own and were restarted (`restartFailedNodes`). */
  nodeFailures: number;
  /** 'ok', or 'unknown' when the search budget ran out. */
  linearizable: 'ok' | 'unknown';
  historySize: number;
}

/**
 * A safety, convergence or linearizability failure (`FLYNN_RAFT_SIMULATION_FAILED`).
 * The message names the seed and the step, says how to replay it, and shows the trace tail.
 */
export class SimulationError extends FlynnError {
  constructor(
    readonly seed: number,
    readonly step: number,
    readonly problems: readonly string[],
    readonly trace: readonly string[],
    replay: string,
  ) {
    const message = `raft simulation failed: seed=${seed} step=${step}\n  ${problems.join('\n  ')}\nreplay: ${replay}\ntrace (last ${trace.length} lines):\n${trace.join('\n')}`;
    super('FLYNN_RAFT_SIMULATION_FAILED', message, { detail: { seed, step, problems } });
    this.name = 'SimulationError';
  }
}

/** Runs one seeded simulation; resolves with its figures or rejects with a {@link SimulationError}. */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const sim = new Simulation(options);
  try {
    return await sim.run();
  } finally {
    await sim.dispose();
  }
}

/** The state of one run, shared with the actions (simulator-actions.ts) and the final phase (simulator-finish.ts). */
export class Simulation {
  readonly seed: number;
  readonly clock = new ManualClock(0);
  readonly random: Random;
  readonly network: MemoryNetwork;
  readonly monitor = new SafetyMonitor();
  readonly cluster: SimCluster<KvResult, SimKvStateMachine>;
  readonly clients: SimClients;
  readonly recorder: HistoryRecorder<SimInput, SimOutput>;
  readonly ids: NodeId[];
  readonly maxDown: number;
  readonly crashKind: CrashKind;
  readonly opTimeoutMs: number;
  /** A membership change or transfer started by the simulator is still pending. */
  confBusy = false;
  crashes = 0;
  /** Nodes that stopped on their own (only with `restartFailedNodes`). */
  nodeFailures = 0;
  step = 0;
  private sentAtCheck = 0;
  private checkedAt = 0;
  private readonly lines: string[] = [];
  private hash = 0x811c9dc5;
  private readonly weights: Array<[ActionKind, number]>;

  constructor(readonly options: SimulationOptions) {
    this.seed = options.seed;
    this.random = seededRandom(options.seed);
    this.network = new MemoryNetwork({ clock: this.clock, random: this.random });
    this.ids = Array.from({ length: options.nodes ?? 3 }, (_, i) => `n${i + 1}`);
    this.maxDown = options.maxDown ?? Math.floor((this.ids.length - 1) / 2);
    this.crashKind = options.crashKind ?? 'power-loss';
    this.opTimeoutMs = options.opTimeoutMs ?? 1_000;
    const w = { ...DEFAULT_WEIGHTS, ...options.weights };
    this.weights = (Object.keys(ACTIONS) as ActionKind[]).map((k) => [k, w[k]]);
    this.cluster = new SimCluster({
      ids: this.ids,
      clock: this.clock,
      random: this.random,
      network: this.network,
      monitor: this.monitor,
      createStateMachine: () =>
        new SimKvStateMachine({
          onDuplicate: (client, seq, index) => this.monitor.violate(`exactly-once: command c${client}.${seq} applied again at index ${index}`),
        }),
      nodeOptions: { tickMs: 10, electionTicks: 10, snapshotEvery: 50, snapshotTrailing: 10, timeoutMs: 2_000, ...options.node },
      storageLatencyMs: options.storageLatencyMs ?? [0, 3],
      onEvent: (line) => this.trace(`  ${line}`),
    });
    let lastT = -1;
    let sub = 0;
    this.recorder = new HistoryRecorder<SimInput, SimOutput>({
      // Manual time, with a sub-millisecond counter so events at one instant keep their order.
      now: () => {
        const t = this.clock.monotonic();
        sub = t === lastT ? sub + 1 : 0;
        lastT = t;
        return t + sub / 100_000;
      },
    });
    this.clients = new SimClients({
      count: options.clients ?? 4,
      keys: options.keys ?? 3,
      random: this.random,
      cluster: this.cluster,
      monitor: this.monitor,
      recorder: this.recorder,
      timeoutMs: this.opTimeoutMs,
      trace: (line) => this.trace(line),
    });
  }

  async run(): Promise<SimulationResult> {
    await this.cluster.startAll();
    this.applyBaseFaults();
    const steps = this.options.steps ?? 2_000;
    for (this.step = 1; this.step <= steps; this.step++) {
      const kind = pickWeighted(this.random, this.weights);
      this.trace(`#${this.step} t=${this.clock.monotonic()} ${kind}`);
      await ACTIONS[kind](this);
      await this.advance(this.random.int(21));
      await this.checkSafety();
    }
    this.step = steps + 1;
    this.trace(`#final t=${this.clock.monotonic()}`);
    const linearizable = await finishSimulation(this);
    return {
      seed: this.seed,
      steps,
      traceHash: this.hash.toString(16).padStart(8, '0'),
      simulatedMs: this.clock.monotonic(),
      appliedIndex: this.monitor.highestApplied,
      clients: { ...this.clients.stats },
      ackedWrites: this.clients.acked.length,
      crashes: this.crashes,
      messages: this.network.stats().sent,
      nodeFailures: this.nodeFailures,
      linearizable,
      historySize: this.recorder.operations().length,
    };
  }

  /** The faults every run starts with and returns to after a heal: a little latency (never zero, so time moves). */
  applyBaseFaults(): void {
    this.network.delay(1, 3);
  }

  trace(line: string): void {
    this.lines.push(line);
    this.hash = hashString(line, hashString('\n', this.hash));
    this.options.log?.(line);
  }

  /**
   * Advances the clock in slices of at most 10 ms, failing the run on a
   * message storm: a request/response loop that multiplies (say, through
   * duplicated messages) would otherwise never let one long advance finish.
   */
  async advance(ms: number): Promise<void> {
    for (let left = ms; ; ) {
      const slice = Math.min(10, left);
      await this.clock.advanceAsync(slice);
      left -= slice;
      const sent = this.network.stats().sent;
      const now = this.clock.monotonic();
      if (now - this.checkedAt >= 100 || sent - this.sentAtCheck > (this.options.stormLimit ?? 10_000) / 10) {
        const limit = ((this.options.stormLimit ?? 10_000) * Math.max(100, now - this.checkedAt)) / 1000;
        if (sent - this.sentAtCheck > limit) {
          this.fail([`message storm: ${sent - this.sentAtCheck} messages in ${now - this.checkedAt} ms`, ...statusLines(this)]);
        }
        this.sentAtCheck = sent;
        this.checkedAt = now;
      }
      if (left <= 0) return;
    }
  }

  /** Throws if the monitor saw a violation or a live node stopped on its own. */
  async checkSafety(): Promise<void> {
    const problems = [...this.monitor.violations];
    for (const m of this.cluster.members()) {
      if (m.node.error === undefined) continue;
      const what = `${m.name} failed: ${describeError(m.node.error)}`;
      if (!this.options.restartFailedNodes) {
        problems.push(what);
        continue;
      }
      this.nodeFailures++;
      this.cluster.crash(m.id, this.crashKind);
      this.trace(`  ${what}; restarting it`);
      await this.cluster.restart(m.id);
    }
    if (problems.length > 0) this.fail(problems);
  }

  fail(problems: readonly string[]): never {
    const tail = this.lines.slice(-(this.options.traceTail ?? 60));
    const { log: _log, ...rest } = this.options;
    throw new SimulationError(this.seed, this.step, problems, tail, `runSimulation(${JSON.stringify(rest)})`);
  }

  /** Runs the linearizability check on the recorded history. */
  checkLinearizable(): 'ok' | 'unknown' {
    const model = kvModel<string>();
    let polls = 0;
    const budget = this.options.checkBudget ?? 5_000;
    const check = checkHistory(model, this.recorder.operations(), () => ++polls > budget);
    if (check.result === 'illegal') this.fail([`history is not linearizable:\n${clip(formatCheckResult(model, check), 40, 120)}`]);
    return check.result;
  }

  /** Stops every node, moving the clock until they have (storage waits need it). */
  async dispose(): Promise<void> {
    let stopped = false;
    const stopping = this.cluster.stopAll().finally(() => (stopped = true));
    for (let i = 0; i < 1_000 && !stopped; i++) await this.clock.advanceAsync(10);
    await stopping;
  }
}

/** `text` with at most `head` + `tail` lines, the middle elided. */
function clip(text: string, head: number, tail: number): string {
  const lines = text.split('\n');
  if (lines.length <= head + tail) return text;
  return [...lines.slice(0, head), `  … ${lines.length - head - tail} lines …`, ...lines.slice(-tail)].join('\n');
}
