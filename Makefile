# dm-remap: top-level build.
#
#   make            kernel module (kernel/dm-remap.ko) and userspace (build/bin/)
#   make module     only the kernel module
#   make userspace  only the CLI and library
#   make deps       install the Debian packages every target here needs
#   make test       install deps, build, then every test (tests/run-all.sh)
#   make test-fresh make test in a clean clone of HEAD with empty caches
#                   (scripts/test-fresh.sh), as CI on a fresh machine
#   make demo       install deps, build, then the demo in a VM
#   make checkpatch checkpatch.pl --strict over kernel/
#
# KDIR=/path/to/kernel/build builds the module against another tree.

KVER ?= $(shell tests/integration/vm/kver.sh 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
BUILD ?= build
JOBS ?= 2

.PHONY: all module userspace deps test test-fresh demo checkpatch clean

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

test-fresh:
	scripts/test-fresh.sh

demo: deps all
	tests/integration/vm/run-in-vm.sh -- tests/integration/demo.sh

checkpatch:
	scripts/checkpatch.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
