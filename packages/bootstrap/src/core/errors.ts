/**
 * The bootstrap's errors: one class, stable codes. A manifest problem names
 * the step (1-based number and id), the action and the field, e.g.
 * `step 7 (controller): run-app: missing field "release"`.
 */
import { FlynnError } from '@flynn-ts/core';

export const BOOTSTRAP_MANIFEST = 'FLYNN_BOOTSTRAP_MANIFEST';
export const BOOTSTRAP_TEMPLATE = 'FLYNN_BOOTSTRAP_TEMPLATE';
export const BOOTSTRAP_STEP_FAILED = 'FLYNN_BOOTSTRAP_STEP_FAILED';
export const BOOTSTRAP_ALREADY_BOOTSTRAPPED = 'FLYNN_BOOTSTRAP_ALREADY_BOOTSTRAPPED';
export const BOOTSTRAP_TIMEOUT = 'FLYNN_BOOTSTRAP_TIMEOUT';
export const BOOTSTRAP_USAGE = 'FLYNN_BOOTSTRAP_USAGE';

export type BootstrapErrorCode =
  | typeof BOOTSTRAP_MANIFEST
  | typeof BOOTSTRAP_TEMPLATE
  | typeof BOOTSTRAP_STEP_FAILED
  | typeof BOOTSTRAP_ALREADY_BOOTSTRAPPED
  | typeof BOOTSTRAP_TIMEOUT
  | typeof BOOTSTRAP_USAGE;

export class BootstrapError extends FlynnError {
  constructor(code: BootstrapErrorCode, message: string, options: { cause?: unknown; detail?: unknown } = {}) {
    super(code, message, { apiCode: code === BOOTSTRAP_MANIFEST || code === BOOTSTRAP_TEMPLATE || code === BOOTSTRAP_USAGE ? 'validation_error' : 'unknown_error', ...options });
    this.name = 'BootstrapError';
  }
}

/** Where in a manifest a problem is: `step 7 (controller): run-app`. */
export interface StepLocation {
  /** 1-based position in the manifest. */
  index: number;
  id?: string;
  action?: string;
}

export function stepLabel(at: StepLocation): string {
  return `step ${at.index}${at.id ? ` (${at.id})` : ''}${at.action ? `: ${at.action}` : ''}`;
}

/** `step 7 (controller): run-app: missing field "release"`. */
export function manifestError(at: StepLocation, message: string): BootstrapError {
  return new BootstrapError(BOOTSTRAP_MANIFEST, `${stepLabel(at)}: ${message}`, { detail: { step: at.index, id: at.id, action: at.action } });
}

/** A template that does not parse or cannot be rendered. */
export class TemplateError extends BootstrapError {
  constructor(message: string) {
    super(BOOTSTRAP_TEMPLATE, message);
    this.name = 'TemplateError';
  }
}
