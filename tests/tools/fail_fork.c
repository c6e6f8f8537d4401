/* fail_fork.c - a fault shim for the e2e tests (LD_PRELOAD): fork() fails with EAGAIN, as when the process limit is reached. */
#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

pid_t fork(void)
{
	errno = EAGAIN;
	return -1;
}
