/* cmd_check.c - powertest check: validate config and query set, show the PromQL, ping Prometheus. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "detect.h"
#include "timefmt.h"

static const char check_usage[] =
	"usage: powertest check [--last DUR] [--node NAME]... [--offline | --detect]\n"
	"\n"
	"Loads and validates the configuration and the query set, prints the PromQL\n"
	"it would send for a sample window (paste it into Grafana or the Prometheus\n"
	"UI), and checks that Prometheus answers. Sends no energy queries, unless\n"
	"--detect.\n"
	"\n"
	"  --last DUR     sample window length (default 1h)\n"
	"  --node NAME    sample node filter (repeatable)\n"
	"  --offline      do not contact Prometheus (the token, password and CA\n"
	"                 files are still read)\n"
	"  --detect       run the query set over the window ending now and show,\n"
	"                 per node (and GPU), which sources of each quantity have\n"
	"                 data, and with '*' the one the node would use; where none\n"
	"                 has, what stands in (the model, the sum of the parts)\n"
	"  -h, --help     this help\n"
	"\n"
	"Exit: 0 valid (and Prometheus answers), 2 usage, config or query set,\n"
	"3 Prometheus.\n";

static int check_files(const struct pt_config *cfg, struct pt_error *err)
{
	const char *secrets[2] = {cfg->bearer_token_file, cfg->basic_password_file};
	char *s = NULL;
	int i, rc;

	for (i = 0; i < 2; i++) {
		if (secrets[i] == NULL)
			continue;
		if ((rc = pt_read_secret(&s, secrets[i], err)) != PT_OK)
			return rc;
		free(s);
	}
	if (cfg->ca_file && access(cfg->ca_file, R_OK) != 0)
		return pt_error_set(err, PT_EUSAGE, "cannot read CA file %s: %s", cfg->ca_file,
				strerror(errno));
	return PT_OK;
}

int cmd_check(const struct pt_cli *cli, int argc, char **argv)
{
	enum { OPT_LAST = 256, OPT_NODE, OPT_OFFLINE, OPT_DETECT };
	static const struct option longopts[] = {
		{"last", required_argument, NULL, OPT_LAST},
		{"node", required_argument, NULL, OPT_NODE},
		{"offline", no_argument, NULL, OPT_OFFLINE},
		{"detect", no_argument, NULL, OPT_DETECT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *last = "1h", *path;
	struct pt_strlist nodes = {0};
	struct pt_error err = {0, ""};
	struct pt_ctx *ctx = NULL;
	struct pt_buf q = {0};
	struct pt_expand x;
	bool offline = false, detect = false;
	int64_t window;
	char *version = NULL, shown[256];
	int opt, rc, i;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_LAST: last = optarg; break;
		case OPT_NODE:
			if ((rc = pt_cli_node("check", optarg)) != 0)
				goto out;
			if (pt_strlist_add(&nodes, optarg) != 0) {
				rc = pt_fail(&(struct pt_error){PT_ENOMEM, "out of memory"});
				goto out;
			}
			break;
		case OPT_OFFLINE: offline = true; break;
		case OPT_DETECT: detect = true; break;
		case 'h': fputs(check_usage, stdout); rc = 0; goto out;
		case ':': rc = pt_usage_error("check", "option '%s' needs a value", argv[optind - 1]); goto out;
		default: rc = pt_usage_error("check", "unknown option '%s'", argv[optind - 1]); goto out;
		}
	}
	if (optind < argc) {
		rc = pt_usage_error("check", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (pt_duration_parse(&window, last, &err) != PT_OK) {
		rc = pt_usage_error("check", "%s", err.msg);
		goto out;
	}
	if (detect && offline) {
		rc = pt_usage_error("check", "--detect asks Prometheus: not with --offline");
		goto out;
	}
	path = pt_config_locate(cli->config_path);
	if ((offline ? pt_ctx_open_offline(&ctx, path, &err) :
			pt_ctx_open(&ctx, path, cli->url, &err)) != PT_OK) {
		rc = pt_fail(&err);
		goto out;
	}
	/* Offline, the files a connection would read are read here. */
	if (offline && (rc = check_files(ctx->cfg, &err)) != PT_OK) {
		rc = pt_fail(&err);
		goto out;
	}
	printf("config: %s\n", ctx->cfg->path ? ctx->cfg->path : "(built-in defaults)");
	printf("query set: %s (%s)\n", ctx->qs->path, ctx->qs->name ? ctx->qs->name : "unnamed");
	if (ctx->cfg->power.carbon_file) {
		const struct pt_intensity *t = pt_ctx_intensity(ctx, &ctx->cfg->power);
		char a[32], e[32];
		pt_time_format(a, sizeof(a), t->t_ms[0]);
		pt_time_format(e, sizeof(e), t->end_ms);
		printf("carbon intensity: %s (%s), %zu rows, %s .. %s; PUE %.3f, prefer measured: %s\n",
				t->name, t->column == PT_CI_DIRECT ? "direct" : "LCA", t->n, a, e,
				ctx->cfg->power.has_pue ? ctx->cfg->power.pue : 1.0,
				ctx->cfg->prefer_measured ? "yes" : "no");
	} else if (!ctx->cfg->power.has_carbon_intensity && ctx->cfg->power.country == NULL &&
			ctx->qs->q[PT_Q_CARBON_INTENSITY] != NULL) {
		printf("carbon intensity: the query set's carbon_intensity, hour by hour; PUE %.3f, "
				"prefer measured: %s\n", ctx->cfg->power.has_pue ? ctx->cfg->power.pue : 1.0,
				ctx->cfg->prefer_measured ? "yes" : "no");
	} else {
		printf("carbon intensity: %.3f g/kWh, PUE %.3f, prefer measured: %s\n",
				ctx->carbon_intensity, ctx->cfg->power.has_pue ? ctx->cfg->power.pue : 1.0,
				ctx->cfg->prefer_measured ? "yes" : "no");
	}
	printf("\nPromQL for a %s window (evaluated at its end):\n", last);
	x.window_ms = window;
	x.node_label = ctx->cfg->node_label;
	x.nodes = nodes.v;
	x.nnodes = nodes.n;
	x.strip_port = ctx->cfg->strip_port;
	for (i = 0; i < (int)ctx->qs->n; i++) {
		const struct pt_query *qq = &ctx->qs->items[i];

		pt_buf_reset(&q);
		x.window_ms = pt_report_template_window(qq, window); /* as report sends it */
		if (pt_queryset_expand(&q, qq, &x, &err) != PT_OK) {
			rc = pt_fail(&err);
			goto out;
		}
		printf("\n# %s%s%s (%s:%d)\n%s\n", pt_quantity_name(qq->quantity),
				qq->source ? " from " : "", qq->source ? qq->source : "", ctx->qs->path,
				qq->line, q.data);
	}
	if (!offline) {
		if (pt_prom_buildinfo(&version, ctx->prom, &err) != PT_OK) {
			rc = pt_fail(&err);
			goto out;
		}
		pt_url_redact(shown, sizeof(shown), pt_prom_base_url(ctx->prom));
		printf("\nPrometheus at %s answers (version %s)\n", shown, version);
	}
	if (detect) {
		struct pt_detect_node *found = NULL;
		struct pt_window w;
		size_t nfound = 0;

		memset(&w, 0, sizeof(w));
		w.end_ms = pt_now_ms();
		w.start_ms = w.end_ms - window;
		w.nodes = (const char *const *)nodes.v;
		w.nnodes = nodes.n;
		if (pt_detect(&found, &nfound, ctx, &w, &err) != PT_OK) {
			rc = pt_fail(&err);
			goto out;
		}
		printf("\n");
		pt_detect_print(stdout, ctx->qs, found, nfound, ctx->cfg->prefer_measured);
		pt_detect_free(found, nfound);
	}
	rc = 0;
out:
	free(version);
	pt_buf_free(&q);
	pt_ctx_free(ctx);
	pt_strlist_free(&nodes);
	return rc;
}
