/* sink.c - rows into a database: URIs, SQL written from the row schema for each dialect, the transaction; the backends do the talking. */
#include "sink.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "csvout.h"
#include "sink_db.h"
#include "timefmt.h"

/* ---- URIs ---- */

bool pt_db_is_uri(const char *s)
{
	return s != NULL && (strncmp(s, "sqlite:", 7) == 0 || strncmp(s, "mysql://", 8) == 0 ||
			strncmp(s, "mariadb://", 10) == 0 || strncmp(s, "postgresql://", 13) == 0 ||
			strncmp(s, "postgres://", 11) == 0);
}

void pt_db_uri_clear(struct pt_db_uri *u)
{
	if (u == NULL)
		return;
	free(u->path);
	free(u->user);
	free(u->host);
	free(u->db);
	free(u->ssl);
	memset(u, 0, sizeof(*u));
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Printable, no spaces: what a URI's user, host and database may hold. */
static bool plain(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return false;
	return n > 0;
}

/* The query part: ssl= (mysql) or sslmode= (postgresql), nothing else. */
static int uri_query(struct pt_db_uri *u, const char *q, const char *scheme,
		struct pt_error *err)
{
	const char *want = u->kind == PT_DB_PG && strncmp(q, "ssl=", 4) != 0 ? "sslmode=" : "ssl=";
	size_t wl = strlen(want);
	static const char *const modes[] = {"disable", "allow", "prefer", "require", "verify-ca",
		"verify-full", NULL};
	size_t i;

	if (strncmp(q, want, wl) != 0 || strchr(q, '&') != NULL)
		return pt_error_set(err, PT_EUSAGE, "%s URI: the only parameter it takes is %s...",
				scheme, u->kind == PT_DB_PG ? "ssl= or sslmode=" : want);
	q += wl;
	if (u->kind == PT_DB_PG && wl == 4) {
		/* ssl=true: TLS with the server's certificate and name verified. */
		if (strcmp(q, "true") != 0 && strcmp(q, "false") != 0)
			return pt_error_set(err, PT_EUSAGE, "%s URI: ssl takes true or false", scheme);
		q = strcmp(q, "true") == 0 ? "verify-full" : "disable";
	} else if (u->kind == PT_DB_PG) {
		for (i = 0; modes[i] && strcmp(modes[i], q) != 0; i++)
			;
		if (modes[i] == NULL)
			return pt_error_set(err, PT_EUSAGE, "%s URI: sslmode takes disable, allow, prefer, "
					"require, verify-ca or verify-full", scheme);
	} else if (strcmp(q, "true") != 0 && strcmp(q, "false") != 0) {
		return pt_error_set(err, PT_EUSAGE, "%s URI: ssl takes true or false", scheme);
	}
	if ((u->ssl = strdup(q)) == NULL)
		return pt_error_oom(err);
	return PT_OK;
}

int pt_db_uri_parse(struct pt_db_uri *u, const char *s, struct pt_error *err)
{
	const char *p, *at, *slash, *colon, *q, *scheme;
	size_t hostlen;

	memset(u, 0, sizeof(*u));
	if (strncmp(s, "sqlite:", 7) == 0) {
		u->kind = PT_DB_SQLITE;
		if (s[7] == '\0')
			return pt_error_set(err, PT_EUSAGE, "sqlite: needs a file: sqlite:PATH");
		if ((u->path = strdup(s + 7)) == NULL)
			return pt_error_oom(err);
		return PT_OK;
	}
	if (strncmp(s, "mysql://", 8) == 0 || strncmp(s, "mariadb://", 10) == 0) {
		u->kind = PT_DB_MYSQL;
		scheme = s[1] == 'y' ? "mysql" : "mariadb";
	} else if (strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0) {
		u->kind = PT_DB_PG;
		scheme = "postgresql";
	} else {
		return pt_error_set(err, PT_EUSAGE, "not a database URI (sqlite:PATH, "
				"mysql://USER@HOST[:PORT]/DB, postgresql://USER@HOST[:PORT]/DB)");
	}
	p = strstr(s, "://") + 3;
	slash = strchr(p, '/');
	at = memchr(p, '@', slash ? (size_t)(slash - p) : strlen(p));
	if (at == NULL || slash == NULL)
		return pt_error_set(err, PT_EUSAGE, "%s URI: give %s://USER@HOST[:PORT]/DB", scheme,
				scheme);
	/* A password has no place here: argv and URIs end up in logs and ps. */
	if (memchr(p, ':', (size_t)(at - p)) != NULL)
		return pt_error_set(err, PT_EUSAGE, "%s URI: a password does not go in the URI (it "
				"would show in ps and logs): put it in outputs.password_file", scheme);
	if (!plain(p, (size_t)(at - p)))
		return pt_error_set(err, PT_EUSAGE, "%s URI: no user before '@'", scheme);
	colon = memchr(at + 1, ':', (size_t)(slash - at - 1));
	hostlen = (size_t)((colon ? colon : slash) - at - 1);
	if (!plain(at + 1, hostlen))
		return pt_error_set(err, PT_EUSAGE, "%s URI: no host", scheme);
	if (colon) {
		char *end;
		long port = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || end != slash || port < 1 || port > 65535)
			return pt_error_set(err, PT_EUSAGE, "%s URI: the port must be 1 to 65535", scheme);
		u->port = (int)port;
	}
	q = strchr(slash + 1, '?');
	if (!plain(slash + 1, q ? (size_t)(q - slash - 1) : strlen(slash + 1)))
		return pt_error_set(err, PT_EUSAGE, "%s URI: no database after '/'", scheme);
	if ((u->user = dup_n(p, (size_t)(at - p))) == NULL ||
			(u->host = dup_n(at + 1, hostlen)) == NULL ||
			(u->db = dup_n(slash + 1, q ? (size_t)(q - slash - 1) : strlen(slash + 1))) == NULL)
		return pt_error_oom(err);
	if (q && uri_query(u, q + 1, scheme, err) != PT_OK)
		return err->code;
	return PT_OK;
}

/* ---- the sink ---- */

int pt_sink_fail(struct pt_sink *s, struct pt_error *err, const char *what)
{
	char line[sizeof(err->msg)];
	size_t i;

	snprintf(line, sizeof(line), "database %s: %s", s->label, what ? what : "failed");
	for (i = 0; line[i]; i++)
		if (line[i] == '\n' || line[i] == '\r' || line[i] == '\t')
			line[i] = ' ';
	while (i > 0 && line[i - 1] == ' ')
		line[--i] = '\0';
	return pt_error_set(err, PT_EWRITE, "%s", line);
}

int pt_sink_open(struct pt_sink **out, const char *uri, const char *password_file,
		struct pt_error *err)
{
	struct pt_db_uri u;
	struct pt_sink *s = NULL;
	char *password = NULL;
	int rc;

	*out = NULL;
	if ((rc = pt_db_uri_parse(&u, uri, err)) != PT_OK)
		goto out;
	if (password_file && (rc = pt_read_secret(&password, password_file, err)) != PT_OK)
		goto out;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->label = strdup(uri)) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	s->kind = u.kind;
	s->ops = u.kind == PT_DB_SQLITE ? &pt_db_sqlite : u.kind == PT_DB_MYSQL ? &pt_db_mysql
		: &pt_db_pg;
	if ((rc = s->ops->connect(s, &u, password, err)) != PT_OK)
		goto out;
	*out = s;
	s = NULL;
out:
	if (password) {
		/* Not left in freed memory. */
		volatile char *v = password;
		while (*v)
			*v++ = '\0';
		free(password);
	}
	pt_sink_free(s);
	pt_db_uri_clear(&u);
	return rc;
}

void pt_sink_free(struct pt_sink *s)
{
	struct pt_error ignored = {0, ""};

	if (s == NULL)
		return;
	if (s->in_tx && s->conn)
		(void)!s->ops->exec(s, "ROLLBACK", &ignored);
	if (s->conn)
		s->ops->close(s);
	free(s->vals);
	pt_buf_free(&s->arena);
	pt_strmap_free(&s->keys);
	free(s->label);
	free(s);
}

size_t pt_sink_count(const struct pt_sink *s)
{
	return s->count;
}

/* ---- SQL from the schema ---- */

static char q_open(const struct pt_sink *s)
{
	return s->kind == PT_DB_MYSQL ? '`' : '"';
}

static int ident(struct pt_buf *b, const struct pt_sink *s, const char *name,
		struct pt_error *err)
{
	return pt_buf_printf(b, err, "%c%s%c", q_open(s), name, q_open(s));
}

static const char *col_type(const struct pt_sink *s, const struct pt_column *c)
{
	bool key = (c->flags & PT_COL_KEY) != 0;

	switch (c->type) {
	case PT_CELL_TEXT:
		/* MariaDB's unique keys take at most 3,072 bytes: 190 characters of
		 * utf8mb4 for each of three names and two times fit. */
		return s->kind == PT_DB_MYSQL && key ? "VARCHAR(190) NOT NULL" : key ? "TEXT NOT NULL"
			: "TEXT";
	case PT_CELL_TIME:
		return s->kind == PT_DB_MYSQL ? (key ? "DATETIME(3) NOT NULL" : "DATETIME(3)")
			: s->kind == PT_DB_PG ? (key ? "TIMESTAMP(3) WITH TIME ZONE NOT NULL"
				: "TIMESTAMP(3) WITH TIME ZONE")
			: (key ? "TEXT NOT NULL" : "TEXT");
	case PT_CELL_UJ:
		return s->kind == PT_DB_SQLITE ? "INTEGER" : "BIGINT";
	case PT_CELL_NUM:
		if (c->decimals == 0)
			return s->kind == PT_DB_SQLITE ? "INTEGER" : "BIGINT";
		return s->kind == PT_DB_SQLITE ? "REAL" : s->kind == PT_DB_MYSQL ? "DOUBLE"
			: "DOUBLE PRECISION";
	}
	return "TEXT";
}

static int table_name(struct pt_buf *b, const struct pt_sink *s, const struct pt_schema *sc,
		struct pt_error *err)
{
	char name[64];

	snprintf(name, sizeof(name), "powertest_%s", sc->name);
	return ident(b, s, name, err);
}

/* (a, b, ...) of the key columns. */
static int key_list(struct pt_buf *b, const struct pt_sink *s, const struct pt_schema *sc,
		struct pt_error *err)
{
	size_t i;
	bool first = true;
	int rc = pt_buf_append(b, "(", 1, err);

	for (i = 0; i < sc->ncols && rc == PT_OK; i++) {
		if (!(sc->cols[i].flags & PT_COL_KEY))
			continue;
		if (!first)
			rc = pt_buf_append(b, ", ", 2, err);
		first = false;
		if (rc == PT_OK)
			rc = ident(b, s, sc->cols[i].name, err);
	}
	return rc == PT_OK ? pt_buf_append(b, ")", 1, err) : rc;
}

static int sql_create(struct pt_buf *b, const struct pt_sink *s, const struct pt_schema *sc,
		struct pt_error *err)
{
	size_t i;
	int rc = pt_buf_printf(b, err, "CREATE TABLE IF NOT EXISTS ");

	if (rc == PT_OK)
		rc = table_name(b, s, sc, err);
	if (rc == PT_OK)
		rc = pt_buf_printf(b, err, " (");
	for (i = 0; i < sc->ncols && rc == PT_OK; i++) {
		if ((rc = ident(b, s, sc->cols[i].name, err)) == PT_OK)
			rc = pt_buf_printf(b, err, " %s, ", col_type(s, &sc->cols[i]));
	}
	if (rc == PT_OK)
		rc = pt_buf_printf(b, err, s->kind == PT_DB_MYSQL ? "UNIQUE KEY `powertest_key` "
				: "UNIQUE ");
	if (rc == PT_OK)
		rc = key_list(b, s, sc, err);
	if (rc == PT_OK)
		rc = pt_buf_printf(b, err, ")%s", s->kind == PT_DB_MYSQL ?
				" DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "");
	return rc;
}

static int placeholder(struct pt_buf *b, const struct pt_sink *s, size_t i,
		struct pt_error *err)
{
	return s->kind == PT_DB_PG ? pt_buf_printf(b, err, "$%zu", i + 1)
		: pt_buf_append(b, "?", 1, err);
}

static int sql_upsert(struct pt_buf *b, const struct pt_sink *s, const struct pt_schema *sc,
		size_t nrows, struct pt_error *err)
{
	size_t i, r;
	bool first = true;
	int rc = pt_buf_printf(b, err, "INSERT INTO ");

	if (rc == PT_OK)
		rc = table_name(b, s, sc, err);
	if (rc == PT_OK)
		rc = pt_buf_append(b, " (", 2, err);
	for (i = 0; i < sc->ncols && rc == PT_OK; i++) {
		if (i && (rc = pt_buf_append(b, ", ", 2, err)) != PT_OK)
			break;
		rc = ident(b, s, sc->cols[i].name, err);
	}
	if (rc == PT_OK)
		rc = pt_buf_printf(b, err, ") VALUES ");
	for (r = 0; r < nrows && rc == PT_OK; r++) {
		rc = pt_buf_printf(b, err, "%s(", r ? ", " : "");
		for (i = 0; i < sc->ncols && rc == PT_OK; i++) {
			if (i && (rc = pt_buf_append(b, ", ", 2, err)) != PT_OK)
				break;
			rc = placeholder(b, s, r * sc->ncols + i, err);
		}
		if (rc == PT_OK)
			rc = pt_buf_append(b, ")", 1, err);
	}
	if (rc == PT_OK && s->kind == PT_DB_MYSQL)
		rc = pt_buf_printf(b, err, " ON DUPLICATE KEY UPDATE ");
	else if (rc == PT_OK && (rc = pt_buf_printf(b, err, " ON CONFLICT ")) == PT_OK &&
			(rc = key_list(b, s, sc, err)) == PT_OK)
		rc = pt_buf_printf(b, err, " DO UPDATE SET ");
	for (i = 0; i < sc->ncols && rc == PT_OK; i++) {
		const char *n = sc->cols[i].name;
		char q = q_open(s);

		if (sc->cols[i].flags & PT_COL_KEY)
			continue;
		if (!first && (rc = pt_buf_append(b, ", ", 2, err)) != PT_OK)
			break;
		first = false;
		rc = s->kind == PT_DB_MYSQL ? pt_buf_printf(b, err, "%c%s%c = VALUES(%c%s%c)", q, n, q,
				q, n, q) : pt_buf_printf(b, err, "%c%s%c = excluded.%c%s%c", q, n, q, q, n, q);
	}
	return rc;
}

/* SELECT 1 ... WHERE task, [node,] start, end: the key, or a window on any node. */
static int sql_has(struct pt_buf *b, const struct pt_sink *s, const struct pt_schema *sc,
		bool any_node, struct pt_error *err)
{
	static const char *const keys[] = {"task", "node", "start", "end"};
	size_t i, k = 0;
	int rc = pt_buf_printf(b, err, "SELECT 1 FROM ");

	if (rc == PT_OK)
		rc = table_name(b, s, sc, err);
	for (i = 0; i < 4 && rc == PT_OK; i++) {
		if (any_node && i == 1)
			continue;
		if ((rc = pt_buf_printf(b, err, k ? " AND " : " WHERE ")) == PT_OK &&
				(rc = ident(b, s, keys[i], err)) == PT_OK &&
				(rc = pt_buf_printf(b, err, " = ")) == PT_OK)
			rc = placeholder(b, s, k++, err);
	}
	return rc == PT_OK ? pt_buf_printf(b, err, " LIMIT 1") : rc;
}

/* A table made by an earlier version lacks the columns added since (CSV v2:
 * other_power_w, ram_source, ...): they are added, empty in the old rows.
 * PostgreSQL and MariaDB skip the ones there (ADD COLUMN IF NOT EXISTS);
 * SQLite has no such clause, so each is tried and "duplicate column" is
 * the answer for one that is there. Key columns were always there. */
static int table_upgrade(struct pt_sink *s, const struct pt_schema *sc, struct pt_error *err)
{
	struct pt_buf sql = {0};
	size_t i;
	int rc = PT_OK;
	bool first = true;

	for (i = 0; i < sc->ncols && rc == PT_OK; i++) {
		if (sc->cols[i].flags & PT_COL_KEY)
			continue;
		if (s->kind == PT_DB_SQLITE || first) {
			pt_buf_reset(&sql);
			if ((rc = pt_buf_printf(&sql, err, "ALTER TABLE ")) == PT_OK)
				rc = table_name(&sql, s, sc, err);
		} else {
			rc = pt_buf_append(&sql, ",", 1, err);
		}
		first = false;
		if (rc == PT_OK)
			rc = pt_buf_printf(&sql, err, " ADD COLUMN %s", s->kind == PT_DB_SQLITE ? "" :
					"IF NOT EXISTS ");
		if (rc == PT_OK)
			rc = ident(&sql, s, sc->cols[i].name, err);
		if (rc == PT_OK)
			rc = pt_buf_printf(&sql, err, " %s", col_type(s, &sc->cols[i]));
		if (rc == PT_OK && s->kind == PT_DB_SQLITE) {
			struct pt_error e = {0, ""};
			if (s->ops->exec(s, sql.data, &e) != PT_OK && strstr(e.msg, "duplicate column") == NULL) {
				*err = e;
				rc = e.code;
			}
		}
	}
	if (rc == PT_OK && s->kind != PT_DB_SQLITE && !first)
		rc = s->ops->exec(s, sql.data, err);
	pt_buf_free(&sql);
	return rc;
}

/* Creates the table of sc when missing, adds the columns it lacks (once). */
static int table_ready(struct pt_sink *s, const struct pt_schema *sc, struct pt_error *err)
{
	struct pt_buf sql = {0};
	int rc;

	if (s->table_ready && s->schema == sc)
		return PT_OK;
	if ((rc = sql_create(&sql, s, sc, err)) == PT_OK)
		rc = s->ops->exec(s, sql.data, err);
	if (rc == PT_OK)
		rc = table_upgrade(s, sc, err);
	pt_buf_free(&sql);
	if (rc == PT_OK) {
		s->schema = sc;
		s->table_ready = true;
	}
	return rc;
}

int pt_sink_begin(struct pt_sink *s, const struct pt_schema *sc, struct pt_error *err)
{
	struct pt_buf sql = {0};
	int rc;

	if (s->schema != NULL && s->schema != sc)
		return pt_error_set(err, PT_EUSAGE, "one table per database output");
	if (sc->ncols > 64)
		return pt_error_set(err, PT_EUSAGE, "more than 64 columns");
	/* MariaDB commits by itself around CREATE TABLE: before the transaction. */
	if ((rc = table_ready(s, sc, err)) != PT_OK)
		return rc;
	if ((s->vals = calloc(PT_SINK_BATCH * sc->ncols, sizeof(*s->vals))) == NULL)
		return pt_error_oom(err);
	if ((rc = s->ops->exec(s, s->kind == PT_DB_SQLITE ? "BEGIN IMMEDIATE" : s->kind ==
			PT_DB_MYSQL ? "START TRANSACTION" : "BEGIN", err)) != PT_OK)
		return rc;
	s->in_tx = true;
	if ((rc = sql_upsert(&sql, s, sc, PT_SINK_BATCH, err)) == PT_OK)
		rc = s->ops->prepare(s, PT_STMT_PUT, sql.data, PT_SINK_BATCH * sc->ncols, err);
	pt_buf_free(&sql);
	return rc;
}

/* A cell as a statement parameter: numbers as the CSV writes them. */
static void sql_val(struct pt_sql_val *v, const struct pt_column *c, const struct pt_cell *cell)
{
	double uj;

	memset(v, 0, sizeof(*v));
	switch (cell->type) {
	case PT_CELL_TEXT:
		/* NULL would make every key distinct: a key column holds '' instead. */
		v->kind = cell->text || (c->flags & PT_COL_KEY) ? PT_SQL_TEXT : PT_SQL_NULL;
		v->text = cell->text ? cell->text : "";
		return;
	case PT_CELL_TIME:
		v->kind = PT_SQL_TIME;
		v->ms = cell->ms;
		pt_time_format(v->buf, sizeof(v->buf), cell->ms);
		v->text = v->buf;
		return;
	case PT_CELL_UJ:
		if (!pt_energy_uj(cell->num, &uj))
			return;
		v->kind = PT_SQL_INT;
		v->i = (int64_t)uj;
		snprintf(v->buf, sizeof(v->buf), "%.0f", uj);
		v->text = v->buf;
		return;
	case PT_CELL_NUM:
		if (!isfinite(cell->num))
			return;
		pt_fixed(v->buf, sizeof(v->buf), cell->num == 0 ? 0 : cell->num, c->decimals);
		v->text = v->buf;
		if (c->decimals == 0) {
			v->kind = PT_SQL_INT;
			v->i = (int64_t)llround(cell->num);
		} else {
			v->kind = PT_SQL_REAL;
			v->d = strtod(v->buf, NULL);
		}
		return;
	}
}

/* Sends the rows waiting, in one statement. */
static int flush(struct pt_sink *s, struct pt_error *err)
{
	size_t ncols = s->schema ? s->schema->ncols : 0, i, n = s->npend * ncols;
	struct pt_buf sql = {0};
	int slot = PT_STMT_PUT, rc = PT_OK;

	if (s->npend == 0)
		return PT_OK;
	for (i = 0; i < n; i++) {
		struct pt_sql_val *v = &s->vals[i];

		if (v->kind == PT_SQL_TEXT)
			v->text = s->arena.data + v->arena_off;
		else if (v->kind != PT_SQL_NULL)
			v->text = v->buf; /* its own, wherever the value was copied from */
	}
	if (s->npend < PT_SINK_BATCH) {
		slot = PT_STMT_PUT_TAIL;
		if (s->tail_rows != s->npend) {
			if ((rc = sql_upsert(&sql, s, s->schema, s->npend, err)) == PT_OK)
				rc = s->ops->prepare(s, slot, sql.data, n, err);
			pt_buf_free(&sql);
			s->tail_rows = rc == PT_OK ? s->npend : 0;
		}
	}
	if (rc == PT_OK)
		rc = s->ops->run(s, slot, s->vals, n, NULL, err);
	s->npend = 0;
	pt_buf_reset(&s->arena);
	pt_strmap_free(&s->keys);
	return rc;
}

int pt_sink_put(struct pt_sink *s, const struct pt_rowref *r, struct pt_error *err)
{
	const struct pt_schema *sc = s->schema;
	struct pt_sql_val *v;
	struct pt_buf key = {0};
	struct pt_cell cell;
	size_t i, start;
	bool added = true;
	int rc = PT_OK;

	if (!s->in_tx)
		return pt_error_set(err, PT_EUSAGE, "pt_sink_put before pt_sink_begin");
	v = &s->vals[s->npend * sc->ncols];
	start = s->arena.len;
	for (i = 0; i < sc->ncols && rc == PT_OK; i++) {
		memset(&cell, 0, sizeof(cell));
		sc->cols[i].get(r, &cell);
		sql_val(&v[i], &sc->cols[i], &cell);
		if (v[i].kind == PT_SQL_TEXT) {
			/* Kept: the row it comes from may be gone when the batch is sent. */
			v[i].arena_off = s->arena.len;
			rc = pt_buf_append(&s->arena, v[i].text, strlen(v[i].text) + 1, err);
		}
		if (rc == PT_OK && (sc->cols[i].flags & PT_COL_KEY))
			rc = pt_buf_printf(&key, err, "%s\x1f", v[i].text);
	}
	/* A key twice in one statement is an error to PostgreSQL: the first
	 * goes alone, the second (the later row wins, as upserts do) follows. */
	if (rc == PT_OK && pt_strmap_put(&s->keys, key.data, &added) == PT_STRMAP_NONE)
		rc = pt_error_oom(err);
	if (rc == PT_OK && !added) {
		struct pt_sql_val copy[64];
		struct pt_buf text = {0};
		size_t k;

		/* Set this row aside, send the others, put it back as the first. */
		memcpy(copy, v, sizeof(*v) * sc->ncols);
		if ((rc = pt_buf_append(&text, s->arena.data + start, s->arena.len - start, err))
				== PT_OK) {
			s->arena.len = start;
			if ((rc = flush(s, err)) == PT_OK &&
					(rc = pt_buf_append(&s->arena, text.data, text.len, err)) == PT_OK) {
				for (k = 0; k < sc->ncols; k++)
					if (copy[k].kind == PT_SQL_TEXT)
						copy[k].arena_off -= start;
				memcpy(s->vals, copy, sizeof(*v) * sc->ncols);
				if (pt_strmap_put(&s->keys, key.data, NULL) == PT_STRMAP_NONE)
					rc = pt_error_oom(err);
			}
		}
		pt_buf_free(&text);
	}
	pt_buf_free(&key);
	if (rc != PT_OK)
		return rc;
	s->count++;
	if (++s->npend == PT_SINK_BATCH)
		return flush(s, err);
	return PT_OK;
}

static int put_one(void *user, const struct pt_rowref *r, struct pt_error *err)
{
	return pt_sink_put(user, r, err);
}

int pt_sink_put_rows(struct pt_sink *s, const struct pt_row *rows, size_t n,
		struct pt_error *err)
{
	return pt_rows_each(s->schema, rows, n, put_one, s, err);
}

int pt_sink_has(struct pt_sink *s, const char *task, const char *node, int64_t start_ms,
		int64_t end_ms, bool *has, struct pt_error *err)
{
	int slot = node ? PT_STMT_HAS : PT_STMT_HAS_ANY;
	struct pt_sql_val v[4];
	struct pt_buf sql = {0};
	size_t n = 0;
	int rc, i;

	*has = false;
	if (s->stmt[slot] == NULL) {
		if ((rc = table_ready(s, s->schema ? s->schema : &pt_schema_node, err)) != PT_OK)
			return rc;
		if ((rc = sql_has(&sql, s, s->schema, node == NULL, err)) == PT_OK)
			rc = s->ops->prepare(s, slot, sql.data, node ? 4 : 3, err);
		pt_buf_free(&sql);
		if (rc != PT_OK)
			return rc;
	}
	memset(v, 0, sizeof(v));
	v[n].kind = PT_SQL_TEXT;
	v[n++].text = task ? task : "";
	if (node) {
		v[n].kind = PT_SQL_TEXT;
		v[n++].text = node;
	}
	for (i = 0; i < 2; i++, n++) {
		v[n].kind = PT_SQL_TIME;
		v[n].ms = i == 0 ? start_ms : end_ms;
		pt_time_format(v[n].buf, sizeof(v[n].buf), v[n].ms);
		v[n].text = v[n].buf;
	}
	return s->ops->run(s, slot, v, n, has, err);
}

int pt_sink_commit(struct pt_sink *s, struct pt_error *err)
{
	int rc;

	if (!s->in_tx)
		return PT_OK;
	if ((rc = flush(s, err)) == PT_OK && (rc = s->ops->exec(s, "COMMIT", err)) == PT_OK)
		s->in_tx = false;
	return rc;
}
