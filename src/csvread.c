/* csvread.c - CSV input read record by record, each with the line it began on and its raw text; whole input files read with a size cap. */
#include "csvread.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct rec_reader {
	char **f;
	size_t n, cap;
	bool oom;
	bool started;  /* a record has begun and not ended */
	int line;      /* line the current record began on */
	struct pt_buf raw;
	pt_csvread_fn fn;
	void *user;
	int rc;
	struct pt_error *err;
};

static void rec_field(void *s, size_t len, void *data)
{
	struct rec_reader *r = data;
	char *copy;

	if (r->oom)
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **f = realloc(r->f, cap * sizeof(*f));
		if (f == NULL) {
			r->oom = true;
			return;
		}
		r->f = f;
		r->cap = cap;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		r->oom = true;
		return;
	}
	if (len)
		memcpy(copy, s, len);
	copy[len] = '\0';
	r->f[r->n++] = copy;
}

static void rec_clear_fields(struct rec_reader *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->f[i]);
	r->n = 0;
}

static void rec_end(int c, void *data)
{
	struct rec_reader *r = data;

	(void)c;
	if (r->rc == PT_OK) {
		if (r->oom)
			r->rc = pt_error_oom(r->err);
		else
			r->rc = r->fn(r->user, r->f, r->n, r->line, r->raw.data ? r->raw.data : "",
					r->raw.len, r->err);
	}
	rec_clear_fields(r);
	r->started = false;
}

static bool blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* Calls fn for every record of text. Records are fed to libcsv line by line,
 * so each knows the line it began on and its raw text (a quoted field may
 * span lines). Blank lines between records are skipped. */
int pt_csvread_records(const char *text, size_t len, const char *name, pt_csvread_fn fn, void *user,
		struct pt_error *err)
{
	struct csv_parser p;
	struct rec_reader r;
	size_t pos = 0;
	int line = 0;

	memset(&r, 0, sizeof(r));
	r.fn = fn;
	r.user = user;
	r.err = err;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return pt_error_oom(err);
	/* libcsv grows a field's buffer by this much at a time (128 bytes by
	 * default: a cell of 50,000 node names took thousands of copies). */
	csv_set_blk_size(&p, 64 * 1024);
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3; /* a UTF-8 byte order mark, as spreadsheets write */
	while (pos < len && r.rc == PT_OK) {
		const char *s = text + pos, *eol = memchr(s, '\n', len - pos);
		size_t ll = eol ? (size_t)(eol - s) + 1 : len - pos;

		line++;
		if (!r.started) {
			if (blank_line(s, ll)) {
				pos += ll;
				continue;
			}
			r.started = true;
			r.line = line;
			pt_buf_reset(&r.raw);
		}
		if ((r.rc = pt_buf_append(&r.raw, s, ll, err)) != PT_OK)
			break;
		/* Cells are C strings from here on: a NUL would cut one short unseen. */
		if (memchr(s, '\0', ll) != NULL) {
			r.rc = pt_error_set(err, PT_EUSAGE, "%s:%d: a NUL byte: not a text file", name, line);
			break;
		}
		if (csv_parse(&p, s, ll, rec_field, rec_end, &r) != ll && r.rc == PT_OK)
			r.rc = pt_error_set(err, PT_EUSAGE, "%s:%d: malformed CSV: %s", name, line,
					csv_strerror(csv_error(&p)));
		pos += ll;
	}
	if (r.rc == PT_OK && csv_fini(&p, rec_field, rec_end, &r) != 0 && r.rc == PT_OK)
		r.rc = pt_error_set(err, PT_EUSAGE, "%s:%d: malformed CSV: a quoted field is not closed",
				name, r.line);
	csv_free(&p);
	rec_clear_fields(&r);
	free(r.f);
	pt_buf_free(&r.raw);
	return r.rc;
}

int pt_csvread_file(char **out, size_t *len, const char *path, size_t max, int missing_code,
		struct pt_error *err)
{
	int e = pt_read_file(out, len, path, max);

	if (e == 0)
		return PT_OK;
	if (e == ENOMEM)
		return pt_error_oom(err);
	return pt_error_set(err, e == ENOENT ? missing_code : PT_EUSAGE, "cannot read %s: %s", path,
			strerror(e));
}
