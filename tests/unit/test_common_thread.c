/*
 * test_common_thread.c - tc_thread.h: a started thread has every signal
 * blocked from its start and the caller's mask is as it was; a stand-in
 * create function is used and its failure returned; lowering a thread's
 * priority lowers that thread only and never raises it.
 */
#define _GNU_SOURCE /* gettid */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_thread.h"

struct seen {
	int usr1_blocked, term_blocked;
	int nice_before, nice_after, nice_again;
	bool lowered, again;
};

static void *
look(void *arg)
{
	struct seen *s = arg;
	sigset_t now;

	pthread_sigmask(SIG_SETMASK, NULL, &now);
	s->usr1_blocked = sigismember(&now, SIGUSR1);
	s->term_blocked = sigismember(&now, SIGTERM);
	s->nice_before = getpriority(PRIO_PROCESS, (id_t)gettid());
	s->lowered = tc_thread_lower_priority(s->nice_before + 3);
	s->nice_after = getpriority(PRIO_PROCESS, (id_t)gettid());
	/* Asking for less than it has now: nothing changes, and that is fine. */
	s->again = tc_thread_lower_priority(s->nice_after - 1);
	s->nice_again = getpriority(PRIO_PROCESS, (id_t)gettid());
	return NULL;
}

static void
test_start(void **state)
{
	struct seen s = { 0 };
	sigset_t before, after;
	pthread_t t;
	int caller_nice = getpriority(PRIO_PROCESS, (id_t)gettid());

	(void)state;
	pthread_sigmask(SIG_SETMASK, NULL, &before);
	assert_false(sigismember(&before, SIGUSR1));
	assert_int_equal(tc_thread_start(&t, NULL, look, &s), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	assert_false(sigismember(&after, SIGUSR1));	/* the caller's mask is back */
	assert_int_equal(s.usr1_blocked, 1);
	assert_int_equal(s.term_blocked, 1);
	assert_true(s.lowered);
	assert_int_equal(s.nice_after, s.nice_before + 3);
	assert_true(s.again);
	assert_int_equal(s.nice_again, s.nice_after);
	/* Only that thread was lowered. */
	assert_int_equal(getpriority(PRIO_PROCESS, (id_t)gettid()), caller_nice);
}

static int creates;

static int
refuse(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	(void)t;
	(void)a;
	(void)fn;
	(void)arg;
	creates++;
	return EAGAIN;
}

static void
test_stand_in(void **state)
{
	sigset_t before, after;
	pthread_t t;

	(void)state;
	pthread_sigmask(SIG_SETMASK, NULL, &before);
	assert_int_equal(tc_thread_start(&t, refuse, look, NULL), EAGAIN);
	assert_int_equal(creates, 1);
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	assert_int_equal(sigismember(&after, SIGUSR1), sigismember(&before, SIGUSR1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_stand_in),
	};

	return cmocka_run_group_tests_name("common_thread", tests, NULL, NULL);
}
