"""Binder: binder/ holds what repo2docker needs, the README's badge opens the first lesson, and the
environment Binder builds runs every lesson.

From cheap to slow:
- the files: runtime.txt names a Python adlab supports; requirements.txt pins everything adlab and
  the lessons need, each pin within pyproject.toml's range; the badge's target is built from
  pyproject.toml's repository URL and opens a lesson that exists;
- ``repo2docker --no-build --debug .`` (no Docker needed) generates the Dockerfile Binder would build:
  it must use that Python, install apt.txt's packages, binder/requirements.txt, and run postBuild;
- the environment itself, built as that Dockerfile builds it (slow): repo2docker's base environment
  for that Python (the top-level packages of its conda environment, at the versions of its lock
  file), then binder/requirements.txt, then postBuild, in a fresh venv of runtime.txt's Python,
  with apt.txt's Graphviz on the machine; ``pip check`` finds no conflict, every lesson runs under
  nbval there, and JupyterLab serves the badge's notebook with postBuild's settings.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
import warnings
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from environments import (ROOT, clean_env, find_python, frozen, lessons, make_venv, nbval_options,
                          pip_install, run, scratch_folder, with_venv_on_path)

BINDER = ROOT / "binder"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
BADGE_LESSON = "lessons/00_start_here.ipynb"
#: conda names in repo2docker's base environment whose PyPI name differs
PYPI_NAME = {"jupyterhub-singleuser": "jupyterhub"}


# ---------------------------------------------------------------- the files

def runtime_python() -> str:
    text = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(3\.\d+)", text)
    assert match, f"binder/runtime.txt should read python-3.X, not {text!r}"
    return match.group(1)


def requirement_lines() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.split(" #")[0].strip() for line in lines if line.strip() and not line.startswith("#")]


def pins() -> dict[str, Version]:
    found = {}
    for line in requirement_lines():
        if line.startswith("-"):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", \
            f"binder/requirements.txt: pin {line!r} to one version (name==X.Y.Z)"
        found[canonicalize_name(requirement.name)] = Version(specifiers[0].version)
    return found


def adlab_requirements(extra: str) -> list[Requirement]:
    """What ``pip install adlab[extra]`` asks for, the extras inside it expanded."""
    project = PYPROJECT["project"]
    wanted, seen, todo = [Requirement(r) for r in project["dependencies"]], set(), [extra]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in project["optional-dependencies"][name]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == "adlab":
                todo += sorted(requirement.extras)
            else:
                wanted.append(requirement)
    return wanted


def repo2docker_conda():
    """repo2docker's conda build pack (its base environments), imported quietly."""
    with warnings.catch_warnings():           # a dependency's DeprecationWarning on import
        warnings.simplefilter("ignore", DeprecationWarning)
        import repo2docker.buildpacks.conda as conda
        from repo2docker.buildpacks.conda import supported_python_version
    return conda, supported_python_version.SUPPORTED_PYTHON_VERSION


def test_runtime_is_a_python_adlab_supports():
    _, SUPPORTED_PYTHON_VERSION = repo2docker_conda()
    version = runtime_python()
    supported = PYPROJECT["project"]["requires-python"]
    assert Version(version) in Requirement(f"python{supported}").specifier, \
        f"binder/runtime.txt asks for Python {version}, but pyproject.toml requires {supported}"
    assert version in SUPPORTED_PYTHON_VERSION, \
        f"repo2docker offers Python {SUPPORTED_PYTHON_VERSION}, not {version}"


def test_requirements_pin_what_the_lessons_need_within_pyproject():
    pinned = pins()
    for requirement in adlab_requirements("lab"):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"binder/requirements.txt: pin {requirement.name} (pyproject.toml " \
                               f"asks for {requirement})"
        assert requirement.specifier.contains(pinned[name], prereleases=True), \
            f"binder/requirements.txt pins {name}=={pinned[name]}, outside pyproject.toml's {requirement}"
    # adlab itself, from this repository, with the lab extra (so a dependency added to
    # pyproject.toml reaches Binder even before it is pinned here)
    assert "-e .[lab]" in requirement_lines()


def test_a_missing_python_is_reported_not_skipped():
    with pytest.raises(AssertionError, match=r"Python 3\.99 \(named by binder/runtime.txt\) is not "
                                             r"installed here.*pyenv install 3\.99"):
        find_python("3.99")


def test_binder_folder_is_the_one_repo2docker_reads():
    # environment.yml would make repo2docker ignore requirements.txt; a root-level Dockerfile or
    # a .binder/ folder would win over binder/
    assert not (BINDER / "environment.yml").exists()
    assert not (ROOT / ".binder").exists() and not (BINDER / "Dockerfile").exists()
    assert os.access(BINDER / "postBuild", os.X_OK)
    assert (BINDER / "postBuild").read_text(encoding="utf-8").startswith("#!/bin/bash\n")
    packages = (BINDER / "apt.txt").read_text(encoding="utf-8").split()
    assert "graphviz" in packages


# ---------------------------------------------------------------- the badge

def repository_url() -> str:
    urls = PYPROJECT["project"].get("urls", {})
    assert "Repository" in urls, "pyproject.toml: add [project.urls] Repository = \"https://...\""
    return urls["Repository"].rstrip("/").removesuffix(".git")


def binder_launch_url(repository: str, path: str, ref: str = "HEAD") -> str:
    """mybinder.org's address that builds ``repository`` and opens ``path`` in JupyterLab."""
    url = urllib.parse.urlsplit(repository)
    if url.netloc == "github.com":
        spec = f"gh{url.path}/{ref}"
    elif url.netloc == "gitlab.com":
        spec = "gl/" + urllib.parse.quote(url.path.strip("/"), safe="") + f"/{ref}"
    else:
        spec = "git/" + urllib.parse.quote(repository, safe="") + f"/{ref}"
    return f"https://mybinder.org/v2/{spec}?urlpath=lab/tree/{path}"


def readme_binder_links() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"\]\((https://mybinder\.org/v2/[^)\s]+)\)", readme)


def test_readme_badge_opens_the_first_lesson_of_this_repository():
    links = readme_binder_links()
    assert links, "README.md has no Binder badge"
    expected = binder_launch_url(repository_url(), BADGE_LESSON)
    assert links == [expected] * len(links), f"README's Binder link(s) {links} should be {expected}"
    opened = urllib.parse.parse_qs(urllib.parse.urlsplit(links[0]).query)["urlpath"][0]
    assert opened.startswith("lab/tree/")
    assert (ROOT / opened.removeprefix("lab/tree/")).is_file(), f"the badge opens {opened}: no such file"


def test_readme_jupyterhub_link_pulls_this_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"https://[^\s)`\"]*/hub/user-redirect/git-pull\?[^\s)`\"]+", readme)
    assert links, "README.md has no nbgitpuller link"
    for link in links:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
        assert query["repo"] == [repository_url()], link
        # nbgitpuller clones into a folder named after the repository (targetpath's default)
        folder = query.get("targetpath", [repository_url().rsplit("/", 1)[1]])[0]
        urlpath = query["urlpath"][0]
        assert urlpath == f"lab/tree/{folder}/{BADGE_LESSON}", link
    # the hub image installs adlab from the same repository
    installs = re.findall(r"adlab\[\w+\] @ git\+(\S+?)(?:@[^\s\"]+)?\"", readme)
    assert installs and set(installs) == {repository_url()}, installs


# ---------------------------------------------------------------- what repo2docker generates

@pytest.fixture(scope="module")
def dockerfile():
    # Binder builds as uid 1000 (jovyan); without these repo2docker uses the caller's uid
    result = run([sys.executable, "-m", "repo2docker", "--no-build", "--debug", "--user-id", "1000",
                  "--user-name", "jovyan", "."], env=clean_env(), timeout=300,
                 what="repo2docker --no-build --debug .")
    return result.stdout, result.stdout + result.stderr


def test_repo2docker_uses_runtime_python(dockerfile):
    text, log = dockerfile
    version = runtime_python()
    assert f"Building conda environment for python={version}" in log
    # the lock file copied in as the conda environment (build-context names are escaped)
    import escapism
    sources = re.findall(r"COPY --chown=\S+ build_script_files/(\S+) /tmp/env/environment.lock", text)
    assert len(sources) == 1, sources
    source = escapism.unescape(sources[0].rsplit("-", 1)[0], escape_char="-")   # less "-<hash>"
    assert source.endswith(f"/environment.py-{version}-linux-64.lock"), source
    assert "Python version unspecified" not in log


def test_repo2docker_installs_apt_packages(dockerfile):
    text, _ = dockerfile
    packages = (BINDER / "apt.txt").read_text(encoding="utf-8").split()
    installs = re.findall(r"apt-get install --yes --no-install-recommends ([^&\n]+)", text)
    assert [sorted(i.split()) for i in installs] == [sorted(packages)], installs


def test_repo2docker_installs_requirements_then_runs_postbuild(dockerfile):
    text, _ = dockerfile
    copy_repo = text.index("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    install = text.index('${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"')
    post_build = text.index("RUN ./binder/postBuild")
    # `-e .[lab]` needs the whole repository: it is copied before pip runs
    assert copy_repo < install < post_build
    assert "mamba env update" not in text and "environment.yml" not in text


# ---------------------------------------------------------------- the environment itself

def base_environment(version: str) -> list[str]:
    """repo2docker's base environment for Python ``version``: its top-level packages (from the
    environment's .yml) at the versions of its lock file, as pip requirements."""
    folder = Path(repo2docker_conda()[0].__file__).parent
    top_level = []
    for line in (folder / f"environment.py-{version}.yml").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*-\s*([A-Za-z0-9_.-]+)\s*=", line)
        if match and match.group(1) not in ("python", "nodejs", "pip"):
            top_level.append(match.group(1))
    lock = (folder / f"environment.py-{version}-linux-64.lock").read_text(encoding="utf-8")
    requirements = []
    for name in top_level:
        match = re.search(rf"/{re.escape(name)}-(\d[^-]*)-[^-/]+\.(?:conda|tar\.bz2)", lock)
        assert match, f"{name} not found in repo2docker's lock for Python {version}"
        requirements.append(f"{PYPI_NAME.get(name, name)}=={match.group(1)}")
    assert any(r.startswith("jupyterlab==") for r in requirements), requirements
    return requirements


@pytest.fixture(scope="module")
def binder_env():
    """A fresh venv built as Binder builds its image; removed afterwards."""
    started = time.perf_counter()
    version = runtime_python()
    python = find_python(version)
    for package in (BINDER / "apt.txt").read_text(encoding="utf-8").split():
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                                capture_output=True, text=True) if shutil.which("dpkg-query") else None
        assert status is None or status.stdout.endswith("installed"), \
            f"binder/apt.txt's {package} is not installed here: apt-get install {package}"
    assert shutil.which("dot"), "Graphviz's dot is missing: apt-get install graphviz"
    folder = scratch_folder("adlab-binder-")
    try:
        steps = {}

        def step(name, since=[started]):
            now = time.perf_counter()
            steps[name], since[0] = now - since[0], now

        venv = make_venv(python, folder / "venv")
        pip_install(venv, *base_environment(version))                  # the image's conda env
        step("base")
        pip_install(venv, "-r", BINDER / "requirements.txt", cwd=ROOT)  # as repo2docker: from the root
        step("requirements")
        run([BINDER / "postBuild"], what="binder/postBuild",
            env=with_venv_on_path(venv, NB_PYTHON_PREFIX=str(venv.parent.parent)))
        check = subprocess.run([sys.executable, "-m", "pip", "--python", venv, "check"],
                               capture_output=True, text=True, env=clean_env())
        step("postBuild")
        # the test tools, without changing a single package of the Binder environment
        pip_install(venv, "-c", frozen(venv, folder / "binder-freeze.txt"), "pytest", "nbval")
        step("test tools")
        yield {"python": venv, "check": check, "steps": steps}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_binder_environment_has_no_conflicts(binder_env):
    check = binder_env["check"]
    assert check.returncode == 0, f"pip check in the Binder environment:\n{check.stdout}{check.stderr}"
    out = run([binder_env["python"], "-c", "import sys, adlab, numpy, ipywidgets, jupyterlab; "
               "print('%d.%d' % sys.version_info[:2], adlab.__file__)"]).stdout.split()
    assert out[0] == runtime_python()
    assert Path(out[1]).is_relative_to(ROOT / "adlab")   # -e .: this repository's adlab


@pytest.mark.slow
def test_every_lesson_runs_in_the_binder_environment(binder_env):
    started = time.perf_counter()
    notebooks = [str(p.relative_to(ROOT)) for p in lessons()]
    result = subprocess.run([binder_env["python"], "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             *notebooks, *nbval_options()],
                            cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"lessons under nbval in the Binder environment:\n" \
                                   f"{result.stdout[-8000:]}{result.stderr[-2000:]}"
    # every lesson was collected and ran (nbval reports one item per code cell)
    assert re.search(r"\d+ passed", result.stdout), result.stdout[-2000:]
    steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in binder_env["steps"].items())
    print(f"\nBinder environment built ({steps}); {len(notebooks)} lesson(s) ran under nbval in "
          f"{time.perf_counter() - started:.0f} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


@pytest.mark.slow
def test_jupyterlab_in_the_binder_environment_opens_the_badge_lesson(binder_env, tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    command = [binder_env["python"], "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={ROOT}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    env = clean_env(JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
                    JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
                    JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
                    JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen([str(c) for c in command], stdout=log, stderr=subprocess.STDOUT,
                              env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                _get(f"{base}/api/status?token={token}")
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "lab.log").read_text()
                time.sleep(0.25)
        else:
            raise AssertionError("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text())
        urlpath = urllib.parse.parse_qs(urllib.parse.urlsplit(readme_binder_links()[0]).query)["urlpath"][0]
        status, page = _get(f"{base}/{urlpath}?token={token}")
        assert status == 200 and "jupyter-config-data" in page
        assert "@jupyter-widgets/jupyterlab-manager" in page       # the widgets' front end is there
        path = urlpath.removeprefix("lab/tree/")
        status, body = _get(f"{base}/api/contents/{path}?content=0&token={token}")
        assert json.loads(body)["type"] == "notebook"
        # postBuild's settings are the defaults JupyterLab gives every student
        _, body = _get(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification?token={token}")
        defaults = json.loads(body)["schema"]["properties"]
        assert defaults["fetchNews"]["default"] == "false"
        assert defaults["checkForUpdates"]["default"] is False
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
