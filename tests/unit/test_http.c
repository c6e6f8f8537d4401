/* test_http.c - pt_http against a canned local server: retries, caps, errors, headers, auth, forms, multi. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_http.h"
#include "http.h"

#define assert_contains(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (h_ == NULL || strstr(h_, n_) == NULL) \
		fail_msg("\"%s\" not found in \"%s\"", n_, h_ ? h_ : "(null)"); \
} while (0)

static char big_body[64 * 1024];

static void handler(struct fake_server *s, const struct fake_req *r, struct fake_resp *resp)
{
	int hit = fake_hit(s, r->path);

	if (strcmp(r->path, "/ok") == 0) {
		resp->body = "{\"ok\":true}";
	} else if (strcmp(r->path, "/flaky") == 0) {
		resp->status = hit == 1 ? 503 : 200;
		resp->body = hit == 1 ? "busy" : "recovered";
	} else if (strcmp(r->path, "/ratelimited") == 0) {
		resp->status = hit == 1 ? 429 : 200;
		resp->body = hit == 1 ? "too many requests" : "served";
	} else if (strcmp(r->path, "/always503") == 0) {
		resp->status = 503;
		resp->body = "busy";
	} else if (strcmp(r->path, "/always500") == 0) {
		resp->status = 500;
	} else if (strcmp(r->path, "/big") == 0) {
		resp->body = big_body;
		resp->body_len = sizeof(big_body);
	} else if (strcmp(r->path, "/hang") == 0) {
		resp->hang = 1;
	} else if (strcmp(r->path, "/echo") == 0) {
		resp->body = r->body;
	} else if (strncmp(r->path, "/m/flaky", 8) == 0) {
		resp->status = hit == 1 ? 503 : 200;
		resp->body = r->path;
	} else if (strncmp(r->path, "/m/", 3) == 0) {
		resp->body = r->path;
	} else {
		resp->status = 404;
		resp->content_type = "text/plain";
		resp->body = "404 page not found\n";
	}
}

static int setup(void **state)
{
	struct fake_server *s = calloc(1, sizeof(*s));

	if (s == NULL || fake_start(s, handler, NULL) != 0) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	fake_stop(*state);
	free(*state);
	return 0;
}

static void url_of(char *buf, size_t size, const struct fake_server *s, const char *path)
{
	snprintf(buf, size, "http://127.0.0.1:%d%s", s->port, path);
}

/* Fast retries so the suite stays quick. */
static struct pt_http *client(struct pt_http_opts *o)
{
	struct pt_http *h = NULL;
	struct pt_error err = {0, ""};

	if (o->backoff_ms == 0)
		o->backoff_ms = 1;
	if (pt_http_new(&h, o, &err) != PT_OK)
		fail_msg("pt_http_new: %s", err.msg);
	return h;
}

/* One request; returns pt_http_request's code. */
static int get(struct fake_server *s, struct pt_http *h, const char *path, const char *form,
		struct pt_buf *body, long *status, struct pt_error *err)
{
	char url[128];

	url_of(url, sizeof(url), s, path);
	return pt_http_request(h, url, form, body, status, err);
}

static void test_http__retry_503_then_200(void **state)
{
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct pt_http *h;
	long status;

	o.retries = 2;
	h = client(&o);
	assert_int_equal(get(s, h, "/flaky", NULL, &body, &status, &err), PT_OK);
	assert_int_equal(status, 200);
	assert_string_equal(body.data, "recovered");
	assert_int_equal(fake_hits(s, "/flaky"), 2);
	pt_buf_free(&body);
	pt_http_free(h);
}

static void test_http__retry_429_then_200(void **state)
{
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct pt_http *h;
	long status;

	o.retries = 1;
	h = client(&o);
	assert_int_equal(get(s, h, "/ratelimited", NULL, &body, &status, &err), PT_OK);
	assert_int_equal(status, 200);
	assert_string_equal(body.data, "served");
	assert_int_equal(fake_hits(s, "/ratelimited"), 2);
	pt_buf_free(&body);
	pt_http_free(h);
}

static void test_http__5xx_retries_exhausted(void **state)
{
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct pt_http *h;
	long status;

	o.retries = 2;
	h = client(&o);
	/* The last answer is handed back: the caller decodes what the server said. */
	assert_int_equal(get(s, h, "/always503", NULL, &body, &status, &err), PT_OK);
	assert_int_equal(status, 503);
	assert_string_equal(body.data, "busy");
	assert_int_equal(fake_hits(s, "/always503"), 3);
	assert_int_equal(get(s, h, "/always500", NULL, &body, &status, &err), PT_OK);
	assert_int_equal(status, 500);
	assert_int_equal(fake_hits(s, "/always500"), 3);
	pt_buf_free(&body);
	pt_http_free(h);
}

static void test_http__404_not_retried(void **state)
{
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct pt_http *h;
	long status;

	o.retries = 3;
	h = client(&o);
	assert_int_equal(get(s, h, "/nothing-here", NULL, &body, &status, &err), PT_OK);
	assert_int_equal(status, 404);
	assert_string_equal(body.data, "404 page not found\n");
	assert_int_equal(fake_hits(s, "/nothing-here"), 1);
	pt_buf_free(&body);
	pt_http_free(h);
}

static void test_http__size_cap(void **state)
{
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct pt_http *h;
	char url[128];
	long status;

	o.retries = 2;
	o.max_body = 1000;
	h = client(&o);
	url_of(url, sizeof(url), s, "/big");
	assert_int_equal(pt_http_request(h, url, NULL, &body, &status, &err), PT_ENET);
	assert_int_equal(err.code, PT_ENET);
	assert_contains(err.msg, url);
	assert_contains(err.msg, "larger than the limit of 1000 bytes for one answer");
	/* A cap is not a passing fault: no retry. */
	assert_int_equal(fake_hits(s, "/big"), 1);

	/* The buffer's own, smaller limit wins. */
	body.limit = 100;
	pt_error_clear(&err);
	assert_int_equal(pt_http_request(h, url, NULL, &body, &status, &err), PT_ENET);
	assert_contains(err.msg, "limit of 100 bytes for one answer");

	/* And the client still works after an aborted transfer. */
	body.limit = 0;
	assert_int_equal(get(s, h, "/ok", NULL, &body, &status, &err), PT_OK);
	assert_int_equal(status, 200);
	pt_buf_free(&body);
	pt_http_free(h);
}

/* Every answer held counts against one budget for the process: a body
 * holds its part until it is freed, a failed transfer gives it back at once,
 * and what passes the budget is an error that names it. */
static void test_http__budget(void **state)
{
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf held = {0}, body = {0};
	struct pt_http_req reqs[3];
	struct pt_error err = {0, ""};
	struct pt_http *h;
	char url[128];
	long status;
	size_t i;

	pt_http_set_budget(100 * 1024);
	h = client(&o);
	assert_int_equal(pt_http_budget_used(), 0);
	assert_int_equal(get(s, h, "/big", NULL, &held, &status, &err), PT_OK);
	assert_int_equal(held.len, sizeof(big_body));
	assert_int_equal(pt_http_budget_used(), sizeof(big_body));
	/* 64 KiB held: a second one does not fit in 100 KiB. */
	assert_int_equal(get(s, h, "/big", NULL, &body, &status, &err), PT_ENET);
	assert_contains(err.msg, "take more than the limit of 102400 bytes for all answers held at once");
	assert_int_equal(body.len, 0);
	assert_int_equal(pt_http_budget_used(), sizeof(big_body));
	/* Small ones still do, and count while held. */
	assert_int_equal(get(s, h, "/ok", NULL, &body, &status, &err), PT_OK);
	assert_int_equal(pt_http_budget_used(), sizeof(big_body) + body.len);
	pt_buf_reset(&body);
	assert_int_equal(pt_http_budget_used(), sizeof(big_body));
	pt_buf_free(&held);
	assert_int_equal(pt_http_budget_used(), 0);

	/* Transfers at once share it: two of three 64 KiB answers cannot both fit. */
	memset(reqs, 0, sizeof(reqs));
	url_of(url, sizeof(url), s, "/big");
	for (i = 0; i < 3; i++)
		reqs[i].url = url;
	pt_error_clear(&err);
	assert_int_equal(pt_http_multi(h, reqs, 3, 3, NULL, NULL, &err), PT_OK);
	assert_true(pt_http_budget_used() <= 100 * 1024);
	{
		size_t ok = 0, over = 0;

		for (i = 0; i < 3; i++) {
			if (reqs[i].err.code == PT_OK)
				ok++;
			else if (strstr(reqs[i].err.msg, "for all answers held at once"))
				over++;
			else
				fail_msg("unexpected: %s", reqs[i].err.msg);
		}
		assert_int_equal(ok, 1);
		assert_int_equal(over, 2);
	}
	for (i = 0; i < 3; i++)
		pt_buf_free(&reqs[i].body);
	assert_int_equal(pt_http_budget_used(), 0);
	pt_buf_free(&body);
	pt_http_free(h);
	pt_http_set_budget(0);
}

static void test_http__connection_refused(void **state)
{
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct pt_http *h;
	char url[128], prefix[160];
	int port = fake_closed_port();
	long status = -1;

	(void)state;
	assert_true(port > 0);
	o.retries = 1;
	h = client(&o);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/query", port);
	assert_int_equal(pt_http_request(h, url, "query=up", &body, &status, &err), PT_ENET);
	assert_int_equal(status, 0);
	snprintf(prefix, sizeof(prefix), "cannot reach %s: ", url);
	assert_true(strncmp(err.msg, prefix, strlen(prefix)) == 0);
	/* libcurl's own words, from its error buffer. */
	assert_contains(err.msg, "Failed to connect to 127.0.0.1 port");
	assert_contains(err.msg, "(2 attempts)");
	pt_buf_free(&body);
	pt_http_free(h);
}

static void test_http__timeout(void **state)
{
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct pt_http *h;
	long status;

	o.timeout_ms = 200;
	o.retries = 1;
	h = client(&o);
	assert_int_equal(get(s, h, "/hang", NULL, &body, &status, &err), PT_ENET);
	assert_contains(err.msg, "no answer in time from http://127.0.0.1:");
	assert_contains(err.msg, "timed out");
	assert_int_equal(fake_hits(s, "/hang"), 2);
	pt_buf_free(&body);
	pt_http_free(h);
}

static void test_http__headers_sent(void **state)
{
	static const char *const hdrs[] = {"X-Scope-OrgID: lab", "X-Extra: two words"};
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct fake_req r;
	struct pt_http *h;
	long status;

	o.headers = hdrs;
	o.nheaders = 2;
	o.bearer_token = "s3cr3t-token";
	o.compression = 1; /* asked for even on this machine */
	h = client(&o);
	assert_int_equal(get(s, h, "/ok", NULL, &body, &status, &err), PT_OK);
	assert_true(fake_request(s, 0, &r));
	assert_string_equal(r.method, "GET");
	assert_contains(r.head, "\r\nUser-Agent: powertest/");
	assert_contains(r.head, "\r\nX-Scope-OrgID: lab\r\n");
	assert_contains(r.head, "\r\nX-Extra: two words\r\n");
	assert_contains(r.head, "\r\nAuthorization: Bearer s3cr3t-token\r\n");
	assert_contains(r.head, "\r\nAccept-Encoding: ");
	free(r.head);
	free(r.body);
	pt_buf_free(&body);
	pt_http_free(h);
}

static void test_http__compression(void **state)
{
	static const struct {
		const char *url;
		int loopback;
	} cases[] = {
		{"http://127.0.0.1:9090", 1},
		{"http://127.0.0.1", 1},
		{"https://127.1.2.3:443/prometheus", 1},
		{"http://localhost:9090/", 1},
		{"http://LOCALHOST.:9090", 1},
		{"http://user:pw@localhost:9090", 1},
		{"http://[::1]:9090", 1},
		{"http://[0:0:0:0:0:0:0:1]/p", 1},
		{"http://prom.lab:9090", 0},
		{"http://10.0.0.5:9090", 0},
		{"http://127.0.0.1.example.com", 0},
		{"http://localhost.example.com:9090", 0},
		{"http://[::2]:9090", 0},
		{"http://prom?x=127.0.0.1", 0},
		{"http://localhost@prom:9090", 0},
		{"localhost", 0},
		{NULL, 0},
	};
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct fake_req r;
	struct pt_http *h;
	long status;
	size_t i;

	for (i = 0; cases[i].url; i++)
		if (pt_http_is_loopback(cases[i].url) != cases[i].loopback)
			fail_msg("%s: loopback %d, expected %d", cases[i].url, !cases[i].loopback,
					cases[i].loopback);
	/* On this machine, by default: no compression asked for, in both paths. */
	h = client(&o);
	assert_int_equal(get(s, h, "/ok", NULL, &body, &status, &err), PT_OK);
	assert_true(fake_request(s, 0, &r));
	if (strstr(r.head, "Accept-Encoding") != NULL)
		fail_msg("Accept-Encoding sent to 127.0.0.1: %s", r.head);
	free(r.head);
	free(r.body);
	pt_buf_free(&body);
	pt_http_free(h);
	/* Never, however far the server. */
	o.compression = -1;
	h = client(&o);
	assert_int_equal(get(s, h, "/ok", NULL, &body, &status, &err), PT_OK);
	assert_true(fake_request(s, 1, &r));
	assert_null(strstr(r.head, "Accept-Encoding"));
	free(r.head);
	free(r.body);
	pt_buf_free(&body);
	pt_http_free(h);
	/* Always: the transfers of pt_http_multi ask too. */
	o.compression = 1;
	h = client(&o);
	{
		struct pt_http_req req;
		char url[128];

		memset(&req, 0, sizeof(req));
		url_of(url, sizeof(url), s, "/ok");
		req.url = url;
		assert_int_equal(pt_http_multi(h, &req, 1, 1, NULL, NULL, &err), PT_OK);
		assert_int_equal(req.status, 200);
		pt_buf_free(&req.body);
	}
	assert_true(fake_request(s, 2, &r));
	assert_contains(r.head, "\r\nAccept-Encoding: ");
	free(r.head);
	free(r.body);
	pt_http_free(h);
}

static void test_http__basic_auth(void **state)
{
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct fake_req r;
	struct pt_http *h;
	long status;

	o.basic_user = "alice";
	o.basic_password = "wonder";
	h = client(&o);
	assert_int_equal(get(s, h, "/ok", NULL, &body, &status, &err), PT_OK);
	assert_true(fake_request(s, 0, &r));
	/* base64("alice:wonder") */
	assert_contains(r.head, "\r\nAuthorization: Basic YWxpY2U6d29uZGVy\r\n");
	free(r.head);
	free(r.body);
	pt_buf_free(&body);
	pt_http_free(h);
}

static void test_http__post_form(void **state)
{
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct fake_req r;
	struct pt_http *h;
	const char *form = "query=up%7Bjob%3D%22node%22%7D&time=1763719200.250";
	long status;

	h = client(&o);
	assert_int_equal(get(s, h, "/echo", form, &body, &status, &err), PT_OK);
	assert_int_equal(status, 200);
	assert_string_equal(body.data, form);
	assert_true(fake_request(s, 0, &r));
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.body, form);
	assert_contains(r.head, "\r\nContent-Type: application/x-www-form-urlencoded\r\n");
	free(r.head);
	free(r.body);

	/* The same handle goes back to GET afterwards. */
	assert_int_equal(get(s, h, "/echo", NULL, &body, &status, &err), PT_OK);
	assert_true(fake_request(s, 1, &r));
	assert_string_equal(r.method, "GET");
	assert_int_equal(r.body_len, 0);
	free(r.head);
	free(r.body);
	pt_buf_free(&body);
	pt_http_free(h);
}

static void test_http__keep_alive(void **state)
{
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_buf body = {0};
	struct pt_error err = {0, ""};
	struct pt_http *h;
	long status;
	int i;

	h = client(&o);
	for (i = 0; i < 3; i++) {
		assert_int_equal(get(s, h, "/ok", i == 1 ? "a=b" : NULL, &body, &status, &err), PT_OK);
		assert_int_equal(status, 200);
	}
	assert_int_equal(fake_naccepts(s), 1);
	pt_buf_free(&body);
	pt_http_free(h);
}

static void test_http__bad_header_rejected(void **state)
{
	static const char *const hdrs[] = {"X-A: b\r\nX-Injected: 1"};
	struct pt_http_opts o = {0};
	struct pt_error err = {0, ""};
	struct pt_http *h = (struct pt_http *)1;

	(void)state;
	o.headers = hdrs;
	o.nheaders = 1;
	assert_int_equal(pt_http_new(&h, &o, &err), PT_EUSAGE);
	assert_null(h);
	assert_contains(err.msg, "line break");
}

static void test_http__urlencode(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{"", ""},
		{"up", "up"},
		{"a b", "a%20b"},
		{"A-Z_a.z~0", "A-Z_a.z~0"},
		{"up{job=\"node\"}", "up%7Bjob%3D%22node%22%7D"},
		{"rate(x[5m])/2+1&y", "rate%28x%5B5m%5D%29%2F2%2B1%26y"},
		{"\xc3\xa9", "%C3%A9"},
		{NULL, NULL}
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i].in; i++) {
		struct pt_buf b = {0};
		struct pt_error err = {0, ""};

		assert_int_equal(pt_http_urlencode(&b, cases[i].in, &err), PT_OK);
		assert_string_equal(b.data, cases[i].out);
		pt_buf_free(&b);
	}
}

struct done_log {
	int calls[16];
};

static void on_done(struct pt_http_req *req, void *ctx)
{
	struct done_log *log = ctx;

	log->calls[(size_t)(uintptr_t)req->user]++;
}

static void test_http__multi(void **state)
{
	static const char *const paths[] = {
		"/m/0", "/m/flaky1", "/m/2", "/m/flaky3", "/m/4", "/m/5", "/m/6", "/m/7"
	};
	enum { N = sizeof(paths) / sizeof(paths[0]) };
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_http_req reqs[N];
	struct pt_error err = {0, ""};
	struct done_log log = {{0}};
	char urls[N][128];
	struct pt_http *h;
	size_t i;
	int accepts;

	o.retries = 2;
	o.backoff_ms = 20;
	h = client(&o);
	memset(reqs, 0, sizeof(reqs));
	for (i = 0; i < N; i++) {
		url_of(urls[i], sizeof(urls[i]), s, paths[i]);
		reqs[i].url = urls[i];
		reqs[i].form = i % 2 ? "query=1" : NULL;
		reqs[i].user = (void *)(uintptr_t)i;
	}
	assert_int_equal(pt_http_multi(h, reqs, N, 3, on_done, &log, &err), PT_OK);
	for (i = 0; i < N; i++) {
		assert_int_equal(reqs[i].err.code, PT_OK);
		assert_int_equal(reqs[i].status, 200);
		assert_string_equal(reqs[i].body.data, paths[i]);
		assert_int_equal(log.calls[i], 1);
		pt_buf_free(&reqs[i].body);
	}
	assert_int_equal(fake_hits(s, "/m/flaky1"), 2);
	assert_int_equal(fake_hits(s, "/m/flaky3"), 2);
	/* Connections are shared: never more than the concurrency. */
	assert_true(fake_naccepts(s) <= 3);
	/* and kept: the next calls make none. */
	accepts = fake_naccepts(s);
	assert_int_equal(pt_http_multi(h, reqs, N, 3, NULL, NULL, &err), PT_OK);
	assert_int_equal(pt_http_multi(h, reqs, N, 2, NULL, NULL, &err), PT_OK);
	for (i = 0; i < N; i++) {
		assert_int_equal(reqs[i].status, 200);
		assert_string_equal(reqs[i].body.data, paths[i]);
		pt_buf_free(&reqs[i].body);
	}
	assert_int_equal(fake_naccepts(s), accepts);

	/* on_done may be NULL. */
	assert_int_equal(pt_http_multi(h, reqs, 2, 1, NULL, NULL, &err), PT_OK);
	assert_int_equal(reqs[0].status, 200);
	pt_buf_free(&reqs[0].body);
	pt_buf_free(&reqs[1].body);
	pt_http_free(h);
}

static void test_http__multi_failures(void **state)
{
	struct fake_server *s = *state;
	struct pt_http_opts o = {0};
	struct pt_http_req reqs[5];
	struct pt_error err = {0, ""};
	struct done_log log = {{0}};
	char urls[5][128];
	struct pt_http *h;
	size_t i;

	o.retries = 1;
	o.backoff_ms = 5;
	h = client(&o);
	memset(reqs, 0, sizeof(reqs));
	snprintf(urls[0], sizeof(urls[0]), "http://127.0.0.1:%d/x", fake_closed_port());
	url_of(urls[1], sizeof(urls[1]), s, "/missing");
	url_of(urls[2], sizeof(urls[2]), s, "/always503");
	url_of(urls[3], sizeof(urls[3]), s, "/big");
	url_of(urls[4], sizeof(urls[4]), s, "/ok");
	for (i = 0; i < 5; i++) {
		reqs[i].url = urls[i];
		reqs[i].user = (void *)(uintptr_t)i;
	}
	reqs[3].body.limit = 100;
	assert_int_equal(pt_http_multi(h, reqs, 5, 2, on_done, &log, &err), PT_OK);

	assert_int_equal(reqs[0].err.code, PT_ENET);
	assert_contains(reqs[0].err.msg, "cannot reach http://127.0.0.1:");
	assert_contains(reqs[0].err.msg, "(2 attempts)");
	assert_int_equal(reqs[1].err.code, PT_OK);
	assert_int_equal(reqs[1].status, 404);
	assert_int_equal(fake_hits(s, "/missing"), 1);
	assert_int_equal(reqs[2].err.code, PT_OK);
	assert_int_equal(reqs[2].status, 503);
	assert_int_equal(fake_hits(s, "/always503"), 2);
	assert_int_equal(reqs[3].err.code, PT_ENET);
	assert_contains(reqs[3].err.msg, "limit of 100 bytes for one answer");
	assert_int_equal(fake_hits(s, "/big"), 1);
	assert_int_equal(reqs[4].status, 200);
	for (i = 0; i < 5; i++) {
		assert_int_equal(log.calls[i], 1);
		pt_buf_free(&reqs[i].body);
	}
	pt_http_free(h);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_http__retry_429_then_200, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__retry_503_then_200, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__5xx_retries_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__404_not_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__size_cap, setup, teardown),
		cmocka_unit_test(test_http__connection_refused),
		cmocka_unit_test_setup_teardown(test_http__timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__headers_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__compression, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__basic_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__post_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__keep_alive, setup, teardown),
		cmocka_unit_test(test_http__bad_header_rejected),
		cmocka_unit_test(test_http__urlencode),
		cmocka_unit_test_setup_teardown(test_http__multi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__multi_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__budget, setup, teardown),
	};
	int rc;

	/* Requests go straight to the local server, whatever the environment says. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	memset(big_body, 'x', sizeof(big_body));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
