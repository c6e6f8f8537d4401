/* cmd_serve.c - powertest serve: answers the Grafana CSV data source over HTTP until SIGINT or SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "serve.h"

static const char serve_usage[] =
	"usage: powertest serve [--listen HOST:PORT] [--threads N]\n"
	"\n"
	"Serves energy reports as CSV over HTTP for the Grafana CSV data source\n"
	"(HTTP mode), computed on demand from Prometheus:\n"
	"\n"
	"  GET /report.csv?start=T&end=T[&node=N,...][&task=NAME][&by=device]\n"
	"  GET /export.csv?start=T&end=T[&step=DUR][&node=N,...]\n"
	"  GET /             a page with charts, totals and the rows of a window\n"
	"                    picked in it (drawn from the two endpoints above)\n"
	"  GET /healthz, GET /help (the list of endpoints)\n"
	"\n"
	"T is RFC 3339, Unix seconds, or Unix milliseconds (13 digits or more, as\n"
	"Grafana's ${__from} and ${__to}); last=DUR replaces start and end.\n"
	"\n"
	"  --listen ADDR      address to listen on (default " PT_SERVE_DEFAULT_LISTEN ", loopback\n"
	"                     only); HOST:PORT, [IPv6]:PORT, or PORT for 127.0.0.1:PORT.\n"
	"                     0.0.0.0:PORT exposes the reports to the network.\n"
	"  --threads N        requests computed at once (default 4)\n"
	"  -h, --help         this help\n"
	"\n"
	"One client address may hold 32 connections (256 in all); a request must\n"
	"arrive whole within 3 s, and what is not HTTP gets a 400 or is closed.\n"
	"With -v, one line per request on stderr. Stops cleanly on SIGINT or SIGTERM.\n"
	"Exit: 0 stopped by a signal, 2 usage or configuration, 3 cannot listen.\n";

/* One request line from the server's worker threads: one fprintf per line,
 * so lines from concurrent requests do not interleave. */
static void log_line(void *user, const char *line)
{
	(void)user;
	fprintf(stderr, "powertest: %s\n", line);
}

int cmd_serve(const struct pt_cli *cli, int argc, char **argv)
{
	enum { OPT_LISTEN = 256, OPT_THREADS };
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct pt_serve_opts opts;
	struct pt_serve *srv = NULL;
	struct pt_error err = {0, ""};
	sigset_t stop, old;
	unsigned long threads = 0;
	char *end;
	int opt, sig = 0;

	memset(&opts, 0, sizeof(opts));
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_LISTEN: opts.listen = optarg; break;
		case OPT_THREADS:
			errno = 0;
			threads = strtoul(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end != '\0' || errno || threads > 256)
				return pt_usage_error("serve", "--threads takes a number from 1 to 256, not '%s'",
						optarg);
			break;
		case 'h': fputs(serve_usage, stdout); return 0;
		case ':': return pt_usage_error("serve", "option '%s' needs a value", argv[optind - 1]);
		default: return pt_usage_error("serve", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return pt_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	opts.config_path = pt_config_locate(cli->config_path);
	opts.url_override = cli->url;
	opts.threads = (unsigned)threads;
	if (cli->verbosity > 0)
		opts.log = log_line;

	/* The server's threads inherit this mask, so SIGINT and SIGTERM come to
	 * sigwait below and nowhere else. A client that hangs up mid-answer must
	 * not kill the server. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &stop, &old) != 0)
		return pt_fail(&(struct pt_error){PT_ENET, "cannot block signals"});
	signal(SIGPIPE, SIG_IGN);

	if (pt_serve_start(&srv, &opts, &err) != PT_OK) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return pt_fail(&err);
	}
	pt_msg(cli, "serving http://%s/ (report.csv, export.csv); stop with Ctrl-C",
			pt_serve_address(srv));
	while (sigwait(&stop, &sig) != 0)
		;
	pt_verbose(cli, "%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	pt_serve_stop(srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}
