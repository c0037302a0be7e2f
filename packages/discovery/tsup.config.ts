import { defineConfig } from 'tsup';

export default defineConfig({
  // dns-worker: the entry script of DnsWorkerPool's processes (found next to the bundle that runs the pool).
  entry: { index: 'src/index.ts', 'server/index': 'src/server/index.ts', 'testing/index': 'src/testing/index.ts', 'dns-worker': 'src/dns/dns-worker.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
});
