/*
 * tc_err.c - messages for trustcam's error codes.
 */
#include <string.h>

#include "tc_err.h"

static const struct {
	int code;
	const char *msg;
} tc_msgs[] = {
	{ TC_E_INVAL_INPUT, "malformed input" },
	{ TC_E_CRYPTO, "cryptographic operation failed" },
	{ TC_E_RNG, "random number generator unavailable" },
	{ TC_E_BAD_MAGIC, "not a trustcam photo object (bad magic)" },
	{ TC_E_BAD_VERSION, "unsupported photo object format version" },
	{ TC_E_BAD_ALGORITHM, "unsupported algorithm id" },
	{ TC_E_BAD_HEADER, "photo object header failed authentication" },
	{ TC_E_BAD_CHUNK, "photo object chunk failed authentication" },
	{ TC_E_TRUNCATED, "photo object is truncated" },
	{ TC_E_TRAILING, "photo object has bytes after its last chunk" },
	{ TC_E_REORDERED, "photo object chunks are out of order" },
	{ TC_E_FOREIGN_CHUNK, "photo object holds a chunk of another photo" },
	{ TC_E_WRONG_KEY, "no key-wrap record opens with this key" },
	{ TC_E_BAD_METADATA, "photo metadata record is malformed" },
	{ TC_E_BAD_FOOTER, "photo object device footer does not match" },
	{ TC_E_QUOTA, "store quota reached" },
	{ TC_E_STATE, "photo is not in a state that allows this" },
	{ TC_E_NOT_FOUND, "no such photo" },
	{ TC_E_UNSAFE_PATH, "path is a symlink or has unsafe owner or mode" },
	{ TC_E_CATALOG, "catalog database error" },
	{ TC_E_SCHEMA, "catalog schema is newer than this firmware" },
	{ TC_E_EXISTS, "already exists" },
	{ TC_E_STORE_MISMATCH, "stored object does not match its catalog record" },
	{ TC_E_AUDIT_CHAIN, "audit log chain is broken" },
	{ TC_E_AUDIT_MAC, "audit log head MAC does not match" },
	{ TC_E_AUDIT_TRUNCATED, "audit log is truncated" },
	{ TC_E_AUDIT_FORMAT, "audit log entry is malformed" },
	{ TC_E_AUDIT_SEQUENCE, "audit log sequence is not contiguous" },
	{ TC_E_JPEG, "JPEG encoder failed" },
	{ TC_E_CAPTURE_ABORTED, "capture aborted: the photo could not be sealed or stored" },
	{ TC_E_NO_CAMERA, "no camera available" },
	{ TC_E_REFUSED, "refused by a device rule" },
	{ TC_E_PROTOCOL, "peer broke the socket protocol" },
	{ TC_E_POLICY_FORMAT, "policy bundle is malformed" },
	{ TC_E_POLICY_SIGNER, "policy signer is not certified by the Trust CA" },
	{ TC_E_POLICY_SIGNATURE, "policy signature does not match" },
	{ TC_E_POLICY_DEVICE, "policy is for another device" },
	{ TC_E_POLICY_EXPIRED, "policy has expired" },
	{ TC_E_POLICY_NOT_YET, "policy is not yet valid: the device clock is before its issue "
			       "time (set the clock)" },
	{ TC_E_POLICY_REVIEW_KEY, "policy asks for the on-device review key, which no longer "
				  "exists: no key on the device may open a photo" },
	{ TC_E_POLICY_ROLLBACK, "policy version is older than the installed one" },
	{ TC_E_POLICY_CLASS, "policy gives an approved device a deletion grace period: it must "
			     "delete each photo as soon as the Trust server holds it" },
	{ TC_E_POLICY_SEALED, "policy's sealed staff table does not open with this device's key" },
	{ TC_E_NOT_PROVISIONED, "device is not provisioned" },
	{ TC_E_PROVISIONED, "device is already provisioned: wipe it first" },
	{ TC_E_CERT, "certificate does not chain to the Trust CA or match the device key" },
	{ TC_E_NO_POLICY, "no valid policy installed" },
	{ TC_E_BAD_PIN, "wrong staff id or PIN" },
	{ TC_E_LOCKED_OUT, "login locked after too many wrong PINs" },
	{ TC_E_NOT_LOGGED_IN, "nobody is logged in" },
	{ TC_E_NO_EVENT, "choose an event first" },
	{ TC_E_MUST_DOCK, "dock the camera to sync before capturing again" },
	{ TC_E_UNSYNCED, "unsynced photos remain on the device" },
	{ TC_E_PASSPHRASE, "wrong passphrase, or the key file was altered" },
	{ TC_E_NEED_PASSPHRASE, "the key is passphrase-protected: give the passphrase" },
	{ TC_E_KEYFILE, "key file is malformed" },
	{ TC_E_RECEIPT_FORMAT, "receipt is malformed" },
	{ TC_E_RECEIPT_SIGNATURE, "receipt signature does not verify with the receipt key" },
	{ TC_E_RECEIPT_MISMATCH, "receipt does not cover this device, photo, digest or size" },
	{ TC_E_DIGEST_MISMATCH, "uploaded object does not match its digest" },
	{ TC_E_REVOKED, "device is revoked or not enrolled" },
	{ TC_E_TLS, "TLS handshake or record failure" },
	{ TC_E_SERVER, "the Trust server answered an error" },
	{ TC_E_UNDOCKED, "undocked mid-transfer" },
	{ TC_E_NET, "network failure (no route, refused, reset or timed out)" },
	{ TC_E_TPM, "the TPM is absent, unreachable or failing" },
	{ TC_E_TPM_UNSEAL, "a sealed key does not unseal on this TPM (another TPM, or tampered)" },
	{ TC_E_TPM_ROLLBACK, "state is older than the TPM's NV counter (restored image?)" },
	{ TC_E_UPDATE_SIGNATURE, "firmware bundle not signed by the Trust's firmware signer" },
	{ TC_E_UPDATE_MANIFEST, "firmware bundle is not for this board or names no valid release" },
	{ TC_E_UPDATE_ROLLBACK, "firmware release is not newer than the one running" },
};

const char *
tc_strerror(int err)
{
	size_t i;

	if (err == 0)
		return "success";
	for (i = 0; i < sizeof(tc_msgs) / sizeof(tc_msgs[0]); i++)
		if (tc_msgs[i].code == err)
			return tc_msgs[i].msg;
	if (err < 0 && err > -TC_ERR_BASE)
		return strerror(-err);
	return "unknown error";
}
