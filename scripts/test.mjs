#!/usr/bin/env node
// Runs every vitest project (unit, integration, system) and ends with the plain
// line `N passed, N failed[, N skipped]`, summed from vitest's JSON report, so
// tools that do not read vitest's own summary can count the run.
// Extra arguments are passed to vitest (e.g. `npm test -- --project unit`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const reportDir = join(root, '.test-reports');
mkdirSync(reportDir, { recursive: true });
const report = join(reportDir, 'vitest.json');
if (existsSync(report)) rmSync(report);

const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const res = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env: process.env });

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = json.numFailedTests ?? 0;
  skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  // Suites that failed to load count as failures (they hold no test results).
  for (const file of json.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed += 1;
  }
} else {
  failed += 1;
  console.error('test: vitest wrote no JSON report');
}
if (res.status !== 0 && failed === 0) {
  failed += 1;
  console.error(`test: vitest exited with status ${res.status ?? res.signal}`);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
