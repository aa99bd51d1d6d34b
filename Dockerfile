# sjia-explore: the dashboard in a container.
#
#   docker build -t sjia-explore .
#   docker run --rm -p 127.0.0.1:8866:8866 sjia-explore
#
# Inside the container the app listens on 0.0.0.0 (every interface of the
# container), which is what makes it reachable through the published port.
# Voila has no log-in of its own: publish the port on 127.0.0.1 as above, or put
# the container behind a reverse proxy that authenticates users (see docs/deploy.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 1000 --shell /usr/sbin/nologin app

# The package, with its bundled data and app.ipynb (pyproject.toml force-includes both in the wheel).
WORKDIR /tmp/src
COPY pyproject.toml README.md app.ipynb ./
COPY sjia_explore ./sjia_explore
COPY data ./data
RUN pip install . && rm -rf /tmp/src

USER app
WORKDIR /home/app
# Build the charts' JavaScript bundle once, now: every kernel then reads it from
# ~/.cache/sjia-explore instead of building it (about 1.5 s and 90 MB per viewer).
RUN python -c "from sjia_explore.vega import bundle_path, javascript; javascript(); print('chart bundle:', bundle_path())"

EXPOSE 8866
# A TCP check only: an HTTP GET of the page would start a kernel.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import socket; socket.create_connection(('127.0.0.1', 8866), 2).close()"
CMD ["sjia-explore", "app", "--ip", "0.0.0.0", "--port", "8866", "--no-browser"]
