# testsuite/decoder/decoder.mk: the decoder tests.  Included by
# testsuite/Makefile.am (automake passes "-include" through, so this is
# plain make run with the testsuite's variables: srcdir, top_srcdir, CC,
# MKDIR_P, SHELL).
#
#   check-decoder-tests   the unit tests, then the capstone corpus check on
#                         the lab kernel's driver modules (lab/lab ensure)
#   check-decoder-unit    only the unit tests (no lab, a few seconds)
#
# Both need libcapstone (Debian: libcapstone-dev).  Variables:
#   DECODER_CORPUS_FLAGS  extra run-corpus-check flags, e.g.
#                         "--corpus DIR" or "--sample 4 --seed 1"

DECODER_SRCDIR = $(srcdir)/decoder
DECODER_RUNTIME = $(top_srcdir)/runtime
DECODER_CFLAGS = -std=gnu11 -O2 -g -Wall -Wno-override-init \
	-Wno-format-truncation
DECODER_LIBS = -lcapstone
DECODER_DEPS = $(DECODER_RUNTIME)/mmio_decode.c \
	$(DECODER_RUNTIME)/mmio_decode.h

decoder/test_decode: $(DECODER_SRCDIR)/test_decode.c $(DECODER_DEPS)
	@$(MKDIR_P) decoder
	$(CC) $(DECODER_CFLAGS) -DWITH_CAPSTONE -o $@ \
	  $(DECODER_SRCDIR)/test_decode.c $(DECODER_RUNTIME)/mmio_decode.c \
	  $(DECODER_LIBS)

decoder/corpus_check: $(DECODER_SRCDIR)/corpus_check.c $(DECODER_DEPS)
	@$(MKDIR_P) decoder
	$(CC) $(DECODER_CFLAGS) -o $@ \
	  $(DECODER_SRCDIR)/corpus_check.c $(DECODER_RUNTIME)/mmio_decode.c \
	  $(DECODER_LIBS)

check-decoder-unit: decoder/test_decode
	./decoder/test_decode

check-decoder-tests: check-decoder-unit decoder/corpus_check
	$(SHELL) $(DECODER_SRCDIR)/run-corpus-check \
	  --checker ./decoder/corpus_check $(DECODER_CORPUS_FLAGS)

clean-decoder:
	rm -f decoder/test_decode decoder/corpus_check

.PHONY: check-decoder-unit check-decoder-tests clean-decoder
