/* error.c - the pt_error buffer. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int pt_error_set(struct pt_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void pt_error_clear(struct pt_error *err)
{
	if (err == NULL)
		return;
	err->code = PT_OK;
	err->msg[0] = '\0';
}

int pt_error_oom(struct pt_error *err)
{
	return pt_error_set(err, PT_ENOMEM, "out of memory");
}
