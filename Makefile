# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
export PATH := $(CURDIR)/bin:$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: install test unit integration demo sim crds docs lint bench e2e clean

install: $(VENV)/.installed bin/helm bin/kubectl

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test]'
	touch $@

bin/helm bin/kubectl: hack/install-tools.sh | $(VENV)/.installed
	PYTHON=$(PY) hack/install-tools.sh

test: install
	$(PY) -m pytest -q

unit: install
	$(PY) -m pytest -q tests/unit

# OSH_CHARTS=DIR (an openstack-helm checkout or git directory): with the real charts.
integration: install
	$(PY) -m pytest -q tests/integration

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

clean:
	rm -rf $(VENV) bin .pytest_cache
