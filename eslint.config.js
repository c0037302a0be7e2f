// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Pure protocol cores (any `src/core/**` folder) must not read the clock, draw
 * randomness or arm timers: time and randomness are injected (see STYLE.md §2).
 */
export const pureCoreRules = {
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: 'core code is driven by the caller: use an injected Clock' },
    { name: 'setInterval', message: 'core code is driven by the caller: use an injected Clock' },
    { name: 'setImmediate', message: 'core code is driven by the caller: use an injected Clock' },
    { name: 'performance', message: 'core code must not read the clock: use an injected Clock' },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: 'core code must not read the clock: use an injected Clock' },
    { object: 'Math', property: 'random', message: 'core code must be deterministic: use an injected Random' },
    { object: 'performance', property: 'now', message: 'core code must not read the clock: use an injected Clock' },
    { object: 'globalThis', property: 'setTimeout', message: 'use an injected Clock' },
    { object: 'globalThis', property: 'setInterval', message: 'use an injected Clock' },
    { object: 'process', property: 'hrtime', message: 'core code must not read the clock: use an injected Clock' },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'core code must not read the clock: use an injected Clock' },
  ],
  'no-restricted-imports': [
    'error',
    { patterns: [{ group: ['node:*'], message: 'core code does no I/O: no node:* imports' }] },
  ],
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/build-types/**', '**/coverage/**', '.flynn/**', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['packages/*/src/core/**/*.ts', 'packages/*/src/**/core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: pureCoreRules,
  },
);
