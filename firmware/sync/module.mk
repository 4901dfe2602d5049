# firmware/sync: what the device and the Trust server share about the sync
# link: the signed receipt format, the TLS profile, the upload digest.
lib-y += $(d)/receipt.c $(d)/tls_profile.c $(d)/enrol_proof.c
