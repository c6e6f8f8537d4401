/* cmd_report.c - powertest report: the energy of one window, one row per node or per device. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

static const char report_usage[] =
	"usage: powertest report (--start T --end T | --last DUR) [options]\n"
	"\n"
	"Energy, power and CO2 of one window, one row per node.\n"
	"\n"
	"  --start T          window start: RFC 3339 (2026-11-21T10:00:00Z) or Unix seconds\n"
	"  --end T            window end\n"
	"  --last DUR         the window ending now (90s, 15m, 1h30m, 2d)\n"
	"  --task NAME        task name for the rows\n"
	"  --node NAME        only this node (repeatable); it gets a row even without data\n"
	"  --by device        one row per device (cpu, ram, each GPU) instead of per node\n"
	"  -o, --output FILE  write to FILE (replaced atomically) instead of stdout\n"
	"  --append           add rows to FILE under its header (locked; header if new)\n"
	"  --format FMT       csv (default), table or json\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit: 0 ok, 1 a node or device without data, 2 usage, 3 Prometheus, 4 output.\n";

int cmd_report(const struct pt_cli *cli, int argc, char **argv)
{
	enum { OPT_START = 256, OPT_END, OPT_LAST, OPT_TASK, OPT_NODE, OPT_BY, OPT_APPEND, OPT_FORMAT };
	static const struct option longopts[] = {
		{"start", required_argument, NULL, OPT_START},
		{"end", required_argument, NULL, OPT_END},
		{"last", required_argument, NULL, OPT_LAST},
		{"task", required_argument, NULL, OPT_TASK},
		{"node", required_argument, NULL, OPT_NODE},
		{"by", required_argument, NULL, OPT_BY},
		{"output", required_argument, NULL, 'o'},
		{"append", no_argument, NULL, OPT_APPEND},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *start = NULL, *end = NULL, *last = NULL, *task = NULL, *output = NULL;
	struct pt_strlist nodes = {0};
	struct pt_error err = {0, ""};
	struct pt_ctx *ctx = NULL;
	struct pt_row *rows = NULL;
	size_t nrows = 0;
	struct pt_window w;
	bool append = false, by_device = false;
	int fmt = PT_FMT_CSV, opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_START: start = optarg; break;
		case OPT_END: end = optarg; break;
		case OPT_LAST: last = optarg; break;
		case OPT_TASK: task = optarg; break;
		case OPT_NODE:
			if (*optarg == '\0') {
				rc = pt_usage_error("report", "--node needs a node name");
				goto out;
			}
			if (pt_strlist_add(&nodes, optarg) != 0) {
				rc = pt_fail(&(struct pt_error){PT_ENOMEM, "out of memory"});
				goto out;
			}
			break;
		case OPT_BY:
			if (strcmp(optarg, "device") == 0) {
				by_device = true;
			} else if (strcmp(optarg, "node") != 0) {
				rc = pt_usage_error("report", "--by takes 'node' or 'device', not '%s'", optarg);
				goto out;
			}
			break;
		case 'o': output = optarg; break;
		case OPT_APPEND: append = true; break;
		case OPT_FORMAT:
			if ((fmt = pt_cli_format(optarg)) < 0) {
				rc = pt_usage_error("report", "unknown format '%s' (csv, table, json)", optarg);
				goto out;
			}
			break;
		case 'h': fputs(report_usage, stdout); rc = 0; goto out;
		case ':': rc = pt_usage_error("report", "option '%s' needs a value", argv[optind - 1]); goto out;
		default: rc = pt_usage_error("report", "unknown option '%s'", argv[optind - 1]); goto out;
		}
	}
	if (optind < argc) {
		rc = pt_usage_error("report", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (append && output == NULL) {
		rc = pt_usage_error("report", "--append needs -o FILE");
		goto out;
	}
	if (append && fmt != PT_FMT_CSV) {
		rc = pt_usage_error("report", "--append works with --format csv only");
		goto out;
	}
	memset(&w, 0, sizeof(w));
	if ((rc = pt_cli_window(&w.start_ms, &w.end_ms, "report", start, end, last)) != 0)
		goto out;
	if ((rc = pt_cli_open(&ctx, cli)) != 0)
		goto out;
	w.task = task;
	w.nodes = nodes.v;
	w.nnodes = nodes.n;
	w.scrape_interval_ms = pt_cli_scrape_interval(ctx, w.end_ms - w.start_ms);
	if (pt_report_window(&rows, &nrows, ctx, &w, &err) != PT_OK) {
		rc = pt_fail(&err);
		goto out;
	}
	if (nrows == 0)
		pt_msg(cli, "no node has data in this window");
	if (pt_cli_emit(rows, nrows, (enum pt_format)fmt, by_device, output, append, &err) != PT_OK) {
		rc = pt_fail(&err);
		goto out;
	}
	rc = (nrows == 0 || pt_rows_missing(rows, nrows)) ? 1 : 0;
out:
	pt_rows_free(rows, nrows);
	pt_ctx_free(ctx);
	pt_strlist_free(&nodes);
	return rc;
}
