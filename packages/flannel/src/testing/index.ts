export { FakeKernel } from './fake-kernel.js';
export type { FakeKernelOptions, FakeKernelCall } from './fake-kernel.js';
export { applyOps } from './kernel-model.js';
