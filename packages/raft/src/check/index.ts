/**
 * The linearizability checker (`@flynn-ts/raft/testing`): models, histories
 * and `checkOperations`. Named re-exports only.
 */
export { UNKNOWN, isPending, outputOf, returnOf, partitionBy } from './model.js';
export type { Unknown, ClientId, CompletedOperation, PendingOperation, Operation, StepResult, Model } from './model.js';
export { checkOperations, checkHistory } from './check-operations.js';
export type { CheckVerdict, CheckOptions, CheckResult, CheckInfo, PartitionReport } from './check-operations.js';
export { checkEvents, eventsToOperations, operationsToEvents } from './events.js';
export type { Event, EventId, CallEvent, ReturnEvent } from './events.js';
export { Bitset } from './bitset.js';
export { deepEqual } from './deep-equal.js';
export { registerModel } from './register-model.js';
export type { RegisterInput, RegisterOutput, RegisterModelOptions } from './register-model.js';
export { kvModel } from './kv-model.js';
export type { KvInput, KvOutput, KvState, KvModelOptions } from './kv-model.js';
export { casRegisterModel } from './cas-register-model.js';
export type {
  CasRegisterInput,
  CasRegisterOutput,
  CasRegisterState,
  CasMeta,
  CasRegisterModelOptions,
} from './cas-register-model.js';
export { HistoryRecorder, formatHistory, formatCheckResult } from './history.js';
export type { HistoryRecorderOptions, OpenOperation, FormatOptions } from './history.js';
