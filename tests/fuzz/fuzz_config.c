/* fuzz_config.c - the YAML config loader (it reads a path: the input goes
 * through an in-memory file), then the per-node power lookup. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct pt_config *cfg = NULL;
	struct pt_error err = {0, ""};
	struct pt_power_params p;
	bool cpu, gpu;

	if (fd < 0) {
		fd = memfd_create("fuzz_config.yaml", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (pt_config_load(&cfg, path, &err) == PT_OK) {
		pt_config_node_power(cfg, "node01", &p, &cpu, &gpu);
		if (cfg->noverrides > 0)
			pt_config_node_power(cfg, cfg->overrides[0].node, &p, &cpu, &gpu);
		if (p.pue < 1.0 || p.cpu.tdp_watts < 0 || p.gpu.tdp_watts < 0)
			abort();
		pt_config_free(cfg);
	} else if (err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL || cfg != NULL) {
		abort();
	}
	return 0;
}
