"""The project as a whole: production settings pass the deploy check, the quick start works on
SQLite without Redis, and the demo data is idempotent with every demo account able to sign in."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from windows.management.commands.seed_demo import DEMO_PASSWORD
from windows.models import Role, ServiceWindow, Staff, Unit, UnitKind

ROOT = Path(__file__).resolve().parent.parent


def _env(**overrides) -> dict:
    inherited = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in inherited}
    env.update(overrides)
    return env


def _manage(*args, env, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_production_settings_pass_the_deploy_check():
    env = _env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 20 + "9f8e7d6c5b4a3928176a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d",
        ALLOWED_HOSTS="hukou.example.org",
        PUBLIC_BASE_URL="https://hukou.example.org",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/hukou",
        REDIS_URL="redis://127.0.0.1:6379/1",
        ID_NUMBER_KEYS="Zm9yLWRlcGxveS1jaGVjay1vbmx5LTAxMjM0NTY3ODk=",
        ID_NUMBER_HASH_KEY="a-separate-hash-key-for-the-deploy-check",
    )
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = _env(DJANGO_SETTINGS_MODULE="config.settings.production", ALLOWED_HOSTS="x", DATABASE_URL="sqlite://:memory:")
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_quick_start_on_sqlite_migrates_serves_login_and_signs_in(tmp_path):
    env = _env(DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL=f"sqlite:///{tmp_path / 'quick.sqlite3'}")
    commands = (
        ["migrate", "--noinput"],
        ["load_catalog"],
        ["seed_demo"],
        ["seed_demo_cases"],
        ["seed_demo_evaluations"],
        ["seed_demo_compliance"],
    )
    for command in commands:
        result = _manage(*command, env=env)
        assert result.returncode == 0, result.stdout + result.stderr

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                page = opener.open(f"{base}/accounts/login/", timeout=5).read().decode()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert "工作人员登录" in page

        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "s1.officer", "password": DEMO_PASSWORD}
        ).encode()
        request = urllib.request.Request(f"{base}/accounts/login/", data=form, headers={"Referer": base})
        workbench = opener.open(request, timeout=10)
        assert workbench.url == f"{base}/workbench/"
        assert "东关派出所" in workbench.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_every_demo_account_signs_in(client):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    counts = (Unit.objects.count(), ServiceWindow.objects.count(), Staff.objects.count())
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert (Unit.objects.count(), ServiceWindow.objects.count(), Staff.objects.count()) == counts

    assert Unit.objects.filter(kind=UnitKind.CITY).count() == 1
    assert Unit.objects.filter(kind=UnitKind.DISTRICT).count() == 2
    stations = Unit.objects.filter(kind=UnitKind.STATION)
    assert stations.count() == 5
    for station in stations:
        assert 2 <= station.windows.count() <= 3
    assert set(Staff.objects.values_list("role", flat=True)) == set(Role.values)

    for staff in Staff.objects.select_related("user"):
        response = client.post(
            "/accounts/login/", {"username": staff.user.username, "password": DEMO_PASSWORD}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/workbench/", staff.user.username
        assert staff.unit.name in response.content.decode()
        client.post("/accounts/logout/")


@pytest.mark.parametrize(
    ("variable", "url", "service"),
    [
        ("REDIS_URL", "redis://127.0.0.1:1/0", "Redis"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/hukou", "PostgreSQL"),
    ],
)
def test_the_suite_stops_at_once_when_a_service_does_not_answer(variable, url, service):
    env = _env(**{variable: url})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/test_project.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"{service} does not answer" in result.stdout + result.stderr
    assert "Start it with" in result.stdout + result.stderr
