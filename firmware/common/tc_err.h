/*
 * tc_err.h - the error convention every trustcam module follows.
 *
 * A fallible function returns 0 on success or a negative code: either a
 * negative errno (-ENOMEM, -EIO, -ENOSPC, ...) or one of the named codes
 * below, which sit outside the errno range so the two never collide.
 * tc_strerror() turns either kind into a short human sentence for logs
 * and CLI messages.  Codes are grouped per module so an audit entry or a
 * test can say exactly what failed.
 */
#ifndef TC_ERR_H
#define TC_ERR_H

#define TC_MUST_CHECK __attribute__((warn_unused_result))

enum tc_err {
	TC_ERR_BASE = 4096,

	/* generic */
	TC_E_INVAL_INPUT = -(TC_ERR_BASE + 1),  /* malformed input from a peer or file */
	TC_E_CRYPTO = -(TC_ERR_BASE + 2),       /* the crypto library failed */
	TC_E_RNG = -(TC_ERR_BASE + 3),          /* no randomness available */

	/* firmware/crypto: photo objects */
	TC_E_BAD_MAGIC = -(TC_ERR_BASE + 100),
	TC_E_BAD_VERSION = -(TC_ERR_BASE + 101),
	TC_E_BAD_ALGORITHM = -(TC_ERR_BASE + 102),
	TC_E_BAD_HEADER = -(TC_ERR_BASE + 103),     /* header fails authentication */
	TC_E_BAD_CHUNK = -(TC_ERR_BASE + 104),      /* a chunk fails authentication */
	TC_E_TRUNCATED = -(TC_ERR_BASE + 105),      /* object ends before its last chunk */
	TC_E_TRAILING = -(TC_ERR_BASE + 106),       /* bytes after the last chunk */
	TC_E_REORDERED = -(TC_ERR_BASE + 107),      /* chunk authenticates at another index */
	TC_E_FOREIGN_CHUNK = -(TC_ERR_BASE + 108),  /* chunk belongs to another photo */
	TC_E_WRONG_KEY = -(TC_ERR_BASE + 109),      /* no key-wrap record opens with this key */
	TC_E_BAD_METADATA = -(TC_ERR_BASE + 110),
	TC_E_BAD_FOOTER = -(TC_ERR_BASE + 111),     /* device footer MAC does not match */

	/* firmware/store */
	TC_E_QUOTA = -(TC_ERR_BASE + 200),          /* byte or count quota reached */
	TC_E_STATE = -(TC_ERR_BASE + 201),          /* transition not allowed from this state */
	TC_E_NOT_FOUND = -(TC_ERR_BASE + 202),
	TC_E_UNSAFE_PATH = -(TC_ERR_BASE + 203),    /* symlink, wrong owner or mode */
	TC_E_CATALOG = -(TC_ERR_BASE + 204),        /* SQLite reported an error */
	TC_E_SCHEMA = -(TC_ERR_BASE + 205),         /* catalog schema newer than this firmware */
	TC_E_EXISTS = -(TC_ERR_BASE + 206),
	TC_E_STORE_MISMATCH = -(TC_ERR_BASE + 207), /* object file disagrees with its catalog row */

	/* firmware/audit */
	TC_E_AUDIT_CHAIN = -(TC_ERR_BASE + 300),    /* an entry does not follow its predecessor */
	TC_E_AUDIT_MAC = -(TC_ERR_BASE + 301),      /* head MAC does not match */
	TC_E_AUDIT_TRUNCATED = -(TC_ERR_BASE + 302),
	TC_E_AUDIT_FORMAT = -(TC_ERR_BASE + 303),
	TC_E_AUDIT_SEQUENCE = -(TC_ERR_BASE + 304),

	/* firmware/capture, photod */
	TC_E_JPEG = -(TC_ERR_BASE + 400),           /* the JPEG encoder failed */
	TC_E_CAPTURE_ABORTED = -(TC_ERR_BASE + 401),/* sealing or storing failed mid-encode */
	TC_E_NO_CAMERA = -(TC_ERR_BASE + 402),      /* no camera, or it went away */
	TC_E_REFUSED = -(TC_ERR_BASE + 403),        /* a rule forbids this (the message cites it) */
	TC_E_PROTOCOL = -(TC_ERR_BASE + 404),       /* a peer broke the socket protocol */

	/* firmware/policy, provisioning and the device rules */
	TC_E_POLICY_FORMAT = -(TC_ERR_BASE + 500),  /* bundle or payload malformed */
	TC_E_POLICY_SIGNER = -(TC_ERR_BASE + 501),  /* signer certificate not from the Trust CA */
	TC_E_POLICY_SIGNATURE = -(TC_ERR_BASE + 502), /* signature does not match the bytes */
	TC_E_POLICY_DEVICE = -(TC_ERR_BASE + 503),  /* bundle is for another device */
	TC_E_POLICY_EXPIRED = -(TC_ERR_BASE + 504), /* past its expiry */
	TC_E_POLICY_ROLLBACK = -(TC_ERR_BASE + 505),/* version not newer than the installed one */
	TC_E_POLICY_CLASS = -(TC_ERR_BASE + 506),   /* a grace period for an approved device (R2) */
	TC_E_POLICY_NOT_YET = -(TC_ERR_BASE + 507), /* the clock is before its issue time */
	TC_E_POLICY_REVIEW_KEY = -(TC_ERR_BASE + 508), /* asks for the removed on-device review key (R3) */
	TC_E_POLICY_SEALED = -(TC_ERR_BASE + 509),  /* sealed personal data not for this device */
	TC_E_NOT_PROVISIONED = -(TC_ERR_BASE + 510),
	TC_E_PROVISIONED = -(TC_ERR_BASE + 511),    /* already provisioned: wipe first */
	TC_E_CERT = -(TC_ERR_BASE + 512),           /* certificate does not chain or match the key */
	TC_E_NO_POLICY = -(TC_ERR_BASE + 513),
	TC_E_BAD_PIN = -(TC_ERR_BASE + 520),
	TC_E_LOCKED_OUT = -(TC_ERR_BASE + 521),     /* too many wrong PINs: wait */
	TC_E_NOT_LOGGED_IN = -(TC_ERR_BASE + 522),
	TC_E_NO_EVENT = -(TC_ERR_BASE + 523),       /* policy requires an event first */
	TC_E_MUST_DOCK = -(TC_ERR_BASE + 524),      /* too many unsynced photos or too long since sync */
	TC_E_UNSYNCED = -(TC_ERR_BASE + 525),       /* unsynced photos remain (wipe without --force) */

	/* tools/trustlib, trustadm: the Trust's keys and registry */
	TC_E_PASSPHRASE = -(TC_ERR_BASE + 600),     /* wrong passphrase, or the key envelope was altered */
	TC_E_NEED_PASSPHRASE = -(TC_ERR_BASE + 601),/* the key is passphrase-protected and none was given */
	TC_E_KEYFILE = -(TC_ERR_BASE + 602),        /* key file or envelope malformed */

	/* firmware/sync and tools/trust-server: receipts and uploads */
	TC_E_RECEIPT_FORMAT = -(TC_ERR_BASE + 700), /* receipt malformed or of an unknown version */
	TC_E_RECEIPT_SIGNATURE = -(TC_ERR_BASE + 701), /* receipt not signed by the pinned receipt key */
	TC_E_RECEIPT_MISMATCH = -(TC_ERR_BASE + 702), /* receipt is for another device, photo, digest or size */
	TC_E_DIGEST_MISMATCH = -(TC_ERR_BASE + 710), /* uploaded bytes do not hash to the declared digest */
	TC_E_REVOKED = -(TC_ERR_BASE + 711),        /* device revoked or not enrolled in the registry */

	/* firmware/cmd/syncd: the device end of the sync link */
	TC_E_TLS = -(TC_ERR_BASE + 800),            /* TLS handshake or record failure */
	TC_E_SERVER = -(TC_ERR_BASE + 801),         /* the server answered an error status */
	TC_E_UNDOCKED = -(TC_ERR_BASE + 802),       /* undocked (or stopped) mid-transfer */
	TC_E_NET = -(TC_ERR_BASE + 803),            /* no route, refused, reset or timed out */

	/* drivers/keystore: the TPM 2.0 backend */
	TC_E_TPM = -(TC_ERR_BASE + 900),            /* TPM absent, unreachable or failing */
	TC_E_TPM_UNSEAL = -(TC_ERR_BASE + 901),     /* a sealed key will not load or unseal on this TPM */
	TC_E_TPM_ROLLBACK = -(TC_ERR_BASE + 902),   /* state older than the TPM's NV counter */

	/* firmware/update: RAUC bundles */
	TC_E_UPDATE_SIGNATURE = -(TC_ERR_BASE + 1000), /* bundle not signed by the pinned firmware signer */
	TC_E_UPDATE_MANIFEST = -(TC_ERR_BASE + 1001),  /* bundle's manifest not one of ours (board, version) */
	TC_E_UPDATE_ROLLBACK = -(TC_ERR_BASE + 1002),  /* release not newer than the running one */
};

/* A short sentence for a code from this header or a negative errno. */
const char *tc_strerror(int err);

#endif /* TC_ERR_H */
