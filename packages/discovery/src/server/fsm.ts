/**
 * `DiscoveryStateMachine`: the raft `StateMachine` of discovery. It decodes
 * each committed command, runs the pure reducer, keeps the resulting state
 * and hands the events to `onEvents` synchronously, before `apply` returns
 * (so the next command cannot interleave). Its return value settles the
 * proposal on the proposing node: a `CommandResult`, never a throw.
 *
 * A snapshot restore replaces the state wholesale; subscribers get the
 * difference as events (`diffStates`) so a stream never skips a change.
 */
import { channels, noopLogger, publish } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type { StateMachine } from '@flynn-ts/raft';
import { CommandCodecError, decodeCommand } from '../core/commands.js';
import type { CommandResult } from '../core/errors.js';
import { fail } from '../core/errors.js';
import { applyCommand } from '../core/reducer.js';
import { diffStates } from '../core/replay.js';
import { decodeSnapshot, encodeSnapshot } from '../core/snapshot.js';
import type { DiscoveryState } from '../core/state.js';
import { EMPTY_STATE } from '../core/state.js';
import type { DiscoveryEvent } from '../core/types.js';

export interface DiscoveryStateMachineOptions {
  /** Receives each applied command's (or restore's) events, in order. Must not throw. */
  onEvents?: (events: readonly DiscoveryEvent[]) => void;
  logger?: Logger;
}

export class DiscoveryStateMachine implements StateMachine<CommandResult> {
  private current: DiscoveryState = EMPTY_STATE;
  private readonly onEvents: (events: readonly DiscoveryEvent[]) => void;
  private readonly logger: Logger;

  constructor(options: DiscoveryStateMachineOptions = {}) {
    this.onEvents = options.onEvents ?? (() => {});
    this.logger = options.logger ?? noopLogger;
  }

  /** The current state (the raft node's applied index says as of when). Immutable; safe to keep. */
  get state(): DiscoveryState {
    return this.current;
  }

  apply(command: Uint8Array, meta: { index: number; term: number }): CommandResult {
    let cmd;
    try {
      cmd = decodeCommand(command);
    } catch (err) {
      if (!(err instanceof CommandCodecError)) throw err;
      // Deterministic on every replica of this version: the entry is a no-op.
      this.logger.error({ err, index: meta.index }, 'undecodable discovery command skipped');
      return fail('validation_error', err.message);
    }
    const out = applyCommand(this.current, cmd, meta.index);
    this.current = out.state;
    this.emit(out.events);
    return out.result;
  }

  snapshot(): Uint8Array {
    return encodeSnapshot(this.current);
  }

  restore(data: Uint8Array): void {
    const next = data.byteLength === 0 ? EMPTY_STATE : decodeSnapshot(data);
    const events = diffStates(this.current, next);
    this.current = next;
    this.emit(events);
  }

  private emit(events: readonly DiscoveryEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) publish(channels.discoveryEvent, e);
    this.onEvents(events);
  }
}
