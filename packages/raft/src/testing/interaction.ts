/**
 * A tiny script language for raft scenarios, run against an
 * {@link InteractionEnv}. One command per line; `#` lines and blank lines are
 * copied to the transcript. Each command is echoed as `> command` followed by
 * what happened (or `ok`).
 *
 *   add-nodes <n> [voters=(1,2,3)] [learners=(4)] [pre-vote=false] [check-quorum=false]
 *             [election-tick=10] [heartbeat-tick=1] [read-only=lease-based] [forwarding=false]
 *             [max-inflight=N] [max-inflight-bytes=N] [max-size-per-msg=N]
 *             [max-uncommitted-size=N] [max-committed-size-per-ready=N]
 *       The first add-nodes founds the cluster (voters default to the new nodes);
 *       later ones start empty nodes that join through conf changes (unless voters= is given).
 *       New nodes come up with their bootstrap Ready already persisted.
 *   campaign <id>            tick <id> [n]            tick-heartbeat <id>      tick-election <id>
 *   propose <id> <data>      conf-change <id> add-voter|add-learner|remove-node <node>
 *   transfer-leader <from> <to>                      read-index <id> <context>
 *   process-ready <id>...    deliver-msgs <id>...     stabilize [<id>...]
 *   partition <id>...        isolate <id>             cut <a> <b>              heal
 *   drop-msgs <to> [from=<id>] [type=<type>]         report-unreachable <from> <to>
 *   snapshot <id> [compact-to=N]                     restart <id>
 *   status <id>              raft-log <id>            applied <id>             check
 *   log-level debug|info|warn|error|none
 */
import { FlynnError } from '@flynn-ts/core';
import type { ConfChangeType, MessageType, NodeId } from '../core/types.js';
import { describeEntry } from './interaction-render.js';
import { InteractionEnv } from './interaction-env.js';
import type { EnvOptions, LogLevel, NodeOptions } from './interaction-env.js';

interface Command {
  name: string;
  args: string[];
  kv: Map<string, string>;
}

type Handler = (env: InteractionEnv, cmd: Command) => void;

const encoder = new TextEncoder();

/** Runs `script` and returns the transcript and the env (for further assertions). */
export function runInteraction(script: string, options: EnvOptions = {}): { output: string; env: InteractionEnv } {
  const env = new InteractionEnv(options);
  const out: string[] = [];
  for (const raw of script.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      out.push(line);
      continue;
    }
    out.push(`> ${line}`);
    runCommand(env, line);
    const produced = env.takeOutput();
    out.push(...(produced.length > 0 ? produced : ['ok']));
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return { output: out.join('\n') + '\n', env };
}

/** Runs one script line against `env` (output goes to the env's transcript). */
export function runCommand(env: InteractionEnv, line: string): void {
  const cmd = parse(line);
  const handler = handlers[cmd.name];
  if (!handler) throw new Error(`unknown command ${JSON.stringify(cmd.name)}`);
  try {
    handler(env, cmd);
  } catch (err) {
    // Expected refusals are part of the transcript; invariant breaks and bugs are not.
    if (FlynnError.is(err) && err.code !== 'FLYNN_CORE_INVARIANT') env.write(`error: ${err.code}: ${err.message}`);
    else throw err;
  }
}

function parse(line: string): Command {
  const [name = '', ...rest] = line.split(/\s+/);
  const args: string[] = [];
  const kv = new Map<string, string>();
  for (const tok of rest) {
    const eq = tok.indexOf('=');
    if (eq > 0) kv.set(tok.slice(0, eq), tok.slice(eq + 1));
    else args.push(tok);
  }
  return { name, args, kv };
}

function arg(cmd: Command, i: number, what: string): string {
  const v = cmd.args[i];
  if (v === undefined) throw new Error(`${cmd.name}: missing ${what}`);
  return v;
}

function int(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${what}: not an integer: ${v}`);
  return n;
}

function list(v: string | undefined): NodeId[] | undefined {
  if (v === undefined) return undefined;
  const inner = v.replace(/^\(/, '').replace(/\)$/, '');
  return inner === '' ? [] : inner.split(',');
}

function bool(v: string): boolean {
  if (v !== 'true' && v !== 'false') throw new Error(`not a boolean: ${v}`);
  return v === 'true';
}

function nodeOptions(kv: Map<string, string>): NodeOptions {
  const o: NodeOptions = {};
  for (const [k, v] of kv) {
    switch (k) {
      case 'voters':
      case 'learners':
        break;
      case 'pre-vote': o.preVote = bool(v); break;
      case 'check-quorum': o.checkQuorum = bool(v); break;
      case 'election-tick': o.electionTick = int(v, k); break;
      case 'heartbeat-tick': o.heartbeatTick = int(v, k); break;
      case 'read-only': o.readOnlyOption = v as 'safe' | 'lease-based'; break;
      case 'forwarding': o.disableProposalForwarding = !bool(v); break;
      case 'max-inflight': o.maxInflightMsgs = int(v, k); break;
      case 'max-inflight-bytes': o.maxInflightBytes = int(v, k); break;
      case 'max-size-per-msg': o.maxSizePerMsg = int(v, k); break;
      case 'max-uncommitted-size': o.maxUncommittedEntriesSize = int(v, k); break;
      case 'max-committed-size-per-ready': o.maxCommittedSizePerReady = int(v, k); break;
      default: throw new Error(`add-nodes: unknown option ${k}`);
    }
  }
  return o;
}

const each = (fn: (env: InteractionEnv, id: NodeId) => void): Handler => (env, cmd) => {
  for (const id of cmd.args) fn(env, id);
};

const handlers: Record<string, Handler> = {
  'add-nodes': (env, cmd) => {
    const n = int(arg(cmd, 0, 'count'), 'count');
    const voters = list(cmd.kv.get('voters'));
    const learners = list(cmd.kv.get('learners'));
    const founding = env.nodes.size === 0 || voters !== undefined;
    const nextIds = Array.from({ length: n }, (_, i) => String(env.nodes.size + 1 + i));
    const bootstrap = founding ? { voters: voters ?? nextIds.filter((id) => !learners?.includes(id)), learners: learners ?? [] } : undefined;
    // Nodes come up with their bootstrap state already persisted.
    env.quietly(() => {
      for (const id of env.addNodes(n, nodeOptions(cmd.kv), bootstrap)) env.processReady(id);
    });
  },
  campaign: (env, cmd) => env.node(arg(cmd, 0, 'id')).core.campaign(),
  tick: (env, cmd) => env.tick(arg(cmd, 0, 'id'), cmd.args[1] === undefined ? 1 : int(cmd.args[1], 'n')),
  'tick-heartbeat': (env, cmd) => {
    const id = arg(cmd, 0, 'id');
    env.tick(id, env.node(id).options.heartbeatTick ?? 1);
  },
  'tick-election': (env, cmd) => {
    const ticks = env.tickElection(arg(cmd, 0, 'id'));
    env.write(`(${ticks} ticks)`);
  },
  propose: (env, cmd) => {
    const id = arg(cmd, 0, 'id');
    const res = env.node(id).core.propose(encoder.encode(cmd.args.slice(1).join(' ')));
    env.write('index' in res ? `proposed at ${res.term}/${res.index}` : `forwarded to ${res.forwardedTo}`);
  },
  'conf-change': (env, cmd) => {
    const id = arg(cmd, 0, 'id');
    const type = arg(cmd, 1, 'type') as ConfChangeType;
    const res = env.node(id).core.proposeConfChange({ type, node: arg(cmd, 2, 'node') });
    env.write('index' in res ? `proposed at ${res.term}/${res.index}` : `forwarded to ${res.forwardedTo}`);
  },
  'transfer-leader': (env, cmd) => env.node(arg(cmd, 0, 'from')).core.transferLeadership(arg(cmd, 1, 'to')),
  'read-index': (env, cmd) => env.node(arg(cmd, 0, 'id')).core.readIndex(encoder.encode(arg(cmd, 1, 'context'))),
  'process-ready': each((env, id) => {
    if (!env.processReady(id)) env.write(`${id}: no Ready`);
  }),
  'deliver-msgs': each((env, id) => {
    env.deliverMessages(id);
  }),
  stabilize: (env, cmd) => env.stabilize(cmd.args.length > 0 ? cmd.args : env.ids()),
  partition: (env, cmd) => env.partition(cmd.args),
  isolate: (env, cmd) => env.partition([arg(cmd, 0, 'id')]),
  cut: (env, cmd) => env.cut(arg(cmd, 0, 'a'), arg(cmd, 1, 'b')),
  heal: (env) => env.heal(),
  'drop-msgs': (env, cmd) => {
    const from = cmd.kv.get('from');
    const type = cmd.kv.get('type') as MessageType | undefined;
    const n = env.dropMessages(arg(cmd, 0, 'to'), (m) => (from === undefined || m.from === from) && (type === undefined || m.type === type));
    env.write(`dropped ${n} message(s)`);
  },
  'report-unreachable': (env, cmd) => env.node(arg(cmd, 0, 'from')).core.reportUnreachable(arg(cmd, 1, 'to')),
  snapshot: (env, cmd) => {
    const id = arg(cmd, 0, 'id');
    const to = cmd.kv.get('compact-to');
    const snap = env.snapshot(id, to === undefined ? undefined : int(to, 'compact-to'));
    env.write(`snapshot at ${snap.meta.term}/${snap.meta.index}; log compacted through ${to ?? snap.meta.index}`);
  },
  restart: (env, cmd) => env.quietly(() => env.restart(arg(cmd, 0, 'id'))),
  status: each((env, id) => {
    for (const line of env.status(id)) env.write(line);
  }),
  'raft-log': each((env, id) => {
    const st = env.node(id).core.status();
    const ents = env.node(id).core.entries(st.firstIndex, st.lastIndex + 1);
    env.write(`${id}: log (compacted through ${st.firstIndex - 1})`);
    for (const e of ents) env.write(`  ${describeEntry(e)}`);
  }),
  applied: each((env, id) => {
    const data = env.node(id).applied.filter((e) => !e.conf && e.data !== '').map((e) => e.data);
    env.write(`${id}: applied through ${env.node(id).appliedIndex}: [${data.join(' ')}]`);
  }),
  check: (env) => {
    env.safety.checkLogMatching([...env.nodes.values()]);
    const v = env.safety.violations;
    env.write(v.length === 0 ? 'safety: ok' : `safety VIOLATED:\n${v.join('\n')}`);
  },
  'log-level': (env, cmd) => {
    env.logLevel = arg(cmd, 0, 'level') as LogLevel;
  },
};
