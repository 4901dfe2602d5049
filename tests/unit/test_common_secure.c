/*
 * test_common_secure.c - firmware/common: secure memory, the random
 * source, logging and the mbedtls compatibility layer.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include "tc_fault.h"
#include "tc_log.h"
#include "tc_mbedtls_compat.h"
#include "tc_random.h"
#include "tc_sandbox.h"
#include "tc_secmem.h"

static void
test_secure_alloc(void **state)
{
	unsigned char *p;
	size_t i;

	(void)state;
	p = tc_secure_alloc(10000);
	assert_non_null(p);
	assert_int_equal(tc_secure_len(p), 10000);
	for (i = 0; i < 10000; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0xAA, 10000);
	tc_zeroize(p, 5000);
	assert_int_equal(p[0], 0);
	assert_int_equal(p[4999], 0);
	assert_int_equal(p[5000], 0xAA);
	tc_secure_free(p);
	tc_secure_free(NULL);
	assert_null(tc_secure_alloc(0));
	/* Allocation failures surface as NULL with errno. */
	tc_fault_arm(TC_FAULT_ALLOC, 1, ENOMEM, false);
	assert_null(tc_secure_alloc(16));
	assert_int_equal(errno, ENOMEM);
	tc_fault_disarm_all();
}

static void
test_secure_alloc_locks_when_allowed(void **state)
{
	struct rlimit rl;
	void *p;

	(void)state;
	/* Small key buffers fit any default RLIMIT_MEMLOCK (64 KiB or more). */
	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &rl), 0);
	p = tc_secure_alloc(32);
	assert_non_null(p);
	if (rl.rlim_cur >= 64 * 1024)
		assert_true(tc_secure_locked(p));
	tc_secure_free(p);
}

/* tc_secure_wipe_heap zeroes a heap block to its usable size, not just what was asked. */
static void
test_wipe_heap(void **state)
{
	unsigned char *p = malloc(100);
	size_t n, i;

	(void)state;
	assert_non_null(p);
	n = malloc_usable_size(p);
	assert_true(n >= 100);
	memset(p, 0xa5, 100);	/* what was asked for: _FORTIFY_SOURCE knows the size */
	tc_secure_wipe_heap(p);
	for (i = 0; i < n; i++)
		assert_int_equal(p[i], 0);
	free(p);
	tc_secure_wipe_heap(NULL);
}

static void
test_secure_process(void **state)
{
	json_malloc_t jm;
	json_free_t jf;
	struct rlimit rl;
	json_t *js;
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	if (pid == 0) {
		if (tc_secure_process() != 0)
			_exit(1);
		if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != 0)
			_exit(2);
		if (prctl(PR_GET_DUMPABLE) != 0)
			_exit(3);
		/* jansson still allocates with malloc, now frees through the wiping hook, and works. */
		json_get_alloc_funcs(&jm, &jf);
		if (jm != malloc || jf == free || jf == NULL)
			_exit(4);
		js = json_string("P-7F3A");
		json_decref(js);
		_exit(js ? 0 : 5);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_random(void **state)
{
	unsigned char a[64], b[64], zero[64] = { 0 }, big[5000];
	unsigned char child[32], parent[32];
	int fds[2], st;
	pid_t pid;

	(void)state;
	assert_int_equal(tc_random_bytes(a, sizeof(a)), 0);
	assert_int_equal(tc_random_bytes(b, sizeof(b)), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
	/* Longer than one CTR_DRBG request. */
	assert_int_equal(tc_random_bytes(big, sizeof(big)), 0);

	/* After fork, parent and child draw different bytes. */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (tc_random_bytes(child, sizeof(child)) != 0 ||
		    write(fds[1], child, sizeof(child)) != (ssize_t)sizeof(child))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(tc_random_bytes(parent, sizeof(parent)), 0);
	assert_int_equal(read(fds[0], child, sizeof(child)), sizeof(child));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_memory_not_equal(child, parent, sizeof(child));
}

static void
test_log_levels_to_stderr(void **state)
{
	char buf[512];
	int fds[2], saved;
	ssize_t n;
	enum tc_log_level lvl;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	tc_log_open("testprog", false, TC_LOG_WARN);
	tc_info("hidden %d", 1);
	tc_warn("shown %d", 2);
	tc_err("also %s", "shown");
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "testprog: warning: shown 2\ntestprog: error: also shown\n");
	assert_int_equal(tc_log_parse_level("debug", &lvl), 0);
	assert_int_equal(lvl, TC_LOG_DEBUG);
	assert_int_equal(tc_log_parse_level("loud", &lvl), -EINVAL);
	tc_log_set_level(TC_LOG_INFO);
}

/* The compat wrappers work against whichever mbedtls this is built with. */
static void
test_mbedtls_compat_sign(void **state)
{
	mbedtls_pk_context pk, pub;
	unsigned char der[512], hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t siglen;
	int len;

	(void)state;
	mbedtls_pk_init(&pk);
	mbedtls_pk_init(&pub);
	assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk),
					     tc_random_rng, NULL), 0);
	len = mbedtls_pk_write_key_der(&pk, der, sizeof(der));
	assert_true(len > 0);
	mbedtls_pk_free(&pk);
	mbedtls_pk_init(&pk);
	assert_int_equal(tc_pk_parse_key(&pk, der + sizeof(der) - len, (size_t)len, NULL, 0), 0);
	len = mbedtls_pk_write_pubkey_der(&pk, der, sizeof(der));
	assert_true(len > 0);
	assert_int_equal(mbedtls_pk_parse_public_key(&pub, der + sizeof(der) - len, (size_t)len), 0);
	assert_int_equal(tc_pk_check_pair(&pub, &pk), 0);
	memset(hash, 0x5a, sizeof(hash));
	assert_int_equal(tc_pk_sign(&pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sizeof(sig),
				    &siglen), 0);
	assert_int_equal(mbedtls_pk_verify(&pub, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, siglen), 0);
	hash[0] ^= 1;
	assert_int_not_equal(mbedtls_pk_verify(&pub, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig,
					       siglen), 0);
	mbedtls_pk_free(&pk);
	mbedtls_pk_free(&pub);
}

/* After the sandbox: no network socket of any kind, Unix sockets still work. */
static void
test_sandbox_no_network(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int sv[2], fd;

		if (tc_sandbox_no_network() != 0)
			_exit(10);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0 || errno != EACCES)
			_exit(11);
		fd = socket(AF_INET6, SOCK_DGRAM, 0);
		if (fd >= 0 || errno != EACCES)
			_exit(12);
		fd = socket(AF_PACKET, SOCK_RAW, 0);
		if (fd >= 0 || errno != EACCES)
			_exit(13);
		fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		if (fd < 0)
			_exit(14);
		close(fd);
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
			_exit(15);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secure_alloc),
		cmocka_unit_test(test_secure_alloc_locks_when_allowed),
		cmocka_unit_test(test_wipe_heap),
		cmocka_unit_test(test_secure_process),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_log_levels_to_stderr),
		cmocka_unit_test(test_mbedtls_compat_sign),
		cmocka_unit_test(test_sandbox_no_network),
	};

	return cmocka_run_group_tests_name("common_secure", tests, NULL, NULL);
}
