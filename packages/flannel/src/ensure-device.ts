/**
 * Brings the VXLAN device to the wanted shape with `planDevice`, re-reading
 * the device after each batch (a created device gets its index and MAC from
 * the kernel), until nothing is left to do.
 */
import type { Logger } from '@flynn-ts/core';
import { incompatibility, planDevice } from './core/device.js';
import type { VxlanDeviceState, VxlanSpec } from './core/device.js';
import { FLANNEL_DEVICE, FlannelError } from './core/errors.js';
import type { OverlayKernel } from './overlay-kernel.js';

const ROUNDS = 3;

/** Ensures the device (and, when given, its only IPv4 address); resolves with its final state. */
export async function ensureDevice(kernel: OverlayKernel, spec: VxlanSpec, address: string | undefined, logger: Logger): Promise<VxlanDeviceState> {
  let last = '';
  for (let round = 0; round < ROUNDS; round++) {
    const current = await kernel.device(spec.name);
    const ops = planDevice(spec, current, address);
    if (ops.length === 0 && current) return current;
    if (current && ops.some((o) => o.kind === 'device-delete')) {
      logger.warn({ device: spec.name, reason: incompatibility(spec, current) }, 'recreating the VXLAN device');
    }
    for (const op of ops) {
      last = op.kind;
      await kernel.applyDevice(op);
    }
    logger.info({ device: spec.name, ops: ops.map((o) => o.kind) }, 'VXLAN device configured');
  }
  throw new FlannelError(FLANNEL_DEVICE, `VXLAN device ${spec.name} did not converge after ${ROUNDS} rounds (last op ${last})`, { retry: true });
}
