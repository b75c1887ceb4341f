"""With env CI set, a test whose marker needs a missing tool is an ERROR and any skip is a failure
(conftest.py, "CI never skips"); without CI the same tests skip, as on a newcomer's laptop.

How this was seen to fail: with the two hooks removed from conftest.py, the CI run below reported
"1 passed, 2 skipped" and exit code 0.
"""
from __future__ import annotations

from conftest import ROOT

SAMPLE = '''
import shutil
import pytest

@pytest.mark.office
def test_needs_libreoffice():
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is not installed")

def test_skips_for_another_reason():
    pytest.skip("some other reason")

def test_plain():
    assert True
'''


def _run(pytester, monkeypatch, ci: str | None):
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"))
    pytester.makeini("[pytest]\nmarkers =\n    office: LibreOffice\n")
    pytester.makepyfile(test_sample=SAMPLE)
    monkeypatch.setenv("PATH", str(pytester.path / "no-tools-here"))   # soffice, pdftotext: not found
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:playwright")


def test_in_ci_a_missing_tool_is_an_error_and_a_skip_a_failure(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, "true")
    result.assert_outcomes(passed=1, failed=1, errors=1)
    out = result.stdout.str()
    assert "soffice, pdftotext not installed" in out and "`.ci/run` must install it" in out
    assert "CI: skipped tests count as failures" in out and "some other reason" in out


def test_outside_ci_the_same_tests_skip(pytester, monkeypatch):
    _run(pytester, monkeypatch, None).assert_outcomes(passed=1, skipped=2)


def test_ci_false_is_not_ci(pytester, monkeypatch):
    _run(pytester, monkeypatch, "false").assert_outcomes(passed=1, skipped=2)
