/* serve_net.c - serve's connections: the listening socket, and the watch that cuts off clients whose request headers are late (slow or junk senders). */
#include "serve_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t pt_serve_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the header watch ---- */

/* The connection's watch: headers expected from now on, within HEADER_MS. */
void pt_serve_watch_arm(struct pt_serve *s, struct MHD_Connection *c, bool armed)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct watch *w = ci ? ci->socket_context : NULL;

	if (w == NULL)
		return;
	pthread_mutex_lock(&s->watch_lock);
	w->armed = armed;
	w->deadline_ms = pt_serve_mono_ms() + HEADER_MS;
	pthread_mutex_unlock(&s->watch_lock);
}

void pt_serve_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
		enum MHD_ConnectionNotificationCode code)
{
	struct pt_serve *s = cls;
	struct watch *w = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		/* Without memory for its watch, a connection goes on unwatched:
		 * libmicrohttpd's idle timeout still ends it. */
		if (ci == NULL || (w = calloc(1, sizeof(*w))) == NULL)
			return;
		w->fd = ci->connect_fd;
		w->armed = true;
		w->deadline_ms = pt_serve_mono_ms() + HEADER_MS;
		pthread_mutex_lock(&s->watch_lock);
		w->next = s->watches;
		if (s->watches)
			s->watches->prev = w;
		s->watches = w;
		pthread_mutex_unlock(&s->watch_lock);
		*socket_context = w;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && w != NULL) {
		/* Called before libmicrohttpd closes the socket: once out of the
		 * list, its fd is never touched again (it may be reused). */
		pthread_mutex_lock(&s->watch_lock);
		if (w->prev)
			w->prev->next = w->next;
		else
			s->watches = w->next;
		if (w->next)
			w->next->prev = w->prev;
		pthread_mutex_unlock(&s->watch_lock);
		free(w);
		*socket_context = NULL;
	}
}

/* Whether the bytes waiting unread on fd hold the end of a request's
 * headers (or fill the peek): then the client was on time and the worker
 * thread that owns the connection is busy computing another answer. A
 * client that is late leaves nothing there, as the worker reads what comes,
 * or only part of its headers. */
static bool headers_waiting(int fd)
{
	static char buf[64 * 1024]; /* the watch thread's alone */
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	ssize_t i;

	if (n <= 0)
		return false;
	if ((size_t)n == sizeof(buf))
		return true;
	for (i = 0; i + 1 < n; i++)
		if (buf[i] == '\n' && (buf[i + 1] == '\n' || (buf[i + 1] == '\r' && i + 2 < n
				&& buf[i + 2] == '\n')))
			return true;
	return false;
}

/* Shuts down the connections whose headers are late: libmicrohttpd sees the
 * end of the stream and closes them in its own thread. */
void *pt_serve_watch_main(void *arg)
{
	struct pt_serve *s = arg;
	struct timespec ts;
	struct watch *w;
	int64_t now;

	pthread_mutex_lock(&s->watch_lock);
	while (!s->watch_stop) {
		now = pt_serve_mono_ms();
		for (w = s->watches; w; w = w->next) {
			if (!w->armed || w->deadline_ms > now)
				continue;
			if (headers_waiting(w->fd)) {
				w->deadline_ms = now + HEADER_MS; /* its worker is busy: look again later */
				continue;
			}
			w->armed = false;
			shutdown(w->fd, SHUT_RDWR);
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += WATCH_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->watch_stop_cond, &s->watch_lock, &ts);
	}
	pthread_mutex_unlock(&s->watch_lock);
	return NULL;
}

int pt_serve_watch_init(struct pt_serve *s, struct pt_error *err)
{
	pthread_condattr_t attr;
	int e;

	if (pthread_mutex_init(&s->watch_lock, NULL) != 0)
		return pt_error_set(err, PT_ENOMEM, "cannot create a mutex");
	/* Its waits are on the monotonic clock, as its deadlines. */
	if ((e = pthread_condattr_init(&attr)) == 0) {
		e = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		if (e == 0)
			e = pthread_cond_init(&s->watch_stop_cond, &attr);
		pthread_condattr_destroy(&attr);
	}
	if (e != 0) {
		pthread_mutex_destroy(&s->watch_lock);
		return pt_error_set(err, PT_ENOMEM, "cannot create a condition variable");
	}
	s->watch_ready = true;
	return PT_OK;
}

/* ---- listening socket ---- */

/* "HOST:PORT", "[V6]:PORT" or "PORT" -> host and port strings. */
static int listen_split(char *host, size_t hsize, char *port, size_t psize, const char *spec,
		struct pt_error *err)
{
	const char *colon, *p;
	size_t hlen;
	unsigned long v;
	char *end;

	if (*spec == '\0')
		return pt_error_set(err, PT_EUSAGE, "empty listen address (expected HOST:PORT)");
	if (strspn(spec, "0123456789") == strlen(spec)) {
		snprintf(host, hsize, "127.0.0.1");
		p = spec;
	} else if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || close[1] != ':')
			return pt_error_set(err, PT_EUSAGE,
					"bad listen address '%.60s' (expected [IPv6]:PORT)", spec);
		hlen = (size_t)(close - spec - 1);
		if (hlen == 0 || hlen >= hsize)
			return pt_error_set(err, PT_EUSAGE, "bad listen address '%.60s'", spec);
		memcpy(host, spec + 1, hlen);
		host[hlen] = '\0';
		p = close + 2;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL || colon == spec || memchr(spec, ':', (size_t)(colon - spec)))
			return pt_error_set(err, PT_EUSAGE,
					"bad listen address '%.60s' (expected HOST:PORT, e.g. 127.0.0.1:8080)",
					spec);
		hlen = (size_t)(colon - spec);
		if (hlen >= hsize)
			return pt_error_set(err, PT_EUSAGE, "bad listen address '%.60s'", spec);
		memcpy(host, spec, hlen);
		host[hlen] = '\0';
		p = colon + 1;
	}
	errno = 0;
	v = strtoul(p, &end, 10);
	if (*p < '0' || *p > '9' || *end != '\0' || errno || v > 65535)
		return pt_error_set(err, PT_EUSAGE, "bad port in listen address '%.60s' (0-65535)",
				spec);
	snprintf(port, psize, "%lu", v);
	return PT_OK;
}

int pt_serve_listen_open(struct pt_serve *s, const char *spec, struct pt_error *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char host[256], port[8], bound[INET6_ADDRSTRLEN];
	int rc, fd = -1, saved = 0, one = 1, flags;

	if ((rc = listen_split(host, sizeof(host), port, sizeof(port), spec, err)) != PT_OK)
		return rc;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return pt_error_set(err, PT_EUSAGE, "cannot resolve listen address '%.60s': %s", host,
				gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return pt_error_set(err, PT_ENET, "cannot listen on %.60s: %s", spec,
				strerror(saved ? saved : EADDRNOTAVAIL));
	/* Several workers accept on this socket: none may block in accept(). */
	if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
			getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
		saved = errno;
		close(fd);
		return pt_error_set(err, PT_ENET, "cannot listen on %.60s: %s", spec, strerror(saved));
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&ss;

		getnameinfo((const struct sockaddr *)&ss, sslen, bound, sizeof(bound), NULL, 0,
				NI_NUMERICHOST);
		snprintf(s->address, sizeof(s->address), "[%s]:%u", bound, ntohs(a6->sin6_port));
	} else {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)&ss;

		getnameinfo((const struct sockaddr *)&ss, sslen, bound, sizeof(bound), NULL, 0,
				NI_NUMERICHOST);
		snprintf(s->address, sizeof(s->address), "%s:%u", bound, ntohs(a4->sin_port));
	}
	s->listen_fd = fd;
	return PT_OK;
}

