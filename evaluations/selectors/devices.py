"""Reads of the counter devices (评价器): the device a token names, its prompt, its online status, and
the supervisors' list of windows with their devices, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from evaluations.models import Device, Evaluation
from evaluations.services.devices import device_may_manage, device_token_payload, open_prompts, prompt_closes_at
from hukou.models import CaseEvent
from hukou.services.cases import ACTION_LABELS
from windows.models import ServiceWindow, person_name
from windows.selectors import window_list


class DeviceState:
    ONLINE = "online"
    OFFLINE = "offline"
    UNPAIRED = "unpaired"


STATE_LABELS = {
    DeviceState.ONLINE: _("在线"),
    DeviceState.OFFLINE: _("离线"),
    DeviceState.UNPAIRED: _("未配对"),
}


def device_for_token(token: str | None) -> Device | None:
    """The paired device a token names, when its signature checks and its nonce is the device's
    current one; None for anything else (forged, unpaired, paired again since)."""
    payload = device_token_payload(token or "")
    if payload is None:
        return None
    device_id, nonce = payload
    device = Device.objects.filter(pk=device_id, window__isnull=False).first()
    if device is None or not device.token_nonce or not constant_time_compare(device.token_nonce, nonce):
        return None
    return device


def device_state(device: Device | None, now: datetime | None = None) -> str:
    """Online: polled within EVALUATIONS_DEVICE_ONLINE_SECONDS."""
    if device is None or not device.is_paired:
        return DeviceState.UNPAIRED
    now = now or timezone.now()
    online = timedelta(seconds=settings.EVALUATIONS_DEVICE_ONLINE_SECONDS)
    if device.last_seen_at is not None and now - device.last_seen_at <= online:
        return DeviceState.ONLINE
    return DeviceState.OFFLINE


def window_device_state(window: ServiceWindow, now: datetime | None = None) -> str:
    """The state of the device of one window (the officer's badge)."""
    device = Device.objects.filter(window=window).only("window_id", "last_seen_at").first()
    return device_state(device, now)


# --- the prompt -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    """What the device asks the citizen to rate: one transaction at its window."""

    event: CaseEvent
    closes_at: datetime

    @property
    def key(self) -> str:
        return prompt_key(self.event.pk)

    @property
    def service_name(self) -> str:
        return self.event.case.service_type.name

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.event.action, ""))

    @property
    def officer_name(self) -> str:
        return person_name(self.event.actor)

    @property
    def police_number(self) -> str:
        staff = getattr(self.event.actor, "staff", None)
        return (staff.police_number or "") if staff else ""

    @property
    def window_number(self) -> int:
        return self.event.window.number

    def seconds_left(self, now: datetime | None = None) -> int:
        return max(0, int((self.closes_at - (now or timezone.now())).total_seconds()))


def device_prompt_event_id(*, device: Device, now: datetime | None = None) -> int | None:
    """The id of the event the device should prompt for now: the newest event at its window with a
    prompting action within the last EVALUATIONS_PROMPT_SECONDS, if its case has no rating yet. One
    narrow query on the (window, -at) index: what every poll of an idle device costs."""
    if device.window_id is None:
        return None
    now = now or timezone.now()
    newest = (
        open_prompts(window_id=device.window_id, now=now)
        .annotate(rated=Exists(Evaluation.objects.filter(case_id=OuterRef("case_id"))))
        .order_by("-at", "-id")
        .values_list("pk", "rated")
        .first()
    )
    if newest is None or newest[1]:
        return None
    return newest[0]


def prompt_key(event_id: int | None) -> str:
    """What the device sends back with its poll: unchanged, the server answers 204."""
    return f"e{event_id}" if event_id is not None else "idle"


def device_prompt(*, device: Device, now: datetime | None = None, event_id: int | None = None) -> Prompt | None:
    """The current prompt (see ``device_prompt_event_id``) with what the screen shows of it; pass the
    ``event_id`` found already to save the first query."""
    event_id = event_id if event_id is not None else device_prompt_event_id(device=device, now=now)
    if event_id is None:
        return None
    event = CaseEvent.objects.select_related("case__service_type", "actor__staff", "window").get(pk=event_id)
    return Prompt(event=event, closes_at=prompt_closes_at(event))


# --- the supervisors' list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowDevice:
    window: ServiceWindow
    device: Device | None
    state: str
    may_manage: bool

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def device_window_list(*, user, now: datetime | None = None) -> list[WindowDevice]:
    """The windows of the stations in the user's scope, each with its device and state."""
    now = now or timezone.now()
    windows = window_list(user=user).select_related("device", "device__paired_by").order_by("station__path", "number")
    managed: dict[int, bool] = {}
    rows = []
    for window in windows:
        if window.station_id not in managed:
            managed[window.station_id] = device_may_manage(user, window.station)
        device = getattr(window, "device", None)
        rows.append(WindowDevice(window, device, device_state(device, now), managed[window.station_id]))
    return rows


def device_manageable_windows(*, user) -> QuerySet[ServiceWindow]:
    """The windows the user may pair a device with (none for counter staff and admins)."""
    windows = window_list(user=user).select_related("device")
    station_ids = {w.station_id for w in windows if device_may_manage(user, w.station)}
    return windows.filter(station_id__in=station_ids).order_by("station__path", "number")


def device_window_get(*, user, window_id: int) -> ServiceWindow:
    """A window in the user's scope; ``ServiceWindow.DoesNotExist`` alike for a missing one and another unit's."""
    return window_list(user=user).get(pk=window_id)
