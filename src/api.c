/* api.c - the public library (include/powertest.h) over the internal modules: clients, regions, reports. */
#include "powertest.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure.h"
#include "render.h"
#include "report.h"
#include "schema.h"
#include "scrape.h"
#include "timefmt.h"

#ifndef PT_VERSION
#define PT_VERSION POWERTEST_VERSION
#endif

_Static_assert((int)POWERTEST_SOURCE_NONE == (int)PT_SRC_NONE &&
		(int)POWERTEST_SOURCE_MODEL == (int)PT_SRC_MODEL &&
		(int)POWERTEST_SOURCE_MEASURED == (int)PT_SRC_MEASURED,
		"powertest_source and pt_source differ");

struct powertest_client {
	struct pt_ctx *ctx;
};

struct powertest_region {
	powertest_client *client;
	char *task;
	char **nodes;
	size_t nnodes, cap;
	int64_t wait_ms;   /* -1 = as `run`: two scrape intervals + 10 s */
	int64_t start_ms, end_ms;
	int running;
};

/* Public rows point into the internal ones, which the report owns. */
struct powertest_report {
	struct pt_row *rows;
	powertest_row *pub;
	size_t n;
	char warning[POWERTEST_ERROR_SIZE];
};

/* ---- errors ---- */

static powertest_code set_ok(powertest_error *err)
{
	if (err != NULL) {
		err->code = POWERTEST_OK;
		err->message[0] = '\0';
	}
	return POWERTEST_OK;
}

/* Copies an internal error out; returns its code. */
static powertest_code pass_on(powertest_error *err, const struct pt_error *e)
{
	/* A failure is never OK, whatever the code says. */
	int code = e->code == PT_OK ? PT_ENET : pt_public_code(e->code);

	if (err != NULL) {
		err->code = (powertest_code)code;
		snprintf(err->message, sizeof(err->message), "%s",
				e->msg[0] ? e->msg : powertest_strerror((powertest_code)code));
	}
	return (powertest_code)code;
}

static powertest_code fail(powertest_error *err, powertest_code code, const char *msg)
{
	if (err != NULL) {
		err->code = code;
		snprintf(err->message, sizeof(err->message), "%s", msg);
	}
	return code;
}

const char *powertest_strerror(powertest_code code)
{
	return pt_public_code((int)code) == (int)code ? pt_strerror((int)code) : "unknown error";
}

/* ---- library ---- */

const char *powertest_version(int *major, int *minor, int *patch)
{
	int v[3] = {0, 0, 0};

	/* PT_VERSION is the project version CMake passes in: "MAJOR.MINOR.PATCH". */
	if (sscanf(PT_VERSION, "%d.%d.%d", &v[0], &v[1], &v[2]) < 1)
		v[0] = 0;
	if (major)
		*major = v[0];
	if (minor)
		*minor = v[1];
	if (patch)
		*patch = v[2];
	return PT_VERSION;
}

powertest_code powertest_global_init(powertest_error *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return fail(err, POWERTEST_ENET, "cannot initialise libcurl");
	return set_ok(err);
}

void powertest_global_cleanup(void)
{
	curl_global_cleanup();
}

/* ---- client ---- */

powertest_code powertest_client_new(powertest_client **out, const char *config_path,
		const char *url, powertest_error *err)
{
	struct pt_error e = {0, ""};
	powertest_client *c;
	const char *path;

	if (out == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_client_new: no place for the client");
	*out = NULL;
	if (url != NULL && url[0] == '\0')
		return fail(err, POWERTEST_EUSAGE, "empty Prometheus URL");
	/* NULL: the command line's search; "": built-in defaults only. */
	if (config_path == NULL)
		path = pt_config_locate(NULL);
	else
		path = config_path[0] ? config_path : NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return fail(err, POWERTEST_ENOMEM, "out of memory");
	if (pt_ctx_open(&c->ctx, path, url, &e) != PT_OK) {
		free(c);
		return pass_on(err, &e);
	}
	*out = c;
	return set_ok(err);
}

void powertest_client_free(powertest_client *client)
{
	if (client == NULL)
		return;
	pt_ctx_free(client->ctx);
	free(client);
}

powertest_code powertest_client_ping(powertest_client *client, powertest_error *err)
{
	struct pt_error e = {0, ""};
	char *version = NULL;

	if (client == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_client_ping: no client");
	if (pt_prom_buildinfo(&version, client->ctx->prom, &e) != PT_OK)
		return pass_on(err, &e);
	free(version);
	return set_ok(err);
}

const char *powertest_client_url(const powertest_client *client)
{
	return client ? pt_prom_base_url(client->ctx->prom) : NULL;
}

const char *powertest_client_config_path(const powertest_client *client)
{
	return client ? client->ctx->cfg->path : NULL;
}

const char *powertest_client_queryset_path(const powertest_client *client)
{
	return client ? client->ctx->qs->path : NULL;
}

/* ---- reports ---- */

const char *powertest_source_name(powertest_source source)
{
	switch (source) {
	case POWERTEST_SOURCE_NONE:
	case POWERTEST_SOURCE_MODEL:
	case POWERTEST_SOURCE_MEASURED:
		return pt_source_name((enum pt_source)source);
	}
	return "";
}

static void row_publish(powertest_row *p, const struct pt_row *r)
{
	double uj;

	p->task = r->task;
	p->node = r->node;
	p->start_ms = r->start_ms;
	p->end_ms = r->end_ms;
	p->duration_s = r->duration_s;
	p->cpu_util_pct = r->cpu_util_pct;
	p->ram_util_pct = r->ram_util_pct;
	p->ram_used_gib = r->ram_used_gib;
	p->gpu_count = r->gpu_count;
	p->gpu_util_pct = r->gpu_util_pct;
	p->cpu_power_w = r->cpu_power_w;
	p->ram_power_w = r->ram_power_w;
	p->gpu_power_w = r->gpu_power_w;
	p->power_w = r->power_w;
	p->cpu_energy_wh = r->cpu_energy_wh;
	p->ram_energy_wh = r->ram_energy_wh;
	p->gpu_energy_wh = r->gpu_energy_wh;
	p->energy_wh = r->energy_wh;
	p->energy_j = r->energy_j;
	/* The same rounding as the CSV's energy_uj cell. */
	p->energy_uj = pt_energy_uj(r->energy_j, &uj) ? (int64_t)uj : -1;
	p->pue = r->pue;
	p->carbon_intensity_g_per_kwh = r->carbon_intensity;
	p->co2_g = r->co2_g;
	p->cpu_source = (powertest_source)r->cpu_source;
	p->gpu_source = (powertest_source)r->gpu_source;
	p->status = (powertest_status)r->status.kind;
	p->status_text = r->status.text;
	p->other_power_w = r->other_power_w;
	p->other_energy_wh = r->other_energy_wh;
	p->ram_source = (powertest_source)r->ram_source;
	p->cpu_source_name = r->cpu_src[0] ? r->cpu_src : pt_source_name(r->cpu_source);
	p->ram_source_name = r->ram_src[0] ? r->ram_src : pt_source_name(r->ram_source);
	p->gpu_source_name = r->gpu_src[0] ? r->gpu_src : pt_source_name(r->gpu_source);
	p->power_source_name = r->power_src[0] ? r->power_src : "sum";
}

/* Takes ownership of rows (freed on failure too). */
static powertest_code report_make(powertest_report **out, struct pt_row *rows, size_t n,
		powertest_error *err)
{
	powertest_report *rep;
	size_t i;

	*out = NULL;
	if ((rep = calloc(1, sizeof(*rep))) == NULL ||
			(rep->pub = calloc(n ? n : 1, sizeof(*rep->pub))) == NULL) {
		free(rep);
		pt_rows_free(rows, n);
		return fail(err, POWERTEST_ENOMEM, "out of memory");
	}
	rep->rows = rows;
	rep->n = n;
	for (i = 0; i < n; i++)
		row_publish(&rep->pub[i], &rows[i]);
	*out = rep;
	return POWERTEST_OK;
}

/* OK, or EMISSING with a message naming the first node that is not "ok". */
static powertest_code report_verdict(const powertest_report *rep, int64_t start_ms,
		int64_t end_ms, powertest_error *err)
{
	size_t i, bad = 0, first = 0;

	if (rep->n == 0) {
		char s[40], e[40], msg[POWERTEST_ERROR_SIZE];

		pt_time_format(s, sizeof(s), start_ms);
		pt_time_format(e, sizeof(e), end_ms);
		snprintf(msg, sizeof(msg), "no node has data for the window %s .. %s", s, e);
		return fail(err, POWERTEST_EMISSING, msg);
	}
	for (i = 0; i < rep->n; i++) {
		if (rep->pub[i].status != POWERTEST_STATUS_OK && bad++ == 0)
			first = i;
	}
	if (bad == 0)
		return set_ok(err);
	if (err != NULL) {
		err->code = POWERTEST_EMISSING;
		if (bad == 1)
			snprintf(err->message, sizeof(err->message), "node %s: %s",
					rep->pub[first].node, rep->pub[first].status_text);
		else
			snprintf(err->message, sizeof(err->message), "%zu of %zu nodes: first, %s: %s",
					bad, rep->n, rep->pub[first].node, rep->pub[first].status_text);
	}
	return POWERTEST_EMISSING;
}

/* The rows of w as a public report (taking ownership of rows) and its verdict. */
static powertest_code report_publish(powertest_report **out, struct pt_row *rows, size_t n,
		const struct pt_window *w, powertest_error *err)
{
	powertest_code rc;

	if ((rc = report_make(out, rows, n, err)) != POWERTEST_OK)
		return rc;
	return report_verdict(*out, w->start_ms, w->end_ms, err);
}

powertest_code powertest_client_report(powertest_report **out, powertest_client *client,
		const char *task, int64_t start_ms, int64_t end_ms, const char *const *nodes,
		size_t nnodes, powertest_error *err)
{
	struct pt_error e = {0, ""}, ignored = {0, ""};
	struct pt_row *rows = NULL;
	struct pt_window w;
	size_t i, n = 0;

	if (out == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_client_report: no place for the report");
	*out = NULL;
	if (client == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_client_report: no client");
	if (end_ms <= start_ms)
		return fail(err, POWERTEST_EUSAGE, "the window's end must be after its start");
	if (nnodes > 0 && nodes == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_client_report: nnodes without nodes");
	for (i = 0; i < nnodes; i++)
		if (nodes[i] == NULL || nodes[i][0] == '\0')
			return fail(err, POWERTEST_EUSAGE, "empty node name");
	memset(&w, 0, sizeof(w));
	w.task = task;
	w.start_ms = start_ms;
	w.end_ms = end_ms;
	w.nodes = nodes;
	w.nnodes = nnodes;
	/* Only to flag windows shorter than two scrapes: 0 when unknown, so a
	 * store without a targets API (Thanos Query, Mimir) still reports. */
	(void)!pt_scrape_interval(&w.scrape_interval_ms, client->ctx, nodes, nnodes, false, &ignored);
	if (pt_report_window(&rows, &n, client->ctx, &w, &e) != PT_OK)
		return pass_on(err, &e);
	return report_publish(out, rows, n, &w, err);
}

size_t powertest_report_count(const powertest_report *report)
{
	return report ? report->n : 0;
}

const powertest_row *powertest_report_row(const powertest_report *report, size_t i)
{
	return report && i < report->n ? &report->pub[i] : NULL;
}

const char *powertest_report_warning(const powertest_report *report)
{
	return report && report->warning[0] ? report->warning : NULL;
}

powertest_code powertest_report_write_csv(const powertest_report *report, const char *path,
		unsigned flags, powertest_error *err)
{
	struct pt_error e = {0, ""};
	int rc;

	if (report == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_report_write_csv: no report");
	if ((flags & ~POWERTEST_CSV_APPEND) != 0)
		return fail(err, POWERTEST_EUSAGE, "powertest_report_write_csv: unknown flags");
	if (path != NULL && path[0] == '\0')
		return fail(err, POWERTEST_EUSAGE, "empty output path");
	rc = pt_emit_rows(report->rows, report->n, PT_FMT_CSV, false,
			&(struct pt_dest){path, (flags & POWERTEST_CSV_APPEND) != 0, NULL}, &e);
	return rc == PT_OK ? set_ok(err) : pass_on(err, &e);
}

void powertest_report_free(powertest_report *report)
{
	if (report == NULL)
		return;
	pt_rows_free(report->rows, report->n);
	free(report->pub);
	free(report);
}

/* ---- regions ---- */

powertest_code powertest_region_new(powertest_region **out, powertest_client *client,
		const char *task, powertest_error *err)
{
	powertest_region *r;

	if (out == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_region_new: no place for the region");
	*out = NULL;
	if (client == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_region_new: no client");
	if ((r = calloc(1, sizeof(*r))) == NULL ||
			(task != NULL && (r->task = strdup(task)) == NULL)) {
		free(r);
		return fail(err, POWERTEST_ENOMEM, "out of memory");
	}
	r->client = client;
	r->wait_ms = -1;
	*out = r;
	return set_ok(err);
}

powertest_code powertest_region_add_node(powertest_region *region, const char *node,
		powertest_error *err)
{
	char *copy;

	if (region == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_region_add_node: no region");
	if (node == NULL || node[0] == '\0')
		return fail(err, POWERTEST_EUSAGE, "empty node name");
	if (region->running)
		return fail(err, POWERTEST_EUSAGE, "nodes cannot change while the region runs");
	if (region->nnodes == region->cap) {
		size_t cap = region->cap ? region->cap * 2 : 4;
		char **v = realloc(region->nodes, cap * sizeof(*v));

		if (v == NULL)
			return fail(err, POWERTEST_ENOMEM, "out of memory");
		region->nodes = v;
		region->cap = cap;
	}
	if ((copy = strdup(node)) == NULL)
		return fail(err, POWERTEST_ENOMEM, "out of memory");
	region->nodes[region->nnodes++] = copy;
	return set_ok(err);
}

void powertest_region_set_wait(powertest_region *region, int64_t timeout_ms)
{
	if (region != NULL)
		region->wait_ms = timeout_ms < 0 ? -1 : timeout_ms;
}

powertest_code powertest_region_begin(powertest_region *region, powertest_error *err)
{
	if (region == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_region_begin: no region");
	if (region->running)
		return fail(err, POWERTEST_EUSAGE, "the region has already begun");
	region->start_ms = pt_now_ms();
	region->end_ms = 0;
	region->running = 1;
	return set_ok(err);
}

/* Appends "; region was S .. E" to a failure's message, so the window is not lost. */
static powertest_code add_window(powertest_error *err, powertest_code rc, int64_t start_ms,
		int64_t end_ms)
{
	char s[40], t[40];
	size_t len;

	if (err == NULL)
		return rc;
	len = strlen(err->message);
	pt_time_format(s, sizeof(s), start_ms);
	pt_time_format(t, sizeof(t), end_ms);
	snprintf(err->message + len, sizeof(err->message) - len, "; region was %s .. %s", s, t);
	return rc;
}

powertest_code powertest_region_end(powertest_region *region, powertest_report **out,
		powertest_error *err)
{
	struct pt_error e = {0, ""}, late = {0, ""};
	struct pt_row *rows = NULL;
	struct pt_ctx *ctx;
	struct pt_window w;
	size_t n = 0;
	powertest_code prc;

	if (out == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_region_end: no place for the report");
	*out = NULL;
	if (region == NULL)
		return fail(err, POWERTEST_EUSAGE, "powertest_region_end: no region");
	if (!region->running)
		return fail(err, POWERTEST_EUSAGE, "the region has not begun");
	region->end_ms = pt_now_ms();
	region->running = 0;
	/* Millisecond clock: a region that began and ended within one ms still
	 * needs a window Prometheus accepts. */
	if (region->end_ms <= region->start_ms)
		region->end_ms = region->start_ms + 1;
	ctx = region->client->ctx;
	memset(&w, 0, sizeof(w));
	w.task = region->task;
	w.start_ms = region->start_ms;
	w.end_ms = region->end_ms;
	/* char ** does not convert to const char *const * implicitly in C. */
	w.nodes = (const char *const *)region->nodes;
	w.nnodes = region->nnodes;

	/* The same wait and report as `powertest run`. */
	if (pt_measure_window(&rows, &n, ctx, &w, region->wait_ms, 0, &late, &e) != PT_OK)
		return add_window(err, pass_on(err, &e), w.start_ms, w.end_ms);
	prc = report_publish(out, rows, n, &w, err);
	if (prc != POWERTEST_OK && prc != POWERTEST_EMISSING)
		return add_window(err, prc, w.start_ms, w.end_ms);
	/* A wait that timed out is worth a note; no wait asked, no note. */
	if (late.code == PT_EMISSING && region->wait_ms != 0)
		snprintf((*out)->warning, sizeof((*out)->warning), "%s", late.msg);
	return prc;
}

int64_t powertest_region_start_ms(const powertest_region *region)
{
	return region ? region->start_ms : 0;
}

int64_t powertest_region_end_ms(const powertest_region *region)
{
	return region ? region->end_ms : 0;
}

void powertest_region_free(powertest_region *region)
{
	size_t i;

	if (region == NULL)
		return;
	for (i = 0; i < region->nnodes; i++)
		free(region->nodes[i]);
	free(region->nodes);
	free(region->task);
	free(region);
}
