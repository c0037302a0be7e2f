import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciDriver } from '../src/runtime/oci-driver.js';
import { buildBusyboxRootfs, removeCgroupDirs, testSpec } from '../test/runtime-fixtures.js';
const dir = mkdtempSync(join(tmpdir(), 'prof-'));
const lower = buildBusyboxRootfs(join(dir, 'lower'));
const drivers = { perl: new OciDriver({ runtimeRoot: join(dir, 'oci-perl'), cgroupParent: 'flynn-prof', wrapper: 'perl' }), sh: new OciDriver({ runtimeRoot: join(dir, 'oci-sh'), cgroupParent: 'flynn-prof', wrapper: 'sh' }) };
const n = Number(process.argv[2] ?? 5);
const res: Record<string, number[]> = { perl: [], sh: [] };
let k = 0;
for (let i = 0; i < n; i++) {
  for (const w of ['perl', 'sh'] as const) {
    const d = drivers[w];
    const s = testSpec({ jobId: `p${k++}`, args: ['sleep', '3600'], stateDir: join(dir, 'jobs', `p${k}`), lowerDirs: [lower] });
    const t0 = performance.now();
    const h = await d.start(s);
    res[w]!.push(performance.now() - t0);
    await h.signal(9); await h.wait(); await d.cleanup(s.jobId, s.stateDir);
  }
}
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(1);
console.log('perl p50', p50(res.perl!), 'sh p50', p50(res.sh!));
removeCgroupDirs('flynn-prof');
rmSync(dir, { recursive: true, force: true });
