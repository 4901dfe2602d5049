# firmware/crypto: sealed photo objects (format, seal, open, device check).
lib-y += $(d)/aead.c $(d)/objfmt.c $(d)/wrap.c $(d)/meta.c $(d)/seal.c \
	$(d)/open.c $(d)/verify.c $(d)/sha256.c $(d)/prep.c $(d)/hasher.c $(d)/box.c
