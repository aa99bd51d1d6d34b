# sjia-explore: the dashboard in a container.
#
#   docker build -t sjia-explore .
#   docker run --rm -p 127.0.0.1:8866:8866 sjia-explore
#
# Inside the container the app listens on 0.0.0.0 (every interface of the
# container), which is what makes it reachable through the published port.
# Voila has no log-in of its own: publish the port on 127.0.0.1 as above, or put
# the container behind a reverse proxy that authenticates users (see docs/deploy.md).
#
# For a class, keep more kernels ready (about 165 MB of memory each), e.g. 30:
#   docker run --rm -p 127.0.0.1:8866:8866 sjia-explore \
#       sjia-explore app --ip 0.0.0.0 --port 8866 --no-browser --viewers 30
#
# Stopping: CMD is in exec form (no shell in between), so `sjia-explore` is the
# container's first process and receives `docker stop`'s SIGTERM itself. It passes
# it on to Voila, which shuts every kernel down; whatever still runs after 8 s is
# killed, within Docker's 10 s grace period, and the container exits with code 0.
# `docker run --init` (a minimal init that also reaps stray processes) works too.
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
STOPSIGNAL SIGTERM
# A TCP check only: an HTTP GET of the page would start a kernel.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import socket; socket.create_connection(('127.0.0.1', 8866), 2).close()"
CMD ["sjia-explore", "app", "--ip", "0.0.0.0", "--port", "8866", "--no-browser"]
