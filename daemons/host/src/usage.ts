/** Help texts of `flynn-host` and its subcommands. */

export const USAGE = `usage: flynn-host <command> [options]

commands:
  daemon     run the host daemon
  init       write /etc/flynn/host.json and a systemd unit (--peer-ips, --discoverd, --external-ip, --tags, --id)
  bootstrap  bootstrap a cluster from a manifest (flynn-host bootstrap --help)
  ps         list jobs (-a all, -q ids only)
  inspect    show a job
  log        show a job's log (-f follow, --lines N)
  run        run a command as a job, attached
  stop       stop jobs
  signal     send a signal to a job
  tags       show, set or delete host tags
  volume     list, create or delete volumes
  image      build-base: build the base stack image with debootstrap (root)
  help       this text, or a command's (flynn-host help <command>)

Client commands talk to --host-url (default $FLYNN_HOST_URL or http://127.0.0.1:1113).`;

export const DAEMON_USAGE = `usage: flynn-host daemon [options]

options:
  --http-port=PORT           HTTP port [default: 1113]
  --external-ip=IP           external IP of the host (jobs' EXTERNAL_IP, discovery address)
  --listen-ip=IP             bind the API and jobs' LISTEN_IP to this IP [default: all addresses]
  --state=DIR                state directory [default: /var/lib/flynn/host-state]
  --id=ID                    host id [default: hostname without "-"]
  --tags=TAGS                host tags, KEY=VAL,...
  --volpath=DIR              directory volumes [default: /var/lib/flynn/volumes]
  --image-dir=DIR            image layer cache (oci driver) [default: /var/lib/flynn/images]
  --layer-unmount-delay=DUR  keep a layer no job uses mounted this long, for the next job of the image [default: 30s]
  --log-dir=DIR              per-app job logs [default: /var/log/flynn]
  --bridge-name=NAME         network bridge (oci driver) [default: flynnbr0]
  --subnet=CIDR              configure the bridge at start, e.g. 100.100.23.1/24 (else wait for POST /host/network)
  --driver=oci|process       runtime driver [default: oci when root and runc exist, else process]
  --runtime=runc|crun        OCI runtime of the oci driver [default: runc]
  --cgroup-parent=PATH       parent of the jobs' cgroups; relative: under the daemon's own cgroup [default: flynn]
  --discoverd=URL            discoverd to register in, ship logs with, and give jobs as DISCOVERD
  --wait-discoverd           jobs without DISCOVERD wait until discoverd is configured
  --no-resurrect             do not restart resurrect jobs after a host reboot
  --max-job-concurrency=N    concurrent job starts before 429 [default: 4]
  --stop-grace=DURATION      SIGTERM to SIGKILL grace of a stop [default: 30s]
  --stop-jobs-on-exit        stop all jobs on SIGTERM (default: leave them running; the next start re-attaches)
  --memory=SIZE              memory offered to jobs, reported in /host/status (e.g. 16G) [default: the machine's]
  --cpus=N                   CPUs offered to jobs, reported in /host/status (e.g. 3.5) [default: the machine's]
  --log-level=LEVEL          debug, info, warn or error [default: info]

Defaults are read from /etc/flynn/host.json ({"args": [...]}; env FLYNN_HOST_CONFIG overrides the path).
Accepted for compatibility and ignored: --force, --vol-provider, --backend, --flynn-init, --sink-state,
--discovery, --discovery-service, --peer-ips, --partitions, --init-log-level, --zpool-name, --enable-dhcp, --log-file.`;

export const COMMAND_USAGE: Record<string, string> = {
  init: `usage: flynn-host init [--peer-ips IP,...] [--discoverd URL,...] [--external-ip IP] [--id ID] [--tags K=V,...]
                      [--config FILE] [--unit FILE | --no-systemd] [--exec-path PATH] [--force] [-- DAEMON FLAGS...]

Writes the daemon's default arguments to --config [default: $FLYNN_HOST_CONFIG or /etc/flynn/host.json] and a
systemd unit to --unit [default: /etc/systemd/system/flynn-host.service]. --peer-ips gives discoverd's peers
(the daemon then uses http://<ip>:1111 for each). Flags after -- are passed to the daemon verbatim.`,
  ps: 'usage: flynn-host ps [-a|--all] [-q|--quiet] [--host-url URL]',
  inspect: 'usage: flynn-host inspect [--json] [--host-url URL] ID',
  log: 'usage: flynn-host log [-f|--follow] [--lines N] [--split-stderr] [--host-url URL] ID',
  run: `usage: flynn-host run [options] [--] COMMAND [ARG...]

options:
  --image=FILE        a flynn image manifest (or a JSON list of mountspecs) to run in
  --layer-url=TPL     layer URL template for the manifest, {id} is the layer id [default: file://<manifest dir>/{id}.squashfs]
  -e, --env=K=V       environment variable (repeatable)
  --id=ID             job id [default: <host id>-<uuid>]
  -d, --detached      start and print the job id, do not attach
  --host-network      share the host's network
  --host-url=URL`,
  stop: 'usage: flynn-host stop [--host-url URL] ID...',
  signal: 'usage: flynn-host signal [--host-url URL] ID SIGNAL   (a number or a name: TERM, SIGINT, ...)',
  tags: 'usage: flynn-host tags [--host-url URL] [set KEY=VAL... | del KEY...]',
  volume: 'usage: flynn-host volume [--host-url URL] list | create [--meta K=V]... [--id ID] | delete ID...',
  image: `usage: flynn-host image build-base [--dir DIR] [--suite bookworm] [--mirror URL] [--variant minbase] [--include PKG,...] [--force]

Builds the base image of the stack with debootstrap from Debian's packages (root, a Debian mirror),
one squashfs layer, cached per suite and variant in --dir [default: /var/lib/flynn/base-image].
Prints the manifest id; the manifest is <dir>/<id>.json.`,
};
