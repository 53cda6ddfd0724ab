"""config.template_urls: ``{% url %}`` keeps what it reversed and still answers as Django's tag."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from config.template_urls import KeptURLNode


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_every_template_uses_the_kept_tag():
    template = engines["django"].from_string("{% url 'home' %}")
    assert [type(node) for node in template.template.nodelist] == [KeptURLNode]  # type: ignore[attr-defined]


def test_addresses_are_djangos_own_each_time():
    for _ in range(2):  # reversed, then kept
        assert render("{% url 'home' %}") == reverse("home")
        assert render("{% url 'guidelines:detail' 7 %}") == reverse("guidelines:detail", args=[7])
        assert render("{% url 'guidelines:detail' pk=n %}", n=8) == reverse(
            "guidelines:detail", kwargs={"pk": 8}
        )
        assert render("{% url name 9 %}", name="guidelines:detail") == reverse(
            "guidelines:detail", args=[9]
        )


def test_an_address_follows_the_script_prefix():
    plain = render("{% url 'home' %}")
    try:
        set_script_prefix("/charter/")
        assert render("{% url 'home' %}") == reverse("home") == "/charter" + plain
    finally:
        set_script_prefix("/")
    assert render("{% url 'home' %}") == plain


def test_a_missing_name_raises_unless_kept_in_a_variable():
    assert render("{% url 'no-such-page' as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")


def test_other_arguments_are_reversed_each_time():
    class Odd(str):  # a subclass may turn into text its own way: never kept
        def __str__(self) -> str:
            return "6"

    assert render("{% url 'guidelines:detail' pk %}", pk=Odd("5")) == reverse(
        "guidelines:detail", args=[Odd("5")]
    )
    assert render("{% url 'guidelines:detail' 5 %}") == reverse("guidelines:detail", args=[5])
