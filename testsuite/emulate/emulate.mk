# testsuite/emulate/emulate.mk: the emulator test (runtime/mmio_emulate.c
# against the host CPU).  Included by testsuite/Makefile.am like
# decoder/decoder.mk (plain make with the testsuite's variables: srcdir,
# top_srcdir, CC, MKDIR_P, SHELL).
#
#   check-emulate-tests   generated forms, then every distinct emulated
#                         form of the lab kernel's driver modules (lab/lab
#                         ensure; without the lab that part is UNTESTED)
#   check-emulate-gen     only the generated forms (no lab, a second)
#
# Needs libcapstone (Debian: libcapstone-dev) for the corpus sweep, and an
# x86-64 host.  EMULATE_FLAGS: extra run-emulate flags, e.g.
# "--corpus DIR" or "--no-corpus".

EMULATE_SRCDIR = $(srcdir)/emulate
EMULATE_RUNTIME = $(top_srcdir)/runtime
# the kernel's __always_inline, which the emulator uses
EMULATE_CFLAGS = -std=gnu11 -O2 -g -Wall -Wno-format-truncation \
	'-D__always_inline=inline __attribute__((__always_inline__))'
EMULATE_LIBS = -lcapstone
EMULATE_DEPS = $(EMULATE_SRCDIR)/emulate_test.c $(EMULATE_SRCDIR)/tramp.S \
	$(EMULATE_RUNTIME)/mmio_emulate.c $(EMULATE_RUNTIME)/mmio_emulate.h \
	$(EMULATE_RUNTIME)/mmio_decode.c $(EMULATE_RUNTIME)/mmio_decode.h

emulate/emulate_test: $(EMULATE_DEPS)
	@$(MKDIR_P) emulate
	$(CC) $(EMULATE_CFLAGS) -DWITH_CAPSTONE -o $@ \
	  $(EMULATE_SRCDIR)/emulate_test.c $(EMULATE_SRCDIR)/tramp.S \
	  $(EMULATE_RUNTIME)/mmio_emulate.c $(EMULATE_RUNTIME)/mmio_decode.c \
	  $(EMULATE_LIBS)

check-emulate-gen: emulate/emulate_test
	./emulate/emulate_test --no-corpus

check-emulate-tests: emulate/emulate_test
	$(SHELL) $(EMULATE_SRCDIR)/run-emulate \
	  --test ./emulate/emulate_test $(EMULATE_FLAGS)

clean-emulate:
	rm -f emulate/emulate_test

.PHONY: check-emulate-gen check-emulate-tests clean-emulate
