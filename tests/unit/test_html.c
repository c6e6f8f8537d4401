/* test_html.c - the HTML report's shell: labels never become markup, long tables are gzipped losslessly, the built-in assets are the vendored files, serve's page has no inline script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "pt_test.h"

#include "assets.h"
#include "html.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

static void test_html__labels_stay_text(void **state)
{
	static const char csv[] =
		"task,node\n"
		"\"</script><img src=x onerror=alert(1)>\",<!--<script>\n"
		"a&b,\"x\"\"y\"\n";
	const char *notes[] = {"PUE </script> & co"};
	struct pt_html_doc d;
	struct pt_buf b = {0};
	struct pt_error err = {0, ""};

	(void)state;
	memset(&d, 0, sizeof(d));
	d.kind = "report";
	d.title = "t <b>\"x\"</b>";
	d.rows_csv = csv;
	d.notes = notes;
	d.nnotes = 1;
	assert_int_equal(pt_html_report(&b, &d, &err), PT_OK);
	/* The data block and the two inline scripts, nothing else. */
	assert_int_equal(count(b.data, "<script"), 3);
	assert_int_equal(count(b.data, "</script>"), 3);
	assert_null(strstr(b.data, "<img"));
	assert_null(strstr(b.data, "<!--"));
	assert_null(strstr(b.data, "<b>"));
	assert_non_null(strstr(b.data, "<title>t &lt;b&gt;&quot;x&quot;&lt;/b&gt;</title>"));
	/* The CSV's text is all there, escaped for JSON inside HTML. */
	assert_non_null(strstr(b.data, "\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e"));
	assert_non_null(strstr(b.data, "a\\u0026b,\\\"x\\\"\\\"y\\\"\\n"));
	/* A policy that names the two scripts by hash and allows no connection. */
	assert_non_null(strstr(b.data, "script-src 'sha256-"));
	assert_null(strstr(b.data, "connect-src"));
	assert_null(strstr(b.data, "unsafe-"));
	pt_buf_free(&b);
}

/* Inverse of the page's decoding: base64, then gunzip. */
static char *unpack(const char *b64, size_t *out_len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(b64), i, o = 0;
	unsigned char *bin = malloc(n);
	char *text = malloc(8u << 20);
	z_stream z;

	assert_non_null(bin);
	assert_non_null(text);
	for (i = 0; i + 3 < n + 3 && i < n; i += 4) {
		unsigned v = 0, k, pad = 0;

		for (k = 0; k < 4; k++) {
			const char *p = b64[i + k] == '=' ? NULL : strchr(abc, b64[i + k]);
			pad += p == NULL;
			v = v << 6 | (p ? (unsigned)(p - abc) : 0);
		}
		bin[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			bin[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			bin[o++] = (unsigned char)v;
	}
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = bin;
	z.avail_in = (uInt)o;
	z.next_out = (Bytef *)text;
	z.avail_out = 8u << 20;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = (8u << 20) - z.avail_out;
	inflateEnd(&z);
	free(bin);
	return text;
}

static void test_html__long_tables_gzipped(void **state)
{
	struct pt_buf csv = {0}, b = {0};
	struct pt_error err = {0, ""};
	struct pt_html_doc d;
	const char *p, *q;
	char *copy, *back;
	size_t i, len;

	(void)state;
	assert_int_equal(pt_buf_printf(&csv, &err, "task,node,energy_wh\n"), PT_OK);
	for (i = 0; i < 30000; i++)
		assert_int_equal(pt_buf_printf(&csv, &err, "job%zu,node%04zu,%zu.123456\n", i / 60,
				i % 60, i), PT_OK);
	memset(&d, 0, sizeof(d));
	d.kind = "batch";
	d.title = "big";
	d.rows_csv = csv.data;
	assert_int_equal(pt_html_report(&b, &d, &err), PT_OK);
	assert_null(strstr(b.data, "\"rows\":"));
	p = strstr(b.data, "\"rows_gz\":\"");
	assert_non_null(p);
	p += strlen("\"rows_gz\":\"");
	q = strchr(p, '"');
	assert_non_null(q);
	copy = strndup(p, (size_t)(q - p));
	back = unpack(copy, &len);
	assert_int_equal(len, csv.len);
	assert_memory_equal(back, csv.data, len);
	assert_true(b.len < csv.len / 2);
	free(copy);
	free(back);
	pt_buf_free(&csv);
	pt_buf_free(&b);
}

static void test_html__assets_are_the_vendored_files(void **state)
{
	static const char *const paths[] = {"/assets/uplot.js", "/assets/uplot.css",
		"/assets/page.js", "/assets/page.css"};
	static const char *const files[] = {"third_party/uplot/uPlot.iife.min.js",
		"third_party/uplot/uPlot.min.css", "src/web/page.js", "src/web/page.css"};
	const unsigned char *data;
	const char *type;
	char path[4096], *text;
	size_t len, flen, i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_true(pt_html_asset(paths[i], &data, &len, &type));
		snprintf(path, sizeof(path), "%s/%s", PT_SOURCE_DIR, files[i]);
		assert_int_equal(pt_read_file(&text, &flen, path, SIZE_MAX), 0);
		assert_int_equal(len, flen);
		assert_memory_equal(data, text, len);
		assert_int_equal(data[len], 0);
		assert_non_null(strstr(type, strstr(paths[i], ".js") ? "text/javascript" : "text/css"));
		free(text);
	}
	assert_false(pt_html_asset("/assets/", &data, &len, &type));
	assert_false(pt_html_asset("/assets/../CMakeLists.txt", &data, &len, &type));
	assert_int_equal(strlen(pt_asset_uplot_js.sha256_hex), 64);
}

static void test_html__live_page(void **state)
{
	struct pt_buf b = {0};
	struct pt_error err = {0, ""};

	(void)state;
	assert_int_equal(pt_html_live(&b, &err), PT_OK);
	assert_non_null(strstr(b.data, "<script src=\"assets/uplot.js\"></script>"));
	assert_non_null(strstr(b.data, "<script src=\"assets/page.js\"></script>"));
	/* Only the data block is inline: script-src 'self' allows no more. */
	assert_int_equal(count(b.data, "<script>"), 0);
	assert_int_equal(count(b.data, "<script type=\"application/json\""), 1);
	assert_non_null(strstr(pt_html_live_csp, "default-src 'none'"));
	assert_non_null(strstr(pt_html_live_csp, "script-src 'self'"));
	assert_null(strstr(pt_html_live_csp, "unsafe"));
	pt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html__labels_stay_text),
		cmocka_unit_test(test_html__long_tables_gzipped),
		cmocka_unit_test(test_html__assets_are_the_vendored_files),
		cmocka_unit_test(test_html__live_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
