/* buf.c - growable byte buffer. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int buf_reserve(struct pt_buf *b, size_t extra, struct pt_error *err)
{
	size_t need = b->len + extra + 1;
	size_t cap;
	char *p;

	if (need <= b->cap)
		return PT_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		return pt_error_oom(err);
	b->data = p;
	b->cap = cap;
	return PT_OK;
}

int pt_buf_append(struct pt_buf *b, const void *data, size_t n, struct pt_error *err)
{
	int rc;

	if (b->limit && b->len + n > b->limit)
		return pt_error_set(err, PT_ENET, "response larger than %zu bytes", b->limit);
	if ((rc = buf_reserve(b, n, err)) != PT_OK)
		return rc;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return PT_OK;
}

int pt_buf_printf(struct pt_buf *b, struct pt_error *err, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return pt_error_set(err, PT_ENOMEM, "cannot format text");
	if ((rc = buf_reserve(b, (size_t)n, err)) != PT_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return PT_OK;
}

/* Gives the charge back; the memory goes with it, so that none of what a
 * budget once counted stays held outside it. */
static bool uncharge(struct pt_buf *b)
{
	if (b->charged == 0)
		return false;
	if (b->release)
		b->release(b->charged);
	b->charged = 0;
	return true;
}

void pt_buf_reset(struct pt_buf *b)
{
	if (uncharge(b)) {
		free(b->data);
		b->data = NULL;
		b->cap = 0;
	}
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void pt_buf_free(struct pt_buf *b)
{
	if (b == NULL)
		return;
	uncharge(b);
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int pt_read_file(char **out, size_t *out_len, const char *path, size_t max)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = NULL;
	char *data = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;

	*out = NULL;
	*out_len = 0;
	f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL)
		return errno;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *p;

			cap = cap ? cap * 2 : 8192;
			p = realloc(data, cap + 1);
			if (p == NULL) {
				rc = ENOMEM;
				goto out;
			}
			data = p;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
		if (len > max) {
			rc = EFBIG;
			goto out;
		}
		if (n == 0) {
			if (ferror(f))
				rc = errno ? errno : EIO;
			break;
		}
	}
	if (rc == 0) {
		data[len] = '\0';
		*out = data;
		*out_len = len;
		data = NULL;
	}
out:
	free(data);
	if (f != NULL && !is_stdin)
		fclose(f);
	return rc;
}
