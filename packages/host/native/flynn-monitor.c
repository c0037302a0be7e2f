/*
 * flynn-monitor: the per-container monitor of @flynn-ts/host's oci driver.
 *
 * One exec instead of conmon + the runtime wrapper: it mounts the job's
 * rootfs (a tmpfs upper sized by temp_disk, an overlay over the image
 * layers), leaves the daemon's session (setsid: it outlives the daemon),
 * becomes a child subreaper, runs `<runtime> run -d`, reports the
 * container's pid to the daemon, then owns the container's stdio until the
 * container's init exits: output goes to a k8s-file log (the format the
 * daemon already reads), stdin comes from an attach socket, terminal resizes
 * from a control FIFO, and the exit status is written to a file, atomically,
 * after the output is drained. See docs/host.md ("The container monitor").
 *
 * Usage (all paths absolute; the daemon passes fd 3 as the sync pipe; `--args-from-stdin` instead:
 * the same arguments, NUL-terminated, read from stdin — a monitor spawned before the job):
 *   flynn-monitor --runtime PATH [--runtime-arg ARG]... --cid ID --bundle DIR
 *     --pid-file FILE --monitor-pid-file FILE --exit-file FILE --log FILE
 *     [--scratch DIR --rootfs DIR --tmpfs-opts OPTS --overlay-opts OPTS] [--run-dir DIR]
 *     [--oom-file FILE] [--init-pid-file FILE] [--cleanup] [--stdin] [--tty]
 *
 * Sync pipe (fd 3), one line: {"data":<pid>,"monitor":<monitor pid>} once the
 * container runs, or {"data":-1,"message":"<why>"} (the conmon protocol).
 * Files in the bundle dir: `attach` (SOCK_SEQPACKET; bytes received go to the
 * container's stdin; for a job without a tty its stdin is closed when the
 * client disconnects), `ctl` (FIFO, lines `1 <height> <width>`: resize).
 * Exit file: the status as decimal text (128+N when killed by signal N), written after
 * `<exit file>.oom` (the cgroup's oom_kill count, with --oom-file). --cleanup: then the runtime's
 * `delete --force` and the unmounts, so the daemon has nothing left to do but remove files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SYNC_FD 3
/* Bumped with any change of the arguments or files: the driver refuses a binary of another protocol. */
#define PROTOCOL 3
#define MAX_RT_ARGS 16
#define READ_SIZE 8192

static struct {
	const char *runtime, *cid, *bundle, *pid_file, *monitor_pid_file, *init_pid_file, *exit_file, *log;
	const char *scratch, *rootfs, *tmpfs_opts, *overlay_opts, *run_dir, *oom_file;
	const char *rt_args[MAX_RT_ARGS];
	int n_rt_args, stdin_on, tty, cleanup;
} opt;

static int sync_fd = SYNC_FD;
static int log_fd = -1;
/* The last bytes the runtime wrote on stderr before it exited: the reason of a failed start. */
static char early_err[2048];
static size_t early_len;

/* Reports on the sync pipe (once); the pipe is closed afterwards. */
static void report(long pid, const char *msg)
{
	char buf[2400];
	int n;
	if (sync_fd < 0)
		return;
	if (pid > 0) {
		n = snprintf(buf, sizeof buf, "{\"data\":%ld,\"monitor\":%ld}\n", pid, (long)getpid());
	} else {
		/* JSON-escape the message: quotes, backslashes, control bytes. */
		size_t o = 0;
		o += (size_t)snprintf(buf, sizeof buf, "{\"data\":-1,\"message\":\"");
		for (const char *p = msg; *p && o < sizeof buf - 16; p++) {
			unsigned char c = (unsigned char)*p;
			if (c == '"' || c == '\\')
				o += (size_t)snprintf(buf + o, sizeof buf - o, "\\%c", c);
			else if (c < 0x20)
				o += (size_t)snprintf(buf + o, sizeof buf - o, "\\u%04x", c);
			else
				buf[o++] = (char)c;
		}
		o += (size_t)snprintf(buf + o, sizeof buf - o, "\"}\n");
		n = (int)o;
	}
	if (write(sync_fd, buf, (size_t)n) < 0) { /* the daemon is gone: nothing to tell */ }
	close(sync_fd);
	sync_fd = -1;
}

/* Reports a start failure (the daemon rolls back: unmount, runtime delete) and exits. */
static void fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "flynn-monitor: %s\n", msg);
	report(-1, msg);
	exit(1);
}

static void parse_args(int argc, char **argv)
{
	const struct { const char *name; const char **dst; } flags[] = {
		{ "--runtime", &opt.runtime }, { "--cid", &opt.cid }, { "--bundle", &opt.bundle },
		{ "--pid-file", &opt.pid_file }, { "--monitor-pid-file", &opt.monitor_pid_file },
		{ "--exit-file", &opt.exit_file }, { "--log", &opt.log }, { "--scratch", &opt.scratch },
		{ "--rootfs", &opt.rootfs }, { "--tmpfs-opts", &opt.tmpfs_opts }, { "--overlay-opts", &opt.overlay_opts },
		{ "--run-dir", &opt.run_dir }, { "--oom-file", &opt.oom_file }, { "--init-pid-file", &opt.init_pid_file },
		{ "--runtime-arg", NULL },
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t f = 0, nf = sizeof flags / sizeof flags[0];
		if (!strcmp(a, "--stdin") || !strcmp(a, "--tty") || !strcmp(a, "--cleanup")) {
			*(a[2] == 's' ? &opt.stdin_on : a[2] == 't' ? &opt.tty : &opt.cleanup) = 1;
			continue;
		}
		while (f < nf && strcmp(a, flags[f].name))
			f++;
		if (f == nf || i + 1 >= argc)
			fail("%s argument %s", f == nf ? "unknown" : "no value for", a);
		if (flags[f].dst)
			*flags[f].dst = argv[++i];
		else if (opt.n_rt_args < MAX_RT_ARGS)
			opt.rt_args[opt.n_rt_args++] = argv[++i];
		else
			fail("too many --runtime-arg");
	}
	if (!opt.runtime || !opt.cid || !opt.bundle || !opt.pid_file || !opt.monitor_pid_file || !opt.exit_file || !opt.log)
		fail("missing a required argument (--runtime --cid --bundle --pid-file --monitor-pid-file --exit-file --log)");
	if (opt.rootfs && (!opt.scratch || !opt.tmpfs_opts || !opt.overlay_opts))
		fail("--rootfs needs --scratch, --tmpfs-opts and --overlay-opts");
}

/* The rootfs: tmpfs at scratch (upper + work), overlay at rootfs; the tmpfs is undone if the overlay fails. */
static void mount_rootfs(void)
{
	char upper[4096], work[4096];
	/* A small tmpfs of its own for the runtime's pid file, which runc writes with O_SYNC (milliseconds on a busy disk). */
	if (opt.run_dir && mount("flynn-run", opt.run_dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=65536,mode=0700") < 0)
		fail("mount tmpfs on %s: %s", opt.run_dir, strerror(errno));
	if (!opt.rootfs)
		return;
	if (mount("flynn-scratch", opt.scratch, "tmpfs", 0, opt.tmpfs_opts) < 0)
		fail("mount tmpfs on %s: %s", opt.scratch, strerror(errno));
	snprintf(upper, sizeof upper, "%s/upper", opt.scratch);
	snprintf(work, sizeof work, "%s/work", opt.scratch);
	if (mkdir(upper, 0755) < 0 || chmod(upper, 0755) < 0 || mkdir(work, 0700) < 0 ||
	    mount("flynn-rootfs", opt.rootfs, "overlay", 0, opt.overlay_opts) < 0) {
		int e = errno;
		umount2(opt.scratch, MNT_DETACH);
		fail("mount overlay on %s: %s", opt.rootfs, strerror(e));
	}
}

/*
 * Writes `text` to `path` by temp file + rename: readers see nothing or all. No fsync (as the daemon's
 * state files): they describe processes, which a host crash ends anyway, and a daemon crash keeps the
 * page cache; an fsync would only add disk I/O next to other jobs' starts.
 */
static int write_atomic(const char *path, const char *text)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	int ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- the k8s-file log: `<RFC 3339 nano> <stream> <F|P> <content>\n` per line ---- */

static char out_buf[64 * 1024];
static size_t out_len;

static void log_flush(void)
{
	size_t off = 0;
	while (off < out_len) {
		ssize_t w = write(log_fd, out_buf + off, out_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* disk full: the output is lost, the job is not blocked */
		off += (size_t)w;
	}
	out_len = 0;
}

static void log_record(const char *ts, const char *stream, char tag, const char *data, size_t len)
{
	size_t need = strlen(ts) + strlen(stream) + len + 8;
	if (out_len + need > sizeof out_buf)
		log_flush();
	out_len += (size_t)snprintf(out_buf + out_len, sizeof out_buf - out_len, "%s %s %c ", ts, stream, tag);
	memcpy(out_buf + out_len, data, len);
	out_len += len;
	out_buf[out_len++] = '\n';
}

/* One read of a stream → one record per line; bytes after the last newline are a partial (`P`) record. */
static void log_chunk(const char *stream, const char *data, size_t len)
{
	char ts[64];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof ts - n, ".%09ldZ", now.tv_nsec);
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n')
			continue;
		log_record(ts, stream, 'F', data + start, i - start);
		start = i + 1;
	}
	if (start < len)
		log_record(ts, stream, 'P', data + start, len - start);
	log_flush();
}

/* ---- the runtime ---- */

/* A unix socket bound to `name` in the cwd (the bundle: short paths whatever its location). */
static int listen_unix(const char *name, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", name);
	unlink(name);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 8) < 0)
		fail("listen on %s/%s: %s", opt.bundle, name, strerror(errno));
	return fd;
}

/* The pty master the runtime sends on the console socket (SCM_RIGHTS). */
static int recv_fd(int sock)
{
	char byte[256], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { byte, sizeof byte };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) < 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

/* Runs `<runtime> <runtime args> <cmd...> <cid>` with the given stdio; the child gets a clean signal mask. */
static pid_t spawn_runtime(const char **cmd, int ncmd, int in, int out, int err)
{
	const char *argv[MAX_RT_ARGS + 16];
	int n = 0;
	argv[n++] = opt.runtime;
	for (int i = 0; i < opt.n_rt_args; i++)
		argv[n++] = opt.rt_args[i];
	for (int i = 0; i < ncmd; i++)
		argv[n++] = cmd[i];
	argv[n++] = opt.cid;
	argv[n] = NULL;
	/* posix_spawn (vfork-style in glibc): no copy of our memory, and we sleep until the exec. */
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGHUP);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int e = posix_spawn(&pid, opt.runtime, &fa, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e != 0)
		fail("run %s: %s", opt.runtime, strerror(e));
	return pid;
}

/* The container's init pid from the runtime's --pid-file. */
static pid_t read_pid_file(void)
{
	char buf[32] = { 0 };
	int fd = open(opt.pid_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n > 0 ? (pid_t)atol(buf) : -1;
}

/* ---- the event loop ---- */

enum { P_SIG, P_OUT, P_ERR, P_CONSOLE, P_ATTACH_LISTEN, P_CLIENT, P_STDIN, P_CTL, P_N };

/* Each slot's fd (-1: none); poll() gets only those with events, so a hung-up pipe we do not wait on cannot spin. */
static int fds[P_N];
static struct pollfd pfd[P_N];
static char in_buf[32 * 1024];
static size_t in_len, in_off;
static int close_stdin_when_flushed;

static void close_slot(int i)
{
	if (fds[i] >= 0)
		close(fds[i]);
	fds[i] = -1;
}

/* Reads one chunk of output; false at EOF/EIO (a tty whose last slave closed reports EIO). */
static int pump_output(int slot, const char *stream)
{
	char buf[READ_SIZE];
	ssize_t n = read(fds[slot], buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0) {
		close_slot(slot);
		return 0;
	}
	if (slot == P_ERR && sync_fd >= 0) {
		/* Still starting: keep the runtime's words for the failure report. */
		size_t k = (size_t)n < sizeof early_err - 1 ? (size_t)n : sizeof early_err - 1;
		if (early_len + k >= sizeof early_err)
			early_len = 0;
		memcpy(early_err + early_len, buf + n - k, k);
		early_len += k;
		early_err[early_len] = 0;
	}
	log_chunk(stream, buf, (size_t)n);
	return 1;
}

/* Attach client → container stdin; a non-blocking write with one buffer of back-pressure. */
static void pump_stdin(void)
{
	if (in_off < in_len && fds[P_STDIN] >= 0) {
		ssize_t w = write(fds[P_STDIN], in_buf + in_off, in_len - in_off);
		if (w > 0)
			in_off += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			in_off = in_len; /* the job closed its stdin: drop the rest */
	}
	if (in_off >= in_len) {
		in_off = in_len = 0;
		if (close_stdin_when_flushed) {
			close_stdin_when_flushed = 0;
			/* Without a tty, the client's end is the job's EOF; with one the master is also the output. */
			if (!opt.tty)
				close_slot(P_STDIN);
		}
	}
}

static void read_client(void)
{
	ssize_t n = recv(fds[P_CLIENT], in_buf, sizeof in_buf, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_slot(P_CLIENT);
		close_stdin_when_flushed = 1;
	} else {
		in_len = (size_t)n;
		in_off = 0;
	}
	pump_stdin();
}

static void read_ctl(void)
{
	char buf[256];
	ssize_t n = read(fds[P_CTL], buf, sizeof buf - 1);
	if (n <= 0)
		return;
	buf[n] = 0;
	/* Lines `<type> <height> <width>`; type 1 is a resize (conmon's protocol). */
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		int type, h, w;
		if (sscanf(line, "%d %d %d", &type, &h, &w) == 3 && type == 1 && fds[P_OUT] >= 0 && opt.tty) {
			struct winsize ws = { .ws_row = (unsigned short)h, .ws_col = (unsigned short)w };
			ioctl(fds[P_OUT], TIOCSWINSZ, &ws);
		}
	}
}

/* The `oom_kill` count in the job's cgroup file (memory.oom_control on v1, memory.events on v2); -1 unknown. */
static long oom_kills(void)
{
	char buf[4096];
	int fd = opt.oom_file ? open(opt.oom_file, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, "oom_kill ");
	return p ? atol(p + 9) : -1;
}

/*
 * `--cleanup`, once the exit file is written: the runtime's `delete --force` (its state and the
 * job's cgroup), then the mounts (overlay first, then the tmpfs under it). The daemon then has
 * nothing to spawn at cleanup (a spawn forks the whole daemon); it does what is left if this fails.
 */
static void cleanup(void)
{
	const char *del[] = { "delete", "--force" };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), st;
	pid_t pid = spawn_runtime(del, 2, null, null, null);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
	const char *mounts[] = { opt.rootfs, opt.scratch, opt.run_dir };
	for (int i = 0; i < 3; i++)
		if (mounts[i] && umount2(mounts[i], 0) < 0 && errno == EBUSY)
			umount2(mounts[i], MNT_DETACH);
}

static int status_code(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
}

/*
 * `--args-from-stdin`: a spare monitor, started before any job needs it. It waits for its arguments
 * on stdin (NUL-terminated strings up to EOF) and then runs as if given them on the command line; a
 * start then costs no process creation of the daemon's. EOF before any byte (the daemon closed the
 * pipe or died): exit quietly.
 */
static char **args_from_stdin(int *argc)
{
	static char buf[64 * 1024];
	static char *argv[256];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(0, buf + len, sizeof buf - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len >= sizeof buf - 1)
			fail("arguments longer than %zu bytes", sizeof buf - 1);
	}
	if (len == 0)
		exit(0);
	buf[len] = 0;
	int n = 0;
	argv[n++] = "flynn-monitor";
	for (size_t off = 0; off < len && n < 255; off += strlen(buf + off) + 1)
		argv[n++] = buf + off;
	argv[n] = NULL;
	*argc = n;
	int null = open("/dev/null", O_RDONLY);
	dup2(null, 0);
	close(null);
	return argv;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("flynn-monitor protocol %d\n", PROTOCOL);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--args-from-stdin"))
		argv = args_from_stdin(&argc);
	parse_args(argc, argv);
	if (fcntl(SYNC_FD, F_SETFD, FD_CLOEXEC) < 0)
		sync_fd = -1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);

	/*
	 * A session of its own (the daemon spawns it detached, which already did this): signals to the
	 * daemon's process group or terminal never reach it, and when the daemon dies it is re-parented
	 * and lives on. No daemonising fork: a new process waits for a CPU before it runs (milliseconds on
	 * a loaded host), and that wait would be on every container start.
	 */
	setsid();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fail("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	if (chdir(opt.bundle) < 0)
		fail("chdir %s: %s", opt.bundle, strerror(errno));
	log_fd = open(opt.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log_fd < 0)
		fail("open %s: %s", opt.log, strerror(errno));
	mount_rootfs();

	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	for (int i = 0; i < P_N; i++)
		fds[i] = -1;
	fds[P_SIG] = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);

	/* The container's stdio: pipes (the runtime passes its own stdio through), or a pty it creates. */
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int in[2] = { devnull, -1 }, out[2], err[2];
	if (pipe2(err, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	if (opt.tty) {
		fds[P_CONSOLE] = listen_unix("console.sock", SOCK_STREAM);
		out[0] = -1;
		out[1] = err[1];
	} else {
		if (pipe2(out, O_CLOEXEC) < 0 || (opt.stdin_on && pipe2(in, O_CLOEXEC) < 0))
			fail("pipe: %s", strerror(errno));
	}
	if (opt.stdin_on)
		fds[P_ATTACH_LISTEN] = listen_unix("attach", SOCK_SEQPACKET);
	if (opt.tty) {
		unlink("ctl");
		if (mkfifo("ctl", 0600) < 0 || (fds[P_CTL] = open("ctl", O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
			fail("ctl fifo: %s", strerror(errno));
	}
	char console[4200];
	snprintf(console, sizeof console, "%s/console.sock", opt.bundle);
	const char *run[] = { "run", "-d", "--bundle", opt.bundle, "--pid-file", opt.pid_file, "--console-socket", console };
	pid_t runtime = spawn_runtime(run, opt.tty ? 8 : 6, in[0], out[1], err[1]);
	if (in[0] != devnull)
		close(in[0]);
	if (!opt.tty)
		close(out[1]);
	close(err[1]);
	close(devnull);
	fds[P_OUT] = out[0];
	fds[P_ERR] = err[0];
	if (opt.stdin_on && !opt.tty)
		fds[P_STDIN] = in[1];
	for (int i = P_OUT; i <= P_ERR; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFL, O_NONBLOCK);
	if (fds[P_STDIN] >= 0)
		fcntl(fds[P_STDIN], F_SETFL, O_NONBLOCK);

	pid_t init = 0;
	int exit_status = -1;
	struct timespec drain_start = { 0, 0 };
	for (;;) {
		/* Output pipes stay open until every process holding them is gone; after the init's exit we drain them. */
		if (exit_status >= 0 && fds[P_OUT] < 0 && fds[P_ERR] < 0)
			break;
		for (int i = 0; i < P_N; i++)
			pfd[i].events = 0;
		pfd[P_SIG].events = pfd[P_OUT].events = pfd[P_ERR].events = pfd[P_CONSOLE].events = pfd[P_CTL].events = POLLIN;
		if (fds[P_CLIENT] < 0)
			pfd[P_ATTACH_LISTEN].events = POLLIN;
		else if (in_off < in_len)
			pfd[P_STDIN].events = POLLOUT;
		else
			pfd[P_CLIENT].events = POLLIN;
		for (int i = 0; i < P_N; i++) {
			pfd[i].fd = pfd[i].events ? fds[i] : -1;
			pfd[i].revents = 0;
		}
		int r = poll(pfd, P_N, exit_status >= 0 ? 200 : -1);
		if (r < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		if (exit_status >= 0) {
			/* A process that escaped the init's end (no pid namespace) may hold the pipes: give up after 5 s. */
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - drain_start.tv_sec > 5)
				break;
		}
		if (r <= 0)
			continue;
		if (pfd[P_OUT].revents)
			pump_output(P_OUT, "stdout");
		if (pfd[P_ERR].revents)
			pump_output(P_ERR, "stderr");
		if (pfd[P_CONSOLE].revents) {
			int c = accept4(fds[P_CONSOLE], NULL, NULL, SOCK_CLOEXEC);
			int master = c >= 0 ? recv_fd(c) : -1;
			if (c >= 0)
				close(c);
			if (master >= 0) {
				fcntl(master, F_SETFL, O_NONBLOCK);
				fds[P_OUT] = master;
				fds[P_STDIN] = opt.stdin_on ? dup(master) : -1;
				close_slot(P_CONSOLE);
				unlink("console.sock");
			}
		}
		/* Resizes before stdin: a resize sent before the client connected applies before its first bytes. */
		if (pfd[P_CTL].revents)
			read_ctl();
		if (pfd[P_ATTACH_LISTEN].revents && fds[P_CLIENT] < 0)
			fds[P_CLIENT] = accept4(fds[P_ATTACH_LISTEN], NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fds[P_CLIENT] >= 0 && pfd[P_CLIENT].revents)
			read_client();
		if (fds[P_STDIN] >= 0 && pfd[P_STDIN].revents)
			pump_stdin();
		if (!pfd[P_SIG].revents)
			continue;
		struct signalfd_siginfo si;
		while (read(fds[P_SIG], &si, sizeof si) > 0) { /* drained; waitpid below */ }
		if (runtime > 0) {
			int st;
			if (waitpid(runtime, &st, WNOHANG) != runtime)
				continue;
			runtime = 0;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				for (int k = 0; k < 64 && fds[P_ERR] >= 0; k++)
					pump_output(P_ERR, "stderr");
				fail("%s", early_len > 0 ? early_err : "the runtime failed");
			}
			init = read_pid_file();
			if (init <= 0)
				fail("the runtime wrote no pid to %s", opt.pid_file);
			report(init, NULL);
			/* For a daemon that dies before it records them (the runtime's pid file goes with the cleanup). */
			char pidtext[32];
			snprintf(pidtext, sizeof pidtext, "%ld", (long)getpid());
			write_atomic(opt.monitor_pid_file, pidtext);
			snprintf(pidtext, sizeof pidtext, "%ld", (long)init);
			if (opt.init_pid_file)
				write_atomic(opt.init_pid_file, pidtext);
			/* From here on nobody reads our stderr. */
			int null = open("/dev/null", O_RDWR);
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			close(null);
		}
		/* Reap everything re-parented to us (we are a subreaper); the init's status is the job's. */
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);
			if (p <= 0)
				break;
			if (p == init && exit_status < 0) {
				exit_status = status_code(st);
				clock_gettime(CLOCK_MONOTONIC, &drain_start);
			}
		}
	}
	/* The log is complete (every write returned) before the exit file appears: readers drain it after. */
	log_flush();
	char text[4200];
	long oom = oom_kills();
	snprintf(text, sizeof text, "%s.oom", opt.exit_file);
	if (oom >= 0) {
		/* Before the exit file, and before the cgroup goes with the runtime's delete. */
		char n[32];
		snprintf(n, sizeof n, "%ld", oom);
		write_atomic(text, n);
	}
	snprintf(text, sizeof text, "%d", exit_status < 0 ? 255 : exit_status);
	write_atomic(opt.exit_file, text);
	unlink("attach");
	unlink("ctl");
	if (opt.cleanup)
		cleanup();
	return 0;
}
