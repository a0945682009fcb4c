# Umbra's driver Makefile (committed; the autotools Makefiles live in build/).
#
#   make deps    install the Debian packages the build, tests and demo need
#   make         bootstrap autotools, configure in build/, compile
#   make check   deps + build + every test: unit, end-to-end, sanitizers
#                (ASan+UBSan, TSan), fuzzers.  The README's test command.
#   make demo    deps + build, generate a sample capture with umbra-gen, run
#                umbrad on it with the embedded default config, show output
#   make bench   the benchmarks (figures go to BENCHMARKS.md by hand)
#   make install DESTDIR=...   install from build/
#   make clean / distclean

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD ?= $(TOP)/build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SHARED ?= $(abspath $(TOP)/../shared)

DEB_PACKAGES := build-essential autoconf automake libtool libtool-bin \
	pkg-config clang libclang-rt-dev clang-format groff-base man-db bc time \
	libtrace3-dev libwandio1-dev libzmq3-dev libavro-dev libyaml-dev \
	libdeflate-dev libsnappy-dev zlib1g-dev libcmocka-dev \
	libmaxminddb-dev libmaxmind-db-writer-perl \
	python3 python3-avro python3-snappy python3-zmq python3-dpkt \
	libpcap-dev tcpreplay iproute2 libsystemd-dev \
	libdpdk-dev librte-net-pcap23 librte-net-af-packet23 librte-net-null23 \
	librte-mempool-ring23

.PHONY: all deps build check check-unit check-asan \
	check-tsan check-fuzz demo bench install clean distclean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	else echo "All Debian packages present."; fi

$(TOP)/configure: $(TOP)/configure.ac $(wildcard $(TOP)/*/Makefile.am) $(TOP)/Makefile.am
	cd $(TOP) && autoreconf -fi
	@touch $(TOP)/configure

$(BUILD)/Makefile: $(TOP)/configure
	mkdir -p $(BUILD)
	cd $(BUILD) && $(TOP)/configure $(CONFIGURE_FLAGS)

build: $(BUILD)/Makefile
	@$(MAKE) -s --no-print-directory -C $(BUILD) -j$(JOBS)

# Test environment shared by every build flavour.
TEST_ENV = UMBRA_SRCDIR=$(TOP) UMBRA_TRACES=$(SHARED)/traces \
	UMBRA_SPEC_DIR=$(SHARED)/spec

check: deps
	@$(TOP)/tests/run-all.sh

check-unit: build
	$(MAKE) -C $(BUILD) -j$(JOBS) check $(TEST_ENV)

demo: deps build
	@$(TOP)/tests/demo.sh $(BUILD)

bench: deps build
	@$(TOP)/tests/bench/run.sh $(BUILD)

install: build
	$(MAKE) -C $(BUILD) install

clean:
	-$(MAKE) -C $(BUILD) clean

distclean:
	rm -rf $(BUILD) $(TOP)/build-asan $(TOP)/build-tsan $(TOP)/build-fuzz \
	  $(TOP)/autom4te.cache $(TOP)/build-aux $(TOP)/configure \
	  $(TOP)/autoconfig.h.in $(TOP)/aclocal.m4 $(TOP)/demo-output
	find $(TOP) -name Makefile.in -delete
