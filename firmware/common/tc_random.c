/*
 * tc_random.c - CTR_DRBG over getrandom(2), shared by every thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/random.h>

#include <mbedtls/ctr_drbg.h>

#include "tc_mbedtls_compat.h"
#include "tc_random.h"

static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;
static mbedtls_ctr_drbg_context rng_drbg;
static bool rng_ready;
static pthread_once_t rng_once = PTHREAD_ONCE_INIT;

/* mbedtls entropy callback: straight from the kernel's CSPRNG. */
static int
getrandom_entropy(void *unused, unsigned char *out, size_t len)
{
	size_t done = 0;
	ssize_t n;

	(void)unused;
	while (done < len) {
		n = getrandom(out + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Called with rng_lock held. */
static int
rng_seed(void)
{
	static const unsigned char pers[] = "trustcam-ctr-drbg";

	if (rng_ready)
		mbedtls_ctr_drbg_free(&rng_drbg);
	rng_ready = false;
	mbedtls_ctr_drbg_init(&rng_drbg);
	if (mbedtls_ctr_drbg_seed(&rng_drbg, getrandom_entropy, NULL, pers,
				  sizeof(pers) - 1) != 0) {
		mbedtls_ctr_drbg_free(&rng_drbg);
		return TC_E_RNG;
	}
	mbedtls_ctr_drbg_set_prediction_resistance(&rng_drbg, MBEDTLS_CTR_DRBG_PR_OFF);
	rng_ready = true;
	return 0;
}

static void rng_prefork(void) { pthread_mutex_lock(&rng_lock); }
static void rng_postfork_parent(void) { pthread_mutex_unlock(&rng_lock); }

/* The child must never continue its parent's DRBG stream. */
static void
rng_postfork_child(void)
{
	if (rng_ready) {
		mbedtls_ctr_drbg_free(&rng_drbg);
		rng_ready = false;
	}
	pthread_mutex_unlock(&rng_lock);
}

static void
rng_register(void)
{
	pthread_atfork(rng_prefork, rng_postfork_parent, rng_postfork_child);
}

int
tc_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t n;
	int rc = 0;

	pthread_once(&rng_once, rng_register);
	pthread_mutex_lock(&rng_lock);
	if (!rng_ready && (rc = rng_seed()) != 0)
		goto out;
	while (len > 0) {
		n = len > MBEDTLS_CTR_DRBG_MAX_REQUEST ? MBEDTLS_CTR_DRBG_MAX_REQUEST : len;
		if (mbedtls_ctr_drbg_random(&rng_drbg, p, n) != 0) {
			rc = TC_E_RNG;
			goto out;
		}
		p += n;
		len -= n;
	}
out:
	pthread_mutex_unlock(&rng_lock);
	return rc;
}

int
tc_random_rng(void *unused, unsigned char *out, size_t len)
{
	(void)unused;
	return tc_random_bytes(out, len) == 0 ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}
