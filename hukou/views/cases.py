"""The officers' case pages: intake at the window, the case page and its actions, the case list and
the workbench panel. Thin: every write is one service call (intake: two, in one transaction), every
read a selector; what a user may do is asked of the service's own rules, never restated here."""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case as DbCase
from django.db.models import Count, Q, When
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hukou import personal_data, selectors
from hukou.filters import CaseFilter
from hukou.forms import DRAFT, CaseIntakeForm, CaseMaterialsForm, CaseTransitionForm, SelfCheckForm
from hukou.models import OPEN_STATUSES, RUNNING_STATUSES, Case, CaseStatus, ServiceType
from hukou.services import (
    case_create,
    case_record_materials,
    case_reveal_id_number,
    case_transition,
    checklist_decide,
)
from hukou.services.cases import (
    ACTION_LABELS,
    Action,
    case_allowed_actions,
    case_may,
    case_may_reveal,
    supplement_default,
)
from hukou.services.checklist import ChecklistDecision, Decision, requirements_of
from notices.selectors import sms_for_reference
from windows import desk
from windows.access import staff_of
from windows.errors import Conflict
from windows.forms import add_service_errors
from windows.models import person_name
from windows.selectors import window_list
from windows.views import staff_required
from windows.workdays import add_working_days

S = CaseStatus
PAGE_SIZE = 25
PANEL_ROWS = 8

# Keyboard: Alt+<key> in Chrome and Edge on Windows and Linux (Ctrl+Option+<key> on a Mac).
ACCESS_KEYS = {
    Action.ACCEPT: "a",
    Action.ACCEPT_DEFICIENT: "r",
    Action.NOTIFY: "n",
    Action.COMPLETE: "c",
    Action.SUBMIT_REVIEW: "v",
    Action.APPROVE: "p",
    Action.COLLECT: "l",
    Action.RESUME: "u",
    DRAFT: "s",
}
# The action the page offers first (Enter, a filled button), in this order of preference.
RECOMMENDED = [
    Action.ACCEPT,
    Action.ACCEPT_DEFICIENT,
    Action.NOTIFY,
    Action.COMPLETE,
    Action.SUBMIT_REVIEW,
    Action.APPROVE,
    Action.COLLECT,
    Action.RESUME,
]
INTAKE_ACTIONS = [Action.ACCEPT, Action.ACCEPT_DEFICIENT, Action.NOTIFY]
# What a move's small form on the case page shows next to its fields when the service refuses it.
SHOWN_BY_THE_FORM = {"action", "legal_basis", "note", "commitment_signed", "supplement_due_on"}
# Moves that end or stop a case: folded away on the case page, each with what it needs written.
FOLDED = {Action.REJECT, Action.SUSPEND, Action.WITHDRAW}


# --- who may do what: the service's rules, asked ---------------------------------------------


@dataclass(frozen=True)
class ActionChoice:
    """One move offered on a page: whether it fits the materials now, and whether it is the one to do."""

    action: str
    label: str
    key: str
    blocked: str = ""  # why the materials do not allow it now; empty when they do
    recommended: bool = False
    secondary: bool = False  # offered folded away, under the main actions


def _blocked_by_materials(action: str, decision: ChecklistDecision) -> str:
    """Why the checklist decision stands in the way of this move now (the service refuses it too)."""
    missing = "、".join(r.label for r in (*decision.missing, *decision.deferrable_missing))
    if action == Action.ACCEPT and decision.decision != Decision.ACCEPT:
        return _("还缺：%(missing)s") % {"missing": missing}
    if action == Action.ACCEPT_DEFICIENT and decision.decision != Decision.ACCEPT_DEFICIENT:
        if decision.decision == Decision.ACCEPT:
            return _("材料已齐全，直接受理")
        return _("缺少的材料中有不可容缺的")
    if action == Action.NOTIFY and decision.decision == Decision.ACCEPT:
        return _("材料已齐全，无需告知")
    return ""


def _choices(actions: list[str], status: str, decision: ChecklistDecision) -> list[ActionChoice]:
    blocked = {a: _blocked_by_materials(a, decision) for a in actions}
    # Ending a case is never the obvious next step, nor telling again what was told once already.
    secondary = {a for a in actions if a in FOLDED or (a == Action.NOTIFY and status == CaseStatus.AWAITING_MATERIALS)}
    recommended = next((a for a in RECOMMENDED if a in actions and not blocked[a] and a not in secondary), None)
    return [
        ActionChoice(a, str(ACTION_LABELS[a]), ACCESS_KEYS.get(a, ""), blocked[a], a == recommended, a in secondary)
        for a in actions
    ]


def _station_of(user):
    """The station where this user takes in cases; PermissionDenied when they may not."""
    staff = staff_of(user)
    if staff is None or not staff.unit.is_station or not case_may(user, None, Action.CREATE, station=staff.unit):
        raise PermissionDenied(_("只有派出所的工作人员可以登记办件。"))
    return staff.unit


def _takes_in(user) -> bool:
    try:
        _station_of(user)
    except PermissionDenied:
        return False
    return True


def _get_case(request: HttpRequest, number: str) -> Case:
    try:
        return selectors.case_get(user=request.user, number=number)
    except Case.DoesNotExist:
        raise Http404 from None


def _services_matching(query: str):
    """The picker's list: services whose name has the words first (those starting with them ahead),
    then those that only mention them in a description or a material."""
    query = query.strip()[: selectors.MAX_QUERY_LENGTH]
    services = selectors.service_type_list(query=query)
    if not query:
        return services
    rank = DbCase(When(name__startswith=query, then=0), When(name__contains=query, then=1), default=2)
    return services.order_by(rank, "category", "name")


def _service_type_or_none(code: str) -> ServiceType | None:
    if not code:
        return None
    try:
        return selectors.service_type_get(code=code)
    except ServiceType.DoesNotExist:
        return None


def _checklist(items, received: dict | None = None, facts: dict | None = None) -> list[dict]:
    """The checklist as the pages draw it: each requirement with its items, what was received of
    each, and whether the item applies by the answers given (``facts`` None: all apply)."""
    received = received or {}
    rows = []
    for requirement in requirements_of(items):
        entries = [
            (
                item,
                received.get(item.pk),
                facts is None or item.condition is None or facts.get(item.condition.key, True),
            )
            for item in requirement.items
        ]
        rows.append({"requirement": requirement, "items": entries, "done": any(m for _i, m, _a in entries)})
    return rows


# --- intake --------------------------------------------------------------------------------------


def _intake_context(service_type: ServiceType, form: CaseIntakeForm, actions: list[str], answers=None) -> dict:
    """The intake page's context; the decision from ``answers`` (the posted form), if any."""
    check = SelfCheckForm(answers, service_type=service_type)
    valid = answers is not None and check.is_valid()
    provided = set(check.cleaned_data["provided"]) if valid else set()
    decision = checklist_decide(
        service_type=service_type,
        provided=provided,
        facts=check.facts() if valid else {},
        items=service_type.items.all(),
    )
    choices = _choices(actions, CaseStatus.DRAFT, decision)
    # Enter does the recommended action; with nothing ticked yet that is the draft, never a notice.
    default = next((c.action for c in choices if c.recommended), DRAFT) if provided else DRAFT
    return {
        "service_type": service_type,
        "form": form,
        "checklist": _checklist(service_type.items.all()),
        "provided": provided,
        "decision": decision,
        "choices": choices,
        "default_action": default,
        "draft_key": ACCESS_KEYS[DRAFT],
    }


def _intake_form(request, service_type: ServiceType, station, actions, data=None) -> CaseIntakeForm:
    windows = window_list(user=request.user).filter(station=station).order_by("number")
    initial = {
        "supplement_due_on": supplement_default(service_type, timezone.localdate()),
        "window": desk.current_window_id(request),
    }
    return CaseIntakeForm(data, initial=initial, service_type=service_type, windows=windows, actions=actions)


@staff_required
@require_http_methods(["GET", "POST"])
def case_intake(request: HttpRequest) -> HttpResponse:
    """The intake page. Without a service type: the picker (Enter takes the first match). With one:
    the applicant, the answers and the materials, the live decision and the actions; one POST takes
    the case in and does the chosen action, or nothing at all."""
    station = _station_of(request.user)
    actions = [a for a in INTAKE_ACTIONS if case_may(request.user, None, a, station=station)]
    source = request.POST if request.method == "POST" else request.GET
    code = source.get("service", "")
    service_type = _service_type_or_none(code)
    if service_type is None:
        query = request.GET.get("q", "").strip()
        if query and request.method == "GET":
            first = _services_matching(query).first()
            if first is not None:
                return redirect(f"{reverse('hukou:case_intake')}?{urlencode({'service': first.code})}")
        context = {
            "query": query,
            "results": _services_matching(query),
            "not_found": bool(query or code),
        }
        return render(request, "hukou/cases/intake.html", context)

    if request.method == "GET":
        form = _intake_form(request, service_type, station, actions)
        return render(request, "hukou/cases/intake.html", _intake_context(service_type, form, actions))

    form = _intake_form(request, service_type, station, actions, data=request.POST)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                case = case_create(
                    actor=request.user,
                    service_type=service_type,
                    applicant_name=data["applicant_name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    channel=data["channel"],
                    window=data["window"],
                    priority=data["priority"],
                    facts=form.facts(),
                    provided=data["provided"],
                )
                if data["action"] != DRAFT:
                    case = case_transition(
                        case=case,
                        actor=request.user,
                        action=data["action"],
                        note=data["note"],
                        version=case.version,
                        supplement_due_on=data["supplement_due_on"],
                        commitment_signed=data["commitment_signed"],
                        send_sms=data["send_sms"],
                    )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        except Conflict as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            if data["window"] is not None:
                desk.remember_window(request, data["window"])
            messages.success(request, _intake_message(case, data["action"]))
            return redirect(case)
    context = _intake_context(service_type, form, actions, answers=request.POST)
    return render(request, "hukou/cases/intake.html", context, status=status)


def _intake_message(case: Case, action: str) -> str:
    if action == DRAFT:
        return _("已保存草稿 %(number)s。") % {"number": case.number}
    if action == Action.NOTIFY:
        return _("已登记 %(number)s 并出具一次性告知书，请打印交申请人。") % {"number": case.number}
    return _transition_message(case, action)


@staff_required
@require_GET
def intake_services(request: HttpRequest) -> HttpResponse:
    """The type-ahead of the intake's service picker."""
    query = request.GET.get("q", "").strip()
    context = {"query": query, "results": _services_matching(query)}
    return render(request, "hukou/cases/intake.html#service_results", context)


@staff_required
@require_POST
def intake_check_id(request: HttpRequest) -> HttpResponse:
    """The ID number checked when the officer leaves the field: an error, or a warning that never blocks."""
    raw = request.POST.get("id_number", "")
    context = {"id_errors": [], "id_warnings": (), "id_ok": False}
    if raw.strip():
        try:
            number = personal_data.validate_id_number(raw, today=timezone.localdate())
        except ValidationError as exc:
            context["id_errors"] = exc.messages
        else:
            context.update(id_warnings=number.warnings, id_ok=True)
    return render(request, "hukou/cases/intake.html#id_feedback", context)


@staff_required
@require_POST
def intake_decision(request: HttpRequest) -> HttpResponse:
    """The live decision and the actions, as the officer answers and ticks."""
    station = _station_of(request.user)
    service_type = _service_type_or_none(request.POST.get("service", ""))
    if service_type is None:
        raise Http404
    actions = [a for a in INTAKE_ACTIONS if case_may(request.user, None, a, station=station)]
    form = _intake_form(request, service_type, station, actions)
    # The action inputs are redrawn with the decision: keep what the officer typed there.
    for name in ("note", "supplement_due_on", "commitment_signed", "send_sms"):
        if name in request.POST:
            form.initial[name] = request.POST[name]
    context = _intake_context(service_type, form, actions, answers=request.POST)
    return render(request, "hukou/cases/intake.html#decide", context)


# --- the case page -------------------------------------------------------------------------------


def _case_context(request: HttpRequest, case: Case, **extra) -> dict:
    items = list(case.service_type.items.select_related("condition"))
    received = {m.item_id: m for m in case.materials.all()}
    decision = checklist_decide(service_type=case.service_type, provided=received, facts=case.facts, items=items)
    staff = staff_of(request.user)
    today = timezone.localdate()
    may_record = case.is_open and case_may(request.user, case, Action.MATERIALS)
    running = case.status in RUNNING_STATUSES
    context = {
        "case": case,
        "checklist": _checklist(items, received, case.facts),
        "decision": decision,
        "answers": [(c, case.facts.get(c.key)) for c in case.service_type.conditions.all()],
        "choices": _choices(case_allowed_actions(request.user, case), case.status, decision),
        "qualified": staff is not None and staff.has_enforcement_qualification,
        # Materials can be handed in while something is still missing.
        "may_record_materials": may_record and decision.decision != Decision.ACCEPT,
        # The reveal button is offered where the service would allow it; the service decides anyway.
        "may_reveal": case_may_reveal(request.user, case),
        "timeline": [
            (event, ACTION_LABELS.get(event.action, event.action))
            for event in case.events.select_related("actor", "window")
        ],
        "documents": case.documents.all(),
        # The texts sent to the citizen about this case, newest first (one query; phones masked on the page).
        "sms_messages": sms_for_reference(user=request.user, reference=case.number),
        "overdue": running and case.due_on is not None and case.due_on < today,
        "supplement_overdue": (
            case.status == CaseStatus.ACCEPTED_DEFICIENT
            and case.supplement_due_on is not None
            and case.supplement_due_on < today
        ),
        "supplement_default": supplement_default(case.service_type, today),
        # The decision matters until the case is accepted with everything in.
        "taking_in": case.status in (S.DRAFT, S.AWAITING_MATERIALS, S.ACCEPTED_DEFICIENT),
        "failed": {},
        "materials_form": None,
    }
    context.update(extra)
    return context


def _render_case(request: HttpRequest, case: Case, status: int = 200, **extra) -> HttpResponse:
    return render(request, "hukou/cases/detail.html", _case_context(request, case, **extra), status=status)


@staff_required
@never_cache  # personal data: not kept in the browser's cache of a shared counter PC
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_case(request, _get_case(request, number))


def _transition_message(case: Case, action: str) -> str:
    label = ACTION_LABELS[action]
    if action in (Action.ACCEPT, Action.ACCEPT_DEFICIENT) and case.due_on:
        text = _("%(number)s 已%(label)s，承诺办结日期 %(due)s。") % {
            "number": case.number,
            "label": label,
            "due": case.due_on.isoformat(),
        }
        if case.supplement_due_on and action == Action.ACCEPT_DEFICIENT:
            text += _("容缺材料须于 %(date)s 前补齐。") % {"date": case.supplement_due_on.isoformat()}
        return text
    return _("%(number)s：%(label)s完成，当前状态：%(status)s。") % {
        "number": case.number,
        "label": label,
        "status": case.get_status_display(),
    }


def _refused(request: HttpRequest, number: str, exc: Exception) -> HttpResponse:
    """A move the service refused: the page as it is now, with the reason, and a 403 or 409."""
    case = _get_case(request, number)  # fresh: whatever changed meanwhile is shown
    if isinstance(exc, Conflict):
        messages.error(request, exc.message)
        messages.info(request, _("下面是办件现在的状态，没有做任何改动。"))
        return _render_case(request, case, status=409)
    messages.error(request, str(exc))
    return _render_case(request, case, status=403)


@staff_required
@require_POST
def case_move(request: HttpRequest, number: str) -> HttpResponse:
    """One transition from the case page, carrying the version the officer saw."""
    case = _get_case(request, number)
    form = CaseTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("提交的内容不完整，请刷新页面后重试。"))
        return _render_case(request, case, status=400)
    data = form.cleaned_data
    try:
        case = case_transition(
            case=case,
            actor=request.user,
            action=data["action"],
            note=data["note"],
            legal_basis=data["legal_basis"],
            version=data["version"],
            supplement_due_on=data["supplement_due_on"],
            commitment_signed=data["commitment_signed"],
            send_sms=data["send_sms"],
            window=desk.current_window(request),
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"action": exc.messages}
        # The action's own form shows these by its fields; anything else is said at the top.
        elsewhere = [m for field, found in errors.items() if field not in SHOWN_BY_THE_FORM for m in found]
        summary = _("未能执行“%(action)s”，请按提示补充。") % {"action": ACTION_LABELS[data["action"]]}
        messages.error(request, " ".join([summary, *elsewhere]))
        failed = {"action": data["action"], "errors": errors, "data": request.POST}
        return _render_case(request, case, failed=failed)
    except (PermissionDenied, Conflict) as exc:
        return _refused(request, number, exc)
    messages.success(request, _transition_message(case, data["action"]))
    return redirect(case)


@staff_required
@require_POST
def case_materials(request: HttpRequest, number: str) -> HttpResponse:
    """Materials the citizen brought back: recorded, and the visit counted (once a day)."""
    case = _get_case(request, number)
    form = CaseMaterialsForm(request.POST, items=case.service_type.items.all())
    if not form.is_valid():
        return _render_case(request, case, materials_form=form)
    try:
        case = case_record_materials(
            case=case, actor=request.user, provided=form.cleaned_data["provided"], version=form.cleaned_data["version"]
        )
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _render_case(request, case, materials_form=form)
    except (PermissionDenied, Conflict) as exc:
        return _refused(request, number, exc)
    messages.success(request, _("已收取材料，跑动次数：%(trips)s。") % {"trips": case.trips})
    return redirect(case)


@staff_required
@require_POST
def case_decision_preview(request: HttpRequest, number: str) -> HttpResponse:
    """The decision if the ticked materials were received too: live, before recording them."""
    case = _get_case(request, number)
    items = list(case.service_type.items.select_related("condition"))
    form = CaseMaterialsForm(request.POST, items=items)
    form.is_valid()
    ticked = set(form.cleaned_data.get("provided", ()))
    received = set(case.materials.values_list("item_id", flat=True))
    decision = checklist_decide(
        service_type=case.service_type, provided=received | ticked, facts=case.facts, items=items
    )
    context = {"case": case, "decision": decision, "preview": bool(ticked - received)}
    return render(request, "hukou/cases/detail.html#decision", context)


@staff_required
@never_cache  # personal data: not kept in the browser's cache of a shared counter PC
@require_POST
def case_reveal_id(request: HttpRequest, number: str) -> HttpResponse:
    """The full ID number, logged; for htmx the field alone, otherwise the page."""
    case = _get_case(request, number)
    try:
        full = case_reveal_id_number(case=case, actor=request.user)
    except PermissionDenied as exc:
        if request.htmx:
            context = {"case": case, "reveal_error": str(exc), "may_reveal": False}
            return render(request, "hukou/cases/detail.html#id_number", context, status=403)
        return _refused(request, number, exc)
    if request.htmx:
        return render(request, "hukou/cases/detail.html#id_number", {"case": case, "revealed_id": full})
    return _render_case(request, case, revealed_id=full)


# --- the case list -------------------------------------------------------------------------------


@staff_required
@never_cache  # personal data: not kept in the browser's cache of a shared counter PC
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    cases = selectors.case_list(user=request.user).order_by("-created_at", "-id")
    filterset = CaseFilter(request.GET or None, queryset=cases, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query_string": params.urlencode(),
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
        "today": timezone.localdate(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "hukou/cases/list.html#results", context)
    return render(request, "hukou/cases/list.html", context)


EXPORT_COLUMNS = [
    (gettext_lazy("办件编号"), lambda c: c.number),
    (gettext_lazy("业务事项"), lambda c: c.service_type.name),
    (gettext_lazy("申请人"), lambda c: c.applicant_name),
    (gettext_lazy("身份证号"), lambda c: c.id_number_masked),
    (gettext_lazy("手机号码"), lambda c: personal_data.mask_phone(c.phone)),
    (gettext_lazy("状态"), lambda c: c.get_status_display()),
    (gettext_lazy("受理人"), lambda c: person_name(c.officer)),
    (gettext_lazy("窗口"), lambda c: c.window.number if c.window else ""),
    (gettext_lazy("登记时间"), lambda c: timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M")),
    (gettext_lazy("受理日期"), lambda c: c.accepted_on or ""),
    (gettext_lazy("承诺办结日期"), lambda c: c.due_on or ""),
    (gettext_lazy("跑动次数"), lambda c: c.trips),
]


class _Echo:
    def write(self, value):
        return value


@staff_required
@require_GET
def case_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered case list as CSV, streamed in chunks. Personal data stays masked, as on the page."""
    cases = selectors.case_list(user=request.user).order_by("-created_at", "-id")
    rows = CaseFilter(request.GET or None, queryset=cases, request=request).qs.iterator(chunk_size=2000)
    writer = csv.writer(_Echo())
    lines = itertools.chain(
        ["\ufeff"],  # a byte-order mark so that Excel reads the Chinese as UTF-8
        [writer.writerow([str(title) for title, _value in EXPORT_COLUMNS])],
        (writer.writerow([value(case) for _title, value in EXPORT_COLUMNS]) for case in rows),
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cases-{timezone.localdate():%Y%m%d}.csv"'
    return response


# --- the workbench panel -------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelSection:
    key: str
    title: str
    cases: list[Case]
    count: int
    link: str
    empty: str


@staff_required
@require_GET
def workbench_cases(request: HttpRequest) -> HttpResponse:
    """The cases part of the 工作台: mine, due soon, overdue, awaiting materials, 容缺 to supply."""
    today = timezone.localdate()
    soon = add_working_days(today, 1)
    visible = selectors.case_list(user=request.user)
    conditions = {
        "mine": Q(officer=request.user, status__in=OPEN_STATUSES),
        "due_soon": selectors.due_soon(today),
        "overdue": selectors.overdue(today),
        "awaiting": Q(status=CaseStatus.AWAITING_MATERIALS),
        "supplements": Q(status=CaseStatus.ACCEPTED_DEFICIENT),
    }
    order = {
        "mine": ["due_on", "created_at"],
        "due_soon": ["due_on", "created_at"],
        "overdue": ["due_on", "created_at"],
        "awaiting": ["-updated_at"],
        "supplements": ["supplement_due_on", "created_at"],
    }
    counts = visible.aggregate(**{key: Count("pk", filter=condition) for key, condition in conditions.items()})
    base = reverse("hukou:case_list")
    links = {
        "mine": f"{base}?{urlencode({'officer': request.user.get_username(), 'stage': 'open'})}",
        "due_soon": f"{base}?{urlencode({'stage': 'running', 'due_after': today, 'due_before': soon})}",
        "overdue": f"{base}?overdue=true",
        "awaiting": f"{base}?status={CaseStatus.AWAITING_MATERIALS}",
        "supplements": f"{base}?status={CaseStatus.ACCEPTED_DEFICIENT}",
    }
    titles = {
        "mine": (_("我的在办"), _("您名下没有在办的办件。")),
        "due_soon": (_("一个工作日内到期"), _("没有即将到期的办件。")),
        "overdue": (_("已逾期"), _("没有逾期的办件。")),
        "awaiting": (_("待补正材料"), _("没有等待群众补正材料的办件。")),
        "supplements": (_("容缺待补齐"), _("没有待补齐的容缺材料。")),
    }
    sections = [
        PanelSection(
            key,
            titles[key][0],
            list(visible.filter(condition).order_by(*order[key])[:PANEL_ROWS]) if counts[key] else [],
            counts[key],
            links[key],
            titles[key][1],
        )
        for key, condition in conditions.items()
    ]
    context = {
        "sections": sections,
        "running": RUNNING_STATUSES,
        "today": today,
        "soon": soon,
        "may_take_in": _takes_in(request.user),
    }
    return render(request, "hukou/cases/workbench_panel.html", context)
