"""A malformed policy file is refused when it is loaded, with a message that names the policy, the conversion and
what is wrong, so that whoever edits rules/policies/*.yaml reads exactly what to fix. Written after `make mutate`
showed these messages unguarded (a test that the file raises at all let any message through)."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from rules.loading import resolve
from rules.policy import Policy, PolicyError


def training(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda data: change(data["conversions"]["training"])


@pytest.mark.parametrize(("change", "message"), [
    pytest.param(training(lambda t: t.update(method="guess")),
                 "wenzhou-2020: conversion training has unknown method 'guess'", id="unknown method"),
    pytest.param(training(lambda t: t.update(colour="red", size=1)),
                 "wenzhou-2020: conversion training has unknown keys ['colour', 'size']", id="unknown keys"),
    pytest.param(training(lambda t: t.update(category="leisure")),
                 "wenzhou-2020: training.category 'leisure' is not a category", id="not a category"),
    pytest.param(training(lambda t: t.update(caps=["no_such_cap"])),
                 "wenzhou-2020: conversion training names unknown cap 'no_such_cap'", id="unknown cap"),
    pytest.param(lambda d: d["conversions"].update(astrology=copy.deepcopy(d["conversions"]["training"])),
                 "wenzhou-2020: unknown activity kind 'astrology' in conversions", id="unknown kind"),
    pytest.param(lambda d: d.update(unit="分"), "wenzhou-2020: unit must be 学时 or 学分", id="unit"),
])
def test_a_malformed_policy_is_refused_naming_the_policy_and_what_to_fix(
        change: Callable[[dict[str, Any]], None], message: str) -> None:
    data = copy.deepcopy(resolve("wenzhou-2020"))
    Policy(copy.deepcopy(data))  # the file as shipped compiles
    change(data)
    with pytest.raises(PolicyError) as refused:
        Policy(data)
    assert str(refused.value) == message


def weihai(kind: str, change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda data: change(data["conversions"][kind])


@pytest.mark.parametrize(("change", "message"), [
    pytest.param(weihai("self_study_exam", lambda s: s.update(field="hours")),
                 "weihai-2022: self_study_exam.field 'hours' is not countable", id="a count of no countable field"),
    pytest.param(weihai("self_study_exam", lambda s: s.update(rate="lots")),
                 "self_study_exam.rate: expected a number, got 'lots'", id="a rate that is no number"),
    pytest.param(weihai("aid_dispatch", lambda s: s.update(prorate_field="days")),
                 "weihai-2022: aid_dispatch.prorate_field must be months", id="prorated by days"),
    pytest.param(weihai("aid_dispatch", lambda s: s["outputs"][0].update(category="leisure")),
                 "weihai-2022: aid_dispatch.outputs category 'leisure'", id="an output of no category"),
    pytest.param(weihai("aid_dispatch", lambda s: s["outputs"][0].update(amount=[30])),
                 "aid_dispatch.outputs: expected a number, got [30]", id="an output amount that is no number"),
    pytest.param(weihai("aid_dispatch", lambda s: s["outputs"][0].update(caps=["nope"])),
                 "weihai-2022: conversion aid_dispatch names unknown cap 'nope'", id="an output's unknown cap"),
])
def test_a_malformed_weihai_conversion_is_refused_naming_what_to_fix(
        change: Callable[[dict[str, Any]], None], message: str) -> None:
    data = copy.deepcopy(resolve("weihai-2022"))
    change(data)
    with pytest.raises(PolicyError) as refused:
        Policy(data)
    assert str(refused.value) == message
