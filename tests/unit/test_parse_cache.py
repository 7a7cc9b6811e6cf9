"""The parse cache shared by both DAG files: content decides, never time; errors show at once; no secret stored."""

from __future__ import annotations

import os

import pytest

from automations.dagfile import load_definitions
from automations.parse_cache import CACHE_DIR
from automations.settings import get_settings

pytestmark = pytest.mark.unit

DEF = "name: {name}\nmodel_id: {model}\naction:\n  build_spec: {{git_uri: '{uri}'}}\n"


def _write(folder, name, model="m", uri="https://git.example.com/x.git"):
    (folder / f"{name}.yaml").write_text(DEF.format(name=name, model=model, uri=uri))


@pytest.fixture
def settings(tmp_path):
    (tmp_path / "defs").mkdir()
    return get_settings().replace(automations_dir=tmp_path / "defs", state_dir=tmp_path / "state")


def _cache_bytes(settings) -> bytes:
    files = sorted((settings.state_dir / CACHE_DIR).glob("*.pickle"))
    return b"".join(f.read_bytes() for f in files)


def _same_mtime(path, like):
    stat = like.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_cached_load_gives_what_a_fresh_load_gives(settings):
    _write(settings.automations_dir, "a")
    (settings.automations_dir / "bad.yaml").write_text("name: bad\nmodel_id: m\naction: {}\n")
    first = load_definitions(settings)
    assert _cache_bytes(settings), "the first load writes the cache"
    second = load_definitions(settings)
    fresh = load_definitions(settings.replace(parse_cache=False))
    assert second.by_name().keys() == fresh.by_name().keys() == {"a"}
    assert second.by_name()["a"].spec == fresh.by_name()["a"].spec == first.by_name()["a"].spec
    assert second.errors == fresh.errors == first.errors and len(second.errors) == 1


def test_a_changed_definition_is_picked_up_even_with_the_same_mtime(settings):
    _write(settings.automations_dir, "a", model="old")
    load_definitions(settings)
    before = settings.automations_dir / "a.yaml"
    stamp = settings.state_dir / "stamp"
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text("")
    _same_mtime(stamp, before)
    _write(settings.automations_dir, "a", model="new")
    _same_mtime(before, stamp)  # content changed, timestamp did not: content decides
    assert load_definitions(settings).by_name()["a"].spec.model_id == "new"


def test_a_file_broken_after_caching_shows_its_error_at_once_and_a_fixed_one_its_dag(settings):
    _write(settings.automations_dir, "a")
    assert list(load_definitions(settings).by_name()) == ["a"]
    (settings.automations_dir / "a.yaml").write_text("name: a\nmodel_id: [unclosed\n")
    broken = load_definitions(settings)
    assert broken.automations == [] and "YAML syntax error" in broken.errors[0].reason
    assert load_definitions(settings).errors == broken.errors  # from the cache now, the same error
    _write(settings.automations_dir, "a")
    fixed = load_definitions(settings)
    assert list(fixed.by_name()) == ["a"] and fixed.errors == []


def test_new_and_removed_files_and_changed_defaults_are_picked_up(settings):
    _write(settings.automations_dir, "a")
    load_definitions(settings)
    _write(settings.automations_dir, "b")
    assert sorted(load_definitions(settings).by_name()) == ["a", "b"]
    (settings.automations_dir / "a.yaml").unlink()
    assert sorted(load_definitions(settings).by_name()) == ["b"]
    (settings.automations_dir / "_defaults.yaml").write_text("description: from the defaults\n")
    assert load_definitions(settings).by_name()["b"].spec.description == "from the defaults"


def test_no_secret_value_reaches_the_cache(settings, monkeypatch):
    monkeypatch.setenv("BENCH_SECRET_HOST", "s3cr3t-host-value")
    (settings.automations_dir / "env.yaml").write_text(
        DEF.format(name="env", model="m", uri="https://${BENCH_SECRET_HOST}/x.git")
    )
    _write(settings.automations_dir, "creds", uri="https://user:hunter2-token@git.example.com/x.git")
    _write(settings.automations_dir, "plain")
    result = load_definitions(settings)
    assert sorted(result.by_name()) == ["creds", "env", "plain"]
    stored = _cache_bytes(settings)
    assert b"plain" in stored  # the cache was written ...
    assert b"s3cr3t-host-value" not in stored and b"hunter2-token" not in stored  # ... without either secret
    monkeypatch.setenv("BENCH_SECRET_HOST", "other-host")
    assert "other-host" in load_definitions(settings).by_name()["env"].spec.action.build_spec.git_uri


def test_python_definitions_run_every_time(settings, monkeypatch):
    py = settings.automations_dir / "defs.py"
    py.write_text(
        "import os\nfrom automations import Automation, QwakBuildDeploy, BuildSpecifications\n"
        "a = Automation(name='py', model_id=os.environ['PY_MODEL'],"
        " action=QwakBuildDeploy(build_spec=BuildSpecifications(git_uri='https://x/y.git')))\n"
    )
    monkeypatch.setenv("PY_MODEL", "first")
    assert load_definitions(settings).by_name()["py"].spec.model_id == "first"
    monkeypatch.setenv("PY_MODEL", "second")
    assert load_definitions(settings).by_name()["py"].spec.model_id == "second"


def test_an_unreadable_cache_is_ignored(settings):
    _write(settings.automations_dir, "a")
    load_definitions(settings)
    for file in (settings.state_dir / CACHE_DIR).glob("*.pickle"):
        file.write_bytes(b"not a pickle")
    assert list(load_definitions(settings).by_name()) == ["a"]


def test_settings_follow_the_environment(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_NAMESPACE", "one")
    assert get_settings().kubernetes.namespace == "one"
    monkeypatch.setenv("AUTOMATIONS_K8S_NAMESPACE", "two")
    assert get_settings().kubernetes.namespace == "two"
