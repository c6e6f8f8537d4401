/* cmd_run.c - powertest run: run a command, wait for the final scrape, report exactly its window. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "measure.h"
#include "timefmt.h"

static const char run_usage[] =
	"usage: powertest run [options] -- CMD [ARG]...\n"
	"\n"
	"Runs CMD (no shell; it keeps the terminal, stdin, stdout and stderr), then\n"
	"waits until Prometheus has scraped the selected targets past its end and\n"
	"reports exactly its window.\n"
	"\n"
	"  --task NAME        task name for the rows (default: the command's name)\n"
	"  --node NAME        only this node (repeatable; default: every node)\n"
	"  --by device        one row per device instead of per node\n"
	"  -o, --output FILE  write to FILE (replaced atomically) instead of stdout\n"
	"  -o DATABASE        upsert the rows into sqlite:PATH, mysql://USER@HOST[:PORT]/DB\n"
	"                     or postgresql://USER@HOST[:PORT]/DB (tables powertest_report,\n"
	"                     powertest_device; password from outputs.password_file)\n"
	"  --append           add rows to FILE under its header (locked)\n"
	"  --format FMT       csv (default), table, json or html (one self-contained\n"
	"                     page with charts, a sortable table and the assumptions)\n"
	"  --wait DUR         longest wait for the final scrape (default: 2 scrape\n"
	"                     intervals + 10s)\n"
	"  -h, --help         this help\n"
	"\n"
	"SIGINT, SIGTERM and SIGHUP reach the command; its row is still written.\n"
	"Exit: the command's status when it failed (128+N when killed by signal N),\n"
	"otherwise the report's (0 ok, 1 missing data, 3 Prometheus, 4 output);\n"
	"2 when CMD cannot be found or executed, or for usage errors; 125 when\n"
	"powertest cannot start it (fork or pipe failed).\n";

static volatile sig_atomic_t child_pid;

/* Signals sent to powertest alone (kill, a batch system) are passed on. One
 * typed at the terminal already reaches the command, which shares our process
 * group: sending it again would hit the command twice. */
static void forward(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	if (child_pid > 0 && (info == NULL || info->si_code != SI_KERNEL))
		kill(child_pid, sig);
}

/* Starts argv; *pid on success. A command that cannot be executed is an
 * error here (PT_EUSAGE), reported through a close-on-exec pipe, not an exit
 * status. pipe() or fork() failing is the system's doing, neither the
 * command's nor a usage error: PT_ESYS (exit 125, as env and timeout). */
static int spawn(pid_t *pid, char **argv, const struct sigaction old[3], struct pt_error *err)
{
	int pfd[2], e = 0;
	ssize_t n;
	sigset_t block, prev;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return pt_error_set(err, PT_ESYS, "cannot create a pipe: %s", strerror(errno));
	/* Signals wait until child_pid is known in the parent and until the
	 * child has its own dispositions back. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &prev);
	*pid = fork();
	if (*pid < 0) {
		sigprocmask(SIG_SETMASK, &prev, NULL);
		close(pfd[0]);
		close(pfd[1]);
		return pt_error_set(err, PT_ESYS, "cannot start '%s': %s", argv[0], strerror(errno));
	}
	if (*pid == 0) {
		/* The command gets the dispositions powertest was started with (an
		 * ignored SIGHUP under nohup stays ignored); exec resets handlers. */
		sigaction(SIGINT, &old[0], NULL);
		sigaction(SIGTERM, &old[1], NULL);
		sigaction(SIGHUP, &old[2], NULL);
		sigprocmask(SIG_SETMASK, &prev, NULL);
		close(pfd[0]);
		execvp(argv[0], argv);
		e = errno;
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	child_pid = *pid;
	sigprocmask(SIG_SETMASK, &prev, NULL);
	close(pfd[1]);
	while ((n = read(pfd[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	if (n == (ssize_t)sizeof(e)) {
		child_pid = 0;
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		return pt_error_set(err, PT_EUSAGE, "cannot run '%s': %s", argv[0], strerror(e));
	}
	return PT_OK;
}

int cmd_run(const struct pt_cli *cli, int argc, char **argv)
{
	enum { OPT_WAIT = 256 };
	static const struct option longopts[] = {
		PT_OUT_LONGOPTS,
		{"wait", required_argument, NULL, OPT_WAIT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *wait_arg = NULL, *task;
	struct pt_out_opts o = {0};
	struct pt_error err = {0, ""}, late = {0, ""};
	struct pt_ctx *ctx = NULL;
	struct pt_row *rows = NULL;
	size_t nrows = 0;
	struct pt_window w;
	struct sigaction sa, old[3];
	int opt, rc, status = 0, cmd_rc = 0;
	int64_t wait_ms = -1;
	char s[40], e[40];
	pid_t pid = -1;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_WAIT: wait_arg = optarg; break;
		case 'h': fputs(run_usage, stdout); rc = 0; goto out;
		case ':': rc = pt_usage_error("run", "option '%s' needs a value", argv[optind - 1]); goto out;
		case '?': rc = pt_usage_error("run", "unknown option '%s'", argv[optind - 1]); goto out;
		default:
			if ((rc = pt_cli_out_option(&o, opt, optarg, "run")) != 0)
				goto out;
		}
	}
	if (optind >= argc) {
		rc = pt_usage_error("run", "no command given: powertest run [options] -- CMD [ARG]...");
		goto out;
	}
	if ((rc = pt_cli_out_check(&o, "run")) != 0)
		goto out;
	if (wait_arg && pt_duration_parse(&wait_ms, wait_arg, &err) != PT_OK) {
		rc = pt_usage_error("run", "%s", err.msg);
		goto out;
	}
	/* Configuration errors show now, not after a ten-hour job. */
	if ((rc = pt_cli_open(&ctx, cli)) != 0)
		goto out;
	task = o.task;
	if (task == NULL)
		task = strrchr(argv[optind], '/') ? strrchr(argv[optind], '/') + 1 : argv[optind];

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
	sigaction(SIGHUP, &sa, &old[2]);

	memset(&w, 0, sizeof(w));
	w.start_ms = pt_now_ms();
	if (spawn(&pid, argv + optind, old, &err) != PT_OK) {
		sigaction(SIGINT, &old[0], NULL);
		sigaction(SIGTERM, &old[1], NULL);
		sigaction(SIGHUP, &old[2], NULL);
		rc = pt_fail(&err);
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = 0;
			break;
		}
	}
	w.end_ms = pt_now_ms();
	child_pid = 0;
	if (WIFSIGNALED(status))
		cmd_rc = 128 + WTERMSIG(status);
	else if (WIFEXITED(status))
		cmd_rc = WEXITSTATUS(status);

	pt_time_format(s, sizeof(s), w.start_ms);
	pt_time_format(e, sizeof(e), w.end_ms);
	pt_verbose(cli, "command ended with status %d; window %s .. %s", cmd_rc, s, e);
	/* Signals are still forwarded (to nobody) while we wait and report: a
	 * second Ctrl-C must not lose the row of a job that already ran. */
	w.task = task;
	w.nodes = o.nodes.v;
	w.nnodes = o.nodes.n;
	/* Without --node, every node Prometheus scrapes gets a row: a command too
	 * short for data shows as no_data, not as nothing. */
	rc = pt_measure_window(&rows, &nrows, ctx, &w, wait_ms, PT_MEASURE_EVERY_TARGET, &late, &err);
	if (late.code == PT_EMISSING)
		pt_msg(cli, "%s", late.msg);
	if (rc != PT_OK) {
		rc = pt_fail(&err);
		pt_msg(cli, "window was %s .. %s; report it later with: powertest report --start %s --end %s",
				s, e, s, e);
		goto done;
	}
	if (nrows == 0)
		pt_msg(cli, "no node has data for the command's window %s .. %s", s, e);
	rc = pt_cli_emit(ctx, rows, nrows, &o, "run", task, &err);
	if (rc != PT_OK) {
		rc = pt_fail(&err);
		goto done;
	}
	rc = (nrows == 0 || pt_rows_missing(rows, nrows)) ? 1 : 0;
done:
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
	sigaction(SIGHUP, &old[2], NULL);
	if (cmd_rc != 0)
		rc = cmd_rc;
out:
	pt_rows_free(rows, nrows);
	pt_ctx_free(ctx);
	pt_strlist_free(&o.nodes);
	return rc;
}
