import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// Tests import sibling packages from source (the `@flynn-ts/source` export
// condition), so `npm test` needs no build first.
const resolve = { conditions: ['@flynn-ts/source'] };
const ssr = { resolve: { conditions: ['@flynn-ts/source'], externalConditions: ['@flynn-ts/source'] } };

export default defineConfig({
  root,
  test: {
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'daemons/*/src/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.int.test.ts', 'daemons/*/test/**/*.int.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'system',
          include: ['packages/*/test/**/*.priv.test.ts', 'daemons/*/test/**/*.priv.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
