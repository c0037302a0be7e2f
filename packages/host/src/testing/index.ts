export { FakeRuntimeDriver, FakeContainer } from './fake-runtime-driver.js';
export type { FakeRuntimeDriverOptions } from './fake-runtime-driver.js';
export { FakeLogManager } from './fake-log-manager.js';
export { FakeNetworkManager } from './fake-network-manager.js';
export { FakeImageStore } from './fake-image-store.js';
export { MemoryJobStore } from './memory-job-store.js';
export { buildBusyboxImage } from './busybox-image.js';
export type { BusyboxImage, BusyboxImageOptions } from './busybox-image.js';
