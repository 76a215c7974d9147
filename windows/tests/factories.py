"""Factories build the organisation through the same services the portal uses."""

import itertools

import factory

from windows import services
from windows.models import Role, Unit, UnitKind, WindowKind

PASSWORD = "Test-Pass-2026!"
_police_numbers = itertools.count(1)


class UnitFactory(factory.Factory):
    """A unit; a station by default, with its district and city made as needed."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.LazyAttribute(lambda o: f"测试单位{o.code}")
    kind = UnitKind.STATION
    parent = factory.LazyAttribute(
        lambda o: (
            None
            if o.kind == UnitKind.CITY
            else UnitFactory(kind=UnitKind.CITY if o.kind == UnitKind.DISTRICT else UnitKind.DISTRICT)
        )
    )

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.unit_create(**kwargs)


class CityFactory(UnitFactory):
    kind = UnitKind.CITY


class DistrictFactory(UnitFactory):
    kind = UnitKind.DISTRICT


class StationFactory(UnitFactory):
    kind = UnitKind.STATION


class ServiceWindowFactory(factory.Factory):
    class Meta:
        model = dict

    station = factory.SubFactory(StationFactory)
    number = factory.Sequence(lambda n: n % 30000 + 1)
    name = "综合受理"
    kind = WindowKind.GENERAL

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.window_create(**kwargs)


class StaffFactory(factory.Factory):
    """A staff member with a user whose password is ``PASSWORD``."""

    class Meta:
        model = dict

    username = factory.Sequence(lambda n: f"user{n}")
    password = PASSWORD
    role = Role.OFFICER
    unit = factory.LazyAttribute(
        lambda o: (
            StationFactory() if o.role in (Role.OFFICER, Role.AUXILIARY, Role.STATION_SUPERVISOR) else DistrictFactory()
        )
    )
    full_name = factory.Sequence(lambda n: f"测试{n}")
    police_number = factory.LazyAttribute(
        lambda o: None if o.role in (Role.AUXILIARY, Role.ADMIN) else f"P{next(_police_numbers):06d}"
    )

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.staff_create(**kwargs)
