import os

import pytest
from django.core.management import call_command

from evaluations.models import Appeal, CallList, Evaluation, Rectification

pytestmark = pytest.mark.django_db


def _run(*names):
    for name in names:
        call_command(name, stdout=open(os.devnull, "w"))  # noqa: SIM115


def test_the_demo_evaluations_are_made_once_and_through_the_services():
    _run("load_catalog", "seed_demo", "seed_demo_cases", "seed_demo_evaluations")
    counts = (
        Evaluation.objects.count(),
        Rectification.objects.count(),
        CallList.objects.count(),
        Appeal.objects.count(),
    )
    _run("seed_demo_evaluations")
    assert (
        Evaluation.objects.count(), Rectification.objects.count(), CallList.objects.count(), Appeal.objects.count()
    ) == counts  # fmt: skip
    assert counts[0] >= 5 and counts[1] == 1 and counts[2] == 10 and counts[3] == 2
    bad = Rectification.objects.get().evaluation
    assert bad.level == 2 and bad.station.code == Rectification.objects.get().station.code
    assert CallList.objects.filter(rule="per_officer").exists() and CallList.objects.filter(rule="all").exists()
    for station_id in CallList.objects.values_list("station", flat=True).distinct():
        assert CallList.objects.filter(station_id=station_id, entries__isnull=False).exists()
