/* serve.h - an HTTP server (libmicrohttpd) that answers the Grafana CSV data source: /report.csv and /export.csv computed on demand. */
#ifndef PT_SERVE_H
#define PT_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* Loopback only unless told otherwise: the reports name hosts and their load. */
#define PT_SERVE_DEFAULT_LISTEN "127.0.0.1:8080"
#define PT_SERVE_DEFAULT_THREADS 4

struct pt_serve_opts {
	const char *listen;       /* "HOST:PORT", "[IPv6]:PORT" or "PORT" (= 127.0.0.1:PORT);
	                           * NULL = PT_SERVE_DEFAULT_LISTEN; port 0 = any free port */
	const char *config_path;  /* as pt_ctx_open (already located); may be NULL */
	const char *url_override; /* the -u flag; may be NULL */
	unsigned threads;         /* worker threads, each with its own Prometheus client; 0 = default */
	/* Called with one line (no newline) per finished request and for
	 * libmicrohttpd's own errors, from the worker threads, possibly at the
	 * same time; NULL = quiet. */
	void (*log)(void *user, const char *line);
	void *log_user;
};

struct pt_serve;

/* Opens one report context per worker (config, query set, tables, client:
 * PT_EUSAGE for a bad config or listen address), binds the listening socket
 * (PT_ENET with the system's reason: address in use, not local...), and
 * starts serving from internal threads. Sends nothing to Prometheus: a
 * Prometheus that is down shows in the answers (502), not here. Caller stops
 * and frees with pt_serve_stop. */
int pt_serve_start(struct pt_serve **out, const struct pt_serve_opts *opts,
		struct pt_error *err) PT_WUR;

/* The address actually bound, "127.0.0.1:8080" or "[::1]:8080" (the port is
 * the real one when 0 was asked). Owned by s. */
const char *pt_serve_address(const struct pt_serve *s);

/* Stops accepting, lets the requests in flight finish, closes the socket and
 * frees everything. NULL ok. */
void pt_serve_stop(struct pt_serve *s);

/* A time parameter: what pt_time_parse accepts (RFC 3339, Unix seconds with
 * an optional fraction), plus Unix milliseconds, which is what Grafana's
 * ${__from} and ${__to} give: a plain integer of 13 digits or more is
 * milliseconds (13 digits of seconds would be after the year 5000), anything
 * else goes to pt_time_parse. A space is read as '+' (a "+01:00" offset
 * that reached us unencoded in a query string). PT_EUSAGE on failure. */
int pt_serve_time_parse(int64_t *out_ms, const char *s, struct pt_error *err) PT_WUR;

#endif
