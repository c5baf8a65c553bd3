# Two commands matter: `make demo` and `make test`. Both install what they need first
# (scripts/bootstrap: Debian packages when run as root, Python packages into ./.venv).
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.build/collections
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false

.PHONY: test test-matrix test-interrupt test-lab-scale demo bootstrap unit integration sanity lint build-check galaxy-import bench lab-build clean

test: bootstrap
	scripts/test

# The integration tests and sanity on every ansible-core between the oldest and the newest
# (tests/ansible-versions.txt), each in its own .venv-2.X; not part of `make test` (time).
test-matrix: bootstrap
	scripts/test-matrix

demo: bootstrap
	scripts/demo

bootstrap:
	scripts/bootstrap

unit: bootstrap
	pytest tests/unit

integration: bootstrap
	pytest tests/integration

sanity: bootstrap
	scripts/sanity

lint: bootstrap
	scripts/lint

build-check: bootstrap
	scripts/build-check

# The lab at 1000 hosts: start-up and one read of every path, timings printed (not in make test).
test-lab-scale: bootstrap
	VMKMH_LAB_SCALE=1 pytest -s tests/integration/lab/test_lab_perf.py

test-interrupt: bootstrap
	VMKMH_INTERRUPT_MATRIX=1 pytest tests/integration/remediation/test_interrupted.py -m interrupt_matrix

galaxy-import: build-check
	scripts/galaxy-import

bench: bootstrap
	python tests/bench/bench.py

lab-build: bootstrap
	python tests/lab/lab build

clean:
	-tests/lab/lab stop >/dev/null 2>&1
	rm -rf .build .venv-2.* tests/lab/.build tests/lab/.state tests/output reports
