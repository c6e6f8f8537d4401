/* sink_mysql.c - the MariaDB/MySQL backend of sink.c (libmariadb): server-side prepared statements with bound parameters. */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink_db.h"

struct my_stmt {
	MYSQL_STMT *st;
	size_t n;
	MYSQL_BIND *bind;
	unsigned long *len;
	my_bool *null;
	char (*time)[32];
};

static void stmt_free(struct my_stmt *ms)
{
	if (ms == NULL)
		return;
	if (ms->st)
		mysql_stmt_close(ms->st);
	free(ms->bind);
	free(ms->len);
	free(ms->null);
	free(ms->time);
	free(ms);
}

static int fail(struct pt_sink *s, struct pt_error *err, const char *msg)
{
	return pt_sink_fail(s, err, msg ? msg : s->conn ? mysql_error(s->conn) : "failed");
}

static int my_connect(struct pt_sink *s, const struct pt_db_uri *u, const char *password,
		struct pt_error *err)
{
	MYSQL *m = mysql_init(NULL);
	unsigned int timeout = 10;
	my_bool yes = 1;

	if (m == NULL)
		return pt_error_oom(err);
	s->conn = m;
	/* The [client] group of the option files (~/.my.cnf): a password there
	 * is used when outputs.password_file gives none. */
	mysql_options(m, MYSQL_READ_DEFAULT_GROUP, "client");
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (u->ssl && strcmp(u->ssl, "true") == 0) {
		/* Asked for: encrypted, and the server's certificate verified. */
		mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &yes);
		mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
	}
	if (mysql_real_connect(m, u->host, u->user, password, u->db, (unsigned)u->port, NULL, 0)
			== NULL)
		return fail(s, err, NULL);
	/* DATETIME holds the UTC times as given. */
	if (mysql_query(m, "SET time_zone = '+00:00', sql_mode = CONCAT(@@sql_mode, "
				"',STRICT_TRANS_TABLES')") != 0)
		return fail(s, err, NULL);
	return PT_OK;
}

static int my_exec(struct pt_sink *s, const char *sql, struct pt_error *err)
{
	if (mysql_query(s->conn, sql) != 0)
		return fail(s, err, NULL);
	return PT_OK;
}

static int my_prepare(struct pt_sink *s, int slot, const char *sql, size_t nparams,
		struct pt_error *err)
{
	struct my_stmt *ms;
	size_t n = nparams ? nparams : 1;

	stmt_free(s->stmt[slot]);
	s->stmt[slot] = NULL;
	if ((ms = calloc(1, sizeof(*ms))) == NULL || (ms->bind = calloc(n, sizeof(*ms->bind))) == NULL ||
			(ms->len = calloc(n, sizeof(*ms->len))) == NULL ||
			(ms->null = calloc(n, sizeof(*ms->null))) == NULL ||
			(ms->time = calloc(n, sizeof(*ms->time))) == NULL ||
			(ms->st = mysql_stmt_init(s->conn)) == NULL) {
		stmt_free(ms);
		return pt_error_oom(err);
	}
	ms->n = nparams;
	if (mysql_stmt_prepare(ms->st, sql, strlen(sql)) != 0) {
		int rc = fail(s, err, mysql_stmt_error(ms->st));
		stmt_free(ms);
		return rc;
	}
	s->stmt[slot] = ms;
	return PT_OK;
}

/* "2026-11-21 10:00:00.250": RFC 3339 text without its T and Z. */
static void my_time(char *out, size_t size, const char *rfc3339)
{
	size_t n;

	snprintf(out, size, "%s", rfc3339);
	n = strlen(out);
	if (n > 10 && out[10] == 'T')
		out[10] = ' ';
	if (n > 0 && out[n - 1] == 'Z')
		out[n - 1] = '\0';
}

static int my_run(struct pt_sink *s, int slot, const struct pt_sql_val *v, size_t n,
		bool *found, struct pt_error *err)
{
	struct my_stmt *ms = s->stmt[slot];
	size_t i;

	if (n != ms->n)
		return pt_sink_fail(s, err, "internal: parameters do not match the statement");
	memset(ms->bind, 0, sizeof(MYSQL_BIND) * n);
	for (i = 0; i < n; i++) {
		MYSQL_BIND *b = &ms->bind[i];

		ms->null[i] = v[i].kind == PT_SQL_NULL;
		b->is_null = &ms->null[i];
		switch (v[i].kind) {
		case PT_SQL_NULL:
			b->buffer_type = MYSQL_TYPE_NULL;
			break;
		case PT_SQL_TEXT:
			b->buffer_type = MYSQL_TYPE_STRING;
			b->buffer = (void *)v[i].text;
			ms->len[i] = strlen(v[i].text);
			b->length = &ms->len[i];
			break;
		case PT_SQL_TIME:
			my_time(ms->time[i], sizeof(ms->time[i]), v[i].text);
			b->buffer_type = MYSQL_TYPE_STRING;
			b->buffer = ms->time[i];
			ms->len[i] = strlen(ms->time[i]);
			b->length = &ms->len[i];
			break;
		case PT_SQL_INT:
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = (void *)&v[i].i;
			break;
		case PT_SQL_REAL:
			b->buffer_type = MYSQL_TYPE_DOUBLE;
			b->buffer = (void *)&v[i].d;
			break;
		}
	}
	if (mysql_stmt_bind_param(ms->st, ms->bind) != 0 || mysql_stmt_execute(ms->st) != 0)
		return fail(s, err, mysql_stmt_error(ms->st));
	if (found) {
		if (mysql_stmt_store_result(ms->st) != 0)
			return fail(s, err, mysql_stmt_error(ms->st));
		*found = mysql_stmt_num_rows(ms->st) > 0;
		mysql_stmt_free_result(ms->st);
	}
	return PT_OK;
}

static void my_close(struct pt_sink *s)
{
	int i;

	for (i = 0; i < PT_STMT_N; i++) {
		stmt_free(s->stmt[i]);
		s->stmt[i] = NULL;
	}
	mysql_close(s->conn);
	s->conn = NULL;
}

const struct pt_db_ops pt_db_mysql = {my_connect, my_exec, my_prepare, my_run, my_close};
