# minidock build. Sources are found by wildcard: add a .c file to its module
# directory and it is built; no edit here needed.
#   make            daemon/minidockd, daemon/minidock-shim, client/minidock
#   make check      unit tests (no root), also built with ASan/UBSan
#   make test       check + integration suites (root)
#   make deps       install missing Debian packages
#   make demo       deps, build, start the daemon, build busybox, run a container
#   make bench      side-by-side benchmarks
#   make install    PREFIX, DESTDIR

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
B       := build

PKGS_DAEMON := libmicrohttpd jansson libarchive zlib libcurl libseccomp libcap libnl-3.0 libnl-route-3.0 libnftables openssl
PKGS_CLIENT := jansson

PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS_DAEMON) 2>/dev/null)
LIBS_DAEMON = $(shell pkg-config --libs $(PKGS_DAEMON) 2>/dev/null) -lpthread
LIBS_SHIM   = $(shell pkg-config --libs libseccomp libcap zlib 2>/dev/null)
LIBS_CLIENT = $(shell pkg-config --libs $(PKGS_CLIENT) 2>/dev/null)
LIBS_CHECK  = $(shell pkg-config --libs check 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wmissing-prototypes -Wformat=2
CFLAGS  ?= -O2 -g
VERSION := 0.1.0
GIT_COMMIT := $(shell git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
BUILD_TIME := $(shell date -u -d @$$(git log -1 --format=%ct 2>/dev/null || date +%s) +%Y-%m-%dT%H:%M:%S.000000000+00:00)
CFLAGS  += -DMD_VERSION='"$(VERSION)"' -DMD_GIT_COMMIT='"$(GIT_COMMIT)"' -DMD_BUILD_TIME='"$(BUILD_TIME)"'
CFLAGS  += -std=gnu11 -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -fstack-protector-strong $(WARN) -I. $(PKG_CFLAGS)
LDFLAGS += -Wl,--as-needed
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

COMMON_SRCS := $(wildcard common/*.c)
# Everything under daemon/ except the two entry points goes into one static
# library; the shim links only the objects it references (in-child setup).
LIBD_SRCS   := $(filter-out daemon/main.c daemon/shim/%, $(wildcard daemon/*.c daemon/*/*.c))
SHIM_SRCS   := $(wildcard daemon/shim/*.c)
CLIENT_SRCS := $(wildcard client/*.c)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(patsubst tests/unit/%.c,$(B)/unit/%,$(UNIT_SRCS))

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
sobj = $(patsubst %.c,$(B)/san/%.o,$(1))

BINS := daemon/minidockd daemon/minidock-shim client/minidock

all: $(BINS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN) -DMD_UNIT_TEST -MMD -MP -c -o $@ $<

$(B)/libcommon.a: $(call obj,$(COMMON_SRCS))
	@rm -f $@; ar rcs $@ $^
$(B)/libdaemon.a: $(call obj,$(LIBD_SRCS))
	@rm -f $@; ar rcs $@ $^
$(B)/libcommon-san.a: $(call sobj,$(COMMON_SRCS))
	@rm -f $@; ar rcs $@ $^
$(B)/libdaemon-san.a: $(call sobj,$(LIBD_SRCS))
	@rm -f $@; ar rcs $@ $^

daemon/minidockd: $(call obj,daemon/main.c) $(B)/libdaemon.a $(B)/libcommon.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_DAEMON)

daemon/minidock-shim: $(call obj,$(SHIM_SRCS)) $(B)/libdaemon.a $(B)/libcommon.a
	$(CC) $(CFLAGS) $(LDFLAGS) -static -o $@ $^ $(LIBS_SHIM)

# The client is linked statically: a short-lived command spends a good part
# of its life in the dynamic loader otherwise (~2 ms of `minidock pause`).
client/minidock: $(call obj,$(CLIENT_SRCS)) $(B)/libcommon.a
	$(CC) $(CFLAGS) $(LDFLAGS) -static -o $@ $^ $(LIBS_CLIENT)

# Unit tests link the sanitizer builds: test_common_* only common/, the
# others common/ and daemon/.
$(B)/unit/test_common_%: tests/unit/test_common_%.c $(B)/libcommon-san.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN) -DMD_UNIT_TEST -o $@ $^ $(LIBS_CHECK) $(LIBS_CLIENT)
$(B)/unit/%: tests/unit/%.c $(B)/libdaemon-san.a $(B)/libcommon-san.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN) -DMD_UNIT_TEST -o $@ $^ $(LIBS_CHECK) $(LIBS_DAEMON)

unit: $(UNIT_BINS)

check: $(UNIT_BINS)
	@tests/unit/run.sh $(UNIT_BINS)

test: deps
	@$(MAKE) --no-print-directory all unit
	@tests/run.sh $(UNIT_BINS)

run-tests: all $(UNIT_BINS)
	@tests/run.sh $(UNIT_BINS)

deps:
	@contrib/install-deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@contrib/demo.sh

bench: all
	@bench/run.sh

fuzz:
	@$(MAKE) -C tests/fuzz

format:
	clang-format -i $(wildcard common/*.[ch] daemon/*.[ch] daemon/*/*.[ch] client/*.[ch] tests/unit/*.c tests/fuzz/*.c)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/libexec/minidock
	install -m 755 client/minidock $(DESTDIR)$(PREFIX)/bin/minidock
	install -m 755 daemon/minidockd $(DESTDIR)$(PREFIX)/sbin/minidockd
	install -m 755 daemon/minidock-shim $(DESTDIR)$(PREFIX)/libexec/minidock/minidock-shim
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(PREFIX)/share/minidock
	install -m 755 contrib/*.sh $(DESTDIR)$(PREFIX)/share/minidock/
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(PREFIX)/lib/sysusers.d
	install -m 644 contrib/systemd/minidockd.service $(DESTDIR)$(PREFIX)/lib/systemd/system/
	install -m 644 contrib/systemd/minidock.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/minidock.conf
	@# The socket's group (its members may use the daemon). A staged install
	@# (DESTDIR set) does not touch the build host's groups: the package's
	@# sysusers.d file creates the group on the target.
	@if [ -z "$(DESTDIR)" ]; then getent group minidock >/dev/null || groupadd --system minidock; \
	else echo "DESTDIR set: not creating group minidock (lib/sysusers.d/minidock.conf does)"; fi

clean:
	rm -rf $(B) $(BINS)

.PHONY: all unit check test run-tests deps demo bench fuzz format install clean
.SECONDARY:
-include $(shell find $(B) -name '*.d' 2>/dev/null)
