from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict | None, key: Any) -> Any:
    """`forms|get_item:question.pk`: the bound form kept for one item after an error."""
    if not mapping:
        return None
    return mapping.get(key)
