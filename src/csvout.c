/* csvout.c - report rows as CSV, and the output file: stdout, atomic replace, or locked append. */
#include "csvout.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timefmt.h"

static int csv_cell(struct pt_buf *out, const char *s, struct pt_error *err);

int pt_csv_guarded(struct pt_buf *out, const char *s, struct pt_error *err)
{
	/* A cell starting with = + - @ is a formula to spreadsheets: defuse it
	 * (whole, however long). */
	return pt_buf_printf(out, err, "%s%s", s[0] != '\0' && strchr("=+-@", s[0]) ? "'" : "", s);
}

int pt_csv_field(struct pt_buf *out, const char *s, bool first, struct pt_error *err)
{
	struct pt_buf guarded = {0};
	int rc;

	if (!first && (rc = pt_buf_append(out, ",", 1, err)) != PT_OK)
		return rc;
	if (s == NULL || *s == '\0')
		return PT_OK;
	if (strchr("=+-@", s[0])) {
		if ((rc = pt_csv_guarded(&guarded, s, err)) == PT_OK)
			rc = csv_cell(out, guarded.data, err);
		pt_buf_free(&guarded);
		return rc;
	}
	return csv_cell(out, s, err);
}

/* One cell, quoted by libcsv when it has to be. */
static int csv_cell(struct pt_buf *out, const char *s, struct pt_error *err)
{
	size_t len, need;
	int rc;

	len = strlen(s);
	if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' && s[len - 1] != ' ')
		return pt_buf_append(out, s, len, err);
	/* libcsv quotes the field and doubles embedded quotes. */
	need = csv_write(NULL, 0, s, len);
	{
		char *q = malloc(need);
		if (q == NULL)
			return pt_error_oom(err);
		csv_write(q, need, s, len);
		rc = pt_buf_append(out, q, need, err);
		free(q);
	}
	return rc;
}

static const double pow10_d[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

size_t pt_fixed(char *buf, size_t size, double v, int decimals)
{
	char tmp[32];
	double a = fabs(v), p, f, e, frac;
	uint64_t n, scale;
	size_t len = 0, i;
	int k;

	if (decimals < 0 || decimals > 9 || !isfinite(v) || size < sizeof(tmp))
		return (size_t)snprintf(buf, size, "%.*f", decimals, v);
	/* a * 10^d exactly as p + e (fma), rounded to an integer as printf
	 * rounds the exact value: half-way goes to even. */
	p = a * pow10_d[decimals];
	if (!(p < 4503599627370496.0)) /* 2^52: beyond, printf knows best */
		return (size_t)snprintf(buf, size, "%.*f", decimals, v);
	e = fma(a, pow10_d[decimals], -p);
	f = floor(p);
	frac = p - f; /* exact below 2^52 */
	n = (uint64_t)f;
	if (frac - 0.5 > -e || (frac - 0.5 == -e && (n & 1)))
		n++;
	if (signbit(v) && v != 0)
		buf[len++] = '-';
	scale = (uint64_t)pow10_d[decimals];
	/* Integer part, then the decimals with their leading zeros. */
	k = 0;
	{
		uint64_t ip = n / scale;
		do {
			tmp[k++] = (char)('0' + ip % 10);
			ip /= 10;
		} while (ip);
	}
	while (k > 0)
		buf[len++] = tmp[--k];
	if (decimals > 0) {
		uint64_t fp = n % scale;
		buf[len++] = '.';
		for (i = (size_t)decimals; i-- > 0;) {
			buf[len + i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		len += (size_t)decimals;
	}
	buf[len] = '\0';
	return len;
}

int pt_csv_num(struct pt_buf *out, double v, int decimals, struct pt_error *err)
{
	char cell[64];
	size_t n = 1;

	cell[0] = ',';
	if (isfinite(v))
		n += pt_fixed(cell + 1, sizeof(cell) - 1, v == 0 ? 0 : v, decimals); /* no "-0.000" */
	return pt_buf_append(out, cell, n, err);
}

int pt_csv_row(struct pt_buf *out, const struct pt_schema *s, const struct pt_rowref *r,
		struct pt_error *err)
{
	/* Rows of one export step share their time: format it once. */
	static _Thread_local int64_t last_ms = INT64_MIN;
	static _Thread_local char last_t[40];
	struct pt_cell c;
	size_t i;
	double uj;
	int rc = PT_OK;

	for (i = 0; i < s->ncols && rc == PT_OK; i++) {
		memset(&c, 0, sizeof(c));
		s->cols[i].get(r, &c);
		switch (c.type) {
		case PT_CELL_TEXT:
			rc = pt_csv_field(out, c.text, i == 0, err);
			break;
		case PT_CELL_TIME:
			if (c.ms != last_ms) {
				pt_time_format(last_t, sizeof(last_t), c.ms);
				last_ms = c.ms;
			}
			rc = pt_csv_field(out, last_t, i == 0, err);
			break;
		case PT_CELL_NUM:
			rc = pt_csv_num(out, c.num, s->cols[i].decimals, err);
			break;
		case PT_CELL_UJ:
			rc = pt_csv_num(out, pt_energy_uj(c.num, &uj) ? uj : NAN, 0, err);
			break;
		}
	}
	return rc == PT_OK ? pt_buf_append(out, "\n", 1, err) : rc;
}

struct csv_rows {
	struct pt_buf *out;
	const struct pt_schema *s;
};

static int csv_one(void *user, const struct pt_rowref *r, struct pt_error *err)
{
	const struct csv_rows *c = user;

	return pt_csv_row(c->out, c->s, r, err);
}

int pt_csv_rows(struct pt_buf *out, const struct pt_schema *s, const struct pt_row *rows,
		size_t n, struct pt_error *err)
{
	struct csv_rows c = {out, s};

	return pt_rows_each(s, rows, n, csv_one, &c, err);
}

/* ---- output destinations ---- */

struct pt_out {
	char *path;
	char *tmp_path;   /* replace mode: the temporary file renamed over path */
	FILE *f;          /* stdout or the temporary file */
	int fd;           /* append mode: the locked file, else -1 */
	struct pt_buf pending; /* append mode: rows written in one go at commit */
	bool committed;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Append mode: lock, then check the header the file already has. */
static int open_append(struct pt_out *o, const char *header, struct pt_error *err)
{
	struct stat st;
	size_t hlen = strlen(header);
	char *first;
	ssize_t got;

	o->fd = open(o->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (o->fd < 0)
		return pt_error_set(err, PT_EWRITE, "cannot open %s: %s", o->path, strerror(errno));
	while (flock(o->fd, LOCK_EX) != 0) {
		if (errno != EINTR)
			return pt_error_set(err, PT_EWRITE, "cannot lock %s: %s", o->path, strerror(errno));
	}
	if (fstat(o->fd, &st) != 0)
		return pt_error_set(err, PT_EWRITE, "cannot stat %s: %s", o->path, strerror(errno));
	if (st.st_size == 0)
		return pt_buf_append(&o->pending, header, hlen, err);
	if ((first = calloc(1, hlen + 1)) == NULL)
		return pt_error_oom(err);
	got = pread(o->fd, first, hlen, 0);
	if (got != (ssize_t)hlen || memcmp(first, header, hlen) != 0) {
		free(first);
		return pt_error_set(err, PT_EUSAGE, "%s does not start with this report's CSV header; "
				"not appending to it", o->path);
	}
	free(first);
	/* A file whose last row lacks its newline gets one, so rows stay whole. */
	{
		char last;
		if (pread(o->fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
			return pt_buf_append(&o->pending, "\n", 1, err);
	}
	return PT_OK;
}

/* One hop: where symlink path points (relative to its directory). */
static char *link_target(const char *path)
{
	char link[4096], *out;
	const char *slash;
	ssize_t n;
	size_t dir;

	if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
		return NULL;
	link[n] = '\0';
	slash = strrchr(path, '/');
	dir = link[0] == '/' || slash == NULL ? 0 : (size_t)(slash - path) + 1;
	if ((out = malloc(dir + (size_t)n + 1)) == NULL)
		return NULL;
	memcpy(out, path, dir);
	memcpy(out + dir, link, (size_t)n + 1);
	return out;
}

/* Where a chain of symlinks to a file not made yet ends, or NULL when path
 * is no symlink or the chain loops. */
static char *dangling_target(const char *path)
{
	struct stat st;
	char *cur = NULL, *next;
	int hops;

	for (hops = 0; hops < 40; hops++) {
		const char *p = cur ? cur : path;
		if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
			return cur;
		if ((next = link_target(p)) == NULL) {
			free(cur);
			return NULL;
		}
		free(cur);
		cur = next;
	}
	free(cur);
	return NULL;
}

int pt_out_in_place(const char *path)
{
	struct stat st;

	if (path == NULL || strcmp(path, "-") == 0)
		return 1;
	if (strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0)
		return 1;
	return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

int pt_out_check(const char *path, bool append, struct pt_error *err)
{
	struct stat st;
	char *real, *dir, *slash;
	int rc = PT_OK;

	if (path == NULL || strcmp(path, "-") == 0)
		return PT_OK;
	if (*path == '\0')
		return pt_error_set(err, PT_EUSAGE, "the output file name is empty");
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return pt_error_set(err, PT_EWRITE, "cannot write %s: %s", path, strerror(EISDIR));
		if (access(path, W_OK) != 0)
			return pt_error_set(err, PT_EWRITE, "cannot write %s: %s", path, strerror(errno));
		if (append || !S_ISREG(st.st_mode))
			return PT_OK;
	}
	/* A new file, or the temporary file beside it: its directory. */
	if ((real = realpath(path, NULL)) == NULL && (real = strdup(path)) == NULL)
		return pt_error_oom(err);
	if ((slash = strrchr(real, '/')) == NULL) {
		dir = ".";
	} else {
		slash[slash == real ? 1 : 0] = '\0';
		dir = real;
	}
	if (access(dir, W_OK | X_OK) != 0)
		rc = pt_error_set(err, PT_EWRITE, "cannot write %s: %s", path, strerror(errno));
	free(real);
	return rc;
}

int pt_out_open(struct pt_out **out, const char *path, bool append, const char *header,
		struct pt_error *err)
{
	struct pt_out *o;
	struct stat st;
	char *real;
	mode_t mode;
	int rc = PT_OK, fd = -1;

	*out = NULL;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return pt_error_oom(err);
	o->fd = -1;
	if (path == NULL || strcmp(path, "-") == 0) {
		o->f = stdout;
		if (header)
			rc = pt_out_write(o, header, strlen(header), err);
		goto out;
	}
	/* An empty name, a file one may not write (replacing it would dodge
	 * its permissions), a directory: as pt_out_check says. */
	if ((rc = pt_out_check(path, append, err)) != PT_OK)
		goto out;
	if ((o->path = strdup(path)) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	if (append) {
		rc = open_append(o, header ? header : "", err);
		goto out;
	}
	/* A symlink is followed: its target is what gets replaced. Not so
	 * /dev/stdout or /proc/self/fd/1: they lead to an open file. */
	if (pt_out_in_place(path) == 0) {
		if ((real = realpath(path, NULL)) != NULL || (real = dangling_target(path)) != NULL) {
			free(o->path);
			o->path = real;
		} else if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			rc = pt_error_set(err, PT_EWRITE, "cannot write %s: %s", path, strerror(ELOOP));
			goto out;
		}
	}
	if (stat(o->path, &st) == 0) {
		if (pt_out_in_place(path) != 0 || !S_ISREG(st.st_mode)) {
			/* A device, a pipe, /dev/stdout (whatever it leads to): written
			 * in place, not replaced. */
			if ((fd = open(o->path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0 ||
					(o->f = fdopen(fd, "a")) == NULL) {
				rc = pt_error_set(err, PT_EWRITE, "cannot write %s: %s", path, strerror(errno));
				if (fd >= 0)
					close(fd);
				goto out;
			}
			if (header)
				rc = pt_out_write(o, header, strlen(header), err);
			goto out;
		}
		mode = st.st_mode & 0777; /* not setuid/setgid: the owner may differ now */
	} else {
		mode_t mask = umask(022);
		umask(mask);
		mode = 0666 & ~mask;
	}
	if ((o->tmp_path = malloc(strlen(o->path) + 16)) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	sprintf(o->tmp_path, "%s.tmp.XXXXXX", o->path);
	if ((fd = mkstemp(o->tmp_path)) < 0) {
		rc = pt_error_set(err, PT_EWRITE, "cannot create a file beside %s: %s", path,
				strerror(errno));
		free(o->tmp_path);
		o->tmp_path = NULL;
		goto out;
	}
	(void)fchmod(fd, mode); /* the file's own mode, or a new file's */
	if ((o->f = fdopen(fd, "w")) == NULL) {
		close(fd);
		rc = pt_error_set(err, PT_EWRITE, "cannot write %s: %s", o->tmp_path, strerror(errno));
		goto out;
	}
	if (header)
		rc = pt_out_write(o, header, strlen(header), err);
out:
	if (rc != PT_OK) {
		pt_out_free(o);
		return rc;
	}
	*out = o;
	return PT_OK;
}

int pt_out_write(struct pt_out *o, const char *data, size_t len, struct pt_error *err)
{
	if (o->fd >= 0)
		return pt_buf_append(&o->pending, data, len, err);
	if (len && fwrite(data, 1, len, o->f) != len)
		return pt_error_set(err, PT_EWRITE, "cannot write %s: %s",
				o->path ? o->path : "standard output", strerror(errno));
	return PT_OK;
}

int pt_out_commit(struct pt_out *o, struct pt_error *err)
{
	FILE *f = o->f;

	if (o->fd >= 0) {
		struct stat st;
		bool reg = fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode);
		off_t before = reg ? st.st_size : -1;

		/* Pipes and devices cannot be synced or truncated: written only. */
		if (write_all(o->fd, o->pending.data ? o->pending.data : "", o->pending.len) != 0 ||
				(reg && fsync(o->fd) != 0)) {
			int e = errno;
			/* Take back a partial write so no half row is left behind. */
			if (before >= 0)
				(void)!ftruncate(o->fd, before);
			return pt_error_set(err, PT_EWRITE, "cannot write %s: %s", o->path, strerror(e));
		}
		o->committed = true;
		return PT_OK;
	}
	if (o->tmp_path == NULL) {
		if (fflush(f) != 0 || ferror(f))
			return pt_error_set(err, PT_EWRITE, "cannot write %s: %s",
					o->path ? o->path : "standard output", strerror(errno));
		o->committed = true;
		return PT_OK;
	}
	o->f = NULL;
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		int e = errno;
		fclose(f);
		return pt_error_set(err, PT_EWRITE, "cannot write %s: %s", o->path, strerror(e));
	}
	if (fclose(f) != 0)
		return pt_error_set(err, PT_EWRITE, "cannot write %s: %s", o->path, strerror(errno));
	if (rename(o->tmp_path, o->path) != 0)
		return pt_error_set(err, PT_EWRITE, "cannot replace %s: %s", o->path, strerror(errno));
	free(o->tmp_path);
	o->tmp_path = NULL;
	o->committed = true;
	return PT_OK;
}

void pt_out_free(struct pt_out *o)
{
	if (o == NULL)
		return;
	if (o->f && o->f != stdout)
		fclose(o->f);
	if (o->tmp_path) {
		unlink(o->tmp_path);
		free(o->tmp_path);
	}
	if (o->fd >= 0)
		close(o->fd); /* closing releases the lock */
	pt_buf_free(&o->pending);
	free(o->path);
	free(o);
}
