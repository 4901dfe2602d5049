# drivers/keystore: the device keys behind a backend table.
lib-y += $(d)/keystore.c
lib-$(CONFIG_KEYSTORE_FILE) += $(d)/ks_file.c $(d)/ks_file_identity.c $(d)/ks_file_pin.c
