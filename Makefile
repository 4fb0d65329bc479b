# dm-remap: top-level build.
#
#   make            kernel module (kernel/dm-remap.ko) and userspace (build/bin/)
#   make module     only the kernel module
#   make userspace  only the CLI and library
#   make deps       install the Debian packages every target here needs
#   make test       install deps, build, then every test (tests/run-all.sh)
#   make test-debug every VM scenario on a debug kernel (KASAN, lockdep,
#                   kmemleak, ...; built once, cached), failing on any report;
#                   SCENARIOS='GLOB...' for some only
#   make test-fresh make test in a clean clone of HEAD with empty caches
#                   (scripts/test-fresh.sh), as CI on a fresh machine
#   make demo       install deps, build, then the demo in a VM
#   make bench      every benchmark (tests/bench/run.sh): one table, results
#                   in bench/results/, compared with bench/baseline.json
#   make checkpatch checkpatch.pl --strict over kernel/
#   make install    programs, man pages, completion, systemd unit, monitoring
#                   files and the module's DKMS source tree (docs/packaging.md);
#                   DESTDIR= and PREFIX= (default /usr/local) as usual
#   make uninstall  removes what make install installed (same DESTDIR, PREFIX)
#   make deb        the Debian packages dmremap and dm-remap-dkms, in build/deb/
#
# KDIR=/path/to/kernel/build builds the module against another tree.

KVER ?= $(shell tests/integration/vm/kver.sh 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
BUILD ?= build
JOBS ?= 2
PREFIX ?= /usr/local
DESTDIR ?=
# SYSTEMDUNITDIR= and DKMSSRCDIR= override where the systemd unit and the DKMS
# source tree go (empty: not installed); by default they follow PREFIX and
# VERSION (cmake/install.cmake).

.PHONY: all module userspace deps test test-debug test-fresh demo bench checkpatch clean install uninstall install-configure deb

all: module userspace

module:
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)': run 'make deps' or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

userspace:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j$(JOBS)

deps:
	scripts/install-deps.sh

test: deps
	tests/run-all.sh

# SCENARIOS='00-* 2c-*' runs only those (name globs, as run.sh takes).
test-debug: deps userspace
	tests/integration/run-debug.sh $(SCENARIOS)

test-fresh:
	scripts/test-fresh.sh

demo: deps all
	tests/integration/vm/run-in-vm.sh -- tests/integration/demo.sh

bench: deps all
	tests/bench/run.sh

checkpatch:
	scripts/checkpatch.sh

# cmake -D for an override given on the command line, -U (back to the
# derived default) otherwise.
cmake-dir-arg = $(if $(filter undefined default,$(origin $(1))),-U$(2),-D$(2)=$($(1)))

install-configure: userspace
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
		$(call cmake-dir-arg,SYSTEMDUNITDIR,DMREMAP_SYSTEMD_UNIT_DIR) \
		$(call cmake-dir-arg,DKMSSRCDIR,DMREMAP_DKMS_SOURCE_DIR) >/dev/null

install: install-configure
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

uninstall: install-configure
	DESTDIR=$(DESTDIR) scripts/uninstall.sh $(BUILD)

deb:
	scripts/build-deb.sh $(BUILD)/deb

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
