/* sink.h - rows into a database (SQLite, MariaDB/MySQL, PostgreSQL) through their client libraries: typed columns from the row schema, upserts, one transaction per command. doc/reference.md §9. */
#ifndef PT_SINK_H
#define PT_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "model.h"
#include "schema.h"

enum pt_db_kind { PT_DB_SQLITE, PT_DB_MYSQL, PT_DB_PG };

/* A database URI, parsed: sqlite:PATH, mysql://USER@HOST[:PORT]/DB[?ssl=...]
 * (also mariadb://), postgresql://USER@HOST[:PORT]/DB[?sslmode=...|?ssl=...]
 * (also postgres://). ssl=true asks for TLS with the server's certificate
 * verified, for both. Never holds a password: one in the URI is refused. */
struct pt_db_uri {
	enum pt_db_kind kind;
	char *path;        /* sqlite */
	char *user, *host, *db;
	int port;          /* 0 = the library's default */
	char *ssl;         /* mysql: "true"/"false"; postgresql: an sslmode (ssl=true is
	                      verify-full); NULL = not asked */
};

/* True when s names a database rather than a file. */
bool pt_db_is_uri(const char *s);
/* Parses s. PT_EUSAGE for a malformed URI or one with a password (the
 * message never shows it). Caller frees with pt_db_uri_clear. */
int pt_db_uri_parse(struct pt_db_uri *out, const char *s, struct pt_error *err) PT_WUR;
void pt_db_uri_clear(struct pt_db_uri *u);

struct pt_sink;

/* Connects to the database of uri. password_file (may be NULL) holds the
 * password, else the client library's own files are read (MariaDB's option
 * files' [client] group, PostgreSQL's ~/.pgpass and PG* variables).
 * PT_EUSAGE for a bad URI or an unreadable password file, PT_EWRITE when the
 * database cannot be reached, with the library's message. Caller frees with
 * pt_sink_free. */
int pt_sink_open(struct pt_sink **out, const char *uri, const char *password_file,
		struct pt_error *err) PT_WUR;

/* Makes the table of schema s exist (created when missing, typed columns
 * named as the CSV's, a unique key on the key columns), starts the
 * transaction and prepares the upsert. One table per sink. PT_EWRITE. */
int pt_sink_begin(struct pt_sink *sink, const struct pt_schema *s, struct pt_error *err) PT_WUR;
/* Upserts one row (read through the schema). Numbers go in as the CSV
 * writes them (the column's decimals), unknown values as NULL. */
int pt_sink_put(struct pt_sink *sink, const struct pt_rowref *r, struct pt_error *err) PT_WUR;
/* Upserts rows: one each, or for pt_schema_device one per device. */
int pt_sink_put_rows(struct pt_sink *sink, const struct pt_row *rows, size_t n,
		struct pt_error *err) PT_WUR;
/* Whether the table has a row of this key (task, node, start, end), or with
 * node NULL a row of the window on any node; for batch --resume. May be
 * called before or after pt_sink_begin. */
int pt_sink_has(struct pt_sink *sink, const char *task, const char *node, int64_t start_ms,
		int64_t end_ms, bool *has, struct pt_error *err) PT_WUR;
/* Commits every row put since begin. PT_EWRITE. */
int pt_sink_commit(struct pt_sink *sink, struct pt_error *err) PT_WUR;
/* Rows not committed are rolled back; closes; NULL ok. */
void pt_sink_free(struct pt_sink *sink);

/* Rows put so far. */
size_t pt_sink_count(const struct pt_sink *sink);

#endif
