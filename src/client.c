/* client.c - configuration -> pt_http_opts -> pt_prom. */
#include "client.h"

#include <stdlib.h>
#include <string.h>

/* Secrets are wiped before they are freed: they should not linger in the heap. */
static void secret_free(char *s)
{
	if (s == NULL)
		return;
	memset(s, 0, strlen(s));
	free(s);
}

int pt_client_open(struct pt_prom **out, const struct pt_config *cfg, const char *url_override,
		struct pt_error *err)
{
	struct pt_http_opts opts;
	char *token = NULL, *password = NULL;
	const char *url;
	size_t i;
	int rc;

	*out = NULL;
	memset(&opts, 0, sizeof(opts));
	url = url_override ? url_override : cfg->url;
	if (cfg->bearer_token_file
			&& (rc = pt_read_secret(&token, cfg->bearer_token_file, err)) != PT_OK)
		goto out;
	if (cfg->basic_password_file
			&& (rc = pt_read_secret(&password, cfg->basic_password_file, err)) != PT_OK)
		goto out;

	opts.timeout_ms = cfg->timeout_ms > 0 ? (long)cfg->timeout_ms : 0;
	/* A connection should not take longer than the whole request may. */
	if (opts.timeout_ms > 0 && opts.timeout_ms < 10000)
		opts.connect_timeout_ms = opts.timeout_ms;
	opts.retries = cfg->retries;
	opts.compression = cfg->compression;
	/* char ** does not convert to const char *const * implicitly in C. */
	opts.headers = (const char *const *)cfg->headers;
	opts.nheaders = cfg->nheaders;
	opts.bearer_token = token;
	opts.basic_user = cfg->basic_user;
	opts.basic_password = cfg->basic_user ? (password ? password : "") : NULL;
	opts.ca_file = cfg->ca_file;
	opts.insecure_skip_verify = cfg->insecure_skip_verify;
	if ((rc = pt_prom_new(out, url, &opts, err)) != PT_OK)
		goto out;
	for (i = 0; i < cfg->nparams && rc == PT_OK; i++)
		rc = pt_prom_add_param(*out, cfg->params[i].name, cfg->params[i].value, err);
	if (rc == PT_OK && cfg->targets_url)
		rc = pt_prom_set_targets_url(*out, cfg->targets_url, err);
	if (rc != PT_OK) {
		pt_prom_free(*out);
		*out = NULL;
	}
out:
	secret_free(token);
	secret_free(password);
	return rc;
}
