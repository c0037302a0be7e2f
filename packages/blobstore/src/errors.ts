/** Blobstore errors: callers match on `code`; `apiCode` decides the HTTP status. */
import { FlynnError } from '@flynn-ts/core';

export const BLOBSTORE_NOT_FOUND = 'FLYNN_BLOBSTORE_NOT_FOUND';
export const BLOBSTORE_OFFSET_MISMATCH = 'FLYNN_BLOBSTORE_OFFSET_MISMATCH';
export const BLOBSTORE_INVALID_REQUEST = 'FLYNN_BLOBSTORE_INVALID_REQUEST';
export const BLOBSTORE_RANGE = 'FLYNN_BLOBSTORE_RANGE_NOT_SATISFIABLE';
export const BLOBSTORE_TOO_LARGE = 'FLYNN_BLOBSTORE_TOO_LARGE';

export class BlobNotFoundError extends FlynnError {
  constructor(path: string) {
    super(BLOBSTORE_NOT_FOUND, `blobstore: no blob at ${path}`, { apiCode: 'not_found' });
    this.name = 'BlobNotFoundError';
  }
}

/** `Blobstore-Offset` is not the current size of the blob (409). */
export class OffsetMismatchError extends FlynnError {
  constructor(path: string, offset: number, size: number | undefined) {
    super(BLOBSTORE_OFFSET_MISMATCH, `blobstore: offset ${offset} does not match the size of ${path} (${size === undefined ? 'no blob' : size})`, {
      apiCode: 'conflict',
      detail: { path, offset, size: size ?? null },
    });
    this.name = 'OffsetMismatchError';
  }
}

export class InvalidRequestError extends FlynnError {
  constructor(field: string, message: string) {
    super(BLOBSTORE_INVALID_REQUEST, `blobstore: ${message}`, { apiCode: 'validation_error', detail: { field, message } });
    this.name = 'InvalidRequestError';
  }
}

export class RangeNotSatisfiableError extends FlynnError {
  constructor(size: number) {
    super(BLOBSTORE_RANGE, `blobstore: range not satisfiable (size ${size})`, { apiCode: 'range_not_satisfiable', status: 416, detail: { size } });
    this.name = 'RangeNotSatisfiableError';
  }
}

export class BlobTooLargeError extends FlynnError {
  constructor(max: number) {
    super(BLOBSTORE_TOO_LARGE, `blobstore: blob larger than ${max} bytes`, { apiCode: 'request_body_too_big', status: 413 });
    this.name = 'BlobTooLargeError';
  }
}
