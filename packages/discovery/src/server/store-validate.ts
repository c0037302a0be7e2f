/**
 * The checks the store runs on a registration before writing it (the
 * original's `Instance.Valid`, in its order: proto, addr, id), plus the meta
 * map check. The id check is an MD5, hence this file is not in core/.
 */
import { createHash } from 'node:crypto';
import type { InstanceInput } from '../core/commands.js';
import { addrProblem, metaProblem, protoProblem } from '../core/validate.js';
import type { Instance } from '../core/types.js';

/** Hex MD5 of `${proto}-${addr}`: the only id discoverd accepts for that instance. */
export function expectedInstanceId(proto: string, addr: string): string {
  return createHash('md5').update(`${proto}-${addr}`, 'utf8').digest('hex');
}

/** The first problem with a registration, as the original words it, or undefined. */
export function registrationProblem(inst: Omit<Instance, 'index'>): string | undefined {
  const proto = protoProblem(inst.proto);
  if (proto) return proto;
  const addr = addrProblem(inst.addr);
  if (addr) return addr;
  const expected = expectedInstanceId(inst.proto, inst.addr);
  if (inst.id !== expected) return `discoverd: instance id is incorrect, expected ${expected}`;
  return metaProblem(inst.meta);
}

/** A clean copy of a registration (drops `index` and unknown fields, and empty meta). */
export function toInstanceInput(inst: Omit<Instance, 'index'>): InstanceInput {
  const out: InstanceInput = { id: inst.id, addr: inst.addr, proto: inst.proto };
  if (inst.meta && Object.keys(inst.meta).length > 0) out.meta = Object.fromEntries(Object.entries(inst.meta));
  return out;
}
