"""JupyterHub for sjia-explore: each clinician logs in and lands on the dashboard, in a server of their own.

Run it (JupyterHub from PyPI, configurable-http-proxy from npm)::

    pip install sjia-explore "jupyterhub>=5" "jupyterhub-idle-culler>=1.4"
    npm install -g configurable-http-proxy
    jupyterhub -f deploy/jupyterhub/jupyterhub_config.py      # as root, for PAM log-in and one account per user

What it sets up:

- Log-in with the machine's own accounts (JupyterHub's default PAM authenticator)
  and one single-user Jupyter server per person, started as that person
  (JupyterHub's local process spawner). Replace the authenticator with your
  institution's (LDAP, OAuth/SSO) before real use.
- Each person lands on the dashboard, served by Voila's server extension with the
  same offline template and hardening as ``sjia-explore app``
  (``sjia_explore.server``): no outside request, no source or traceback in the page,
  no file served from beside the notebook, template and theme fixed, a closed tab's
  kernel shut down, idle kernels shut down after 10 minutes.
- Whole servers unused for an hour are stopped by ``jupyterhub-idle-culler``.
- Memory per person: about 0.1 GB for the single-user server plus about 112 MB per
  open dashboard (bundled data; 143 MB with 10,000 patients), see docs/deploy.md.
  ``mem_limit`` below states the budget (1 GB, about five open tabs); JupyterHub's
  local process spawner does NOT enforce it. SystemdSpawner, DockerSpawner and
  KubeSpawner (Zero to JupyterHub) do.
- The hub listens on 127.0.0.1:8000. Put HTTPS in front of it (a reverse proxy,
  or ``c.JupyterHub.ssl_cert``/``ssl_key``) before opening it to a network.

Environment variables (all optional): ``SJIA_HUB_IP``, ``SJIA_HUB_PORT`` (address
of the hub's public proxy), ``SJIA_HUB_STATE`` (folder for the hub's database and
cookie secret; default: the working folder), ``SJIA_HUB_APP_DIR`` (folder holding the
copy of ``app.ipynb`` every user opens; default ``<state>/sjia-app``),
``CONFIGURABLE_HTTP_PROXY`` (the proxy's executable, if not on ``PATH``).

Note that a single-user server also offers JupyterLab (``/user/<name>/lab``), where a
user can run code: right for a team's own hub, not for a public one.
"""

import os
import shutil
import sys
from pathlib import Path

from sjia_explore.server import (
    HARDENING,
    TEMPLATE_NAME,
    WEBSOCKET_MAX_MESSAGE_BYTES,
    app_notebook,
    template_root,
)

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

state = Path(os.environ.get("SJIA_HUB_STATE", os.getcwd())).resolve()
state.mkdir(parents=True, exist_ok=True)

# -- the hub -------------------------------------------------------------------------------------
c.JupyterHub.ip = os.environ.get("SJIA_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("SJIA_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
if os.environ.get("CONFIGURABLE_HTTP_PROXY"):
    c.ConfigurableHTTPProxy.command = [os.environ["CONFIGURABLE_HTTP_PROXY"]]
# A busy morning: at most this many single-user servers at once (the hub answers 429 beyond it), and
# at most this many starting at the same moment (starting is CPU-bound).
c.JupyterHub.active_server_limit = 50
c.JupyterHub.concurrent_spawn_limit = 10
# Servers stop with the hub (no orphaned processes after `systemctl stop jupyterhub`).
c.JupyterHub.cleanup_servers = True

# -- what every user's server serves -------------------------------------------------------------
# A folder holding only the dashboard notebook: the user's server starts there, so Voila serves
# nothing else from beside it.
app_dir = Path(os.environ.get("SJIA_HUB_APP_DIR", state / "sjia-app"))
app_dir.mkdir(parents=True, exist_ok=True)
shutil.copyfile(app_notebook(), app_dir / "app.ipynb")
os.chmod(app_dir, 0o755)
os.chmod(app_dir / "app.ipynb", 0o644)

c.Spawner.notebook_dir = str(app_dir)
c.Spawner.default_url = "/voila/render/app.ipynb"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
# The offline template first, then whatever JUPYTER_PATH the hub was given.
c.Spawner.environment = {"JUPYTER_PATH": os.pathsep.join(
    [str(template_root())] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])}
c.Spawner.args = [
    # Voila as a server extension, hardened as `sjia-explore app` (see sjia_explore/server.py).
    "--ServerApp.jpserver_extensions={'voila': True}",
    f"--VoilaConfiguration.template={TEMPLATE_NAME}",
    "--VoilaConfiguration.theme=light",
    *HARDENING,
    f"--ServerApp.tornado_settings={{'websocket_max_message_size': {WEBSOCKET_MAX_MESSAGE_BYTES}}}",
]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# Memory per user: the single-user server (~0.1 GB) + ~112 MB per open dashboard. Stated here; enforced only
# by spawners that can (SystemdSpawner, DockerSpawner, KubeSpawner), not by the local process spawner.
c.Spawner.mem_limit = "1G"
c.Spawner.cpu_limit = 1.0

# -- idle servers --------------------------------------------------------------------------------
# Inside each server, a closed tab's kernel is shut down at once and an idle one after 10 minutes
# (above); here, a whole server nobody has used for an hour is stopped.
c.JupyterHub.services = [{
    "name": "jupyterhub-idle-culler-service",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=3600", "--cull-every=300"],
}]
c.JupyterHub.load_roles = [{
    "name": "jupyterhub-idle-culler-role",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["jupyterhub-idle-culler-service"],
}]
