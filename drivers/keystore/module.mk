# drivers/keystore: the device keys behind a backend table.
lib-y += $(d)/keystore.c $(d)/ks_erase.c $(d)/ks_identity.c
lib-$(CONFIG_KEYSTORE_FILE) += $(d)/ks_file.c $(d)/ks_file_pin.c
lib-$(CONFIG_KEYSTORE_TPM_BACKEND) += $(d)/ks_tpm.c $(d)/ks_tpm_nv.c $(d)/ks_tpm_pcr.c
ifneq ($(CONFIG_KEYSTORE_TPM_BACKEND),y)
utest-off += tests/unit/test_keystore_tpm.c
endif
ifneq ($(CONFIG_KEYSTORE_FILE),y)
utest-off += tests/unit/test_keystore_secrets.c tests/unit/test_keystore_identity.c
endif
