/* http.h - libcurl transfers: timeouts, retries with backoff, auth, TLS, size cap. */
#ifndef PT_HTTP_H
#define PT_HTTP_H

#include <stddef.h>
#include "buf.h"
#include "error.h"

struct pt_http_opts {
	long connect_timeout_ms; /* 0 = 10 s */
	long timeout_ms;         /* total per attempt; 0 = 30 s */
	int retries;             /* extra attempts on connection errors, 5xx and 429 */
	long backoff_ms;         /* first backoff, doubled each retry; 0 = 200 ms */
	const char *const *headers; /* "Name: value" strings, nheaders of them */
	size_t nheaders;
	const char *bearer_token;   /* already read from its file, trimmed */
	const char *basic_user;
	const char *basic_password;
	const char *ca_file;
	int insecure_skip_verify;
	size_t max_body;         /* one answer, decompressed; 0 = PT_HTTP_MAX_BODY */
	/* Ask for compressed answers: > 0 always, < 0 never, 0 unless the URL's
	 * host is this machine (localhost, 127.0.0.0/8, ::1), where the bytes
	 * are free and gzip would only take CPU from the server's queries (an
	 * SSH tunnel to a remote server wants > 0). */
	int compression;
};

/* One answer may take PT_HTTP_MAX_BODY bytes (decompressed), and all the
 * answers held at once in the process, by every client and thread (serve's
 * too), PT_HTTP_BUDGET together: in flight or received and not yet freed.
 * Past either, the transfer stops with a PT_ENET error naming the limit:
 * memory stays bounded whatever a server or a proxy sends. */
#define PT_HTTP_MAX_BODY ((size_t)128 << 20)
#define PT_HTTP_BUDGET ((size_t)192 << 20)

/* Changes the process-wide budget (0 = PT_HTTP_BUDGET); for tests. */
void pt_http_set_budget(size_t bytes);
/* Bytes of answers held now, counted against the budget; for tests. */
size_t pt_http_budget_used(void);

/* Counts cJSON's allocations against the budget too (a JSON tree takes ten
 * times its text: a large targets answer would pass the budget as text and
 * then take gigabytes as a tree). It sets cJSON's process-wide hooks: call
 * it once, first thing, before anything uses cJSON (the CLI does; a program
 * that embeds the library and uses cJSON itself should not). */
void pt_http_budget_json(void);

/* After a cJSON parse failed: whether the budget refused it memory (then err
 * says so, naming the limit, and the result is 1). Clears the mark. */
int pt_http_json_refused(struct pt_error *err);

struct pt_http;

/* Creates a client (one curl easy handle reused for keep-alive). The options
 * are copied. Caller frees with pt_http_free. */
int pt_http_new(struct pt_http **out, const struct pt_http_opts *opts, struct pt_error *err) PT_WUR;
void pt_http_free(struct pt_http *h);

/* GET url (or, with form != NULL, POST it as application/x-www-form-urlencoded).
 * The body goes into `body` (reset first; it counts against the budget until
 * the caller resets or frees it). *status gets the HTTP status.
 * Returns PT_OK for any HTTP status (callers decide what a 4xx means) after
 * retrying connection errors, 5xx and 429; PT_ENET with libcurl's own error text
 * when no answer was had. */
int pt_http_request(struct pt_http *h, const char *url, const char *form,
		struct pt_buf *body, long *status, struct pt_error *err) PT_WUR;

/* Whether url's host is this machine: localhost, 127.0.0.0/8 or [::1]. */
int pt_http_is_loopback(const char *url);

/* URL-encodes s into out (appending). */
int pt_http_urlencode(struct pt_buf *out, const char *s, struct pt_error *err) PT_WUR;

/* Several requests at once over a shared connection pool (curl multi), at most
 * `concurrency` in flight. Each request has url, optional form, and gets its
 * own body/status/error; retries as pt_http_request. Returns PT_OK when every
 * transfer was attempted (check each req's err.code), else the fatal error. */
struct pt_http_req {
	const char *url;
	const char *form;
	struct pt_buf body;
	long status;
	struct pt_error err;
	void *user;
};
int pt_http_multi(struct pt_http *h, struct pt_http_req *reqs, size_t n, int concurrency,
		void (*on_done)(struct pt_http_req *req, void *ctx), void *ctx,
		struct pt_error *err) PT_WUR;

#endif
