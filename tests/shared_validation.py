"""Checking the parsers' refusals: what a refusal says, and fuzzing that refuses only with
a `ValidationError`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

from services.common.errors import ValidationError

T = TypeVar("T")


def validation_error(function: object, *args: object) -> ValidationError:
    """The `ValidationError` that `function(*args)` raises (the test fails if none)."""
    assert callable(function)
    with pytest.raises(ValidationError) as caught:
        function(*args)
    return caught.value


def parse_or_refusal(
    parse: Callable[[str], T], text: str, word: str, field: str | None = None
) -> T | ValidationError:
    """What `parse` makes of `text`, or the `ValidationError` it refused it with, whose
    message holds `word` (and which names `field`, when given). Any other error fails."""
    try:
        return parse(text)
    except ValidationError as error:
        assert word in error.message
        if field is not None:
            assert error.field == field
        return error
