"""What keys a playbook may write where: for "unknown key … did you mean …" messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel


def model_at(model: Any, loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at `loc` inside `model` (None when that
    place is not a model: a free-form mapping, a scalar, an unknown key)."""
    for part in loc:
        model = _unwrap(model)
        if isinstance(model, type) and issubclass(model, BaseModel):
            info = model.model_fields.get(str(part))
            if info is None:
                return None
            model = info.annotation
        elif get_origin(model) in (list, tuple) and isinstance(part, int):
            model = get_args(model)[0] if get_args(model) else None
        elif get_origin(model) is dict:
            model = get_args(model)[1] if len(get_args(model)) == 2 else None
        else:
            return None
    model = _unwrap(model)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """`X | None` and `Annotated[X, …]` -> X (the first model of a union)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        models = [a for a in options if isinstance(a, type) and issubclass(a, BaseModel)]
        annotation = (models or options or [None])[0]
    return annotation


def keys_of(model: type[BaseModel] | None) -> list[str]:
    """The keys a playbook may write in a mapping validated by `model` (aliases included)."""
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def did_you_mean(key: str, allowed: Iterable[str]) -> str:
    """`; did you mean 'update_every'?` for a misspelt key, or "" when nothing is close."""
    import difflib  # only when there is a typo to explain

    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
