/**
 * The user's replicated state machine, applied by `RaftNode` in log order.
 *
 * `apply` is called once per committed normal entry, in index order, never
 * concurrently; its return value settles the proposal's Promise on the node
 * that proposed it. `snapshot` captures the state as of the last applied entry
 * (the driver does not call `apply` until it resolves); `restore` replaces the
 * whole state with a snapshot's data.
 */
export interface StateMachine<R = unknown> {
  apply(command: Uint8Array, meta: { index: number; term: number }): R | Promise<R>;
  snapshot(): Uint8Array | Promise<Uint8Array>;
  restore(data: Uint8Array): void | Promise<void>;
}
