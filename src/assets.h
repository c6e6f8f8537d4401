/* assets.h - files built into the binary (cmake/embed.cmake): the vendored uPlot and the HTML page's own script and style. */
#ifndef PT_ASSETS_H
#define PT_ASSETS_H

#include <stddef.h>

struct pt_asset {
	const char *file;           /* the source file's name, "uPlot.iife.min.js" */
	const unsigned char *data;  /* len bytes, then a NUL */
	size_t len;
	const char *sha256_hex;     /* of the len bytes */
};

extern const struct pt_asset pt_asset_uplot_js;  /* third_party/uplot/uPlot.iife.min.js */
extern const struct pt_asset pt_asset_uplot_css; /* third_party/uplot/uPlot.min.css */
extern const struct pt_asset pt_asset_page_js;   /* src/web/page.js */
extern const struct pt_asset pt_asset_page_css;  /* src/web/page.css */

#endif
