import { FlynnError } from '@flynn-ts/core';
import type { FlynnErrorOptions } from '@flynn-ts/core';

export type RuntimeErrorCode =
  /** The ContainerSpec cannot be run by this driver (no rootfs, empty args, bad stateDir…). HTTP 400. */
  | 'FLYNN_HOST_RUNTIME_INVALID_SPEC'
  /** The job's command does not exist (in the rootfs / on PATH): the job `failed`. HTTP 400. */
  | 'FLYNN_HOST_RUNTIME_EXEC_NOT_FOUND'
  /** The OCI runtime or the monitor refused to create/start the container. */
  | 'FLYNN_HOST_RUNTIME_START'
  /** An `output()` cursor this driver did not make. HTTP 400. */
  | 'FLYNN_HOST_RUNTIME_BAD_CURSOR'
  /** The job has exited (or was never started with stdin/tty) so stdin/resize cannot work. HTTP 409. */
  | 'FLYNN_HOST_RUNTIME_NOT_RUNNING'
  /** The operation needs a feature the job was not started with (stdin, tty). HTTP 400. */
  | 'FLYNN_HOST_RUNTIME_UNSUPPORTED'
  /** A helper command (mount, umount, runc, mkfifo) failed. */
  | 'FLYNN_HOST_RUNTIME_COMMAND'
  /** The driver's files in stateDir are unreadable or inconsistent. */
  | 'FLYNN_HOST_RUNTIME_STATE';

const API: Record<RuntimeErrorCode, Pick<FlynnErrorOptions, 'apiCode' | 'retry'>> = {
  FLYNN_HOST_RUNTIME_INVALID_SPEC: { apiCode: 'validation_error' },
  FLYNN_HOST_RUNTIME_EXEC_NOT_FOUND: { apiCode: 'validation_error' },
  FLYNN_HOST_RUNTIME_START: { apiCode: 'unknown_error' },
  FLYNN_HOST_RUNTIME_BAD_CURSOR: { apiCode: 'validation_error' },
  FLYNN_HOST_RUNTIME_NOT_RUNNING: { apiCode: 'conflict' },
  FLYNN_HOST_RUNTIME_UNSUPPORTED: { apiCode: 'validation_error' },
  FLYNN_HOST_RUNTIME_COMMAND: { apiCode: 'unknown_error' },
  FLYNN_HOST_RUNTIME_STATE: { apiCode: 'unknown_error' },
};

/** An error of a runtime driver (src/runtime). */
export class RuntimeError extends FlynnError {
  constructor(code: RuntimeErrorCode, message: string, options: { cause?: unknown; detail?: unknown } = {}) {
    super(code, message, { ...API[code], ...options });
    this.name = 'RuntimeError';
  }
}
