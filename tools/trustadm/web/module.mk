# tools/trustadm/web: `trustadm review serve`, the reviewer's desk in a
# browser (see README.md), linked into trustadm.
trustadm-src += $(d)/web_serve.c $(d)/web_auth.c $(d)/web_pages.c $(d)/web_html.c \
	$(d)/web_image.c $(d)/web_assets.c $(d)/web_picture.c
trustadm-libs += -lmicrohttpd
