"""`manage.py check --deploy` is clean with production settings."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

pytestmark = pytest.mark.integration


def test_deploy_check_is_clean_with_production_settings() -> None:
    # The test run itself may allow async-unsafe calls (Playwright); a deployment does not.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "KOMPAS_SECURE": "true",
        "KOMPAS_SECRET_KEY": "k" + "8f3Hq2Lw9Zr4Tn7Vb1Xc6Mp0Sd5Gj" * 3,
        "KOMPAS_DEBUG": "false",
        "KOMPAS_ALLOWED_HOSTS": "example.org",
        "KOMPAS_DATA_DIR": tempfile.mkdtemp(prefix="kompas-deploy-"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING",
         "--settings=gebiedskompas.settings"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
