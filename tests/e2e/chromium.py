"""Debian's Chromium for the browser tests: is it there, and what to do when it is not.

``make test`` runs ``python -m tests.e2e.chromium`` before pytest. A missing browser is
installed with apt when the user may (root, apt-get on the path); otherwise the browser tests
are skipped with one line saying how to get them — unless ``DUOSHOP_REQUIRE_BROWSER=1``
(``.ci/run`` sets it), where a missing browser fails the run. ``decide`` is the whole rule.
"""
import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
REQUIRE_ENV = "DUOSHOP_REQUIRE_BROWSER"
PACKAGES = ("chromium", "fonts-noto-cjk")  # the browser, and a font so Chinese is not boxes
INSTALL_COMMAND = f"apt-get update && apt-get install -y {' '.join(PACKAGES)}"

READY, INSTALL, SKIP, FAIL = "ready", "install", "skip", "fail"


def decide(*, present, may_install, required):
    """What to do about the browser: READY (it is there), INSTALL (missing, and this user may
    install it with apt), FAIL (missing and required: CI), SKIP (missing, skip its tests)."""
    if present:
        return READY
    if may_install:
        return INSTALL
    return FAIL if required else SKIP


def chromium_present():
    return os.access(CHROMIUM, os.X_OK)


def may_install():
    """Root with apt-get: Debian's package can be installed without asking anyone."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def browser_required(environ=os.environ):
    return environ.get(REQUIRE_ENV, "") not in ("", "0")


def current_decision():
    return decide(present=chromium_present(), may_install=may_install(), required=browser_required())


def chromium_missing_message():
    """None when the browser is there; otherwise what to tell the person running the tests."""
    if chromium_present():
        return None
    return (f"Chromium is not installed (no executable at {CHROMIUM}). The browser tests need "
            f"Debian's Chromium: run `{INSTALL_COMMAND}` as root, or `make test` as root "
            "(Playwright's own browser download does not work here).")


def skip_message(count):
    """The one line at the end of a run without the browser (its tests are deselected)."""
    return (f"BROWSER TESTS SKIPPED ({count}): Chromium is not installed at {CHROMIUM}; to run them, install "
            f"it: `sudo sh -c '{INSTALL_COMMAND}'` (`make test` run as root does it by itself).")


def install(run=subprocess.run):
    """Install Debian's Chromium and the CJK font with apt; True when the browser is then there."""
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *PACKAGES]):
        if run(command, check=False).returncode != 0:
            return False
    return chromium_present()


def main(decision=None, run=subprocess.run, out=sys.stdout):
    """``make test``'s step before pytest: install when it may. The exit status is 1 only
    when the browser is required and still missing (pytest would fail on it anyway, later)."""
    decision = decision or current_decision()
    if decision == INSTALL:
        print(f"Chromium is missing: installing Debian's {' and '.join(PACKAGES)} with apt-get…", file=out)
        if install(run):
            return 0
        decision = FAIL if browser_required() else SKIP
        print("apt-get could not install Chromium.", file=out)
    if decision == FAIL:
        print(f"{REQUIRE_ENV} is set and {chromium_missing_message()}", file=out)
        return 1
    return 0  # SKIP: pytest's summary says so, in one line, where it is seen


if __name__ == "__main__":
    sys.exit(main())
