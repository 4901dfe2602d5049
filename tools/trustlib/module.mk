# tools/trustlib: Trust-side code trustadm and trust-server share
# (registry, key files and the passphrase envelope, input validation).
lib-$(CONFIG_TRUST_TOOLS) += $(d)/valid.c $(d)/envelope.c $(d)/keyfile.c $(d)/registry.c $(d)/registry_rows.c \
	$(d)/registry_review.c $(d)/registry_tags.c $(d)/registry_view.c \
	$(d)/registry_picture.c
