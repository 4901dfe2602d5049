# tools/trustadm: the Trust's administration CLI (see trustadm.8).
# The X.509 and CSV pieces are library code so the unit tests reach them.
lib-$(CONFIG_TRUST_TOOLS) += $(d)/pki.c $(d)/pki_csr.c $(d)/consent_csv.c $(d)/review_rules.c \
	$(d)/sar_manifest.c
prog-$(CONFIG_TRUST_TOOLS) += trustadm
trustadm-src := $(d)/main.c $(d)/common.c $(d)/cmd_init.c $(d)/cmd_device.c $(d)/cmd_enrol_dock.c \
	$(d)/cmd_people.c $(d)/cmd_consent.c $(d)/cmd_policy.c $(d)/cmd_audit.c \
	$(d)/cmd_audit_verify.c $(d)/cmd_review.c $(d)/cmd_sar.c $(d)/srvdata.c \
	$(d)/srvmeta.c $(d)/metaidx.c $(d)/metaidx_row.c $(d)/cmd_review_tag.c $(d)/cmd_publish.c \
	$(d)/output.c $(d)/cmd_review_pic.c $(d)/cmd_firmware.c
man-$(CONFIG_TRUST_TOOLS) += $(d)/trustadm.8
