"""The Zero to JupyterHub values file (deploy/jupyterhub/z2jh-values.yaml): valid for the chart, and saying
what the tested JupyterHub configuration and the measured figures say.

No Kubernetes runs here. The file is checked as Helm checks it (merged over the chart's default values,
then against the chart's values schema; both copied in tests/data/ from the chart's repository), and
compared with deploy/jupyterhub/jupyterhub_config.py, which tests/e2e/test_jupyterhub.py runs.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from traitlets.config import Config

from sjia_explore.server import KERNEL_RSS_MB

REPO = Path(__file__).resolve().parents[1]
VALUES = REPO / "deploy" / "jupyterhub" / "z2jh-values.yaml"
HUB_CONFIG = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
DATA = Path(__file__).resolve().parent / "data"

#: Every key the values file sets, with where the chart documents it
#: (https://z2jh.jupyter.org/en/stable/resources/reference.html#<anchor>). ``hub.config.*`` passes
#: traitlets configuration through to JupyterHub (#hub-config).
DOCUMENTED = {
    "hub.config": "#hub-config",
    "hub.activeServerLimit": "#hub-activeserverlimit",
    "hub.concurrentSpawnLimit": "#hub-concurrentspawnlimit",
    "proxy.https.enabled": "#proxy-https-enabled",
    "singleuser.image.name": "#singleuser-image-name",
    "singleuser.image.tag": "#singleuser-image-tag",
    "singleuser.uid": "#singleuser-uid",
    "singleuser.defaultUrl": "#singleuser-defaulturl",
    "singleuser.cmd": "#singleuser-cmd",
    "singleuser.storage.type": "#singleuser-storage-type",
    "singleuser.memory.guarantee": "#singleuser-memory-guarantee",
    "singleuser.memory.limit": "#singleuser-memory-limit",
    "singleuser.cpu.guarantee": "#singleuser-cpu-guarantee",
    "singleuser.cpu.limit": "#singleuser-cpu-limit",
    "singleuser.startTimeout": "#singleuser-starttimeout",
    "singleuser.networkPolicy.enabled": "#singleuser-networkpolicy-enabled",
    **{f"singleuser.networkPolicy.egressAllowRules.{rule}": "#singleuser-networkpolicy-egressallowrules"
       for rule in ("cloudMetadataServer", "dnsPortsCloudMetadataServer", "dnsPortsKubeSystemNamespace",
                    "dnsPortsPrivateIPs", "nonPrivateIPs", "privateIPs")},
    "cull.enabled": "#cull-enabled",
    "cull.users": "#cull-users",
    "cull.timeout": "#cull-timeout",
    "cull.every": "#cull-every",
    "prePuller.hook.enabled": "#prepuller-hook-enabled",
    "prePuller.continuous.enabled": "#prepuller-continuous-enabled",
    "scheduling.userScheduler.enabled": "#scheduling-userscheduler-enabled",
    "scheduling.podPriority.enabled": "#scheduling-podpriority-enabled",
    "scheduling.userPlaceholder.enabled": "#scheduling-userplaceholder-enabled",
    "scheduling.userPlaceholder.replicas": "#scheduling-userplaceholder-replicas",
}

#: Memory of a single-user server without any dashboard open (docs/deploy.md §1 and jupyterhub_config.py).
SINGLE_USER_SERVER_MB = 100


def load_json(name: str) -> dict:
    data = json.loads((DATA / name).read_text(encoding="utf-8"))
    data.pop("$comment", None)
    return data


def merged(defaults: dict, values: dict) -> dict:
    """Helm's coalescing of a values file over the chart's defaults: maps merge key by key, the rest replaces."""
    out = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def schema_errors(values: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(load_json("z2jh_values_schema.json"))
    full = merged(load_json("z2jh_default_values.json"), values)
    return sorted(f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(full))


def leaf_paths(node, prefix: str = "") -> set[str]:
    if prefix == "hub.config" or not isinstance(node, dict):
        return {prefix}
    return set().union(*(leaf_paths(v, f"{prefix}.{k}" if prefix else k) for k, v in node.items()))


def size_mb(text: str) -> float:
    """A Kubernetes/JupyterHub memory size ("300M", "1G", "1Gi") in MB of 10^6 bytes."""
    number, unit = re.fullmatch(r"([\d.]+)\s*([KMGT]i?)?", str(text)).groups()
    factor = {None: 1e-6, "K": 1e-3, "M": 1, "G": 1e3, "T": 1e6, "Ki": 1.024e-3, "Mi": 1.048576, "Gi": 1073.741824,
              "Ti": 1099511.627776}[unit]
    return float(number) * factor


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Config:
    """What deploy/jupyterhub/jupyterhub_config.py configures (state in a temporary folder)."""
    c = Config()
    state = tmp_path_factory.mktemp("hub-state")
    env = {"SJIA_HUB_STATE": str(state)}
    code = HUB_CONFIG.read_text(encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        exec(compile(code, str(HUB_CONFIG), "exec"), {"get_config": lambda: c, "__file__": str(HUB_CONFIG)})
    return c


def test_the_values_are_valid_for_the_chart(values):
    assert schema_errors(values) == []


def test_a_misspelt_or_mistyped_key_is_caught(values):
    misspelt = merged(values, {"singleuser": {"memory": {"limt": "1G"}}})
    assert any("limt" in e for e in schema_errors(misspelt))
    mistyped = merged(values, {"cull": {"timeout": "an hour"}})
    assert any(e.startswith("cull.timeout") for e in schema_errors(mistyped))


def test_every_key_set_is_a_documented_one(values):
    assert leaf_paths(values) <= set(DOCUMENTED), sorted(leaf_paths(values) - set(DOCUMENTED))


def test_users_land_on_the_dashboard_as_in_the_tested_hub_configuration(values, hub):
    single = values["singleuser"]
    assert single["defaultUrl"] == hub.Spawner.default_url
    cmd = single["cmd"]
    assert cmd[0] == "jupyterhub-singleuser"
    missing = [arg for arg in hub.Spawner.args if arg not in cmd]
    assert missing == [], f"flags of jupyterhub_config.py not in singleuser.cmd: {missing}"
    root = next(a.split("=", 1)[1] for a in cmd if a.startswith("--ServerApp.root_dir="))
    dockerfile = (REPO / "deploy" / "jupyterhub" / "Dockerfile.singleuser").read_text(encoding="utf-8")
    assert f"'{root}/app.ipynb'" in dockerfile and f"WORKDIR {root}" in dockerfile
    assert single["defaultUrl"].endswith("/app.ipynb")


def test_limits_and_culling_match_the_hub_configuration(values, hub):
    single = values["singleuser"]
    assert size_mb(single["memory"]["limit"]) == size_mb(hub.Spawner.mem_limit)
    assert float(single["cpu"]["limit"]) == float(hub.Spawner.cpu_limit)
    culler = next(s for s in hub.JupyterHub.services if "jupyterhub_idle_culler" in s["command"])
    flags = dict(arg.lstrip("-").split("=", 1) for arg in culler["command"] if arg.startswith("--"))
    assert values["cull"]["enabled"] is True
    assert values["cull"]["timeout"] == int(flags["timeout"]) and values["cull"]["every"] == int(flags["cull-every"])


def test_memory_follows_the_measured_figures_and_the_deploy_guide_says_so(values):
    memory = values["singleuser"]["memory"]
    guarantee, limit = size_mb(memory["guarantee"]), size_mb(memory["limit"])
    assert guarantee >= SINGLE_USER_SERVER_MB + KERNEL_RSS_MB  # one open dashboard is guaranteed
    assert limit >= SINGLE_USER_SERVER_MB + 5 * KERNEL_RSS_MB  # about five, as the guide says
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = guide[guide.index("Many machines: Zero to JupyterHub"):]
    assert f"memory.guarantee: {memory['guarantee']}" in section and f"memory.limit: {memory['limit']}" in section
    cpu = values["singleuser"]["cpu"]
    assert f"cpu.guarantee: {cpu['guarantee']}" in section and f"cpu.limit: {cpu['limit']}" in section
    assert f"{KERNEL_RSS_MB} MB" in section


def test_user_pods_reach_nothing_outside_the_cluster(values):
    policy = values["singleuser"]["networkPolicy"]
    rules = policy["egressAllowRules"]
    assert policy["enabled"] is True
    assert rules["nonPrivateIPs"] is False and rules["privateIPs"] is False and rules["cloudMetadataServer"] is False


def test_the_log_in_placeholder_lets_nobody_in(values):
    config = values["hub"]["config"]
    assert config == {"JupyterHub": {"authenticator_class": "jupyterhub.auth.NullAuthenticator"}}
    assert VALUES.read_text(encoding="utf-8").count("REPLACE") >= 3


def test_the_placeholder_authenticator_has_no_log_in_page():
    auth = pytest.importorskip("jupyterhub.auth", reason="JupyterHub is in the [hub] extra")
    assert auth.NullAuthenticator().get_handlers(None) == []
