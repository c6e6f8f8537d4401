/* fake_http.h - a tiny HTTP/1.1 server on 127.0.0.1 in a thread, answering canned responses (unit tests only). */
#ifndef PT_FAKE_HTTP_H
#define PT_FAKE_HTTP_H

/* Header-only so each test executable (one per tests/unit/test_*.c) can use
 * it without a build change. Single thread, poll()-driven: several client
 * connections at once (curl multi), keep-alive, Content-Length bodies only. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Not every test uses every helper. */
#define FAKE_FN static __attribute__((unused))

#define FAKE_MAX_CONNS 32
#define FAKE_MAX_REQS 64
#define FAKE_MAX_PATHS 64

struct fake_req {
	char method[16];
	char path[512];
	char *head;      /* request line and headers, NUL-terminated */
	char *body;      /* NUL-terminated */
	size_t body_len;
};

struct fake_resp {
	int status;
	const char *content_type; /* NULL = application/json */
	const char *body;         /* NULL = "" */
	size_t body_len;          /* 0 = strlen(body) */
	int hang;                 /* never answer this request */
};

struct fake_server;
typedef void (*fake_handler)(struct fake_server *s, const struct fake_req *req,
		struct fake_resp *resp);

struct fake_conn {
	int fd;
	char *buf;
	size_t len, cap;
	int hang;
};

struct fake_server {
	int lfd;
	int port;
	int wake[2];
	pthread_t thread;
	pthread_mutex_t mu;
	fake_handler handler;
	void *user;
	/* What the tests look at afterwards (under mu). */
	struct fake_req reqs[FAKE_MAX_REQS];
	size_t nreqs;
	int naccepts;
	struct { char path[512]; int hits; } paths[FAKE_MAX_PATHS];
	size_t npaths;
	struct fake_conn conns[FAKE_MAX_CONNS];
};

/* Counts requests per path; returns the count including this one (1 = first).
 * Called from handlers, with mu held. */
FAKE_FN int fake_hit(struct fake_server *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->npaths; i++)
		if (strcmp(s->paths[i].path, path) == 0)
			return ++s->paths[i].hits;
	if (s->npaths == FAKE_MAX_PATHS)
		return 0;
	snprintf(s->paths[s->npaths].path, sizeof(s->paths[0].path), "%s", path);
	s->paths[s->npaths].hits = 1;
	s->npaths++;
	return 1;
}

FAKE_FN int fake_hits(struct fake_server *s, const char *path)
{
	size_t i;
	int n = 0;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->npaths; i++)
		if (strcmp(s->paths[i].path, path) == 0)
			n = s->paths[i].hits;
	pthread_mutex_unlock(&s->mu);
	return n;
}

FAKE_FN void fake_send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the client went away (e.g. it hit its size cap) */
		p += w;
		n -= (size_t)w;
	}
}

FAKE_FN const char *fake_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 422: return "Unprocessable Entity";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

/* Handles every complete request in c's buffer. */
FAKE_FN void fake_serve_conn(struct fake_server *s, struct fake_conn *c)
{
	for (;;) {
		struct fake_resp resp = {200, NULL, NULL, 0, 0};
		struct fake_req *r, scratch;
		char *eoh, *cl, head[512];
		size_t hlen, blen = 0, total, n;

		if (c->len == 0 || c->hang)
			return;
		c->buf[c->len] = '\0';
		if ((eoh = strstr(c->buf, "\r\n\r\n")) == NULL)
			return;
		hlen = (size_t)(eoh - c->buf) + 4;
		for (cl = c->buf; cl < eoh; cl++)
			if (strncasecmp(cl, "\r\nContent-Length:", 17) == 0) {
				blen = strtoul(cl + 17, NULL, 10);
				break;
			}
		total = hlen + blen;
		if (c->len < total)
			return;

		pthread_mutex_lock(&s->mu);
		r = s->nreqs < FAKE_MAX_REQS ? &s->reqs[s->nreqs++] : &scratch;
		memset(r, 0, sizeof(*r));
		sscanf(c->buf, "%15s %511s", r->method, r->path);
		r->head = strndup(c->buf, hlen);
		r->body = strndup(c->buf + hlen, blen);
		r->body_len = blen;
		s->handler(s, r, &resp);
		if (r == &scratch) {
			free(r->head);
			free(r->body);
		}
		pthread_mutex_unlock(&s->mu);

		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
		if (resp.hang) {
			c->hang = 1;
			return;
		}
		if (resp.body == NULL)
			resp.body = "";
		n = resp.body_len ? resp.body_len : strlen(resp.body);
		snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
				"Content-Length: %zu\r\n\r\n", resp.status, fake_reason(resp.status),
				resp.content_type ? resp.content_type : "application/json", n);
		fake_send_all(c->fd, head, strlen(head));
		fake_send_all(c->fd, resp.body, n);
	}
}

FAKE_FN void *fake_main(void *arg)
{
	struct fake_server *s = arg;
	struct pollfd pfd[FAKE_MAX_CONNS + 2];
	size_t i;

	for (;;) {
		nfds_t np = 0;

		pfd[np].fd = s->wake[0];
		pfd[np++].events = POLLIN;
		pfd[np].fd = s->lfd;
		pfd[np++].events = POLLIN;
		for (i = 0; i < FAKE_MAX_CONNS; i++) {
			pfd[np].fd = s->conns[i].fd; /* -1 is ignored by poll */
			pfd[np++].events = POLLIN;
		}
		if (poll(pfd, np, -1) < 0)
			continue;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN) {
			int fd = accept(s->lfd, NULL, NULL);

			for (i = 0; fd >= 0 && i < FAKE_MAX_CONNS; i++)
				if (s->conns[i].fd < 0) {
					s->conns[i].fd = fd;
					s->conns[i].len = 0;
					s->conns[i].hang = 0;
					fd = -1;
				}
			if (fd >= 0)
				close(fd);
			pthread_mutex_lock(&s->mu);
			s->naccepts++;
			pthread_mutex_unlock(&s->mu);
		}
		for (i = 0; i < FAKE_MAX_CONNS; i++) {
			struct fake_conn *c = &s->conns[i];
			ssize_t r;

			if (c->fd < 0 || !(pfd[i + 2].revents & (POLLIN | POLLHUP | POLLERR))
					|| pfd[i + 2].fd != c->fd)
				continue;
			if (c->cap - c->len < 4097) {
				c->cap = c->cap ? c->cap * 2 : 16384;
				c->buf = realloc(c->buf, c->cap);
			}
			r = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
			if (r <= 0) {
				close(c->fd);
				c->fd = -1;
				c->len = 0;
				continue;
			}
			c->len += (size_t)r;
			fake_serve_conn(s, c);
		}
	}
	return NULL;
}

/* Starts a server on 127.0.0.1 with an ephemeral port. Returns 0 or -1. */
FAKE_FN int fake_start(struct fake_server *s, fake_handler handler, void *user)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	size_t i;

	memset(s, 0, sizeof(*s));
	s->handler = handler;
	s->user = user;
	for (i = 0; i < FAKE_MAX_CONNS; i++)
		s->conns[i].fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	if (pipe(s->wake) != 0)
		return -1;
	if ((s->lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s->lfd, 16) != 0
			|| getsockname(s->lfd, (struct sockaddr *)&a, &alen) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->thread, NULL, fake_main, s) == 0 ? 0 : -1;
}

FAKE_FN void fake_stop(struct fake_server *s)
{
	size_t i;

	if (write(s->wake[1], "x", 1) != 1)
		return;
	pthread_join(s->thread, NULL);
	for (i = 0; i < FAKE_MAX_CONNS; i++) {
		if (s->conns[i].fd >= 0)
			close(s->conns[i].fd);
		free(s->conns[i].buf);
	}
	for (i = 0; i < s->nreqs; i++) {
		free(s->reqs[i].head);
		free(s->reqs[i].body);
	}
	close(s->lfd);
	close(s->wake[0]);
	close(s->wake[1]);
	pthread_mutex_destroy(&s->mu);
}

/* A copy of the i-th recorded request (NULL-safe strings); caller frees head/body. */
FAKE_FN int fake_request(struct fake_server *s, size_t i, struct fake_req *out)
{
	int ok;

	pthread_mutex_lock(&s->mu);
	ok = i < s->nreqs;
	if (ok) {
		*out = s->reqs[i];
		out->head = strdup(s->reqs[i].head ? s->reqs[i].head : "");
		out->body = strdup(s->reqs[i].body ? s->reqs[i].body : "");
	}
	pthread_mutex_unlock(&s->mu);
	return ok;
}

FAKE_FN size_t fake_nreqs(struct fake_server *s)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->nreqs;
	pthread_mutex_unlock(&s->mu);
	return n;
}

FAKE_FN int fake_naccepts(struct fake_server *s)
{
	int n;

	pthread_mutex_lock(&s->mu);
	n = s->naccepts;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* A port on 127.0.0.1 with nothing listening: bound, then closed. */
FAKE_FN int fake_closed_port(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0
			&& getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

#endif
