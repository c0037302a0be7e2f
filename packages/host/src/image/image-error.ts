import { FlynnError } from '@flynn-ts/core';
import type { FlynnErrorOptions } from '@flynn-ts/core';

export type ImageErrorCode =
  /** A mountspec or manifest is unusable: unknown type, no URL, no sha512_256 hash, bad scheme (HTTP 400). */
  | 'FLYNN_HOST_IMAGE_INVALID'
  /** Fetching a layer failed (connection, HTTP status, missing file); may succeed later. */
  | 'FLYNN_HOST_IMAGE_FETCH'
  /** A fetched layer's hash or size is not what the mountspec says. */
  | 'FLYNN_HOST_IMAGE_VERIFY'
  /** mount/umount of a layer failed. */
  | 'FLYNN_HOST_IMAGE_MOUNT'
  /** Building a layer or image (mksquashfs, debootstrap, OCI import) failed. */
  | 'FLYNN_HOST_IMAGE_BUILD';

const API: Record<ImageErrorCode, Pick<FlynnErrorOptions, 'apiCode' | 'retry'>> = {
  FLYNN_HOST_IMAGE_INVALID: { apiCode: 'validation_error' },
  FLYNN_HOST_IMAGE_FETCH: { apiCode: 'unknown_error', retry: true },
  FLYNN_HOST_IMAGE_VERIFY: { apiCode: 'unknown_error' },
  FLYNN_HOST_IMAGE_MOUNT: { apiCode: 'unknown_error' },
  FLYNN_HOST_IMAGE_BUILD: { apiCode: 'unknown_error' },
};

/** An error of the host's image module (layer cache, mounts, builders). */
export class ImageError extends FlynnError {
  constructor(code: ImageErrorCode, message: string, options: { cause?: unknown; detail?: unknown } = {}) {
    super(code, message, { ...API[code], ...options });
    this.name = 'ImageError';
  }
}
