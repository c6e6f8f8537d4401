/* serve_int.h - what serve.c and serve_net.c share: the server's state and its connection handling; not for other modules. */
#ifndef PT_SERVE_INT_H
#define PT_SERVE_INT_H

#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "error.h"
#include "serve.h"

/* What one client may take of the server (a client that holds connections
 * open with half a request must not starve the others):
 * - HEADER_MS: the whole request (line, headers, a body if any), from the
 *   connection's start or from the end of its previous answer, however it
 *   trickles in (libmicrohttpd's own timeout only counts silence: a byte a
 *   second would hold a connection forever). Junk it cannot read as a
 *   request line (NUL bytes, blank lines, a TLS hello) is closed then too;
 *   text junk gets its 400 at once.
 * - IDLE_S: libmicrohttpd's silence timeout, for the rest: an answer the
 *   client does not read, a kept-alive connection whose worker is busy with
 *   a long answer for another (it must not cut that one off).
 * - PER_IP: connections from one address, of MAX_CONNECTIONS in all. */
#define HEADER_MS 3000
#define WATCH_TICK_MS 250
#define IDLE_S 120
#define PER_IP 32
#define MAX_CONNECTIONS 256

/* A report context and what it caches; used by one request at a time
 * (pt_ctx and its curl handle are not thread-safe). */
struct slot {
	struct pt_ctx *ctx;
	bool busy;
	int64_t interval_ms;
	int64_t interval_at_ms; /* monotonic time it was read; 0 = never */
};

/* A connection waiting for a request's headers, and until when. */
struct watch {
	int fd;
	int64_t deadline_ms;  /* monotonic */
	bool armed;           /* waiting for headers now */
	struct watch *prev, *next;
};

struct pt_serve {
	struct MHD_Daemon *daemon;
	/* The header watch: every connection, and a thread that cuts off those
	 * whose headers are late. watch_lock also keeps a connection's fd from
	 * being shut down once libmicrohttpd has said it is closed. */
	pthread_mutex_t watch_lock;
	pthread_cond_t watch_stop_cond;
	pthread_t watch_thread;
	bool watch_ready, watch_running, watch_stop;
	struct watch *watches;
	int listen_fd;
	char address[INET6_ADDRSTRLEN + 16];
	pthread_mutex_t lock;
	pthread_cond_t freed;
	bool sync_ready;
	struct slot *slots;
	size_t nslots;
	void (*log)(void *user, const char *line);
	void *log_user;
};

/* Monotonic milliseconds. */
int64_t pt_serve_mono_ms(void);

/* Opens s->listen_fd on spec ("ADDR:PORT", "[ADDR6]:PORT") and fills
 * s->address. PT_EUSAGE for a bad spec, PT_ENET when it cannot listen. */
int pt_serve_listen_open(struct pt_serve *s, const char *spec, struct pt_error *err) PT_WUR;

/* The header watch: every connection is registered (libmicrohttpd's
 * connection notification); armed, it is shut down when its request's
 * headers are not in by the deadline. */
int pt_serve_watch_init(struct pt_serve *s, struct pt_error *err) PT_WUR;
void pt_serve_watch_arm(struct pt_serve *s, struct MHD_Connection *c, bool armed);
void pt_serve_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
		enum MHD_ConnectionNotificationCode toe);
void *pt_serve_watch_main(void *arg);

#endif
