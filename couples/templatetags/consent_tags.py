from typing import Any

from django import template

from couples.models import Scope

register = template.Library()


@register.filter
def consent_of(state: Any, user_id: int) -> Any:
    return state.consent_of(user_id)


@register.filter
def scope_labels(scope: list[str]) -> str:
    return "; ".join(Scope(item).label.lower() for item in scope)


@register.filter
def get_form(forms: dict, key: Any) -> Any:
    return forms.get(key)
