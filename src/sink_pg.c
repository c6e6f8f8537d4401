/* sink_pg.c - the PostgreSQL backend of sink.c (libpq): parameters as text, typed by the table. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink_db.h"

static const char *const stmt_names[PT_STMT_N] = {"powertest_put", "powertest_has",
	"powertest_has_any", "powertest_put_tail"};

static int fail(struct pt_sink *s, struct pt_error *err, const char *msg)
{
	return pt_sink_fail(s, err, msg ? msg : s->conn ? PQerrorMessage(s->conn) : "failed");
}

/* Notices ("relation ... already exists, skipping") are not for the user. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int pg_connect(struct pt_sink *s, const struct pt_db_uri *u, const char *password,
		struct pt_error *err)
{
	const char *keys[12], *vals[12];
	char port[16];
	int n = 0;

	keys[n] = "host", vals[n++] = u->host;
	if (u->port) {
		snprintf(port, sizeof(port), "%d", u->port);
		keys[n] = "port", vals[n++] = port;
	}
	keys[n] = "user", vals[n++] = u->user;
	keys[n] = "dbname", vals[n++] = u->db;
	if (password)
		keys[n] = "password", vals[n++] = password;
	if (u->ssl)
		keys[n] = "sslmode", vals[n++] = u->ssl;
	keys[n] = "connect_timeout", vals[n++] = "10";
	keys[n] = "application_name", vals[n++] = "powertest";
	keys[n] = "client_encoding", vals[n++] = "UTF8";
	keys[n] = NULL, vals[n] = NULL;
	/* expand_dbname 0: no value is read as a connection string. */
	s->conn = PQconnectdbParams(keys, vals, 0);
	if (s->conn == NULL)
		return pt_error_oom(err);
	if (PQstatus(s->conn) != CONNECTION_OK)
		return fail(s, err, NULL);
	PQsetNoticeProcessor(s->conn, quiet, NULL);
	return PT_OK;
}

static int pg_result(struct pt_sink *s, PGresult *res, bool *found, struct pt_error *err)
{
	ExecStatusType st = PQresultStatus(res);
	int rc = PT_OK;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = fail(s, err, PQresultErrorMessage(res));
	else if (found)
		*found = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

static int pg_exec(struct pt_sink *s, const char *sql, struct pt_error *err)
{
	/* Notices ("relation already exists, skipping") are not errors. */
	return pg_result(s, PQexec(s->conn, sql), NULL, err);
}

static int pg_prepare(struct pt_sink *s, int slot, const char *sql, size_t nparams,
		struct pt_error *err)
{
	char dealloc[64];
	int rc;

	if (s->stmt[slot] != NULL) {
		snprintf(dealloc, sizeof(dealloc), "DEALLOCATE %s", stmt_names[slot]);
		if ((rc = pg_exec(s, dealloc, err)) != PT_OK)
			return rc;
		s->stmt[slot] = NULL;
	}
	rc = pg_result(s, PQprepare(s->conn, stmt_names[slot], sql, (int)nparams, NULL), NULL, err);

	if (rc == PT_OK)
		s->stmt[slot] = (void *)stmt_names[slot];
	return rc;
}

static int pg_run(struct pt_sink *s, int slot, const struct pt_sql_val *v, size_t n,
		bool *found, struct pt_error *err)
{
	const char **params = malloc((n ? n : 1) * sizeof(*params));
	size_t i;
	int rc;

	if (params == NULL)
		return pt_error_oom(err);
	for (i = 0; i < n; i++)
		params[i] = v[i].kind == PT_SQL_NULL ? NULL : v[i].text;
	rc = pg_result(s, PQexecPrepared(s->conn, stmt_names[slot], (int)n, params, NULL, NULL, 0),
			found, err);
	free(params);
	return rc;
}

static void pg_close(struct pt_sink *s)
{
	PQfinish(s->conn);
	s->conn = NULL;
}

const struct pt_db_ops pt_db_pg = {pg_connect, pg_exec, pg_prepare, pg_run, pg_close};
