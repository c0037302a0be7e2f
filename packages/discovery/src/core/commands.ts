/**
 * The replicated commands: a versioned union, encoded as JSON in raft entries.
 *
 * Every command carries `v: 1`. A later change to a command's meaning gets a
 * new version (or a new type) so that old log entries keep replaying the way
 * they were applied when written. The decoder checks the whole structure, so
 * the reducer only ever sees well-formed commands; *semantic* checks (service
 * name syntax, instance id) are the proposer's job, done before a command is
 * written, so replaying the log never depends on validation rules.
 */
import { FlynnError } from '@flynn-ts/core';
import type { LeaderType } from './types.js';

export const COMMAND_VERSION = 1;

/** An instance as registered (the reducer assigns `index`). */
export interface InstanceInput {
  id: string;
  addr: string;
  proto: string;
  meta?: Record<string, string>;
}

/** A clean copy of a registration (drops `index`, unknown fields and empty meta). */
export function toInstanceInput(inst: { id: string; addr: string; proto: string; meta?: Readonly<Record<string, string>> }): InstanceInput {
  const out: InstanceInput = { id: inst.id, addr: inst.addr, proto: inst.proto };
  if (inst.meta && Object.keys(inst.meta).length > 0) out.meta = Object.fromEntries(Object.entries(inst.meta));
  return out;
}

export interface InstanceRef {
  service: string;
  id: string;
}

export interface AddServiceCommand {
  v: 1;
  type: 'add-service';
  service: string;
  config: { leader_type: LeaderType };
}
export interface RemoveServiceCommand {
  v: 1;
  type: 'remove-service';
  service: string;
}
export interface AddInstanceCommand {
  v: 1;
  type: 'add-instance';
  service: string;
  instance: InstanceInput;
}
export interface RemoveInstanceCommand {
  v: 1;
  type: 'remove-instance';
  service: string;
  id: string;
}
export interface ExpireInstancesCommand {
  v: 1;
  type: 'expire-instances';
  instances: InstanceRef[];
}
export interface SetMetaCommand {
  v: 1;
  type: 'set-meta';
  service: string;
  /** Any JSON value (`null` when the writer sent none). */
  data: unknown;
  /** Expected stored index: 0 = create only. */
  index: number;
  /** Sets the leader of a `manual` service in the same write. */
  leader_id?: string;
}
export interface SetLeaderCommand {
  v: 1;
  type: 'set-leader';
  service: string;
  id: string;
}

export type Command =
  | AddServiceCommand
  | RemoveServiceCommand
  | AddInstanceCommand
  | RemoveInstanceCommand
  | ExpireInstancesCommand
  | SetMetaCommand
  | SetLeaderCommand;

export type CommandType = Command['type'];

/** A raft entry that is not a well-formed command of a known version. */
export class CommandCodecError extends FlynnError {
  constructor(message: string) {
    super('FLYNN_DISCOVERY_BAD_COMMAND', `discovery command: ${message}`, { apiCode: 'validation_error' });
    this.name = 'CommandCodecError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeCommand(cmd: Command): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

/** Decodes and checks a command; throws {@link CommandCodecError}. */
export function decodeCommand(bytes: Uint8Array): Command {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new CommandCodecError('not JSON');
  }
  return parseCommand(raw);
}

type Obj = Record<string, unknown>;

/** Checks a parsed value and returns a fresh, normalised command (extra fields dropped). */
export function parseCommand(raw: unknown): Command {
  const o = obj(raw, 'command');
  if (o.v !== COMMAND_VERSION) throw new CommandCodecError(`unsupported version ${JSON.stringify(o.v)}`);
  const type = o.type;
  switch (type) {
    case 'add-service': {
      const config = obj(o.config, 'config');
      return { v: 1, type, service: str(o, 'service'), config: { leader_type: config.leader_type === 'manual' ? 'manual' : 'oldest' } };
    }
    case 'remove-service':
      return { v: 1, type, service: str(o, 'service') };
    case 'add-instance':
      return { v: 1, type, service: str(o, 'service'), instance: parseInstance(o.instance) };
    case 'remove-instance':
    case 'set-leader':
      return { v: 1, type, service: str(o, 'service'), id: str(o, 'id') };
    case 'expire-instances': {
      if (!Array.isArray(o.instances)) throw new CommandCodecError('instances must be an array');
      const instances = o.instances.map((r) => {
        const ref = obj(r, 'instance ref');
        return { service: str(ref, 'service'), id: str(ref, 'id') };
      });
      return { v: 1, type, instances };
    }
    case 'set-meta': {
      const index = o.index;
      if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) throw new CommandCodecError('index must be an integer >= 0');
      const cmd: SetMetaCommand = { v: 1, type, service: str(o, 'service'), data: o.data === undefined ? null : o.data, index };
      if (o.leader_id !== undefined && o.leader_id !== '') cmd.leader_id = str(o, 'leader_id');
      return cmd;
    }
    default:
      throw new CommandCodecError(`unknown type ${JSON.stringify(type)}`);
  }
}

function parseInstance(raw: unknown): InstanceInput {
  const o = obj(raw, 'instance');
  const inst: InstanceInput = { id: str(o, 'id'), addr: str(o, 'addr'), proto: str(o, 'proto') };
  if (o.meta !== undefined && o.meta !== null) {
    const entries = Object.entries(obj(o.meta, 'instance meta'));
    for (const [, v] of entries) if (typeof v !== 'string') throw new CommandCodecError('instance meta values must be strings');
    // fromEntries defines own properties, so even a `__proto__` key survives.
    if (entries.length > 0) inst.meta = Object.fromEntries(entries) as Record<string, string>;
  }
  return inst;
}

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CommandCodecError(`${what} must be an object`);
  return v as Obj;
}

function str(o: Obj, field: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw new CommandCodecError(`${field} must be a string`);
  return v;
}
