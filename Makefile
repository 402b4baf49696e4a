# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
export PATH := $(CURDIR)/bin:$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: install test unit integration demo sim crds docs lint bench e2e clean lock pin-image

install: $(VENV)/.installed bin/helm bin/kubectl

# Every dependency pinned and checked against its hash (requirements.lock); then osprey itself,
# built with the locked setuptools.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --require-hashes --no-deps -r requirements.lock
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

bin/helm bin/kubectl: hack/install-tools.sh | $(VENV)/.installed
	PYTHON=$(PY) hack/install-tools.sh

# One worker a CPU (pytest-xdist), each with its own simulator and operator: one Python
# process, simulator and operator sharing its GIL, keeps only one core busy. A file's tests
# stay on one worker, so a module's shared fixtures are built once.
PARALLEL := -n auto --dist loadfile

test: install
	$(PY) -m pytest -q $(PARALLEL)

unit: install
	$(PY) -m pytest -q tests/unit

# OSH_CHARTS=DIR (an openstack-helm checkout or git directory): with the real charts.
integration: install
	$(PY) -m pytest -q $(PARALLEL) tests/integration

demo: install
	@$(PY) hack/demo.py

# A simulated cluster and the fixture charts until Ctrl-C; e.g. SIM_ARGS="--fail-jobs keystone-db-sync".
sim: install
	@$(PY) hack/sim.py --kubeconfig .cache/kubesim.kubeconfig $(SIM_ARGS)

crds: install
	$(VENV)/bin/osprey crd > crds/osprey.dev_openstackcontrolplanes.yaml
	cp crds/osprey.dev_openstackcontrolplanes.yaml charts/osprey/files/crd.yaml
	UPDATE_SNAPSHOTS=1 $(PY) -m pytest -q tests/unit/test_chart.py tests/unit/test_manifests.py

docs: install
	$(PY) -c "from osprey.api.reference import reference_markdown as r; print(r())" > docs/reference.md

lint: install
	$(VENV)/bin/ruff check operator tests bench hack

bench: install
	$(PY) -m bench

e2e: install
	bash tests/e2e/kind.sh

# Regenerate the lock files from pyproject.toml (pip-tools in a throwaway venv; PyPI only):
# requirements.lock (with the test extra) for make install and CI, requirements-runtime.lock
# for the image. Existing pins are kept unless pyproject.toml asks otherwise.
LOCKENV := .cache/lockenv
LOCK := $(LOCKENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --all-build-deps \
        --strip-extras --no-emit-index-url --no-emit-find-links
lock:
	test -x $(LOCKENV)/bin/pip-compile || { python3 -m venv $(LOCKENV) \
	  && $(LOCKENV)/bin/pip install --quiet pip-tools==7.6.2; }
	$(LOCK) --extra test -o requirements.lock pyproject.toml
	$(LOCK) -o requirements-runtime.lock pyproject.toml

# Pin the Dockerfile's base image to the digest its tag has now (needs docker buildx and
# access to the registry); review and commit the change.
pin-image:
	hack/pin-image.sh

clean:
	rm -rf $(VENV) bin .pytest_cache
