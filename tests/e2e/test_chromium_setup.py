"""`make test` on a machine without Chromium: install it when the user may, else skip the
browser tests with one line, except in CI (DUOSHOP_REQUIRE_BROWSER=1), where it fails.
No browser is uninstalled: the rule and the step are tried with what they would see."""
import io
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

from tests.e2e import chromium
from tests.e2e.chromium import FAIL, INSTALL, READY, SKIP, browser_required, decide, main, skip_message
from tests.e2e.server import PROJECT_ROOT


@pytest.mark.parametrize("required", [False, True])
@pytest.mark.parametrize("may_install", [False, True])
def test_a_present_browser_is_used_whoever_runs_the_tests(may_install, required):
    assert decide(present=True, may_install=may_install, required=required) == READY


@pytest.mark.parametrize("required", [False, True])
def test_a_missing_browser_is_installed_by_root_with_apt(required):
    assert decide(present=False, may_install=True, required=required) == INSTALL


def test_a_missing_browser_that_cannot_be_installed_skips_the_browser_tests():
    assert decide(present=False, may_install=False, required=False) == SKIP


def test_ci_fails_on_a_missing_browser_it_cannot_install():
    assert decide(present=False, may_install=False, required=True) == FAIL


@pytest.mark.parametrize(("value", "required"), [(None, False), ("", False), ("0", False), ("1", True)])
def test_only_duoshop_require_browser_makes_the_browser_required(value, required):
    environ = {} if value is None else {"DUOSHOP_REQUIRE_BROWSER": value}
    assert browser_required(environ) is required


def test_ci_sets_duoshop_require_browser():
    assert "export DUOSHOP_REQUIRE_BROWSER=1" in (PROJECT_ROOT / ".ci" / "run").read_text()


def test_make_test_runs_the_browser_step_before_pytest():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "\ntest: translations browser miniprogram\n" in makefile  # the browser before any test
    assert "$(BIN)/python -m tests.e2e.chromium" in makefile


def test_the_skip_line_says_how_to_get_the_browser():
    line = skip_message(7)
    assert "\n" not in line
    assert "apt-get install -y chromium fonts-noto-cjk" in line


def _runner(returncode, calls, installs=False, monkeypatch=None):
    def run(command, check):
        calls.append(command)
        if installs and monkeypatch is not None and "install" in command:
            monkeypatch.setattr(chromium, "chromium_present", lambda: True)
        return SimpleNamespace(returncode=returncode)
    return run


def test_the_install_step_runs_apt_get_update_then_install(monkeypatch):
    monkeypatch.setattr(chromium, "chromium_present", lambda: False)
    calls = []
    assert main(INSTALL, run=_runner(0, calls, installs=True, monkeypatch=monkeypatch), out=io.StringIO()) == 0
    assert calls == [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-cjk"]]


@pytest.mark.parametrize(("required", "status"), [("", 0), ("1", 1)])
def test_a_failed_install_skips_or_fails_as_ci_wants(monkeypatch, required, status):
    monkeypatch.setattr(chromium, "chromium_present", lambda: False)
    monkeypatch.setenv("DUOSHOP_REQUIRE_BROWSER", required)
    out = io.StringIO()
    assert main(INSTALL, run=_runner(100, []), out=out) == status
    assert "apt-get could not install Chromium." in out.getvalue()


def test_the_step_fails_only_when_the_browser_is_required(monkeypatch):
    monkeypatch.setattr(chromium, "chromium_present", lambda: False)
    out = io.StringIO()
    assert main(FAIL, run=_runner(0, []), out=out) == 1
    assert "DUOSHOP_REQUIRE_BROWSER is set" in out.getvalue()
    assert main(SKIP, run=_runner(0, []), out=io.StringIO()) == 0
    assert main(READY, run=_runner(0, []), out=io.StringIO()) == 0


def _pytest_without_chromium(tmp_path, **env):
    """The signup browser test run by a real pytest with the browser pointed at nothing."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "E2E_CHROMIUM": str(tmp_path / "no-chromium"), **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/e2e/test_signup_in_browser.py",
         "tests/e2e/test_chromium_setup.py::test_the_skip_line_says_how_to_get_the_browser"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_without_the_browser_the_browser_tests_are_skipped_with_one_line(tmp_path):
    result = _pytest_without_chromium(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    skipped = [line for line in result.stdout.splitlines() if "BROWSER TESTS SKIPPED" in line]
    assert len(skipped) == 1, result.stdout
    left_out = int(re.search(r"BROWSER TESTS SKIPPED \((\d+)\)", skipped[0]).group(1))
    assert left_out >= 3 and f"1 passed, {left_out} deselected" in result.stdout  # every browser test, nothing else
    assert "apt-get install -y chromium fonts-noto-cjk" in skipped[0]


def test_ci_fails_without_the_browser(tmp_path):
    result = _pytest_without_chromium(tmp_path, DUOSHOP_REQUIRE_BROWSER="1")
    assert result.returncode != 0
    assert "Chromium is not installed" in result.stdout
