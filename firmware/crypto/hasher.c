/*
 * hasher.c - the object's SHA-256 on a helper thread, beside the cipher.
 *
 * A seal must hash every byte it emits (object digest and footer input).
 * On one core that hash adds about a third to the cipher's time; on a
 * second core it runs while the sealer encrypts the next chunk.  The
 * hand-over is one job slot under a mutex: the sealer posts a finished
 * frame and goes on encrypting into its other frame buffer; before it
 * posts again it waits for the slot to empty, which (the hash being
 * three to six times faster than either AEAD) it almost never has to.
 * Only ciphertext crosses to the thread; it never sees a key or a
 * plaintext byte.  The thread blocks every signal, so a daemon's handlers
 * keep running on its own threads.
 *
 * No thread (never started, or pthread_create failed): every post hashes
 * inline, as the sealer did before, with the same result.
 */
#include <string.h>

#include "seal_int.h"
#include "tc_thread.h"

int (*seal_hasher_thread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
				 void *) = pthread_create;

int
seal_hasher_init(struct seal_hasher *h)
{
	memset(h, 0, sizeof(*h));
	return tc_sha256_init(&h->sha);
}

static void *
hasher_main(void *arg)
{
	struct seal_hasher *h = arg;
	const uint8_t *buf;
	size_t len;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (!h->job && !h->stop)
			pthread_cond_wait(&h->cv_job, &h->mu);
		if (!h->job)
			break;	/* stop, and nothing left to hash */
		buf = h->job;
		len = h->job_len;
		pthread_mutex_unlock(&h->mu);
		tc_sha256_update(&h->sha, buf, len);
		pthread_mutex_lock(&h->mu);
		h->job = NULL;
		pthread_cond_signal(&h->cv_idle);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

bool
seal_hasher_start(struct seal_hasher *h)
{
	int rc;

	if (h->running)
		return true;
	if (pthread_mutex_init(&h->mu, NULL) != 0)
		return false;
	if (pthread_cond_init(&h->cv_job, NULL) != 0)
		goto no_job_cv;
	if (pthread_cond_init(&h->cv_idle, NULL) != 0)
		goto no_idle_cv;
	rc = tc_thread_start(&h->thread, seal_hasher_thread_create, hasher_main, h);
	if (rc == 0) {
		h->running = true;
		return true;
	}
	pthread_cond_destroy(&h->cv_idle);
no_idle_cv:
	pthread_cond_destroy(&h->cv_job);
no_job_cv:
	pthread_mutex_destroy(&h->mu);
	return false;
}

/* Caller holds h->mu. */
static void
wait_idle(struct seal_hasher *h)
{
	while (h->job)
		pthread_cond_wait(&h->cv_idle, &h->mu);
}

void
seal_hasher_post(struct seal_hasher *h, const uint8_t *buf, size_t len)
{
	if (!h->running) {
		tc_sha256_update(&h->sha, buf, len);
		return;
	}
	if (len == 0)
		return;
	pthread_mutex_lock(&h->mu);
	wait_idle(h);
	h->job = buf;
	h->job_len = len;
	pthread_cond_signal(&h->cv_job);
	pthread_mutex_unlock(&h->mu);
}

void
seal_hasher_drain(struct seal_hasher *h)
{
	if (!h->running)
		return;
	pthread_mutex_lock(&h->mu);
	wait_idle(h);
	pthread_mutex_unlock(&h->mu);
}

void
seal_hasher_peek(struct seal_hasher *h, uint8_t out[TC_SHA256_LEN])
{
	seal_hasher_drain(h);
	tc_sha256_peek(&h->sha, out);
}

/* Join the thread once it has hashed whatever was posted. */
static void
hasher_stop(struct seal_hasher *h)
{
	if (!h->running)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = true;
	pthread_cond_signal(&h->cv_job);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cv_idle);
	pthread_cond_destroy(&h->cv_job);
	pthread_mutex_destroy(&h->mu);
	h->running = false;
}

int
seal_hasher_finish(struct seal_hasher *h, uint8_t out[TC_SHA256_LEN])
{
	hasher_stop(h);
	return tc_sha256_finish(&h->sha, out);
}

void
seal_hasher_free(struct seal_hasher *h)
{
	hasher_stop(h);
	tc_sha256_free(&h->sha);
	h->job = NULL;
}
