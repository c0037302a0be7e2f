/**
 * A small, honest, in-memory {@link DiscoveryBackend} for the HTTP API's unit
 * tests: no raft, one "log index" counter that every write command consumes
 * (failed ones too, as the original's raft log does), `oldest`/`manual`
 * service leaders, CAS meta, and synchronous subscriptions with the
 * contract's replay order. Role, membership and one-shot failures are set by
 * the test.
 */
import { FlynnError } from '@flynn-ts/core';
import { NotLeaderError } from '@flynn-ts/raft';
import type { DiscoveryEvent, EventKindSet, Instance, ServiceConfig, ServiceMeta } from '../core/types.js';
import type { DiscoveryBackend, MetaWrite, ReadOptions, Subscription } from '../server/backend.js';

interface Sub {
  service: string;
  kinds: EventKindSet;
  onEvent: (e: DiscoveryEvent, index: number) => void;
  open: boolean;
}

export interface FakeBackendOptions {
  /** This node's address. Default `127.0.0.1:1111`. */
  self?: string;
  /** Other raft peers. Default none. */
  peers?: string[];
  /** Raft leader address; default `self`. `null` = no known leader. */
  leader?: string | null;
  /** Default true. */
  member?: boolean;
}

type Method = keyof DiscoveryBackend;

export class FakeBackend implements DiscoveryBackend {
  private index = 0;
  private readonly services = new Map<string, ServiceConfig>();
  private readonly instances = new Map<string, Map<string, Instance>>();
  private readonly metas = new Map<string, ServiceMeta>();
  private readonly manualLeaders = new Map<string, string>();
  private readonly subs = new Set<Sub>();
  private readonly failures = new Map<Method, unknown>();
  private readonly self: string;
  private peerList: string[];
  private leader: string | undefined;
  private member: boolean;
  /** Every call, in order, as `method service?`. */
  readonly calls: string[] = [];
  /** The read options of every read call. */
  readonly reads: ReadOptions[] = [];

  constructor(options: FakeBackendOptions = {}) {
    this.self = options.self ?? '127.0.0.1:1111';
    this.peerList = [this.self, ...(options.peers ?? [])];
    this.leader = options.leader === null ? undefined : (options.leader ?? this.self);
    this.member = options.member ?? true;
  }

  // --- test controls ---

  /** Sets the raft leader (`undefined` = none known). */
  setRaftLeader(leader: string | undefined): void {
    this.leader = leader;
  }

  setMember(member: boolean): void {
    this.member = member;
  }

  /** The next call of `method` throws `err`. */
  failNext(method: Method, err: unknown): void {
    this.failures.set(method, err);
  }

  /** Open subscriptions. */
  get subscriberCount(): number {
    return this.subs.size;
  }

  // --- reads ---

  async getService(service: string, opts: ReadOptions = {}): Promise<ServiceConfig | undefined> {
    this.read('getService', service, opts);
    const config = this.services.get(service);
    return config && { ...config };
  }

  async getInstances(service: string, opts: ReadOptions = {}): Promise<Instance[] | undefined> {
    this.read('getInstances', service, opts);
    if (!this.services.has(service)) return undefined;
    return this.sorted(service).map(copy);
  }

  async getLeader(service: string, opts: ReadOptions = {}): Promise<Instance | undefined> {
    this.read('getLeader', service, opts);
    const leader = this.leaderOf(service);
    return leader && copy(leader);
  }

  async getMeta(service: string, opts: ReadOptions = {}): Promise<ServiceMeta | undefined> {
    this.read('getMeta', service, opts);
    const meta = this.metas.get(service);
    return meta && { ...meta };
  }

  async listServices(opts: ReadOptions = {}): Promise<string[]> {
    this.read('listServices', '', opts);
    return [...this.services.keys()].sort();
  }

  // --- writes ---

  async addService(service: string, config: ServiceConfig): Promise<void> {
    this.write('addService', service);
    if (this.services.has(service)) throw exists(`discoverd: service ${JSON.stringify(service)} already exists`);
    this.services.set(service, { ...config });
    this.instances.set(service, new Map());
  }

  async removeService(service: string): Promise<void> {
    this.write('removeService', service);
    if (!this.services.has(service)) throw serviceNotFound(service);
    const hadLeader = this.leaderOf(service);
    for (const inst of this.sorted(service)) this.emit({ service, kind: 'down', instance: copy(inst) });
    this.services.delete(service);
    this.instances.delete(service);
    this.metas.delete(service);
    this.manualLeaders.delete(service);
    if (hadLeader) this.emit({ service, kind: 'leader' });
  }

  async register(service: string, instance: Omit<Instance, 'index'>): Promise<void> {
    this.call('register', service);
    this.requireLeader('register');
    const map = this.instances.get(service);
    const prev = map?.get(instance.id);
    if (prev && sameInstance(prev, instance)) return; // heartbeat: no log write
    this.index++;
    if (!map || !this.services.has(service)) throw serviceNotFound(service);
    const before = this.leaderOf(service);
    const next: Instance = { ...instance, index: prev ? prev.index : this.index };
    if (next.meta && Object.keys(next.meta).length === 0) delete next.meta;
    map.set(instance.id, next);
    this.emit({ service, kind: prev ? 'update' : 'up', instance: copy(next) });
    if (!prev) this.emitLeaderChange(service, before);
  }

  async deregister(service: string, id: string): Promise<void> {
    this.write('deregister', service);
    const inst = this.instances.get(service)?.get(id);
    if (!inst) return;
    const before = this.leaderOf(service);
    this.instances.get(service)!.delete(id);
    this.emit({ service, kind: 'down', instance: copy(inst) });
    this.emitLeaderChange(service, before);
  }

  async setMeta(service: string, write: MetaWrite): Promise<ServiceMeta> {
    this.write('setMeta', service);
    if (!this.services.has(service)) throw serviceNotFound(service);
    const current = this.metas.get(service);
    const q = JSON.stringify(service);
    if (write.index === 0 && current) throw exists(`Service metadata for ${q} already exists, use index=n to set`);
    if (write.index !== 0 && !current) throw precondition(`Service metadata for ${q} does not exist, use index=0 to set`);
    if (write.index !== 0 && current && current.index !== write.index) throw precondition(`Service metadata for ${q} exists, but wrong index provided`);
    const meta: ServiceMeta = { data: write.data, index: this.index };
    this.metas.set(service, meta);
    this.emit({ service, kind: 'service_meta', service_meta: { ...meta } });
    if (write.leader_id) {
      this.manualLeaders.set(service, write.leader_id);
      const inst = this.instances.get(service)?.get(write.leader_id);
      if (inst) this.emit({ service, kind: 'leader', instance: copy(inst) });
    }
    return { ...meta };
  }

  async setLeader(service: string, id: string): Promise<void> {
    this.write('setLeader', service);
    if (this.services.get(service)?.leader_type !== 'manual') {
      throw new FlynnError('FLYNN_DISCOVERY_VALIDATION', 'service leader election type is not manual', { apiCode: 'validation_error' });
    }
    this.manualLeaders.set(service, id);
    const inst = this.instances.get(service)?.get(id);
    if (inst) this.emit({ service, kind: 'leader', instance: copy(inst) });
  }

  subscribe(service: string, kinds: EventKindSet, handler: (e: DiscoveryEvent, index: number) => void): Subscription {
    const at = this.index;
    const onEvent = (e: DiscoveryEvent) => handler(e, at);
    this.call('subscribe', service);
    const sub: Sub = { service, kinds, onEvent: handler, open: true };
    this.subs.add(sub);
    if (kinds.has('up')) for (const inst of this.sorted(service)) onEvent({ service, kind: 'up', instance: copy(inst) });
    const leader = this.leaderOf(service);
    if (kinds.has('leader') && leader) onEvent({ service, kind: 'leader', instance: copy(leader) });
    const meta = this.metas.get(service);
    if (kinds.has('service_meta') && meta) onEvent({ service, kind: 'service_meta', service_meta: { ...meta } });
    if (kinds.has('current')) onEvent({ service, kind: 'current' });
    return {
      close: () => {
        sub.open = false;
        this.subs.delete(sub);
      },
    };
  }

  // --- cluster ---

  lastIndex(): number {
    return this.index;
  }

  peers(): string[] {
    const rest = this.peerList.filter((p) => p !== this.leader);
    return this.leader && this.peerList.includes(this.leader) ? [this.leader, ...rest] : rest;
  }

  leaderAddress(): string | undefined {
    return this.leader;
  }

  selfAddress(): string {
    return this.self;
  }

  isMember(): boolean {
    return this.member;
  }

  async addPeer(address: string): Promise<{ last_index: number }> {
    this.write('addPeer', address);
    if (!this.peerList.includes(address)) this.peerList.push(address);
    return { last_index: this.index };
  }

  async removePeer(address: string): Promise<void> {
    this.write('removePeer', address);
    this.peerList = this.peerList.filter((p) => p !== address);
  }

  async promote(): Promise<void> {
    this.call('promote', '');
    this.member = true;
  }

  async demote(): Promise<void> {
    this.call('demote', '');
    this.member = false;
  }

  async shutdown(): Promise<{ last_index: number }> {
    this.call('shutdown', '');
    return { last_index: this.index };
  }

  // --- internals ---

  private call(method: Method, arg: string): void {
    this.calls.push(arg ? `${method} ${arg}` : method);
    if (this.failures.has(method)) {
      const err = this.failures.get(method);
      this.failures.delete(method);
      throw err;
    }
  }

  private read(method: Method, service: string, opts: ReadOptions): void {
    this.call(method, service);
    this.reads.push({ ...opts });
  }

  /** A raft write: leader only, consumes an index whether it then fails or not. */
  private write(method: Method, arg: string): void {
    this.call(method, arg);
    this.requireLeader(method);
    this.index++;
  }

  private requireLeader(operation: string): void {
    if (this.leader !== this.self) throw new NotLeaderError(this.leader ?? '', operation);
  }

  private sorted(service: string): Instance[] {
    return [...(this.instances.get(service)?.values() ?? [])].sort((a, b) => a.index - b.index);
  }

  private leaderOf(service: string): Instance | undefined {
    const config = this.services.get(service);
    if (!config) return undefined;
    if (config.leader_type === 'manual') {
      const id = this.manualLeaders.get(service);
      return id === undefined ? undefined : this.instances.get(service)?.get(id);
    }
    return this.sorted(service)[0];
  }

  private emitLeaderChange(service: string, before: Instance | undefined): void {
    const after = this.leaderOf(service);
    if (before?.id === after?.id) return;
    this.emit(after ? { service, kind: 'leader', instance: copy(after) } : { service, kind: 'leader' });
  }

  private emit(e: DiscoveryEvent): void {
    for (const sub of [...this.subs]) {
      if (sub.open && sub.service === e.service && sub.kinds.has(e.kind)) sub.onEvent(e, this.index);
    }
  }
}

function copy(inst: Instance): Instance {
  return inst.meta ? { ...inst, meta: { ...inst.meta } } : { ...inst };
}

function sameInstance(a: Instance, b: Omit<Instance, 'index'>): boolean {
  const am = a.meta ?? {};
  const bm = b.meta ?? {};
  const keys = Object.keys(am);
  return a.addr === b.addr && a.proto === b.proto && keys.length === Object.keys(bm).length && keys.every((k) => am[k] === bm[k]);
}

function serviceNotFound(service: string): FlynnError {
  return new FlynnError('FLYNN_DISCOVERY_NOT_FOUND', `discoverd: service ${JSON.stringify(service)} not found`, { apiCode: 'object_not_found' });
}

function exists(message: string): FlynnError {
  return new FlynnError('FLYNN_DISCOVERY_EXISTS', message, { apiCode: 'object_exists' });
}

function precondition(message: string): FlynnError {
  return new FlynnError('FLYNN_DISCOVERY_PRECONDITION', message, { apiCode: 'precondition_failed' });
}
