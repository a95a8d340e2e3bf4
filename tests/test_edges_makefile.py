"""`make install` as a new user meets it: it says what it does and how long it takes, and pip's
own progress is shown (a silent install of minutes looked hung). A stand-in Python records the
calls, so the real Makefile runs in a second."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FAKE_PYTHON = """#!/bin/sh
# Stand-in for python3.11: `-m venv DIR` makes DIR/bin/python (this script); `-m pip ...` is logged.
if [ "$1 $2" = "-m venv" ]; then
    mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0
fi
echo "$@" >> "$(dirname "$0")/../../calls.log"
echo "Collecting something (pip's own line)"
"""


@pytest.fixture
def checkout(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    fake = tmp_path / "python-stand-in"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return tmp_path


def make(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(["make", "--no-print-directory", *args,
                           f"PYTHON={checkout / 'python-stand-in'}"],
                          cwd=checkout, env=env, capture_output=True, text=True, timeout=60)


def test_install_says_what_it_does_and_keeps_pip_progress(checkout):
    r = make(checkout, "install")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    # What it does and roughly how long, before the long part starts.
    assert "Installing Loa's Python packages into .venv" in out
    assert "about 2-5 minutes" in out
    steps = ["[1/3] Creating the virtual environment", "[2/3] Installing PyTorch torch==2.13.0",
             "[3/3] Installing Loa and its dependencies"]
    assert [out.index(s) for s in steps] == sorted(out.index(s) for s in steps)
    assert "Installed in " in out.splitlines()[-1]
    # pip is no longer silenced: its own lines reach the terminal.
    assert "Collecting something (pip's own line)" in out
    calls = (checkout / "calls.log").read_text().splitlines()
    assert calls == ["-m pip install --disable-pip-version-check torch==2.13.0",
                     "-m pip install --disable-pip-version-check -e .[dev]"]
    assert not any(" -q" in c for c in calls)
    # Done once: the next `make run`/`make test` goes straight on.
    again = make(checkout, "install")
    assert again.returncode == 0
    assert "Installing" not in again.stdout
    assert (checkout / "calls.log").read_text().splitlines() == calls


def test_cpu_wheel_index_is_still_passed_to_pip(checkout):
    r = make(checkout, "install", "TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu")
    assert r.returncode == 0, r.stderr
    first = (checkout / "calls.log").read_text().splitlines()[0]
    assert "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0" in first
