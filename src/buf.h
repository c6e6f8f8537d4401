/* buf.h - a growable byte buffer with an optional size cap (network bodies, CSV text). */
#ifndef PT_BUF_H
#define PT_BUF_H

#include <stddef.h>
#include "error.h"

struct pt_buf {
	char *data;   /* always NUL-terminated when not NULL */
	size_t len;
	size_t cap;
	size_t limit; /* 0 = no limit; appending past it fails */
	/* Bytes of it counted against a shared budget (the HTTP layer's, for
	 * answers), given back through `release` when it is reset or freed. */
	size_t charged;
	void (*release)(size_t charged);
};

/* Appends n bytes. Returns PT_OK, PT_ENOMEM, or PT_ENET when the limit would
 * be exceeded (bodies come from the network). */
int pt_buf_append(struct pt_buf *b, const void *data, size_t n, struct pt_error *err) PT_WUR;
int pt_buf_printf(struct pt_buf *b, struct pt_error *err, const char *fmt, ...) PT_PRINTF(3, 4) PT_WUR;
/* Reads a whole file ("-" = standard input) into a NUL-terminated malloc'd
 * buffer the caller frees. Returns 0 or an errno value (ENOENT, EFBIG past
 * max bytes, ENOMEM, ...) so callers can word the message with strerror. */
int pt_read_file(char **out, size_t *out_len, const char *path, size_t max) PT_WUR;

void pt_buf_reset(struct pt_buf *b); /* len = 0, keeps memory (frees it when charged) */
void pt_buf_free(struct pt_buf *b);  /* frees memory, zeroes the struct; NULL ok */

#endif
