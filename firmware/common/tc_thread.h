/*
 * tc_thread.h - helper threads started the one way trustcam wants them:
 * deaf to signals, and below the caller's priority when asked.
 */
#ifndef TC_THREAD_H
#define TC_THREAD_H

#include <pthread.h>
#include <stdbool.h>

typedef int (*tc_thread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
				   void *);

/*
 * Start fn(arg) with every signal blocked from its first instruction
 * (the new thread inherits the mask in force at pthread_create), so
 * signals stay with the caller's threads: photod and syncd read them
 * from a signalfd.  create: NULL for pthread_create, or a test's stand-in.
 * 0 or a positive errno, as pthread_create.
 */
int tc_thread_start(pthread_t *t, tc_thread_create_fn create, void *(*fn)(void *), void *arg);

/*
 * Lower the calling thread's nice value to nice (Linux keeps it per
 * thread); never raises it.  Best effort: false only when lowering was
 * tried and refused, and the thread runs on at the priority it had.
 */
bool tc_thread_lower_priority(int nice);

#endif /* TC_THREAD_H */
