"""Demo organisation and accounts for trying the portal. Idempotent: run it as often as you like.

The passwords printed here are for demonstration only; never run this against a real database.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from windows import services
from windows.models import Role, ServiceWindow, Staff, Unit, UnitKind, WindowKind

DEMO_PASSWORD = "Demo-Hukou-2026"

CITY = ("3701", "示范市公安局")
DISTRICTS = [
    ("370102", "城东分局", [("370102001", "东关派出所"), ("370102002", "南门派出所"), ("370102003", "北苑派出所")]),
    ("370103", "城西分局", [("370103001", "西湖派出所"), ("370103002", "新城派出所")]),
]
WINDOWS = [
    (1, "户籍业务窗口", WindowKind.GENERAL),
    (2, "身份证业务窗口", WindowKind.GENERAL),
    (3, "老弱病残孕优先窗口", WindowKind.PRIORITY),
]
STATION_HOURS = "工作日 9:00-12:00、13:30-17:00；周六上午 9:00-12:00（法定节假日除外）"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_NAMES = [
    "建国",
    "丽华",
    "伟",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "艳",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
]


class Command(BaseCommand):
    help = "Create (or bring back) the demo organisation and demo accounts."

    @transaction.atomic
    def handle(self, *args, **options):
        self.accounts: list[tuple[str, str, str]] = []
        self._badge = 100
        city = self.unit(CITY[0], CITY[1], UnitKind.CITY, None)
        self.person("admin", city, Role.ADMIN)
        self.person("city.supervisor", city, Role.BUREAU_SUPERVISOR)
        for d_index, (code, name, stations) in enumerate(DISTRICTS, start=1):
            district = self.unit(code, name, UnitKind.DISTRICT, city)
            self.person(f"d{d_index}.supervisor", district, Role.BUREAU_SUPERVISOR)
            for s_code, s_name in stations:
                station = self.unit(s_code, s_name, UnitKind.STATION, district)
                s_index = int(s_code[-1]) + (d_index - 1) * 3
                # Two or three windows a station: the smaller stations have no priority window.
                for number, w_name, kind in WINDOWS[: 3 if s_index % 2 else 2]:
                    if not ServiceWindow.objects.filter(station=station, number=number).exists():
                        services.window_create(station=station, number=number, name=w_name, kind=kind)
                self.person(f"s{s_index}.chief", station, Role.STATION_SUPERVISOR)
                self.person(f"s{s_index}.officer", station, Role.OFFICER)
                self.person(f"s{s_index}.officer2", station, Role.OFFICER)
                self.person(f"s{s_index}.aux", station, Role.AUXILIARY)

        self.stdout.write(self.style.SUCCESS("Demo data ready. Demo accounts (demo only, never in production):"))
        for username, role, unit in self.accounts:
            self.stdout.write(f"  {username:<16} {DEMO_PASSWORD}  {role} · {unit}")

    def unit(self, code: str, name: str, kind: UnitKind, parent: Unit | None) -> Unit:
        details = {}
        if kind == UnitKind.STATION:
            details = {
                "address": f"示范市{parent.name[:2]}区{name[:2]}大街{int(code[-3:]) * 18}号",
                "phone": f"0531-8600{code[-4:]}",
                "hours": STATION_HOURS,
            }
        existing = Unit.objects.filter(code=code).first()
        if existing is None:
            return services.unit_create(code=code, name=name, kind=kind, parent=parent, **details)
        changed = {field: value for field, value in details.items() if getattr(existing, field) != value}
        return services.unit_update(unit=existing, **changed) if changed else existing

    def person(self, username: str, unit: Unit, role: Role) -> None:
        self._badge += 1
        surname = SURNAMES[self._badge % len(SURNAMES)]
        police_number = None if role in (Role.AUXILIARY, Role.ADMIN) else f"{self._badge:06d}"
        staff = Staff.objects.filter(user__username=username).select_related("user").first()
        if staff is None:
            staff = services.staff_create(
                username=username,
                password=DEMO_PASSWORD,
                unit=unit,
                role=role,
                full_name=f"{surname}{GIVEN_NAMES[self._badge * 7 % len(GIVEN_NAMES)]}",
                police_number=police_number,
            )
        else:
            user = staff.user
            user.set_password(DEMO_PASSWORD)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        self.accounts.append((username, staff.get_role_display(), unit.name))
