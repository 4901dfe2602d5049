# firmware/capture: frame -> JPEG -> seal -> store.
lib-y += $(d)/pipeline.c $(d)/burst.c $(d)/jpeg_enc.c $(d)/exif.c $(d)/keys.c
