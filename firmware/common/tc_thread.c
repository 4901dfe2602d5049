/*
 * tc_thread.c - see tc_thread.h.
 */
#define _GNU_SOURCE /* gettid */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tc_thread.h"

int
tc_thread_start(pthread_t *t, tc_thread_create_fn create, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = (create ? create : pthread_create)(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

bool
tc_thread_lower_priority(int nice)
{
	int now;

	errno = 0;
	now = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (errno != 0 || now >= nice)
		return true;	/* unknown, or already that low: nothing to do */
	return setpriority(PRIO_PROCESS, (id_t)gettid(), nice) == 0;
}
