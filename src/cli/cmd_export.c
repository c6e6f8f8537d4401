/* cmd_export.c - powertest export: utilisation, power, cumulative energy and CO2 per step and node, for Grafana. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "csvout.h"
#include "schema.h"
#include "sink.h"
#include "export.h"
#include "html.h"
#include "timefmt.h"

static const char export_usage[] =
	"usage: powertest export (--start T --end T | --last DUR) [options]\n"
	"\n"
	"Time series for Grafana: one row per (step, node) with utilisation, power,\n"
	"and energy_wh and co2_g cumulative from the start, through the same model\n"
	"as report (CO2 from each step's carbon intensity).\n"
	"Fetched and written in slices (each range query under Prometheus' 11,000\n"
	"points per series), so long spans do not need much memory.\n"
	"\n"
	"  --start T            first row's time: RFC 3339 or Unix seconds\n"
	"  --end T              last row at or before this time\n"
	"  --last DUR           the span ending now (90s, 15m, 1h30m, 2d)\n"
	"  --step DUR           time between rows (default: the scrape interval of\n"
	"                       the targets, else 15s)\n"
	"  --node NAME          only this node (repeatable); its rows are there even\n"
	"                       without data\n"
	"  -o, --output FILE    write to FILE (replaced atomically) instead of stdout\n"
	"  -o DATABASE          upsert the rows into table powertest_export of\n"
	"                       sqlite:PATH, mysql://USER@HOST[:PORT]/DB or\n"
	"                       postgresql://USER@HOST[:PORT]/DB, all or none\n"
	"  --format FMT         csv (default) or html (one self-contained page with\n"
	"                       power and energy charts per node and the rows)\n"
	"  --concurrency N      range queries in flight (default 4)\n"
	"  --scrape-interval DUR  sample interval of the data, when the targets API\n"
	"                       does not know it (backfilled history)\n"
	"  --chunk DUR          longest time slice fetched at once\n"
	"                       (--step, --scrape-interval, --chunk: at most 365d)\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit: 0 ok, 1 a node without data, 2 usage, 3 Prometheus, 4 output.\n";

int cmd_export(const struct pt_cli *cli, int argc, char **argv)
{
	enum { OPT_STEP = 256, OPT_NODE, OPT_CONC, OPT_SCRAPE,
		OPT_CHUNK, OPT_FORMAT };
	static const struct option longopts[] = {
		PT_WINDOW_LONGOPTS,
		{"step", required_argument, NULL, OPT_STEP},
		{"node", required_argument, NULL, OPT_NODE},
		{"output", required_argument, NULL, 'o'},
		{"concurrency", required_argument, NULL, OPT_CONC},
		{"scrape-interval", required_argument, NULL, OPT_SCRAPE},
		{"chunk", required_argument, NULL, OPT_CHUNK},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct pt_window_args wa = {NULL, NULL, NULL};
	const char *output = NULL;
	struct pt_strlist nodes = {0};
	struct pt_error err = {0, ""};
	struct pt_ctx *ctx = NULL;
	struct pt_out *out = NULL;
	struct pt_export_opts opts;
	struct pt_export_result res;
	char s1[40], s2[40], tmp[4096] = "";
	bool html = false;
	int opt, rc;
	size_t i;

	memset(&opts, 0, sizeof(opts));
	memset(&res, 0, sizeof(res));
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:o:h", longopts, NULL)) != -1) {
		if (pt_cli_window_option(&wa, opt, optarg))
			continue;
		switch (opt) {
		case OPT_STEP:
			if ((rc = pt_cli_duration(&opts.step_ms, "export", "--step", optarg)) != 0)
				goto out;
			break;
		case OPT_SCRAPE:
			if ((rc = pt_cli_duration(&opts.scrape_ms, "export", "--scrape-interval", optarg)) != 0)
				goto out;
			break;
		case OPT_CHUNK:
			if ((rc = pt_cli_duration(&opts.chunk_ms, "export", "--chunk", optarg)) != 0)
				goto out;
			break;
		case OPT_NODE:
			if ((rc = pt_cli_node("export", optarg)) != 0)
				goto out;
			if (pt_strlist_add(&nodes, optarg) != 0) {
				rc = pt_fail(&(struct pt_error){PT_ENOMEM, "out of memory"});
				goto out;
			}
			break;
		case OPT_CONC:
			if ((rc = pt_cli_concurrency(&opts.concurrency, "export", optarg)) != 0)
				goto out;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "html") != 0) {
				rc = pt_usage_error("export", "export writes csv or html, not '%s'", optarg);
				goto out;
			}
			html = strcmp(optarg, "html") == 0;
			break;
		case 'o': output = optarg; break;
		case 'h': fputs(export_usage, stdout); rc = 0; goto out;
		case ':': rc = pt_usage_error("export", "option '%s' needs a value", argv[optind - 1]); goto out;
		default: rc = pt_usage_error("export", "unknown option '%s'", argv[optind - 1]); goto out;
		}
	}
	if (optind < argc) {
		rc = pt_usage_error("export", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if ((rc = pt_cli_window(&opts.start_ms, &opts.end_ms, "export", &wa)) != 0)
		goto out;
	if (opts.step_ms > 0 && opts.end_ms - opts.start_ms < opts.step_ms) {
		rc = pt_usage_error("export", "the span is shorter than one --step");
		goto out;
	}
	if (pt_db_is_uri(output) && (rc = pt_cli_db_check(output, !html, "export")) != 0)
		goto out;
	if ((rc = pt_cli_open(&ctx, cli)) != 0)
		goto out;
	opts.nodes = nodes.v;
	opts.nnodes = nodes.n;
	if (pt_db_is_uri(output)) {
		/* One transaction: every row of the export, or none. */
		if (pt_sink_open(&opts.sink, output, ctx->cfg->output_password_file, &err) != PT_OK ||
				pt_sink_begin(opts.sink, &pt_schema_export, &err) != PT_OK ||
				pt_export_run(&res, ctx, &opts, NULL, &err) != PT_OK ||
				pt_sink_commit(opts.sink, &err) != PT_OK) {
			rc = pt_fail(&err);
			goto out;
		}
	} else if ((html && (pt_out_check(output, false, &err) != PT_OK ||
			pt_html_tmp_file(tmp, sizeof(tmp), &err) != PT_OK)) ||
			pt_out_open(&out, html ? tmp : output, false, pt_schema_header(&pt_schema_export),
				&err) != PT_OK ||
			pt_export_run(&res, ctx, &opts, out, &err) != PT_OK ||
			pt_out_commit(out, &err) != PT_OK ||
			(html && pt_html_emit_csv(ctx, "export", "powertest export", tmp, output,
				&err) != PT_OK)) {
		rc = pt_fail(&err);
		goto out;
	}
	pt_verbose(cli, "%zu rows, %zu steps of %lldms (samples every %lldms), %zu range queries in "
			"%zu slices", res.rows, res.steps, (long long)res.step_ms, (long long)res.scrape_ms,
			res.requests, res.slices);
	pt_time_format(s1, sizeof(s1), opts.start_ms);
	pt_time_format(s2, sizeof(s2), opts.end_ms);
	for (i = 0; i < res.nmissing; i++)
		pt_msg(cli, "node %s has no data between %s and %s", res.missing[i], s1, s2);
	if (res.no_nodes)
		pt_msg(cli, "no node has data between %s and %s", s1, s2);
	if (res.warnings.len)
		pt_msg(cli, "partial: store warned: %s", res.warnings.data);
	rc = (res.nmissing || res.no_nodes || res.warnings.len) ? 1 : 0;
out:
	if (tmp[0])
		unlink(tmp);
	pt_export_result_clear(&res);
	pt_sink_free(opts.sink);
	pt_out_free(out);
	pt_ctx_free(ctx);
	pt_strlist_free(&nodes);
	return rc;
}
