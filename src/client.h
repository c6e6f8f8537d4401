/* client.h - configuration -> HTTP options and a Prometheus client, shared by every command that asks Prometheus. */
#ifndef PT_CLIENT_H
#define PT_CLIENT_H

#include "config.h"
#include "error.h"
#include "prom.h"

/* Opens a Prometheus client for cfg: url_override (the -u flag) if not NULL,
 * else cfg->url; timeout, retries, extra headers, bearer token (read from
 * bearer_token_file), basic auth (password read from its file) and TLS
 * settings, extra query parameters and the targets URL from the
 * prometheus: section. Secrets are read here and not kept
 * beyond the HTTP client. Returns PT_EUSAGE for an unreadable secret file or a
 * bad URL, PT_ENOMEM; sends no request. Caller frees *out with pt_prom_free. */
int pt_client_open(struct pt_prom **out, const struct pt_config *cfg, const char *url_override,
		struct pt_error *err) PT_WUR;

#endif
