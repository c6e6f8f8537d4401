/* main.c - the powertest command line: global options, then one command. */
#include <cjson/cJSON.h>
#include <csv.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>
#include <yaml.h>

#include "cli.h"
#include "pt_revision.h" /* PT_GIT_REVISION, when built from a git checkout */
#include "http.h"

static const char usage_text[] =
	"usage: powertest [-c FILE] [-u URL] [-v|-q] COMMAND [options]\n"
	"\n"
	"Energy and CO2 of jobs from what Prometheus already knows.\n"
	"\n"
	"Commands:\n"
	"  targets   health of the scrape targets\n"
	"  report    energy report of one window, one row per node (or device)\n"
	"  run       run a command, then report exactly its window\n"
	"  batch     one report row per (task, node) of a jobs file\n"
	"  export    time series of utilisation, power and energy for Grafana\n"
	"  serve     answer the Grafana CSV data source over HTTP\n"
	"  check     validate config and query set, print the PromQL, ping Prometheus;\n"
	"            --detect: which meters each node has\n"
	"\n"
	"Global options:\n"
	"  -c, --config FILE  configuration (default: $POWERTEST_CONFIG, ./powertest.yaml)\n"
	"  -u, --url URL      Prometheus base URL (overrides prometheus.url)\n"
	"  -v, --verbose      more messages on stderr\n"
	"  -q, --quiet        only errors on stderr\n"
	"  -h, --help         this help; 'powertest COMMAND --help' for a command\n"
	"  -V, --version      print the version, the git commit built from and\n"
	"                     the versions of the libraries in use\n"
	"\n"
	"Exit codes: 0 ok, 1 something missing, 2 usage or config error,\n"
	"3 Prometheus or network error, 4 cannot write output.\n";

struct command {
	const char *name;
	int (*fn)(const struct pt_cli *, int, char **);
};

static const struct command commands[] = {
	{"targets", cmd_targets},
	{"report", cmd_report},
	{"run", cmd_run},
	{"batch", cmd_batch},
	{"export", cmd_export},
	{"serve", cmd_serve},
	{"check", cmd_check},
	{NULL, NULL}
};

/* "powertest: " and the message, when the verbosity asked for is at least min. */
static void say(const struct pt_cli *cli, int min, const char *fmt, va_list ap)
{
	if ((cli ? cli->verbosity : 0) < min)
		return;
	fputs("powertest: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pt_msg(const struct pt_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(cli, 0, fmt, ap);
	va_end(ap);
}

void pt_verbose(const struct pt_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(cli, cli ? 1 : INT_MAX, fmt, ap);
	va_end(ap);
}

int pt_fail(const struct pt_error *err)
{
	/* A failure never exits 0, whatever the code says. */
	int code = err->code == PT_OK ? PT_ENET : err->code;

	fprintf(stderr, "powertest: %s\n", err->msg[0] ? err->msg : "unknown error");
	return pt_exit_code(code);
}

int pt_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("powertest: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, " (see 'powertest %s --help')\n", cmd);
	else
		fputs(" (see 'powertest --help')\n", stderr);
	return pt_exit_code(PT_EUSAGE);
}

/* --version: the first line stays "powertest X.Y.Z" for scripts that read
 * it; then the commit built from (only from a git checkout) and the versions
 * of the libraries actually loaded, which a bug report needs more than the
 * ones built against. libcsv has no run-time version: its header's is shown. */
static void print_version(void)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	printf("powertest %s\n", PT_VERSION);
#ifdef PT_GIT_REVISION
	printf("revision: git %s\n", PT_GIT_REVISION);
#endif
	printf("libcurl: %s", cv->version);
	if (cv->ssl_version != NULL)
		printf(" (%s)", cv->ssl_version);
	printf("\ncJSON: %s\n", cJSON_Version());
	printf("libyaml: %s\n", yaml_get_version_string());
	printf("libmicrohttpd: %s\n", MHD_get_version());
	printf("libcsv: %d.%d.%d (built with; it has no run-time version)\n",
			CSV_MAJOR, CSV_MINOR, CSV_RELEASE);
}

/* Standard descriptors closed by the caller would be reused by the first
 * open (a libcurl socket would get the CSV): they point at /dev/null, read
 * only, so writing to a closed stdout still fails (exit 4). */
static void keep_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* Library warnings: once each (serve opens a client per thread, each reading
 * the same secret files), and not with -q. */
static int warn_quiet;

static void print_warning(const char *msg)
{
	static char seen[8][256];
	static size_t nseen;
	size_t i;

	if (warn_quiet)
		return;
	for (i = 0; i < nseen; i++)
		if (strcmp(seen[i], msg) == 0)
			return;
	if (nseen < sizeof(seen) / sizeof(seen[0]))
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", msg);
	fprintf(stderr, "powertest: warning: %s\n", msg);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"url", required_argument, NULL, 'u'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	struct pt_cli cli = {NULL, NULL, 0, argv[0]};
	const struct command *c;
	int opt, rc;

	keep_std_fds();
	/* Before anything makes a cJSON tree: all of them count. */
	pt_http_budget_json();
	/* Answers' buffers get their own mappings, given back to the system when
	 * freed: otherwise glibc raises the threshold as they are freed and
	 * later ones land in the threads' arenas, which keep the memory, and
	 * serve's threads would hold several budgets' worth between them. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	opterr = 0;
	/* '+' stops at the first non-option: the command name. */
	while ((opt = getopt_long(argc, argv, "+:c:u:vqhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': cli.config_path = optarg; break;
		case 'u': cli.url = optarg; break;
		case 'v': cli.verbosity = 1; break;
		case 'q': cli.verbosity = -1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		case 'V': print_version(); return 0;
		case ':': return pt_usage_error(NULL, "option '%s' needs a value", argv[optind - 1]);
		default: return pt_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return pt_usage_error(NULL, "no command given");
	for (c = commands; c->name; c++)
		if (strcmp(c->name, argv[optind]) == 0)
			break;
	if (c->name == NULL)
		return pt_usage_error(NULL, "unknown command '%s'", argv[optind]);

	warn_quiet = cli.verbosity < 0;
	pt_set_warning_handler(print_warning);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fputs("powertest: cannot initialise libcurl\n", stderr);
		return pt_exit_code(PT_ENET);
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* reset getopt for the command (glibc: 0 reinitialises) */
	rc = c->fn(&cli, argc, argv);
	/* Unless the command already said why it failed. */
	if ((fflush(stdout) != 0 || ferror(stdout)) && (rc == 0 || rc == 1)) {
		fputs("powertest: cannot write standard output\n", stderr);
		rc = pt_exit_code(PT_EWRITE);
	}
	curl_global_cleanup();
	return rc;
}
