/* sink_db.h - what each database backend (sink_sqlite.c, sink_mysql.c, sink_pg.c) gives sink.c: connect, run SQL, prepared statements. */
#ifndef PT_SINK_DB_H
#define PT_SINK_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "sink.h"
#include "strmap.h"

/* One parameter of a prepared statement. text holds the value's text for
 * every kind but NULL (PostgreSQL takes parameters as text; the others bind
 * i or d). TIME's text is RFC 3339 UTC with milliseconds. */
enum pt_sql_kind { PT_SQL_NULL, PT_SQL_TEXT, PT_SQL_INT, PT_SQL_REAL, PT_SQL_TIME };
struct pt_sql_val {
	enum pt_sql_kind kind;
	const char *text;
	size_t arena_off;    /* sink.c: text kept in its arena until the batch is sent */
	int64_t i;
	double d;
	int64_t ms;
	char buf[64];
};

/* Statement slots: the upsert of a full batch of rows, the key lookup, the
 * lookup of a window on any node, and the upsert of the last, shorter batch. */
enum { PT_STMT_PUT = 0, PT_STMT_HAS = 1, PT_STMT_HAS_ANY = 2, PT_STMT_PUT_TAIL = 3,
	PT_STMT_N = 4 };

/* Rows sent in one statement: a round trip per row would make a server
 * database several times slower than a file. */
#define PT_SINK_BATCH 200

struct pt_db_ops {
	/* password may be NULL (the library's own files then). PT_EWRITE. */
	int (*connect)(struct pt_sink *s, const struct pt_db_uri *u, const char *password,
			struct pt_error *err);
	int (*exec)(struct pt_sink *s, const char *sql, struct pt_error *err);
	int (*prepare)(struct pt_sink *s, int slot, const char *sql, size_t nparams,
			struct pt_error *err);
	/* Runs the statement of slot with its n parameters v; *found (may be
	 * NULL) says whether it returned a row. prepare may be called again for
	 * a slot: the new statement replaces the old. */
	int (*run)(struct pt_sink *s, int slot, const struct pt_sql_val *v, size_t n, bool *found,
			struct pt_error *err);
	void (*close)(struct pt_sink *s);
};

extern const struct pt_db_ops pt_db_sqlite, pt_db_mysql, pt_db_pg;

struct pt_sink {
	const struct pt_db_ops *ops;
	enum pt_db_kind kind;
	char *label;          /* the URI as messages show it (it holds no password) */
	void *conn;           /* the library's connection */
	void *stmt[PT_STMT_N];
	const struct pt_schema *schema;
	bool table_ready;     /* of schema */
	bool in_tx;
	size_t count;
	struct pt_sql_val *vals;  /* rows waiting: npend of them, schema->ncols each */
	size_t npend;
	struct pt_buf arena;      /* their text */
	struct pt_strmap keys;    /* their keys: one statement may not touch a row twice */
	size_t tail_rows;         /* rows of the statement in PT_STMT_PUT_TAIL, 0 = none */
};

/* "database LABEL: what": PT_EWRITE, the message kept to one line. */
int pt_sink_fail(struct pt_sink *s, struct pt_error *err, const char *what);

#endif
