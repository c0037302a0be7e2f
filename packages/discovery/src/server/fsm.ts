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
import { decodeSnapshotWithIndex, encodeSnapshot } from '../core/snapshot.js';
import type { DiscoveryState } from '../core/state.js';
import { EMPTY_STATE } from '../core/state.js';
import type { DiscoveryEvent } from '../core/types.js';

export interface DiscoveryStateMachineOptions {
  /**
   * Receives each applied command's (or restore's) events, in order, with the
   * raft index of that command (or of the snapshot). Must not throw.
   */
  onEvents?: (events: readonly DiscoveryEvent[], index: number) => void;
  logger?: Logger;
}

export class DiscoveryStateMachine implements StateMachine<CommandResult> {
  private current: DiscoveryState = EMPTY_STATE;
  private currentIndex = 0;
  private readonly onEvents: (events: readonly DiscoveryEvent[], index: number) => void;
  private readonly logger: Logger;

  constructor(options: DiscoveryStateMachineOptions = {}) {
    this.onEvents = options.onEvents ?? (() => {});
    this.logger = options.logger ?? noopLogger;
  }

  /** The current state (the raft node's applied index says as of when). Immutable; safe to keep. */
  get state(): DiscoveryState {
    return this.current;
  }

  /** The raft index `state` is as of (0 before anything was applied or restored). */
  get index(): number {
    return this.currentIndex;
  }

  apply(command: Uint8Array, meta: { index: number; term: number }): CommandResult {
    let cmd;
    try {
      cmd = decodeCommand(command);
    } catch (err) {
      if (!(err instanceof CommandCodecError)) throw err;
      // Deterministic on every replica of this version: the entry is a no-op.
      this.logger.error({ err, index: meta.index }, 'undecodable discovery command skipped');
      this.currentIndex = meta.index;
      return fail('validation_error', err.message);
    }
    const out = applyCommand(this.current, cmd, meta.index);
    this.current = out.state;
    this.currentIndex = meta.index;
    this.emit(out.events);
    return out.result;
  }

  snapshot(): Uint8Array {
    return encodeSnapshot(this.current, this.currentIndex);
  }

  restore(data: Uint8Array): void {
    const next = data.byteLength === 0 ? { state: EMPTY_STATE, index: 0 } : decodeSnapshotWithIndex(data);
    const events = diffStates(this.current, next.state);
    this.current = next.state;
    // A snapshot written before snapshots carried their index: keep ours (an under-estimate is safe for readers).
    if (next.index !== undefined) this.currentIndex = next.index;
    this.emit(events);
  }

  private emit(events: readonly DiscoveryEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) publish(channels.discoveryEvent, e);
    this.onEvents(events, this.currentIndex);
  }
}
