"""factory_boy factories for every model the tests build. Passwords are 'pw-<username>'."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from drillops.departments.models import Department, Membership, Organisation, Role
from drillops.scenarios.models import Channel, CriticalTask, Objective, Scenario, ScenarioEvent, ScenarioVersion
from drillops.timelines.models import Drill

User = get_user_model()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Insurer {n}")
    slug = factory.Sequence(lambda n: f"insurer-{n}")
    time_zone = "Asia/Shanghai"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"Department {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or f"pw-{self.username}")
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.STAFF
    department = factory.LazyAttribute(
        lambda m: DepartmentFactory(organisation=m.organisation) if m.role == Role.STAFF else None
    )


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scenario

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Mass complaint scenario {n}")
    description = "A new product's design flaw drives mass refund demands."


class ScenarioVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScenarioVersion

    scenario = factory.SubFactory(ScenarioFactory)
    number = factory.Sequence(lambda n: n + 1)


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    version = factory.SubFactory(ScenarioVersionFactory)
    sequence = factory.Sequence(int)
    capability = "Operational communications"
    title = factory.Sequence(lambda n: f"Objective {n}")


class CriticalTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriticalTask

    objective = factory.SubFactory(ObjectiveFactory)
    sequence = factory.Sequence(int)
    title = factory.Sequence(lambda n: f"Critical task {n}")


class ScenarioEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScenarioEvent
        skip_postgeneration_save = True

    version = factory.SubFactory(ScenarioVersionFactory)
    sequence = factory.Sequence(lambda n: n + 1)
    offset_seconds = 0
    title = factory.Sequence(lambda n: f"Complaint call {n}")
    body = "A customer demands a refund for the new product."
    channel = Channel.CALL
    sender = "Customer"

    @factory.post_generation
    def departments(self, create: bool, extracted: list[Department] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.departments.set(extracted)


class DrillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drill

    scenario_version = factory.SubFactory(ScenarioVersionFactory)
    organisation = factory.LazyAttribute(lambda d: d.scenario_version.scenario.organisation)
    name = factory.Sequence(lambda n: f"Drill {n}")
    time_scale = 1.0
