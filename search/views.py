"""The one search box: any member, their active institution's guidelines only."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from accounts.access import require_role
from accounts.http import MemberRequest

from .finder import search as run_search
from .forms import SearchForm
from .query import parse


@require_role()
def search(request: MemberRequest) -> HttpResponse:
    """Any member: sections of the guidelines in force (and, by role, in review or draft)."""
    form = SearchForm(request.GET or None)
    results = None
    terms = []
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        terms = parse(form.cleaned_data["q"])
        results = run_search(request.membership, terms)
    status = 400 if form.is_bound and not form.is_valid() else 200
    typed = bool(form.is_bound and form.is_valid() and form.cleaned_data["q"])
    return render(
        request,
        "search/search.html",
        {"form": form, "results": results, "terms": terms, "typed": typed},
        status=status,
    )
