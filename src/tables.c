/* tables.c - the TDP and carbon tables (cpu_tdp.csv, gpu_tdp.csv, carbon_intensity.csv): loading and lookups. */
#include "tables.h"

#include <ctype.h>
#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csvread.h"

struct tdp_entry {
	char *key;   /* normalised CPU name, lower-case GPU pattern, or country code */
	double value;
};

struct table {
	struct tdp_entry *e;
	size_t n, cap;
};

struct pt_tables {
	unsigned long id;    /* unique per parsed set, never 0: keys the lookup cache */
	struct table cpu;
	struct table gpu;
	struct table carbon; /* two entries per country: alpha-3 and alpha-2 */
};

static void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->e[i].key);
	free(t->e);
}

void pt_tables_free(struct pt_tables *t)
{
	if (t == NULL)
		return;
	table_free(&t->cpu);
	table_free(&t->gpu);
	table_free(&t->carbon);
	free(t);
}

static int table_add(struct table *t, const char *key, double value)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct tdp_entry *e = realloc(t->e, cap * sizeof(*e));
		if (e == NULL)
			return -1;
		t->e = e;
		t->cap = cap;
	}
	if ((t->e[t->n].key = strdup(key)) == NULL)
		return -1;
	t->e[t->n++].value = value;
	return 0;
}

/* Lower-cases, drops "(r)", "(tm)", the words "cpu" and "processor", a
 * "@ 2.10ghz" clock and "NN-core" counts, and collapses spaces: the table
 * and node_exporter spell the same CPU differently in exactly these ways. */
static void normalise_cpu(char *out, size_t size, const char *in)
{
	char tmp[256], word[128];
	const char *s;
	size_t o = 0, w;

	snprintf(tmp, sizeof(tmp), "%s", in);
	for (char *c = tmp; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (char *c; (c = strstr(tmp, "(r)")) || (c = strstr(tmp, "(tm)"));)
		memmove(c, c + (c[1] == 'r' ? 3 : 4), strlen(c + (c[1] == 'r' ? 3 : 4)) + 1);
	for (char *c = strchr(tmp, '@'); c; c = NULL)
		*c = '\0';
	out[0] = '\0';
	for (s = tmp; *s;) {
		while (*s && isspace((unsigned char)*s))
			s++;
		for (w = 0; s[w] && !isspace((unsigned char)s[w]); w++)
			;
		if (w == 0)
			break;
		snprintf(word, sizeof(word), "%.*s", (int)(w < sizeof(word) ? w : sizeof(word) - 1), s);
		s += w;
		if (strcmp(word, "cpu") == 0 || strcmp(word, "processor") == 0 ||
				strstr(word, "-core") != NULL || strcmp(word, "with") == 0)
			continue;
		if (o + strlen(word) + 2 > size)
			break;
		o += (size_t)snprintf(out + o, size - o, "%s%s", o ? " " : "", word);
	}
}

/* libcsv callbacks: collect up to 5 fields of a record, then hand the record on. */
struct csv_state {
	char field[5][256];
	size_t nfields;
	size_t record;
	int (*row)(struct pt_tables *, char (*)[256], size_t);
	struct pt_tables *t;
	int failed;
};

static void on_field(void *data, size_t len, void *ctx)
{
	struct csv_state *st = ctx;

	if (st->nfields < 5) {
		snprintf(st->field[st->nfields], sizeof(st->field[0]), "%.*s",
				(int)(len < 255 ? len : 255), (const char *)data);
	}
	st->nfields++;
}

static void on_record(int c, void *ctx)
{
	struct csv_state *st = ctx;

	(void)c;
	if (st->record++ > 0 && !st->failed && st->row(st->t, st->field, st->nfields) != 0)
		st->failed = 1;
	st->nfields = 0;
}

static int parse_number(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return (end != s && *end == '\0' && errno == 0 && isfinite(*out) && *out >= 0) ? 0 : -1;
}

static int cpu_row(struct pt_tables *t, char (*f)[256], size_t n)
{
	char key[256];
	double v;

	if (n < 2 || parse_number(f[1], &v) != 0)
		return 0; /* rows without a number (a few CPUs have no TDP) are skipped */
	normalise_cpu(key, sizeof(key), f[0]);
	return key[0] ? table_add(&t->cpu, key, v) : 0;
}

static int gpu_row(struct pt_tables *t, char (*f)[256], size_t n)
{
	double v;

	if (n < 2 || parse_number(f[1], &v) != 0)
		return 0;
	for (char *c = f[0]; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return f[0][0] ? table_add(&t->gpu, f[0], v) : 0;
}

static int carbon_row(struct pt_tables *t, char (*f)[256], size_t n)
{
	double v;

	if (n < 4 || parse_number(f[3], &v) != 0)
		return 0;
	for (int i = 0; i < 2; i++)
		for (char *c = f[i]; *c; c++)
			*c = (char)toupper((unsigned char)*c);
	if (f[0][0] && table_add(&t->carbon, f[0], v) != 0)
		return -1;
	if (f[1][0] && table_add(&t->carbon, f[1], v) != 0)
		return -1;
	return 0;
}

static int parse_table(struct pt_tables *t, const char *text,
		int (*row)(struct pt_tables *, char (*)[256], size_t), const char *what,
		struct pt_error *err)
{
	struct csv_parser p;
	struct csv_state *st;
	int rc = PT_OK;

	if (text == NULL)
		return PT_OK;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return pt_error_oom(err);
	st->row = row;
	st->t = t;
	if (csv_init(&p, CSV_APPEND_NULL) != 0) {
		free(st);
		return pt_error_oom(err);
	}
	if (csv_parse(&p, text, strlen(text), on_field, on_record, st) != strlen(text) ||
			csv_fini(&p, on_field, on_record, st) != 0) {
		rc = pt_error_set(err, PT_EUSAGE, "cannot parse %s table: %s", what,
				csv_strerror(csv_error(&p)));
	} else if (st->failed) {
		rc = pt_error_oom(err);
	}
	csv_free(&p);
	free(st);
	return rc;
}

static int cmp_entry(const void *a, const void *b);
static atomic_ulong tables_ids;

int pt_tables_parse(struct pt_tables **out, const char *cpu_csv, const char *gpu_csv,
		const char *carbon_csv, struct pt_error *err)
{
	struct pt_tables *t;
	int rc;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return pt_error_oom(err);
	t->id = atomic_fetch_add(&tables_ids, 1) + 1;
	if ((rc = parse_table(t, cpu_csv, cpu_row, "CPU TDP", err)) != PT_OK ||
			(rc = parse_table(t, gpu_csv, gpu_row, "GPU TDP", err)) != PT_OK ||
			(rc = parse_table(t, carbon_csv, carbon_row, "carbon intensity", err)) != PT_OK) {
		pt_tables_free(t);
		return rc;
	}
	/* Sorted for binary search; equal names keep their first TDP (stable
	 * enough: the table has no conflicting duplicates). */
	if (t->cpu.n)
		qsort(t->cpu.e, t->cpu.n, sizeof(*t->cpu.e), cmp_entry);
	*out = t;
	return PT_OK;
}

/* A table file, if any: 64 MB is far more than any table. */
static int slurp(char **out, const char *path, struct pt_error *err)
{
	size_t len;

	*out = NULL;
	if (path == NULL)
		return PT_OK;
	return pt_csvread_file(out, &len, path, (size_t)64 << 20, PT_EUSAGE, err);
}

int pt_tables_load(struct pt_tables **out, const char *cpu_path, const char *gpu_path,
		const char *carbon_path, struct pt_error *err)
{
	char *cpu = NULL, *gpu = NULL, *carbon = NULL;
	int rc;

	*out = NULL;
	if ((rc = slurp(&cpu, cpu_path, err)) == PT_OK &&
			(rc = slurp(&gpu, gpu_path, err)) == PT_OK &&
			(rc = slurp(&carbon, carbon_path, err)) == PT_OK)
		rc = pt_tables_parse(out, cpu, gpu, carbon, err);
	free(cpu);
	free(gpu);
	free(carbon);
	return rc;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct tdp_entry *)a)->key, ((const struct tdp_entry *)b)->key);
}

static const struct tdp_entry *cpu_find(const struct pt_tables *t, const char *key)
{
	struct tdp_entry probe = {(char *)key, 0};

	return t->cpu.n ? bsearch(&probe, t->cpu.e, t->cpu.n, sizeof(*t->cpu.e), cmp_entry) : NULL;
}

/* An exact match of the normalised name wins; otherwise the longest table
 * name contained in it at word boundaries ("amd epyc 7763" in "amd epyc 7763
 * eng sample"). Every run of whole words is looked up in the sorted table, so
 * a lookup costs words^2 * log(table), not a scan of 4,900 names. */
bool pt_tables_cpu_tdp(const struct pt_tables *t, const char *model_name, double *tdp)
{
	char key[256], span[256];
	const char *starts[64];
	const struct tdp_entry *e, *best = NULL;
	size_t nwords = 0, i, j, best_len = 0;
	const char *c;

	/* Export asks for the same node's model at every step: remember the last
	 * answer, per thread (serve's workers) and per table set (by its id, as
	 * a freed set's address may come back). */
	static _Thread_local unsigned long last_id;
	static _Thread_local char last_name[256];
	static _Thread_local double last_tdp;
	static _Thread_local bool last_found;

	if (t == NULL || model_name == NULL)
		return false;
	if (last_id == t->id && strcmp(last_name, model_name) == 0) {
		if (last_found)
			*tdp = last_tdp;
		return last_found;
	}
	last_id = strlen(model_name) < sizeof(last_name) ? t->id : 0;
	snprintf(last_name, sizeof(last_name), "%s", model_name);
	last_found = false;
	normalise_cpu(key, sizeof(key), model_name);
	if (key[0] == '\0')
		return false;
	if ((e = cpu_find(t, key)) != NULL) {
		last_found = true;
		last_tdp = e->value;
		*tdp = e->value;
		return true;
	}
	for (c = key; *c && nwords < 64; c++)
		if (c == key || c[-1] == ' ')
			starts[nwords++] = c;
	for (i = 0; i < nwords; i++) {
		for (j = i + 1; j <= nwords; j++) {
			const char *end = j < nwords ? starts[j] - 1 : key + strlen(key);
			size_t len = (size_t)(end - starts[i]);

			if (len <= best_len)
				continue;
			memcpy(span, starts[i], len);
			span[len] = '\0';
			if ((e = cpu_find(t, span)) != NULL) {
				best = e;
				best_len = len;
			}
		}
	}
	if (best == NULL)
		return false;
	last_found = true;
	last_tdp = best->value;
	*tdp = best->value;
	return true;
}

bool pt_tables_gpu_tdp(const struct pt_tables *t, const char *gpu_name, double *tdp)
{
	char name[256];
	size_t i;

	if (t == NULL || gpu_name == NULL)
		return false;
	snprintf(name, sizeof(name), "%s", gpu_name);
	for (char *c = name; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (i = 0; i < t->gpu.n; i++) {
		if (strstr(name, t->gpu.e[i].key)) {
			*tdp = t->gpu.e[i].value;
			return true;
		}
	}
	return false;
}

bool pt_tables_carbon(const struct pt_tables *t, const char *country, double *g_per_kwh)
{
	size_t i;

	if (t == NULL || country == NULL)
		return false;
	for (i = 0; i < t->carbon.n; i++) {
		if (strcasecmp(t->carbon.e[i].key, country) == 0) {
			*g_per_kwh = t->carbon.e[i].value;
			return true;
		}
	}
	return false;
}
