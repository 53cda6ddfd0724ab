from __future__ import annotations

from django import forms

from .query import MAX_QUERY


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the guidelines",
        max_length=MAX_QUERY,
        required=False,
        strip=True,
        help_text='Words, a phrase in quotes ("patient photos") or the start of a word (consen*).',
        error_messages={
            "max_length": (
                "That search is too long: keep it under %(limit_value)d characters "
                "(it has %(show_value)d)."
            )
        },
    )
