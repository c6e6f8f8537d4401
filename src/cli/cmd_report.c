/* cmd_report.c - powertest report: the energy of one window, one row per node or per device. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "scrape.h"

/* Windows at least this long are never flagged as shorter than two scrape
 * intervals: scrape intervals above 5 minutes make no sense for this data. */
#define SHORT_WINDOW_MS (10 * 60 * 1000)

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
	"  -o DATABASE        upsert the rows into sqlite:PATH, mysql://USER@HOST[:PORT]/DB\n"
	"                     or postgresql://USER@HOST[:PORT]/DB (tables powertest_report,\n"
	"                     powertest_device; password from outputs.password_file)\n"
	"  --append           add rows to FILE under its header (locked; header if new)\n"
	"  --format FMT       csv (default), table, json or html (one self-contained\n"
	"                     page with charts, a sortable table and the assumptions)\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit: 0 ok, 1 a node or device without data, 2 usage, 3 Prometheus, 4 output.\n";

int cmd_report(const struct pt_cli *cli, int argc, char **argv)
{
		static const struct option longopts[] = {
		PT_WINDOW_LONGOPTS,
		PT_OUT_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct pt_window_args wa = {NULL, NULL, NULL};
	struct pt_out_opts o = {0};
	struct pt_error err = {0, ""};
	struct pt_ctx *ctx = NULL;
	struct pt_row *rows = NULL;
	size_t nrows = 0;
	struct pt_window w;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:o:h", longopts, NULL)) != -1) {
		if (pt_cli_window_option(&wa, opt, optarg))
			continue;
		switch (opt) {
		case 'h': fputs(report_usage, stdout); rc = 0; goto out;
		case ':': rc = pt_usage_error("report", "option '%s' needs a value", argv[optind - 1]); goto out;
		case '?': rc = pt_usage_error("report", "unknown option '%s'", argv[optind - 1]); goto out;
		default:
			if ((rc = pt_cli_out_option(&o, opt, optarg, "report")) != 0)
				goto out;
		}
	}
	if (optind < argc) {
		rc = pt_usage_error("report", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if ((rc = pt_cli_out_check(&o, "report")) != 0)
		goto out;
	memset(&w, 0, sizeof(w));
	if ((rc = pt_cli_window(&w.start_ms, &w.end_ms, "report", &wa)) != 0)
		goto out;
	if ((rc = pt_cli_open(&ctx, cli)) != 0)
		goto out;
	w.task = o.task;
	w.nodes = o.nodes.v;
	w.nnodes = o.nodes.n;
	/* The targets list of a big lab is megabytes; only a short window can be
	 * shorter than two scrape intervals (which are minutes at most). The
	 * targets API failing is no reason to fail: 0 flags nothing. */
	if (w.end_ms - w.start_ms < SHORT_WINDOW_MS)
		(void)!pt_scrape_interval(&w.scrape_interval_ms, ctx, NULL, 0, false, &err);
	pt_error_clear(&err);
	if (pt_report_window(&rows, &nrows, ctx, &w, &err) != PT_OK) {
		rc = pt_fail(&err);
		goto out;
	}
	if (nrows == 0)
		pt_msg(cli, "no node has data in this window");
	rc = pt_cli_emit(ctx, rows, nrows, &o, "report", o.task, &err);
	if (rc != PT_OK) {
		rc = pt_fail(&err);
		goto out;
	}
	rc = (nrows == 0 || pt_rows_missing(rows, nrows)) ? 1 : 0;
out:
	pt_rows_free(rows, nrows);
	pt_ctx_free(ctx);
	pt_strlist_free(&o.nodes);
	return rc;
}
