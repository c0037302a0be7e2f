// A stand-in "daemon" for the runtime tests: starts one job with a driver,
// prints {"pid": <job pid>} and then idles until the test kills it (-9), so
// the test can prove the job outlives the daemon that started it.
//   node --conditions=@flynn-ts/source --import tsx runtime-daemon-child.ts '<json>'
import type { ContainerSpec } from '../src/contracts.js';
import { OciDriver } from '../src/runtime/oci-driver.js';
import type { OciDriverOptions } from '../src/runtime/oci-driver.js';
import { ProcessDriver } from '../src/runtime/process-driver.js';

interface ChildConfig {
  driver: 'process' | 'oci';
  options: OciDriverOptions;
  spec: ContainerSpec;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const driver = config.driver === 'oci' ? new OciDriver(config.options) : new ProcessDriver();
const handle = await driver.start(config.spec);
process.stdout.write(JSON.stringify({ pid: handle.pid }) + '\n');
setInterval(() => {}, 60_000);
