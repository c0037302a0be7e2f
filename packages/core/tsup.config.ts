import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'http/index': 'src/http/index.ts', 'daemon/index': 'src/daemon/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
});
