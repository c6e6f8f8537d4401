/* http.c - libcurl transfers: one reusable easy handle, retries with backoff, auth, TLS, size cap, multi. */
#include "http.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifndef PT_VERSION
#define PT_VERSION "dev"
#endif

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_BACKOFF_MS 200L
#define MAX_BACKOFF_MS 10000L

/* "128 MiB" (or bytes, for a size that is not whole MiB). */
static const char *mib(size_t n, char *out)
{
	if (n % (1024 * 1024) == 0)
		snprintf(out, 32, "%zu MiB", n / (1024 * 1024));
	else
		snprintf(out, 32, "%zu bytes", n);
	return out;
}

/* The budget shared by every answer held in the process. A process-wide
 * counter on purpose: serve's threads each have their own clients, and a
 * budget per client would be multiplied by them. */
static pthread_mutex_t budget_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t budget_total = PT_HTTP_BUDGET;
static size_t budget_used;

static bool budget_take(size_t n)
{
	bool ok;

	pthread_mutex_lock(&budget_lock);
	ok = n <= budget_total && budget_used <= budget_total - n;
	if (ok)
		budget_used += n;
	pthread_mutex_unlock(&budget_lock);
	return ok;
}

/* A body's charge, given back when the buffer is reset or freed (buf.c). */
static void budget_give(size_t n)
{
	pthread_mutex_lock(&budget_lock);
	budget_used = n < budget_used ? budget_used - n : 0;
	pthread_mutex_unlock(&budget_lock);
}

void pt_http_set_budget(size_t bytes)
{
	pthread_mutex_lock(&budget_lock);
	budget_total = bytes ? bytes : PT_HTTP_BUDGET;
	pthread_mutex_unlock(&budget_lock);
}

size_t pt_http_budget_used(void)
{
	size_t n;

	pthread_mutex_lock(&budget_lock);
	n = budget_used;
	pthread_mutex_unlock(&budget_lock);
	return n;
}

static size_t budget_limit(void)
{
	size_t n;

	pthread_mutex_lock(&budget_lock);
	n = budget_total;
	pthread_mutex_unlock(&budget_lock);
	return n;
}

/* cJSON's blocks carry their charge in a header; 16 bytes keep malloc's
 * alignment. The mark says this thread's last refusal was not yet reported. */
#define JSON_HEADER 16
static _Thread_local int json_refused;

static void *json_malloc(size_t n)
{
	unsigned char *p;

	if (n > SIZE_MAX - JSON_HEADER || !budget_take(n + JSON_HEADER)) {
		json_refused = 1;
		return NULL;
	}
	if ((p = malloc(n + JSON_HEADER)) == NULL) {
		budget_give(n + JSON_HEADER);
		return NULL;
	}
	n += JSON_HEADER;
	memcpy(p, &n, sizeof(n));
	return p + JSON_HEADER;
}

static void json_free(void *q)
{
	unsigned char *p = q;
	size_t n;

	if (p == NULL)
		return;
	p -= JSON_HEADER;
	memcpy(&n, p, sizeof(n));
	budget_give(n);
	free(p);
}

void pt_http_budget_json(void)
{
	cJSON_Hooks hooks = {json_malloc, json_free};

	cJSON_InitHooks(&hooks);
}

int pt_http_json_refused(struct pt_error *err)
{
	char size[32];

	if (!json_refused)
		return 0;
	json_refused = 0;
	pt_error_set(err, PT_ENET, "decoding an answer takes more than the limit of %s for all "
			"answers held at once", mib(budget_limit(), size));
	return 1;
}

struct slot;

struct pt_http {
	CURL *easy;                 /* reused by pt_http_request: keeps the connection alive */
	CURLM *multi;               /* pt_http_multi's, kept: its connections (and TLS
	                               sessions) serve the next call too */
	struct slot **slots;        /* its transfer handles, made as concurrency asks */
	size_t nslots;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers; /* extra headers, Authorization, "Expect:" */
	long connect_timeout_ms;
	long timeout_ms;
	int retries;
	long backoff_ms;
	size_t max_body;
	int compression;
	char *basic_user;
	char *basic_password;
	char *ca_file;
	int insecure;
};

/* Where the write callback puts a body, and what it found. */
struct sink {
	struct pt_buf *buf;
	size_t cap;       /* effective cap: the smaller of buf->limit and max_body */
	int over;         /* the cap was hit: the transfer was aborted on purpose */
	int over_budget;  /* so was the process's budget */
	int oom;
};

/* libcurl calls it with the bytes as they come, decompressed when it decodes
 * gzip: what is counted is what memory holds. */
static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;

	if (s->buf->len + n > s->cap) {
		s->over = 1;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	if (!budget_take(n)) {
		s->over_budget = 1;
		return 0;
	}
	if (pt_buf_append(s->buf, ptr, n, NULL) != PT_OK) {
		budget_give(n);
		s->oom = 1;
		return 0;
	}
	s->buf->charged += n;
	s->buf->release = budget_give;
	return n;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int has_crlf(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

static void slots_free(struct pt_http *h);

void pt_http_free(struct pt_http *h)
{
	if (h == NULL)
		return;
	slots_free(h);
	if (h->easy)
		curl_easy_cleanup(h->easy);
	curl_slist_free_all(h->headers);
	free(h->basic_user);
	free(h->basic_password);
	free(h->ca_file);
	free(h);
}

/* Options every transfer of this client shares; used for the reusable handle
 * and for each handle of pt_http_multi. */
static int setup_easy(const struct pt_http *h, CURL *e, char *errbuf, struct pt_error *err)
{
	CURLcode c = CURLE_OK;

#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	/* No signals: timeouts must not use SIGALRM in a library (threads, run). */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, h->timeout_ms);
	/* Only http(s), also after redirects: a config URL must not reach file:// etc. */
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_USERAGENT, "powertest/" PT_VERSION);
	/* Compression is per request (setup_request): it depends on the host. */
	SET(CURLOPT_HTTPHEADER, h->headers);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	if (h->basic_user) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, h->basic_user);
		SET(CURLOPT_PASSWORD, h->basic_password ? h->basic_password : "");
	}
	SET(CURLOPT_SSL_VERIFYPEER, h->insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, h->insecure ? 0L : 2L);
	if (h->ca_file)
		SET(CURLOPT_CAINFO, h->ca_file);
#undef SET
	if (c == CURLE_OUT_OF_MEMORY)
		return pt_error_oom(err);
	if (c != CURLE_OK)
		return pt_error_set(err, PT_ENET, "cannot set up libcurl: %s", curl_easy_strerror(c));
	return PT_OK;
}

int pt_http_new(struct pt_http **out, const struct pt_http_opts *opts, struct pt_error *err)
{
	static const struct pt_http_opts defaults;
	struct pt_http *h = NULL;
	struct curl_slist *l;
	char *line = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	/* A header value with a line break would smuggle extra headers in. */
	for (i = 0; i < opts->nheaders; i++)
		if (has_crlf(opts->headers[i]))
			return pt_error_set(err, PT_EUSAGE, "HTTP header '%.60s' contains a line break",
					opts->headers[i]);
	if (has_crlf(opts->bearer_token))
		return pt_error_set(err, PT_EUSAGE, "bearer token contains a line break");

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return pt_error_oom(err);
	h->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms
			: DEFAULT_CONNECT_TIMEOUT_MS;
	h->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	h->retries = opts->retries > 0 ? opts->retries : 0;
	h->backoff_ms = opts->backoff_ms > 0 ? opts->backoff_ms : DEFAULT_BACKOFF_MS;
	h->max_body = opts->max_body ? opts->max_body : PT_HTTP_MAX_BODY;
	h->insecure = opts->insecure_skip_verify;
	h->compression = opts->compression;
	/* An Accept-Encoding of the config's headers is sent as it is: the
	 * answer must then be decoded whatever the host. */
	for (i = 0; i < opts->nheaders && h->compression == 0; i++)
		if (strncasecmp(opts->headers[i], "Accept-Encoding:", 16) == 0)
			h->compression = 1;
	h->basic_user = dup_or_null(opts->basic_user);
	h->basic_password = dup_or_null(opts->basic_password);
	h->ca_file = dup_or_null(opts->ca_file);
	if ((opts->basic_user && !h->basic_user) || (opts->basic_password && !h->basic_password)
			|| (opts->ca_file && !h->ca_file)) {
		rc = pt_error_oom(err);
		goto out;
	}

	for (i = 0; i < opts->nheaders; i++) {
		if ((l = curl_slist_append(h->headers, opts->headers[i])) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		h->headers = l;
	}
	if (opts->bearer_token) {
		size_t n = strlen("Authorization: Bearer ") + strlen(opts->bearer_token) + 1;

		if ((line = malloc(n)) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		snprintf(line, n, "Authorization: Bearer %s", opts->bearer_token);
		if ((l = curl_slist_append(h->headers, line)) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		h->headers = l;
	}
	/* Long query forms must not wait for a "100 Continue" some proxies never send. */
	if ((l = curl_slist_append(h->headers, "Expect:")) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	h->headers = l;

	if ((h->easy = curl_easy_init()) == NULL) {
		rc = pt_error_set(err, PT_ENET, "cannot create a libcurl handle");
		goto out;
	}
	if ((rc = setup_easy(h, h->easy, h->errbuf, err)) != PT_OK)
		goto out;
	*out = h;
	h = NULL;
	rc = PT_OK;
out:
	if (line) {
		/* The token was in it; do not leave it in freed memory. */
		memset(line, 0, strlen(line));
		free(line);
	}
	pt_http_free(h);
	return rc;
}

int pt_http_is_loopback(const char *url)
{
	const char *p = strstr(url, "://"), *end, *at;
	size_t n;

	if (p == NULL)
		return 0;
	p += 3;
	end = p + strcspn(p, "/?#");
	/* user:password@ before the host */
	if ((at = memchr(p, '@', (size_t)(end - p))) != NULL)
		p = at + 1;
	if (*p == '[') {
		n = strcspn(p, "]");
		return (n == 4 && strncmp(p, "[::1", 4) == 0) ||
			(n == 16 && strncmp(p, "[0:0:0:0:0:0:0:1", 16) == 0);
	}
	n = strcspn(p, ":/?#");
	if (n > 0 && p[n - 1] == '.')
		n--; /* "localhost." */
	if (n == 9 && strncasecmp(p, "localhost", 9) == 0)
		return 1;
	if (n < 4 || strncmp(p, "127.", 4) != 0)
		return 0;
	return strspn(p, "0123456789.") >= n;
}

/* Per-request options: URL, GET or form POST, where the body goes, compression. */
static int setup_request(const struct pt_http *h, CURL *e, const char *url, const char *form,
		struct sink *s, struct pt_error *err)
{
	CURLcode c;
	int gzip = h->compression > 0 || (h->compression == 0 && !pt_http_is_loopback(url));

	c = curl_easy_setopt(e, CURLOPT_URL, url);
	/* "" = every encoding this libcurl decodes; query answers compress ten to
	 * one. On this machine the bytes cost nothing and compressing them costs
	 * the server CPU it needs for the queries. */
	if (c == CURLE_OK)
		c = curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, gzip ? "" : NULL);
	if (c == CURLE_OK)
		c = curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	/* An announced length past the cap fails before a byte is read. */
	if (c == CURLE_OK)
		c = curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->cap);
	if (c == CURLE_OK && form) {
		/* Not copied by libcurl: form must outlive the transfer (it does). */
		c = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
		if (c == CURLE_OK)
			c = curl_easy_setopt(e, CURLOPT_POSTFIELDS, form);
	} else if (c == CURLE_OK) {
		c = curl_easy_setopt(e, CURLOPT_HTTPGET, 1L); /* undoes an earlier POST */
	}
	if (c == CURLE_OUT_OF_MEMORY)
		return pt_error_oom(err);
	if (c != CURLE_OK)
		return pt_error_set(err, PT_ENET, "cannot request %s: %s", url, curl_easy_strerror(c));
	return PT_OK;
}

/* libcurl results worth another attempt: no connection, or it broke, or the
 * server was too slow. TLS verification, bad URLs and our own abort are not. */
static int retryable(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static long backoff_for(const struct pt_http *h, int attempt)
{
	long ms = h->backoff_ms;

	while (attempt-- > 0 && ms < MAX_BACKOFF_MS)
		ms *= 2;
	return ms < MAX_BACKOFF_MS ? ms : MAX_BACKOFF_MS;
}

static void sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The one error message of a failed transfer, naming the URL and carrying
 * libcurl's own words (its error buffer, else its generic text). */
static int transfer_error(struct pt_error *err, const char *url, CURLcode c, const char *errbuf,
		const struct sink *s, int attempts)
{
	const char *why = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(c);
	char tries[32] = "", size[32];

	if (s->oom || c == CURLE_OUT_OF_MEMORY)
		return pt_error_oom(err);
	if (s->over || c == CURLE_FILESIZE_EXCEEDED)
		return pt_error_set(err, PT_ENET, "answer from %s is larger than the limit of %s "
				"for one answer", url, mib(s->cap, size));
	if (s->over_budget)
		return pt_error_set(err, PT_ENET, "answers from %s take more than the limit of %s for "
				"all answers held at once", url, mib(budget_limit(), size));
	if (attempts > 1)
		snprintf(tries, sizeof(tries), " (%d attempts)", attempts);
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return pt_error_set(err, PT_ENET, "cannot reach %s: %s%s", url, why, tries);
	case CURLE_OPERATION_TIMEDOUT:
		return pt_error_set(err, PT_ENET, "no answer in time from %s: %s%s", url, why, tries);
	default:
		return pt_error_set(err, PT_ENET, "request to %s failed: %s%s", url, why, tries);
	}
}

static size_t sink_cap(const struct pt_http *h, const struct pt_buf *b)
{
	return b->limit && b->limit < h->max_body ? b->limit : h->max_body;
}

/* Statuses worth asking again: the server's own failures (5xx), and 429,
 * which Mimir and Thanos answer when a tenant is over its query rate. */
static bool retry_status(long status)
{
	return status >= 500 || status == 429;
}

int pt_http_request(struct pt_http *h, const char *url, const char *form,
		struct pt_buf *body, long *status, struct pt_error *err)
{
	struct sink s;
	CURLcode c;
	int attempt, rc;

	*status = 0;
	pt_buf_reset(body);
	memset(&s, 0, sizeof(s));
	s.buf = body;
	s.cap = sink_cap(h, body);
	if ((rc = setup_request(h, h->easy, url, form, &s, err)) != PT_OK)
		return rc;
	for (attempt = 0;; attempt++) {
		pt_buf_reset(body);
		s.over = s.over_budget = s.oom = 0;
		h->errbuf[0] = '\0';
		*status = 0;
		c = curl_easy_perform(h->easy);
		if (c == CURLE_OK) {
			curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, status);
			if (!retry_status(*status) || attempt >= h->retries)
				return PT_OK;
		} else if (s.over || s.over_budget || s.oom || !retryable(c) || attempt >= h->retries) {
			/* What came is of no use: its memory goes back to the budget now. */
			pt_buf_free(body);
			return transfer_error(err, url, c, h->errbuf, &s, attempt + 1);
		}
		sleep_ms(backoff_for(h, attempt));
	}
}

int pt_http_urlencode(struct pt_buf *out, const char *s, struct pt_error *err)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char esc[3];
	int rc;

	for (p = (const unsigned char *)s; *p; p++) {
		/* RFC 3986 unreserved characters pass as they are. */
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
				|| *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			rc = pt_buf_append(out, p, 1, err);
		} else {
			esc[0] = '%';
			esc[1] = hex[*p >> 4];
			esc[2] = hex[*p & 15];
			rc = pt_buf_append(out, esc, 3, err);
		}
		if (rc != PT_OK)
			return rc;
	}
	/* An empty string still leaves out NUL-terminated. */
	return pt_buf_append(out, "", 0, err);
}

/* pt_http_multi: each in-flight transfer occupies a slot with its own handle;
 * a request waiting for a retry goes back to the queue with a ready time. */
struct slot {
	CURL *easy;
	char errbuf[CURL_ERROR_SIZE];
	struct sink sink;
	size_t req;       /* index of the request it carries */
	int busy;
};

struct mreq {
	int attempts;     /* started so far */
	int64_t ready_at; /* monotonic ms before which it must not start again */
	int queued;       /* waiting for a retry */
};

static void finish(struct pt_http_req *r, void (*on_done)(struct pt_http_req *, void *), void *ctx)
{
	if (on_done)
		on_done(r, ctx);
}

/* Every handle has been removed from the multi at the end of each call. */
static void slots_free(struct pt_http *h)
{
	size_t i;

	for (i = 0; i < h->nslots; i++) {
		curl_easy_cleanup(h->slots[i]->easy);
		free(h->slots[i]);
	}
	free(h->slots);
	h->slots = NULL;
	h->nslots = 0;
	/* The multi goes last: it owns the connections the handles used. */
	if (h->multi)
		curl_multi_cleanup(h->multi);
	h->multi = NULL;
}

/* The multi handle and at least n transfer handles, made on first need. */
static int slots_ready(struct pt_http *h, size_t n, struct pt_error *err)
{
	int rc;

	if (h->multi == NULL && (h->multi = curl_multi_init()) == NULL)
		return pt_error_set(err, PT_ENET, "cannot create a libcurl multi handle");
	while (h->nslots < n) {
		struct slot **v = realloc(h->slots, (h->nslots + 1) * sizeof(*v)), *sl;

		if (v == NULL)
			return pt_error_oom(err);
		h->slots = v;
		/* One allocation per slot: libcurl keeps a pointer to its errbuf. */
		if ((sl = calloc(1, sizeof(*sl))) == NULL)
			return pt_error_oom(err);
		if ((sl->easy = curl_easy_init()) == NULL) {
			free(sl);
			return pt_error_set(err, PT_ENET, "cannot create a libcurl handle");
		}
		if ((rc = setup_easy(h, sl->easy, sl->errbuf, err)) != PT_OK) {
			curl_easy_cleanup(sl->easy);
			free(sl);
			return rc;
		}
		h->slots[h->nslots++] = sl;
	}
	return PT_OK;
}

int pt_http_multi(struct pt_http *h, struct pt_http_req *reqs, size_t n, int concurrency,
		void (*on_done)(struct pt_http_req *req, void *ctx), void *ctx,
		struct pt_error *err)
{
	CURLM *multi;
	struct mreq *st = NULL;
	size_t nslots, i, next = 0, done = 0, nretry = 0;
	int rc = PT_OK, running;
	CURLMcode mc;

	if (n == 0)
		return PT_OK;
	nslots = concurrency > 0 ? (size_t)concurrency : 1;
	if (nslots > n)
		nslots = n;
	if ((st = calloc(n, sizeof(*st))) == NULL)
		return pt_error_oom(err);
	if ((rc = slots_ready(h, nslots, err)) != PT_OK) {
		free(st);
		return rc;
	}
	multi = h->multi;
	/* Connections live in the multi's cache and are reused by whichever
	 * handle starts next, in this call and the next ones (a slice after
	 * another: no new TCP and TLS handshakes); never more of them than
	 * transfers in flight. */
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)nslots);
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)nslots);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)h->nslots);
	for (i = 0; i < nslots; i++)
		h->slots[i]->busy = 0;
	for (i = 0; i < n; i++) {
		pt_buf_reset(&reqs[i].body);
		reqs[i].status = 0;
		pt_error_clear(&reqs[i].err);
	}

	while (done < n) {
		int64_t now = mono_ms(), wait_ms = 1000;
		struct CURLMsg *msg;
		int left;

		/* Fill free slots: first retries that are due, then new requests in order. */
		for (i = 0; i < nslots && done < n; i++) {
			struct slot *sl = h->slots[i];

			while (!sl->busy) {
				size_t j, pick = n;

				for (j = 0; nretry > 0 && j < next; j++)
					if (st[j].queued && st[j].ready_at <= now) {
						pick = j;
						nretry--;
						break;
					}
				if (pick == n && next < n)
					pick = next++;
				if (pick == n)
					break;
				st[pick].queued = 0;
				memset(&sl->sink, 0, sizeof(sl->sink));
				sl->sink.buf = &reqs[pick].body;
				sl->sink.cap = sink_cap(h, &reqs[pick].body);
				sl->errbuf[0] = '\0';
				pt_buf_reset(&reqs[pick].body);
				rc = setup_request(h, sl->easy, reqs[pick].url, reqs[pick].form, &sl->sink,
						&reqs[pick].err);
				if (rc == PT_ENOMEM) {
					pt_error_oom(err);
					goto out;
				}
				if (rc != PT_OK) {
					/* This request's own failure; the others go on. */
					done++;
					finish(&reqs[pick], on_done, ctx);
					continue;
				}
				if ((mc = curl_multi_add_handle(multi, sl->easy)) != CURLM_OK) {
					rc = pt_error_set(err, PT_ENET, "libcurl: %s", curl_multi_strerror(mc));
					goto out;
				}
				st[pick].attempts++;
				sl->req = pick;
				sl->busy = 1;
			}
		}
		if (done >= n)
			break;

		if ((mc = curl_multi_perform(multi, &running)) != CURLM_OK) {
			rc = pt_error_set(err, PT_ENET, "libcurl: %s", curl_multi_strerror(mc));
			goto out;
		}
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			struct slot *sl = NULL;
			struct pt_http_req *r;
			struct mreq *m;
			CURLcode c;
			int again;

			if (msg->msg != CURLMSG_DONE)
				continue;
			for (i = 0; i < nslots; i++)
				if (h->slots[i]->busy && h->slots[i]->easy == msg->easy_handle)
					sl = h->slots[i];
			if (sl == NULL)
				continue;
			c = msg->data.result;
			r = &reqs[sl->req];
			m = &st[sl->req];
			curl_multi_remove_handle(multi, sl->easy);
			sl->busy = 0;
			if (c == CURLE_OK) {
				curl_easy_getinfo(sl->easy, CURLINFO_RESPONSE_CODE, &r->status);
				again = retry_status(r->status);
			} else {
				r->status = 0;
				again = !sl->sink.over && !sl->sink.over_budget && !sl->sink.oom
						&& retryable(c);
			}
			if (again && m->attempts <= h->retries) {
				m->queued = 1;
				nretry++;
				m->ready_at = mono_ms() + backoff_for(h, m->attempts - 1);
				continue;
			}
			if (c != CURLE_OK) {
				/* Its part of the budget goes to the transfers still running. */
				pt_buf_free(&r->body);
				transfer_error(&r->err, r->url, c, sl->errbuf, &sl->sink, m->attempts);
				if (r->err.code == PT_ENOMEM) {
					rc = pt_error_oom(err);
					goto out;
				}
			}
			done++;
			finish(r, on_done, ctx);
		}
		if (done >= n)
			break;

		/* Sleep until libcurl has work or the earliest retry is due. */
		now = mono_ms();
		for (i = 0; nretry > 0 && i < next; i++)
			if (st[i].queued) {
				int64_t d = st[i].ready_at - now;

				if (d < wait_ms)
					wait_ms = d > 0 ? d : 0;
			}
		for (i = 0; next < n && i < nslots; i++)
			if (!h->slots[i]->busy)
				wait_ms = 0; /* a slot is free for a new request: go on at once */
		if (running == 0) {
			/* Nothing in flight, only retries waiting: curl_multi_poll would
			 * return at once. */
			sleep_ms((long)wait_ms);
			continue;
		}
		if ((mc = curl_multi_poll(multi, NULL, 0, (int)wait_ms, NULL)) != CURLM_OK) {
			rc = pt_error_set(err, PT_ENET, "libcurl: %s", curl_multi_strerror(mc));
			goto out;
		}
	}
	rc = PT_OK;
out:
	/* Handles go back out of the multi, ready for the next call. */
	for (i = 0; i < nslots; i++) {
		if (h->slots[i]->busy)
			curl_multi_remove_handle(multi, h->slots[i]->easy);
		h->slots[i]->busy = 0;
	}
	free(st);
	return rc;
}
