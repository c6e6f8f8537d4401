/* intensity.c - grid carbon intensity files: read with libcsv (csvread), sorted, checked, and integrated over windows. */
#include "intensity.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "timefmt.h"

#define HOUR_MS INT64_C(3600000)
/* Larger than any grid's intensity file (a century of hours); more is a mistake. */
#define INTENSITY_MAX_BYTES ((size_t)256 << 20)

enum form { FORM_NONE, FORM_EMAPS, FORM_PLAIN };

struct row {
	int64_t t;
	double g;
	int line;
};

struct reader {
	const char *name;
	enum pt_ci_column column;
	enum form form;
	size_t time_col, value_col, ncols;
	struct row *rows;
	size_t n, cap;
};

/* Lower-case copy of s without surrounding blanks, at most size - 1 bytes. */
static void fold(char *dst, size_t size, const char *s)
{
	size_t n = 0;

	while (isspace((unsigned char)*s))
		s++;
	while (*s && n + 1 < size)
		dst[n++] = (char)tolower((unsigned char)*s++);
	while (n > 0 && isspace((unsigned char)dst[n - 1]))
		n--;
	dst[n] = '\0';
}

/* "carbon intensity gco2eq/kwh (lca)", with the subscript two in UTF-8 or
 * ASCII, capitalised either way: which column it is, or -1. */
static int emaps_column(const char *folded)
{
	static const char prefix[] = "carbon intensity gco";

	if (strncmp(folded, prefix, sizeof(prefix) - 1) != 0)
		return -1;
	if (strstr(folded, "(lca)") || strstr(folded, "(life cycle)"))
		return PT_CI_LCA;
	if (strstr(folded, "(direct)"))
		return PT_CI_DIRECT;
	return -1;
}

static int on_header(struct reader *r, char **f, size_t n, int line, struct pt_error *err)
{
	char h[128];
	size_t i;
	bool time = false, value = false;

	fold(h, sizeof(h), n > 0 ? f[0] : "");
	if (n == 2 && strcmp(h, "time") == 0) {
		fold(h, sizeof(h), f[1]);
		if (strcmp(h, "g_per_kwh") == 0) {
			r->form = FORM_PLAIN;
			r->time_col = 0;
			r->value_col = 1;
			r->ncols = 2;
			return PT_OK;
		}
	}
	for (i = 0; i < n; i++) {
		fold(h, sizeof(h), f[i]);
		if (strcmp(h, "datetime (utc)") == 0) {
			r->time_col = i;
			time = true;
		} else if (emaps_column(h) == (int)r->column) {
			r->value_col = i;
			value = true;
		}
	}
	if (time && value) {
		r->form = FORM_EMAPS;
		r->ncols = n;
		return PT_OK;
	}
	if (time)
		return pt_error_set(err, PT_EUSAGE, "%s:%d: no 'Carbon Intensity gCO₂eq/kWh (%s)' column "
				"in the header", r->name, line, r->column == PT_CI_DIRECT ? "direct" : "LCA");
	return pt_error_set(err, PT_EUSAGE, "%s:%d: unknown header: want 'time,g_per_kwh' or an "
			"Electricity Maps file with 'Datetime (UTC)'", r->name, line);
}

/* An Electricity Maps time: "2024-01-01 00:00:00" (UTC), or RFC 3339. */
static int parse_time(int64_t *ms, const char *s, enum form form, struct pt_error *err)
{
	char buf[64];
	size_t len = strlen(s);

	if (form == FORM_EMAPS && len == 19 && len < sizeof(buf) && s[10] == ' ') {
		memcpy(buf, s, len);
		buf[10] = 'T';
		buf[19] = 'Z';
		buf[20] = '\0';
		return pt_time_parse(ms, buf, err);
	}
	return pt_time_parse(ms, s, err);
}

static int on_row(void *user, char **f, size_t n, int line, const char *raw, size_t rawlen,
		struct pt_error *err)
{
	struct reader *r = user;
	struct pt_error terr = {0, ""};
	const char *v;
	char *end;
	double g;
	int64_t t;

	(void)raw;
	(void)rawlen;
	if (r->form == FORM_NONE)
		return on_header(r, f, n, line, err);
	if (n != r->ncols)
		return pt_error_set(err, PT_EUSAGE, "%s:%d: %zu fields, the header has %zu", r->name,
				line, n, r->ncols);
	if (f[r->time_col][0] == '\0')
		return pt_error_set(err, PT_EUSAGE, "%s:%d: empty time", r->name, line);
	if (parse_time(&t, f[r->time_col], r->form, &terr) != PT_OK)
		return pt_error_set(err, PT_EUSAGE, "%s:%d: %s", r->name, line, terr.msg);
	v = f[r->value_col];
	if (*v == '\0')
		return pt_error_set(err, PT_EUSAGE, "%s:%d: empty carbon intensity", r->name, line);
	errno = 0;
	g = strtod(v, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (end == v || *end != '\0' || errno == ERANGE || !isfinite(g))
		return pt_error_set(err, PT_EUSAGE, "%s:%d: carbon intensity '%s' is not a number",
				r->name, line, v);
	if (g < 0)
		return pt_error_set(err, PT_EUSAGE, "%s:%d: negative carbon intensity %g", r->name,
				line, g);
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct row *rows = realloc(r->rows, cap * sizeof(*rows));
		if (rows == NULL)
			return pt_error_oom(err);
		r->rows = rows;
		r->cap = cap;
	}
	r->rows[r->n].t = t;
	r->rows[r->n].g = g;
	r->rows[r->n].line = line;
	r->n++;
	return PT_OK;
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

void pt_intensity_free(struct pt_intensity *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->t_ms);
	free(t->g);
	free(t->line);
	free(t);
}

int pt_intensity_parse(struct pt_intensity **out, const char *text, size_t len, const char *name,
		enum pt_ci_column column, struct pt_error *err)
{
	struct reader r;
	struct pt_intensity *t = NULL;
	int64_t step = HOUR_MS;
	char a[32], b[32];
	size_t i;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.name = name;
	r.column = column;
	if ((rc = pt_csvread_records(text, len, name, on_row, &r, err)) != PT_OK)
		goto out;
	if (r.form == FORM_NONE) {
		rc = pt_error_set(err, PT_EUSAGE, "%s:1: empty file: want a header and hourly rows", name);
		goto out;
	}
	if (r.n == 0) {
		rc = pt_error_set(err, PT_EUSAGE, "%s: no rows after the header", name);
		goto out;
	}
	qsort(r.rows, r.n, sizeof(*r.rows), cmp_row);
	for (i = 1; i < r.n; i++) {
		int64_t d = r.rows[i].t - r.rows[i - 1].t;
		if (d == 0) {
			rc = pt_error_set(err, PT_EUSAGE, "%s:%d: duplicate time (line %d has it too)", name,
					r.rows[i].line > r.rows[i - 1].line ? r.rows[i].line : r.rows[i - 1].line,
					r.rows[i].line > r.rows[i - 1].line ? r.rows[i - 1].line : r.rows[i].line);
			goto out;
		}
		if (i == 1 || d < step)
			step = d;
	}
	/* A data-portal row stands for one step: a longer distance is hours without data. */
	for (i = 1; r.form == FORM_EMAPS && i < r.n; i++) {
		if (r.rows[i].t - r.rows[i - 1].t != step) {
			pt_time_format(a, sizeof(a), r.rows[i - 1].t + step);
			pt_time_format(b, sizeof(b), r.rows[i].t);
			rc = pt_error_set(err, PT_EUSAGE, "%s:%d: gap: no rows for %s .. %s (the file's "
					"step is %llds)", name, r.rows[i].line, a, b, (long long)(step / 1000));
			goto out;
		}
	}
	if ((t = calloc(1, sizeof(*t))) == NULL || (t->name = strdup(name)) == NULL ||
			(t->t_ms = malloc(r.n * sizeof(*t->t_ms))) == NULL ||
			(t->g = malloc(r.n * sizeof(*t->g))) == NULL ||
			(t->line = malloc(r.n * sizeof(*t->line))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (i = 0; i < r.n; i++) {
		t->t_ms[i] = r.rows[i].t;
		t->g[i] = r.rows[i].g;
		t->line[i] = r.rows[i].line;
	}
	t->n = r.n;
	t->column = column;
	t->end_ms = r.rows[r.n - 1].t + step;
	*out = t;
	t = NULL;
out:
	pt_intensity_free(t);
	free(r.rows);
	return rc;
}

int pt_intensity_load(struct pt_intensity **out, const char *path, enum pt_ci_column column,
		struct pt_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = pt_csvread_file(&text, &len, path, INTENSITY_MAX_BYTES, PT_EUSAGE, err)) != PT_OK)
		return rc;
	rc = pt_intensity_parse(out, text, len, path, column, err);
	free(text);
	return rc;
}

int pt_intensity_check(const struct pt_intensity *t, int64_t a_ms, int64_t b_ms,
		struct pt_error *err)
{
	char a[32], b[32], e[32];

	if (a_ms < t->t_ms[0]) {
		pt_time_format(a, sizeof(a), a_ms);
		pt_time_format(b, sizeof(b), b_ms < t->t_ms[0] ? b_ms : t->t_ms[0]);
		pt_time_format(e, sizeof(e), t->t_ms[0]);
		return pt_error_set(err, PT_EUSAGE, "%s has no carbon intensity for %s .. %s (its data "
				"begins at %s)", t->name, a, b, e);
	}
	if (b_ms > t->end_ms) {
		pt_time_format(a, sizeof(a), a_ms > t->end_ms ? a_ms : t->end_ms);
		pt_time_format(b, sizeof(b), b_ms);
		pt_time_format(e, sizeof(e), t->end_ms);
		return pt_error_set(err, PT_EUSAGE, "%s has no carbon intensity for %s .. %s (its data "
				"ends at %s)", t->name, a, b, e);
	}
	return PT_OK;
}

/* Index of the row holding time x (t[0] <= x < end). */
static size_t row_at(const struct pt_intensity *t, int64_t x)
{
	size_t lo = 0, hi = t->n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->t_ms[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int pt_intensity_mean(const struct pt_intensity *t, int64_t a_ms, int64_t b_ms, double *out,
		struct pt_error *err)
{
	double sum = 0;
	size_t i;
	int rc;

	if ((rc = pt_intensity_check(t, a_ms, b_ms, err)) != PT_OK)
		return rc;
	i = row_at(t, a_ms);
	if (b_ms <= a_ms) {
		*out = t->g[i];
		return PT_OK;
	}
	for (; i < t->n && t->t_ms[i] < b_ms; i++) {
		int64_t lo = t->t_ms[i] > a_ms ? t->t_ms[i] : a_ms;
		int64_t hi = i + 1 < t->n ? t->t_ms[i + 1] : t->end_ms;
		if (hi > b_ms)
			hi = b_ms;
		if (hi > lo)
			sum += t->g[i] * (double)(hi - lo);
	}
	*out = sum / (double)(b_ms - a_ms);
	return PT_OK;
}

size_t pt_intensity_cuts(const struct pt_intensity *t, int64_t a_ms, int64_t b_ms, int64_t *cuts,
		size_t cap)
{
	size_t i, n = 0;

	if (b_ms <= a_ms || b_ms <= t->t_ms[0] || a_ms >= t->end_ms)
		return 0;
	for (i = a_ms < t->t_ms[0] ? 0 : row_at(t, a_ms) + 1; i < t->n && t->t_ms[i] < b_ms; i++) {
		if (t->t_ms[i] <= a_ms)
			continue;
		if (n < cap)
			cuts[n] = t->t_ms[i];
		n++;
	}
	return n;
}
