"""The admin's common rules: every write is audited, refusals of the services are shown as form
errors, and a staff user who is not a superuser (an administrator) sees only their organisations.

Each registered admin names `org_path`, the lookup from its model to its organisation ("pk" for
Organisation itself); one without it is for superusers only. Admins whose
objects are written by services set `through_services` and implement `save_through_service` and
`delete_through_service`: the service audits the object, the mixin audits what is still edited
directly (inlines, other admins). Core imports no app: the departments app tells it which
organisations a user belongs to (`set_scope`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.db import transaction
from django.db.models import QuerySet
from django.forms.utils import ErrorList
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from drillops.core.audit import record
from drillops.core.errors import DomainError, InvalidInput
from drillops.core.models import AuditEntry

Refusal = DomainError | InvalidInput
_REFUSAL_ATTR = "_drillops_admin_refusal"
_scope_resolver: Callable[[Any], set[int]] = lambda user: set()  # noqa: E731 - nobody, until departments says


def set_scope(resolver: Callable[[Any], set[int]]) -> None:
    """Installed by the departments app: the organisation ids a user holds a membership in."""
    global _scope_resolver
    _scope_resolver = resolver


def scope_of(request: HttpRequest) -> set[int] | None:
    """The organisations the admin may show to this user; None means all (a superuser)."""
    user = request.user
    if getattr(user, "is_superuser", False):
        return None
    if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
        return set()
    return _scope_resolver(user)


def refusal_errors(exc: Refusal) -> dict[str, list[str]]:
    if isinstance(exc, InvalidInput):
        return exc.errors
    return {"non_field_errors": [exc.message]}


def refusal_text(exc: Refusal) -> str:
    return " ".join(f"{m}" for messages_ in refusal_errors(exc).values() for m in messages_)


def _related_admin(site: admin.AdminSite, model: Any) -> AuditedAdmin | None:
    related = site._registry.get(model)
    return related if isinstance(related, AuditedAdmin) else None


class ScopedChoices:
    """Foreign-key and many-to-many choices come from the related model's admin queryset, so a
    scoped user picks only among objects of their organisations (autocomplete does the same)."""

    admin_site: admin.AdminSite

    def get_field_queryset(self, db: Any, db_field: Any, request: HttpRequest) -> QuerySet[Any] | None:
        related = _related_admin(self.admin_site, db_field.remote_field.model)
        if related is None:
            return super().get_field_queryset(db, db_field, request)  # type: ignore[misc]
        ordering = related.get_ordering(request)
        queryset = related.get_queryset(request)
        return queryset.order_by(*ordering) if ordering else queryset


class AuditedAdmin(ScopedChoices, admin.ModelAdmin):
    org_path: str | None = None
    through_services = False

    # Who may do what -------------------------------------------------------------------------

    @property
    def scoped(self) -> bool:
        """Whether administrators see this admin, limited to their organisations' rows."""
        return self.org_path is not None

    def admits(self, request: HttpRequest) -> bool:
        scope = scope_of(request)
        return scope is None or (self.scoped and bool(scope))

    def _may(self, request: HttpRequest, django_check: Callable[[], bool]) -> bool:
        # A scoped administrator holds no Django model permissions: their staff flag and
        # membership are the grant. A superuser keeps whatever the admin class itself says.
        if not self.admits(request):
            return False
        return django_check() if scope_of(request) is None else True

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request, lambda: super(AuditedAdmin, self).has_module_permission(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, lambda: super(AuditedAdmin, self).has_view_permission(request, obj))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request, lambda: super(AuditedAdmin, self).has_add_permission(request))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, lambda: super(AuditedAdmin, self).has_change_permission(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, lambda: super(AuditedAdmin, self).has_delete_permission(request, obj))

    # What they see ---------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        scope = scope_of(request)
        if scope is None:
            return queryset
        return self.scope_queryset(queryset, scope) if self.scoped else queryset.none()

    def scope_queryset(self, queryset: QuerySet[Any], scope: set[int]) -> QuerySet[Any]:
        """The rows of these organisations; an admin whose model has no path to one overrides this
        (and `scoped`)."""
        return queryset.filter(**{f"{self.org_path}__in": scope})

    def get_list_filter(self, request: HttpRequest) -> Any:
        # A plain related-field filter lists every organisation's objects; this one only those shown.
        return [self._scoped_filter(spec) for spec in super().get_list_filter(request)]

    def _scoped_filter(self, spec: Any) -> Any:
        if isinstance(spec, str) and get_fields_from_path(self.model, spec)[-1].is_relation:
            return (spec, admin.RelatedOnlyFieldListFilter)
        return spec

    def organisation_id_of(self, obj: Any) -> int | None:
        if self.org_path is None:
            return None
        *walk, last = self.org_path.split("__")
        node = obj
        for name in walk:
            node = getattr(node, name, None)
            if node is None:
                return None
        if last == "pk":
            return int(node.pk)
        value = getattr(node, f"{last}_id", None) if not last.endswith("_id") else getattr(node, last, None)
        return int(value) if value is not None else None

    # Writes ----------------------------------------------------------------------------------

    def save_through_service(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> Any:
        raise NotImplementedError

    def delete_through_service(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if self.through_services:
            if change and not form.changed_data:
                return  # saving an unchanged form writes (and audits) nothing
            saved = self.save_through_service(request, obj, form, change)
            if saved is not None and saved is not obj:  # a new row: the admin's redirect and log need its pk
                obj.pk, obj._state.adding, obj._state.db = saved.pk, False, saved._state.db
        else:
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not self.through_services:
            super().save_related(request, form, formsets, change)
            return
        # The service wrote the object's many-to-many fields; only the inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if self.through_services:
            self.delete_through_service(request, obj)
            return
        self._audit(request, "admin.delete", obj, [{"deleted": {"object": str(obj)}}])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # One by one, so that each goes through the service (or is audited) like a single delete.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, "admin.add", obj, self._direct_part(message))
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(request, "admin.change", obj, self._direct_part(message))
        return super().log_change(request, obj, message)

    def _direct_part(self, message: Any) -> list[Any]:
        """The change message without the object's own add/change when a service wrote (and audited)
        it; what is left (inline rows) was written by the admin itself."""
        entries = message if isinstance(message, list) else [message] if message else []
        if not self.through_services:
            return entries
        return [e for e in entries if not _is_own_entry(e)]

    def _audit(self, request: HttpRequest, action: str, obj: Any, changes: list[Any]) -> None:
        if changes:
            record(
                action=action,
                obj=obj,
                actor=request.user,
                organisation_id=self.organisation_id_of(obj),
                data={"via": "admin", "changes": changes},
            )

    # Refusals --------------------------------------------------------------------------------

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, InvalidInput) as exc:
            # The admin's transaction rolled back; render the form again with the refusal as errors.
            setattr(request, _REFUSAL_ATTR, exc)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal: Refusal | None = getattr(request, _REFUSAL_ATTR, None)
        return form if refusal is None else _refused_form(form, refusal)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except (DomainError, InvalidInput) as exc:
            self.message_user(request, refusal_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        try:
            with transaction.atomic():  # a bulk delete refused half way changes nothing
                return super().changelist_view(request, extra_context)
        except (DomainError, InvalidInput) as exc:
            self.message_user(request, refusal_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def _is_own_entry(entry: Any) -> bool:
    """Django's change message: the object's own entry has no "name"; an inline row's has one."""
    return isinstance(entry, dict) and any(
        isinstance(body, dict) and "name" not in body for key, body in entry.items() if key in ("added", "changed")
    )


def _refused_form(form_class: Any, refusal: Refusal) -> Any:
    class Refused(form_class):
        def clean(self) -> Any:
            cleaned = super().clean()
            for field, errors in refusal_errors(refusal).items():
                target = field if field in self.fields else None
                prefix = "" if target or field == "non_field_errors" else f"{field}: "
                self.add_error(target, ErrorList([f"{prefix}{e}" for e in errors]))
            return cleaned

    Refused.__name__ = form_class.__name__
    return Refused


def act_on_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: Iterable[Any],
    label: str,
    call: Callable[[Any], Any],
) -> None:
    """An admin action that calls a service per object: a refusal is reported and the rest go on."""
    done = 0
    for obj in queryset:
        try:
            with transaction.atomic():
                call(obj)
            done += 1
        except (DomainError, InvalidInput) as exc:
            model_admin.message_user(request, f"{obj}: {refusal_text(exc)}", messages.ERROR)
    if done:
        model_admin.message_user(request, _("%(action)s: %(count)d.") % {"action": label, "count": done})


class ReadOnlyAdmin(AuditedAdmin):
    """For records and what only services write: list and read, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ParentScopedInline(ScopedChoices):
    """An inline is shown to whoever its parent's admin admits; scoped users hold no model perms."""

    admin_site: admin.AdminSite
    parent_model: Any

    def _parent_admits(self, request: HttpRequest) -> bool:
        parent = _related_admin(self.admin_site, self.parent_model)
        return parent is not None and parent.admits(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if scope_of(request) is None:
            return bool(super().has_view_permission(request, obj))  # type: ignore[misc]
        return self._parent_admits(request)


class ReadOnlyInline(ParentScopedInline, admin.TabularInline):
    """Rows of another admin, listed with a link: they are edited (through a service) there."""

    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EditableInline(ParentScopedInline):
    """Rows edited directly in the parent's form; the parent's change message audits them."""

    def _allowed(self, request: HttpRequest, django_check: Callable[[], bool]) -> bool:
        return django_check() if scope_of(request) is None else self._parent_admits(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, lambda: super(EditableInline, self).has_add_permission(request, obj))  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, lambda: super(EditableInline, self).has_change_permission(request, obj))  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, lambda: super(EditableInline, self).has_delete_permission(request, obj))  # type: ignore[misc]


def guard_registry(site: admin.AdminSite) -> None:
    """Every registered admin is audited and scoped: one registered by a library (groups, tokens)
    without our mixin is wrapped in it for superusers only."""
    for model in list(site._registry):
        current = site._registry[model]
        if isinstance(current, AuditedAdmin):
            continue
        guarded = type(f"Audited{type(current).__name__}", (AuditedAdmin, type(current)), {"org_path": None})
        site.unregister(model)
        site.register(model, guarded)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    org_path = "organisation_id"
    list_display = ("at", "action", "object_type", "object_id", "actor", "organisation_id", "drill_id")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_type", "actor__username")
    date_hierarchy = "at"
    list_select_related = ("actor",)
