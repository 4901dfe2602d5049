# firmware/cmd/syncd: the sync daemon (dock -> upload -> receipt -> secure delete).
prog-y += syncd
syncd-src := $(addprefix $(d)/,syncd.c syncd_serve.c syncd_prov.c syncd_link.c syncd_pass.c \
	syncd_upload.c syncd_delete.c syncd_report.c syncd_update.c syncd_enrol.c)
man-y += $(d)/syncd.8
unit-y += $(d)/syncd.service
