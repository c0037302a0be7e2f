/**
 * diagnostics_channel names the overlay publishes on (`flynn:flannel:<event>`).
 *
 * - `lease`: `{ lease, renewed }` after every successful lease write;
 * - `reconcile`: a `ReconcileReport` after every reconcile pass.
 */
export const flannelChannels = {
  lease: 'flynn:flannel:lease',
  reconcile: 'flynn:flannel:reconcile',
} as const;
