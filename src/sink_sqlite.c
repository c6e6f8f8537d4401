/* sink_sqlite.c - the SQLite backend of sink.c (libsqlite3): a file, no server. */
#include <sqlite3.h>
#include <stdlib.h>

#include "sink_db.h"

static int fail(struct pt_sink *s, struct pt_error *err)
{
	return pt_sink_fail(s, err, s->conn ? sqlite3_errmsg(s->conn) : "cannot open");
}

static int sq_connect(struct pt_sink *s, const struct pt_db_uri *u, const char *password,
		struct pt_error *err)
{
	sqlite3 *db = NULL;

	(void)password; /* SQLite files have none: their mode protects them */
	if (sqlite3_open_v2(u->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
			!= SQLITE_OK) {
		s->conn = db;
		fail(s, err);
		sqlite3_close(db);
		s->conn = NULL;
		return err->code;
	}
	s->conn = db;
	/* Concurrent writers (jobs sharing one file) wait for each other. */
	sqlite3_busy_timeout(db, 30000);
	return PT_OK;
}

static int sq_exec(struct pt_sink *s, const char *sql, struct pt_error *err)
{
	if (sqlite3_exec(s->conn, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, err);
	return PT_OK;
}

static int sq_prepare(struct pt_sink *s, int slot, const char *sql, size_t nparams,
		struct pt_error *err)
{
	sqlite3_stmt *st = NULL;

	(void)nparams;
	if (sqlite3_prepare_v2(s->conn, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, err);
	sqlite3_finalize(s->stmt[slot]);
	s->stmt[slot] = st;
	return PT_OK;
}

static int sq_run(struct pt_sink *s, int slot, const struct pt_sql_val *v, size_t n,
		bool *found, struct pt_error *err)
{
	sqlite3_stmt *st = s->stmt[slot];
	size_t i;
	int rc = SQLITE_OK, step;

	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		int k = (int)i + 1;
		switch (v[i].kind) {
		case PT_SQL_NULL: rc = sqlite3_bind_null(st, k); break;
		case PT_SQL_TEXT:
		case PT_SQL_TIME: rc = sqlite3_bind_text(st, k, v[i].text, -1, SQLITE_TRANSIENT); break;
		case PT_SQL_INT: rc = sqlite3_bind_int64(st, k, v[i].i); break;
		case PT_SQL_REAL: rc = sqlite3_bind_double(st, k, v[i].d); break;
		}
	}
	if (rc != SQLITE_OK) {
		sqlite3_reset(st);
		return fail(s, err);
	}
	step = sqlite3_step(st);
	if (found)
		*found = step == SQLITE_ROW;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return fail(s, err);
	return PT_OK;
}

static void sq_close(struct pt_sink *s)
{
	int i;

	for (i = 0; i < PT_STMT_N; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->conn);
	s->conn = NULL;
}

const struct pt_db_ops pt_db_sqlite = {sq_connect, sq_exec, sq_prepare, sq_run, sq_close};
