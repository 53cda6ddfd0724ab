from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import audience as audience_rules
from accounts import dates, outbox
from accounts.access import active_org, can, can_publish, get_for_org, require_role
from accounts.dates import fmt
from accounts.http import CharterRequest, MemberRequest
from accounts.middleware import SESSION_KEY
from accounts.models import DirectoryGroup, EmployeeType, Organization, Role, StaffGroup
from accounts.sign_in_reads import Reads, travels_with_sign_in
from accounts.twofactor.services import qr_svg
from audit.services import client_ip, record
from config import ratelimit
from config.kept_urls import kept_reverse
from guidelines.cases import library as case_library
from guidelines.cases import section_name
from guidelines.compare import compare_content
from guidelines.document import document
from guidelines.models import Guideline, Version
from guidelines.sections import SCOPE, SECTIONS
from guidelines.services import GuidelineError

from . import frozen, official_check, retirement, roster_csv, services, tracking_rows
from .ack_statements import StalePublication, read_along_from, read_along_sql
from .card import card, get_card_pdf, stored_card_size
from .evidence import build_evidence_pack
from .forms import (
    AcknowledgeForm,
    AttestationSettingsForm,
    HandleForm,
    InForceForm,
    PublishForm,
    RetireForm,
    RosterFilterForm,
    ScheduleForm,
)
from .models import Acknowledgement, Campaign, PdfState, Publication
from .pdf import get_pdf, stored_download
from .quiz import quiz_for
from .reminders import outlook_from, start_of
from .selectors import (
    accounts_in_force,
    campaign_figures,
    campaigns_of,
    changed_since_acknowledged,
    in_force,
    is_superseded,
    pending_requests,
    previous_publication,
    retired_on,
    roster,
    superseded_today,
)
from .targeting import audience, preview_audience

# A page of the roster; the search and the CSV export reach everyone else.
ROSTER_PAGE_SIZE = 25


# --- helpers -------------------------------------------------------------------------------


def _reader_guideline(
    request: CharterRequest, org_slug: str, guideline_slug: str
) -> Guideline | HttpResponse:
    """A public guideline for anyone; otherwise only for its institution's members (else 404)."""
    guideline = (
        Guideline.objects.select_related("organization")
        .filter(organization__slug=org_slug, slug=guideline_slug)
        .first()
    )
    if guideline is not None and guideline.is_public:
        return guideline
    if not request.user.is_authenticated:
        # The same answer whether or not the address exists, so that signing in is the only
        # way to learn which guidelines an institution keeps to itself.
        return redirect_to_login(request.get_full_path())
    if guideline is None or not any(
        m.organization_id == guideline.organization_id for m in request.memberships
    ):
        raise Http404("No such guideline")
    return guideline


def _publication(guideline: Guideline, number: int, *, with_content: bool = True) -> Publication:
    qs = Publication.objects.select_related("version", "guideline", "organization", "published_by")
    if not with_content:
        qs = qs.defer("version__content", "version__quiz")
    publication = qs.filter(guideline=guideline, version__number=number).first()
    if publication is None:
        raise Http404("This version was never published")
    return publication


def _reader_publication(
    request: CharterRequest,
    org_slug: str,
    guideline_slug: str,
    number: int,
    *,
    with_content: bool = True,
) -> Publication | HttpResponse:
    """The published version ``number`` of a guideline, behind the same door as the guideline."""
    found = _reader_guideline(request, org_slug, guideline_slug)
    if isinstance(found, HttpResponse):
        return found
    publication = _publication(found, number, with_content=with_content)
    # Anyone reading it (the public too) sees dates the way its institution writes them.
    dates.use(found.organization)
    # Keep the guideline the door loaded (with its institution) rather than a second copy.
    publication.guideline = found
    return publication


def _reader_context(request: CharterRequest, publication: Publication) -> dict[str, Any]:
    layout = "qa" if request.GET.get("layout") == "qa" else "plain"
    version = publication.version
    current = in_force(publication.guideline)
    ack = None
    if request.user.is_authenticated:
        ack = Acknowledgement.objects.filter(user=request.user, version=version).first()
    is_member = request.user.is_authenticated and any(
        m.organization_id == publication.organization_id for m in request.memberships
    )
    return {
        "publication": publication,
        "version": version,
        "guideline": publication.guideline,
        "organization": publication.organization,
        "sections": document(version.content, layout=layout),
        "layout": layout,
        "signatures": list(version.signatures.order_by("signed_at")),
        "current": current,
        "is_current": current is not None and current.pk == publication.pk,
        "is_scheduled": publication.effective_date > timezone.localdate(),
        "previous": previous_publication(publication),
        "acknowledgement": ack,
        "can_acknowledge": is_member and ack is None and not is_superseded(publication),
    }


# --- reading -------------------------------------------------------------------------------


def guideline(request: CharterRequest, org_slug: str, guideline_slug: str) -> HttpResponse:
    """Anyone for a public guideline, otherwise its institution's members: the text in force."""
    found = _reader_guideline(request, org_slug, guideline_slug)
    if isinstance(found, HttpResponse):
        return found
    publication = in_force(found)
    if publication is None:
        raise Http404("No version of this guideline is in force yet")
    return render(request, "publishing/guideline.html", _reader_context(request, publication))


def version(
    request: CharterRequest, org_slug: str, guideline_slug: str, number: int
) -> HttpResponse:
    """Readers of the guideline (see ``guideline``): one published version from the archive."""
    publication = _reader_publication(request, org_slug, guideline_slug, number)
    if isinstance(publication, HttpResponse):
        return publication
    return render(request, "publishing/version.html", _reader_context(request, publication))


def archive(request: CharterRequest, org_slug: str, guideline_slug: str) -> HttpResponse:
    """Readers of the guideline (see ``guideline``): every version ever published."""
    found = _reader_guideline(request, org_slug, guideline_slug)
    if isinstance(found, HttpResponse):
        return found
    publications = list(
        Publication.objects.filter(guideline=found)
        .select_related("version", "published_by")
        .order_by("-version__number")
    )
    current = in_force(found)
    for p in publications:
        if current is not None and p.pk == current.pk:
            p.state = "In force"  # type: ignore[attr-defined]
        elif current is None or p.effective_date > current.effective_date:
            p.state = "Scheduled"  # type: ignore[attr-defined]
        else:
            p.state = "Superseded"  # type: ignore[attr-defined]
    return render(
        request,
        "publishing/archive.html",
        {"guideline": found, "publications": publications, "current": current},
    )


def changes(
    request: CharterRequest, org_slug: str, guideline_slug: str, number: int
) -> HttpResponse:
    """Readers of the guideline (see ``guideline``): what changed since the version before."""
    publication = _reader_publication(request, org_slug, guideline_slug, number)
    if isinstance(publication, HttpResponse):
        return publication
    previous = previous_publication(publication)
    since = request.GET.get("from", "")
    if since.isdigit() and int(since) < publication.version.number:
        # "Since the version you last acknowledged": any earlier published version.
        previous = _publication(publication.guideline, int(since))
    if previous is None:
        raise Http404("This is the first published version")
    diffs = compare_content(SECTIONS, previous.version.content, publication.version.content)
    return render(
        request,
        "publishing/changes.html",
        {
            "guideline": publication.guideline,
            "publication": publication,
            "previous": previous,
            "pairs": list(zip(diffs, SECTIONS, strict=True)),
        },
    )


def pdf(
    request: CharterRequest, org_slug: str, guideline_slug: str, number: int
) -> HttpResponseBase:
    """Readers of the guideline (see ``guideline``): the version as a PDF on the institution's
    paper. Stored: streamed as it is (the guideline's door, then one read). Not stored yet: with
    a worker, the render is queued and the reader is sent to a page that shows how it goes;
    without one (inline tasks), it is rendered now."""
    stored = _stored_pdf(request, org_slug, guideline_slug, number)
    if stored is not None:
        return stored
    found = _reader_guideline(request, org_slug, guideline_slug)
    if isinstance(found, HttpResponse):
        return found
    conditional = bool(request.headers.get("If-None-Match"))
    # The bytes come in the same read; a browser revalidating its copy needs only the hash.
    stored_field = "pdf__id" if conditional else "pdf__data"
    publication = (
        Publication.objects.filter(guideline=found, version__number=number)
        .select_related("version", "pdf")
        .only("pk", "pdf_state", "version__content_hash", stored_field)
        .order_by()
        .first()
    )
    if publication is None:
        raise Http404("This version was never published")
    etag = f'"{publication.version.content_hash}"'
    stored = getattr(publication, "pdf", None)
    data: bytes | None = None
    if publication.pdf_state == PdfState.READY and stored is not None:
        if conditional and request.headers["If-None-Match"] == etag:
            return HttpResponseNotModified(headers={"ETag": etag})
        data = stored_download(publication.pk) if conditional else bytes(stored.data)
    if data is None:
        if not settings.CELERY_TASK_ALWAYS_EAGER and publication.pdf_state != PdfState.READY:
            services.request_pdf(publication)
            return redirect("publishing:pdf_status", org_slug, guideline_slug, number)
        # Inline tasks, or a state that says "stored" about a copy that is gone: render now.
        data = get_pdf(_publication(found, number))
    return _pdf_response(data, etag, f"{org_slug}-{guideline_slug}-v{number}.pdf")


def _stored_pdf(
    request: CharterRequest, org_slug: str, guideline_slug: str, number: int
) -> HttpResponseBase | None:
    """The common case of ``pdf`` in one read of plain values (no models built): a stored
    PDF that this reader may have (public, or a member of its institution). None for every
    other case, which ``pdf`` answers the long way (sign-in, 404, queueing, rendering)."""
    conditional = bool(request.headers.get("If-None-Match"))
    # The bytes come in the same read; a browser revalidating its copy needs only the hash.
    row = (
        Publication.objects.filter(
            guideline__organization__slug=org_slug,
            guideline__slug=guideline_slug,
            version__number=number,
            pdf_state=PdfState.READY,
            pdf__isnull=False,
        )
        .values_list(
            "pk",
            "guideline__is_public",
            "guideline__organization_id",
            "version__content_hash",
            "pdf__id" if conditional else "pdf__data",
        )
        .order_by()
        .first()
    )
    if row is None:
        return None
    pk, public, organization_id, content_hash, data = row
    if not public and not (
        request.user.is_authenticated
        and any(m.organization_id == organization_id for m in request.memberships)
    ):
        return None  # the long way signs in or answers 404, as for any other address
    etag = f'"{content_hash}"'
    if conditional:
        if request.headers["If-None-Match"] == etag:
            return HttpResponseNotModified(headers={"ETag": etag})
        data = stored_download(pk)
        if data is None:
            return None
    return _pdf_response(bytes(data), etag, f"{org_slug}-{guideline_slug}-v{number}.pdf")


def _pdf_response(data: bytes, etag: str, name: str) -> FileResponse:
    response = FileResponse(
        io.BytesIO(data), as_attachment=True, filename=name, content_type="application/pdf"
    )
    # The bytes are in memory already: hand them to the server in one piece rather than in
    # FileResponse's 4 KB blocks (a 200 KB PDF would be fifty writes).
    response.block_size = max(len(data), 1)
    # A published version's PDF never changes: a public reader's browser may keep it (for a
    # signed-in person config.middleware makes every response no-store).
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=86400"
    return response


# The three steps a first render goes through, for the progress bar.
PDF_STEPS = {"": 1, PdfState.QUEUED: 1, PdfState.RENDERING: 2, PdfState.READY: 3}


@require_http_methods(["GET", "HEAD", "POST"])
def pdf_status(
    request: CharterRequest, org_slug: str, guideline_slug: str, number: int
) -> HttpResponse:
    """Readers of the guideline (see ``guideline``): where the PDF's first render stands
    (waiting, being laid out, ready, failed), then the download with its size. The page polls
    with htmx (a 204 while nothing changed, so the live region speaks only on a change) and
    reloads itself every few seconds without JavaScript; "Try again" (POST) after a failure."""
    publication = _reader_publication(request, org_slug, guideline_slug, number, with_content=False)
    if isinstance(publication, HttpResponse):
        return publication
    if request.method == "POST":
        if publication.pdf_state == PdfState.FAILED:
            services.request_pdf(publication)
        return redirect("publishing:pdf_status", org_slug, guideline_slug, number)
    if publication.pdf_state != PdfState.READY:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # No worker: render now (the page then simply shows the download).
            get_pdf(publication)
        elif publication.pdf_state != PdfState.FAILED:
            # Nobody asked yet, or the worker lost it: queue it (once; see claim_render).
            services.request_pdf(publication)
    state = publication.pdf_state
    if request.htmx and request.GET.get("shown") == state and state != PdfState.READY:
        return HttpResponse(status=204)
    context = {
        "publication": publication,
        "guideline": publication.guideline,
        "organization": publication.organization,
        "version": publication.version,
        "state": state,
        "step": PDF_STEPS.get(state, 1),
        "polling": state in ("", PdfState.QUEUED, PdfState.RENDERING),
    }
    if request.htmx:
        return render(request, "publishing/partials/pdf_progress.html", context)
    return render(request, "publishing/pdf_status.html", context)


def card_page(
    request: CharterRequest, org_slug: str, guideline_slug: str, number: int
) -> HttpResponse:
    """Readers of the guideline (see ``guideline``): the version on one printable page."""
    publication = _reader_publication(request, org_slug, guideline_slug, number)
    if isinstance(publication, HttpResponse):
        return publication
    full_path = reverse("publishing:version", args=[org_slug, guideline_slug, number])
    return render(
        request,
        "publishing/card.html",
        {
            "publication": publication,
            "version": publication.version,
            "guideline": publication.guideline,
            "organization": publication.guideline.organization,
            "card": card(publication.version.content),
            # Stored when the version was published (or at its first download).
            "pdf_size": stored_card_size(publication),
            "full_path": full_path,
            "full_url": request.build_absolute_uri(full_path),
        },
    )


def card_pdf(
    request: CharterRequest, org_slug: str, guideline_slug: str, number: int
) -> HttpResponse:
    """Readers of the guideline (see ``guideline``): the one-page card as an A4 PDF, rendered
    once and then served as stored."""
    publication = _reader_publication(request, org_slug, guideline_slug, number)
    if isinstance(publication, HttpResponse):
        return publication
    etag = f'"card-{publication.version.content_hash}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified(headers={"ETag": etag})
    response = HttpResponse(get_card_pdf(publication), content_type="application/pdf")
    name = f"{org_slug}-{guideline_slug}-v{number}-card.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=86400"
    return response


def cases(request: CharterRequest, org_slug: str, guideline_slug: str, number: int) -> HttpResponse:
    """Readers of the guideline (see ``guideline``): the version's worked cases."""
    publication = _reader_publication(request, org_slug, guideline_slug, number)
    if isinstance(publication, HttpResponse):
        return publication
    return render(
        request,
        "publishing/cases.html",
        {
            "publication": publication,
            "version": publication.version,
            "guideline": publication.guideline,
            "organization": publication.guideline.organization,
            "cases": case_library(publication.version.cases),
            "full_path": reverse("publishing:version", args=[org_slug, guideline_slug, number]),
        },
    )


def official_accounts(request: CharterRequest, org_slug: str) -> HttpResponse:
    """Anyone (patients, journalists, staff): is this handle or profile address official?

    An unknown institution gets the page an institution with no published list gets, and the
    same "no": the answer never tells whether a slug exists. Checks are rate limited per
    client address so the page cannot be used to probe handles in bulk.
    """
    organization = Organization.objects.filter(slug=org_slug).first()
    accounts: list[dict[str, str]] = []
    contact, has_guideline = "", False
    if organization is not None:
        accounts, contact, has_guideline = accounts_in_force(organization)
    form = HandleForm(request.GET or None, example=_example_handle(accounts))
    verdict = _over_check_limit(request) if form.is_bound else None
    if verdict is not None and verdict.limited:
        response = render(
            request,
            "publishing/official_accounts.html",
            {
                "organization": organization,
                "form": HandleForm(example=form.example),
                "slug": org_slug,
                "limited": True,
            },
            status=429,
        )
        response["Retry-After"] = str(verdict.retry_after)
        return response
    found: list[dict[str, str]] = []
    asked = ""
    if form.is_valid():
        asked = form.cleaned_data["handle"].strip()
        question = official_check.read(asked)
        if question is not None:
            found = official_check.find(question, accounts)
    return render(
        request,
        "publishing/official_accounts.html",
        {
            "organization": organization,
            "slug": org_slug,
            "form": form,
            "asked": asked,
            "matches": found,
            "checked": form.is_valid(),
            "has_guideline": has_guideline,
            "contact": contact or (organization.contact_email if organization else ""),
            "can_print_poster": _is_admin_of(request, organization),
        },
    )


def _is_admin_of(request: CharterRequest, organization: Organization | None) -> bool:
    membership = request.membership
    return (
        organization is not None
        and can(membership, Role.ADMIN)
        and membership.organization_id == organization.pk
    )


@require_role(Role.ADMIN)
def official_accounts_poster(request: MemberRequest, org_slug: str) -> HttpResponse:
    """Admins: a printable waiting-room poster with the check's address and its QR code."""
    organization = active_org(request)
    if organization.slug != org_slug:
        raise Http404("No such institution")
    address = settings.SITE_URL.rstrip("/") + reverse(
        "publishing:official_accounts", args=[organization.slug]
    )
    return render(
        request,
        "publishing/official_accounts_poster.html",
        {
            "organization": organization,
            "address": address,
            "qr": qr_svg(address, title=f"QR code for {address}"),
        },
    )


# Checks per client address in each window (settings.CHARTER_OFFICIAL_CHECK_LIMIT), then 429.
CHECK_WINDOW_SECONDS = 60


def _over_check_limit(request: CharterRequest) -> ratelimit.Verdict:
    """Count this check against the client's address (config/ratelimit.py: shared in Redis,
    per process while Redis is out of reach, so the public page never fails on a counter)."""
    return ratelimit.hit(
        "official-check",
        client_ip(request) or "unknown",
        limit=settings.CHARTER_OFFICIAL_CHECK_LIMIT,
        window=CHECK_WINDOW_SECONDS,
    )


def _example_handle(accounts: list[dict[str, str]]) -> str:
    """The institution's own first handle as the example, never another institution's."""
    for account in accounts:
        handle = (account.get("handle") or "").strip()
        if handle:
            return "@" + handle.lstrip("@")
    return "@name"


# --- acknowledging -------------------------------------------------------------------------


# What a POST to ``acknowledge`` reads: the publication's dates, the frozen version's number,
# hash and quiz, the guideline's title and institution (not the text, history or settings).
ACKNOWLEDGE_READS = (
    "organization",
    "guideline",
    "version",
    "effective_date",
    "version__guideline",
    "version__number",
    "version__content_hash",
    "version__quiz",
    "version__cases",
    "version__status",
    "version__guideline__title",
    "version__guideline__organization",
)


def _read_with_the_person(request: HttpRequest, kwargs: dict[str, Any]) -> Reads | None:
    """The acknowledge POST's reads along with the signed-in person (accounts.sign_in_reads):
    the request the acknowledgement answers and the head of the person's lane, when the
    publication is kept (PostgreSQL). The view uses them only once it has let the person in;
    the write checks under lock that they still hold."""
    organization_id = request.session.get(SESSION_KEY)
    version_id = kwargs.get("version_id")
    if (
        connection.vendor != "postgresql"
        or not isinstance(organization_id, int)
        or not isinstance(version_id, int)
        or frozen.kept(version_id, organization_id) is None
    ):
        return None
    return lambda user_id: {
        "acknowledge": read_along_sql(
            user_id=user_id, version_id=version_id, organization_id=organization_id
        )
    }


@travels_with_sign_in(_read_with_the_person)
@require_role()
def acknowledge(request: MemberRequest, version_id: int) -> HttpResponse:
    """Any member: read a published version and acknowledge it (with its quiz, if any)."""
    # One read: the publication with its version, guideline and institution, and whether a
    # later one has taken effect; another institution's version is not found, as unpublished.
    organization_id = request.membership.organization_id

    def full() -> QuerySet[Publication]:
        return Publication.objects.select_related("version__guideline__organization").filter(
            version_id=version_id, version__guideline__organization_id=organization_id
        )

    def for_acknowledging() -> QuerySet[Publication]:
        # The hash is what gets bound, not the text: the columns acknowledging reads and no
        # more (the page shown again after a refusal reads the rest, below).
        return full().only(*ACKNOWLEDGE_READS).annotate(superseded=superseded_today())

    # A version is frozen once published: on PostgreSQL the POST keeps it per worker, and the
    # claim checks that it is still the one in force (publishing.frozen). The queries are
    # built only when needed: building them costs a kept POST more than all else it does.
    keeping = request.method == "POST" and connection.vendor == "postgresql"
    publication = frozen.kept(version_id, organization_id) if keeping else None
    if publication is None:
        publication = (for_acknowledging() if request.method == "POST" else full()).first()
        if publication is None:
            raise Http404("This version is not published")
        if keeping and getattr(publication, "superseded", None) is False:
            frozen.keep(publication)
    version = publication.version
    # The written quiz and the cases for the person's staff groups: the same list is shown
    # and marked.
    questions = quiz_for(version, request.membership)
    form = AcknowledgeForm(request.POST or None, quiz=questions, title=version.guideline.title)
    if request.method == "POST" and form.is_valid():
        try:
            try:
                ack, created = _acknowledge_once(request, form, version, publication, questions)
            except StalePublication:
                # Superseded (or gone) since it was kept: read it afresh and try again, so the
                # refusal is the one a fresh read gives.
                frozen.forget(version_id, organization_id)
                fresh = for_acknowledging().first()
                if fresh is None:
                    raise Http404("This version is not published") from None
                publication = fresh
                ack, created = _acknowledge_once(request, form, version, publication, questions)
        except services.PublishingError as exc:
            form.add_error(None, str(exc))
            for number in getattr(exc, "wrong", []):
                # A question drawn from a case points to the section its answer comes from.
                section = questions[number - 1].get("section")
                if section:
                    form.add_error(
                        f"q{number - 1}",
                        f"Not quite: {section_name(section)} has the answer.",
                    )
        else:
            thanks = ""
            if created:
                # The thank-you is shown by the page the person lands on, from their own
                # record of this version (no message to store and sign on the way).
                thanks = f"?acknowledged={version.pk}"
            else:
                messages.info(request, "You had already acknowledged this version.")
            if any(q.get("section") for q in ack.quiz_record):
                # Cases are worked examples: after answering, the person reads the answers
                # and where each comes from.
                return HttpResponseRedirect(
                    kept_reverse("publishing:acknowledge", version.pk) + "#case-answers"
                )
            return HttpResponseRedirect(kept_reverse("publishing:my_acknowledgements") + thanks)
    if request.method == "POST":
        # Refused: the page again, from a whole read (this path is rare and may cost more).
        publication = full().first() or publication
    context = _reader_context(request, publication)
    context["form"] = form
    context["questions"] = len(questions)
    done = context["acknowledgement"]
    if done is not None:
        # The cases this person answered, as kept with their acknowledgement.
        context["case_answers"] = case_library(
            [
                {**q, "answer_text": q["choices"][q["answer"]]}
                for q in done.quiz_record
                if q.get("section")
                and isinstance(q.get("answer"), int)
                and 0 <= q["answer"] < len(q.get("choices") or [])
            ]
        )
    if context["can_acknowledge"]:
        # Before the full text: what changed since the version this person last acknowledged.
        context["since"] = changed_since_acknowledged(request.user, version)
    return render(request, "publishing/acknowledge.html", context)


def _acknowledge_once(
    request: MemberRequest,
    form: AcknowledgeForm,
    version: Version,
    publication: Publication,
    questions: list[dict[str, Any]],
) -> tuple[Acknowledgement, bool]:
    read = (request.user.charter_read_along or {}).get("acknowledge")
    return services.acknowledge(
        version=version,
        user=request.user,
        confirmed=form.cleaned_data["confirm"],
        answers=form.answers(),
        request=request,
        publication=publication,
        membership=request.membership,
        read_along=read_along_from(
            read, organization_id=request.membership.organization_id, user_id=request.user.pk
        )
        if read is not None
        else None,
        quiz=questions,
    )


@require_role()
def my_acknowledgements(request: MemberRequest) -> HttpResponse:
    """Any member: what I still have to acknowledge and everything I acknowledged."""
    org = active_org(request)
    history = list(
        Acknowledgement.objects.filter(
            user=request.user,
            organization=org,
        ).select_related("version__guideline", "request__campaign")
    )
    return render(
        request,
        "publishing/my_acknowledgements.html",
        {
            "pending": list(pending_requests(request.user, org)),
            "history": history,
            "thanked": just_acknowledged(request, history),
        },
    )


def just_acknowledged(
    request: MemberRequest, history: list[Acknowledgement]
) -> Acknowledgement | None:
    """The person's own newest record of the version named by ``?acknowledged=`` (where the
    acknowledge POST sends them), for the thank-you; None for anything else."""
    named = request.GET.get("acknowledged", "")
    if not named.isdigit() or len(named) > 19:
        return None
    mine = [ack for ack in history if ack.version_id == int(named)]
    return max(mine, key=lambda ack: ack.acknowledged_at, default=None)


# --- publishing and tracking (admins) ------------------------------------------------------


def _audience_signature(preview: dict[str, Any] | None) -> str:
    """What the admin was shown, compact enough to post back: the count per group."""
    if preview is None:
        return "nobody"
    return ";".join(f"{g['name']}={g['count']}" for g in preview["groups"]) or "empty"


def _signature_total(signature: str) -> str:
    """How many people a posted-back signature counted ("" when it cannot be read)."""
    try:
        return str(sum(int(part.rsplit("=", 1)[1]) for part in signature.split(";")))
    except (IndexError, ValueError):
        return ""


def describe_rule(org: Organization, rule: dict[str, Any]) -> str:
    """The audience rule in words, with the names of the groups it refers to."""
    names: dict[str, dict[Any, str]] = {
        "employee_type": dict(EmployeeType.choices),
        "staff_group": dict(StaffGroup.objects.filter(organization=org).values_list("pk", "name")),
        "directory_group": dict(
            DirectoryGroup.objects.filter(organization=org).values_list("pk", "display_name")
        ),
    }
    return audience_rules.describe(rule, names)


def _guideline_audience(version: Version) -> list[str]:
    """The groups the guideline itself says it applies to (its scope section)."""
    stored = (version.content or {}).get(SCOPE.key) or {}
    return [str(item) for item in stored.get("audience") or [] if str(item).strip()]


@require_role(Role.ADMIN, Role.AUTHOR)
def publish(request: MemberRequest, version_id: int) -> HttpResponse:
    """Admins (and authors where the institution allows): publish an approved version, after
    a preview of who will be asked and an explicit confirmation."""
    if not can_publish(request.membership):
        raise PermissionDenied("Only admins may publish in this institution.")
    org = active_org(request)
    version = get_for_org(
        Version.objects.select_related("guideline"),
        request,
        org_field="guideline__organization",
        pk=version_id,
    )
    form = PublishForm(request.POST or None, organization=org)
    step = request.POST.get("step", "preview") if request.method == "POST" else "choose"
    preview: dict[str, Any] | None = None
    changed_from: str | None = None
    if step in ("preview", "confirm") and form.is_valid():
        data = form.cleaned_data
        groups = list(data["target_groups"])
        choices = {
            "effective_date": data["effective_date"],
            "requires_acknowledgement": data["requires_acknowledgement"],
            "skip_reason": data["skip_reason"],
            "target_groups": groups,
            "due_date": data["due_date"],
            "next_review_date": data["next_review_date"],
            "audience_rule": form.audience_rule(),
        }
        try:
            services.check_publish(version=version, **choices)
        except services.PublishingError as exc:
            form.add_error(exc.field, str(exc))
            step = "choose"
        else:
            if data["requires_acknowledgement"]:
                rule = choices["audience_rule"]
                group_ids = [g.pk for g in groups] if groups else None
                preview = preview_audience(org.pk, group_ids, rule)
                preview["rule"] = not audience_rules.is_empty(rule) and describe_rule(org, rule)
            seen = request.POST.get("seen", "")
            if step == "confirm" and seen != _audience_signature(preview):
                # Someone joined, left or moved group since the preview: show it again.
                changed_from = _signature_total(seen)
                step = "preview"
            elif step == "confirm":
                try:
                    publication = services.publish(
                        version=version, by=request.user, request=request, **choices
                    )
                except services.PublishingError as exc:
                    form.add_error(exc.field, str(exc))
                    step = "choose"
                else:
                    asked = preview["total"] if preview else 0
                    messages.success(
                        request,
                        f"Version {version.number} is published, effective "
                        f"{fmt(publication.effective_date, 'long')}."
                        + (
                            f" {asked} {'person is' if asked == 1 else 'people are'} being asked "
                            "to acknowledge it."
                            if preview
                            else ""
                        ),
                    )
                    return redirect("publishing:campaigns")
    else:
        step = "choose"
    everyone = audience(org.pk, None).count() if step == "choose" else None
    if everyone is not None:
        form.fields["target_groups"].help_text = (
            f"Leave all unticked to ask everyone in the institution ({everyone} "
            f"{'person' if everyone == 1 else 'people'})."
        )
    return render(
        request,
        "publishing/publish.html",
        {
            "form": form,
            "version": version,
            "guideline": version.guideline,
            "current": in_force(version.guideline),
            "publishable": version.status == Version.Status.APPROVED,
            "step": step,
            "preview": preview,
            "seen": _audience_signature(preview),
            "changed_from": changed_from,
            "everyone": everyone,
            "named_audience": _guideline_audience(version),
            "chosen_groups": form.cleaned_data.get("target_groups") if step == "preview" else None,
        },
    )


@require_role(Role.ADMIN, Role.AUDITOR)
def campaigns(request: MemberRequest) -> HttpResponse:
    """Admins and auditors: published versions, their campaigns, and versions ready to publish."""
    org = active_org(request)
    publications = list(
        Publication.objects.filter(organization=org)
        .select_related("version", "guideline")
        .prefetch_related("campaigns")
        .order_by("guideline__title", "-version__number")[:50]
    )
    ready = list(
        Version.objects.filter(guideline__organization=org, status=Version.Status.APPROVED)
        .select_related("guideline")
        .order_by("guideline__title", "-number")
    )
    return render(
        request, "publishing/campaigns.html", {"publications": publications, "ready": ready}
    )


def _campaign(request: MemberRequest, pk: int) -> Campaign:
    return get_for_org(
        Campaign.objects.select_related("version__guideline", "publication", "organization"),
        request,
        pk=pk,
    )


@require_role(Role.ADMIN, Role.AUDITOR)
def tracking(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins and auditors: who acknowledged, by group, who is overdue; searchable roster."""
    campaign = _campaign(request, pk)
    form = RosterFilterForm(request.GET or None, organization=campaign.organization)
    filters = form.filters()
    day = timezone.localdate()
    can_remind = request.membership.has_role(Role.ADMIN)
    remindable = can_remind and campaign.is_open
    # One scan of the campaign gives the progress, by group and overall, and what a
    # reminder would do now; the groups' names come with the filter's list.
    figures = campaign_figures(
        campaign,
        today=day,
        group_names=form.group_names,
        fresh_since=start_of(day) if remindable else None,
    )
    # A reminder or request that never reached the person shows on their row: the latest
    # e-mail of each is read with the page's rows.
    paginator = Paginator(
        outbox.with_latest_email(
            roster(campaign, today=day, **filters), f"ack:{campaign.pk}"
        ).values_list(*tracking_rows.ROSTER_FIELDS),
        ROSTER_PAGE_SIZE,
    )
    if not any(filters.values()):
        # Unfiltered, the roster is the whole campaign: its size is already counted.
        overall = figures["overall"]
        paginator.__dict__["count"] = overall["total"] + overall["closed"] + overall["replaced"]
    page = paginator.get_page(request.GET.get("page"))
    overdue = (
        list(
            roster(campaign, status="overdue", today=day).values_list(
                *tracking_rows.OVERDUE_FIELDS
            )[:10]
        )
        if figures["overall"]["overdue"]
        else []
    )
    # The repeated rows are written in Python (see tracking_rows): through the template
    # language they were most of the page's own time.
    days = tracking_rows.Days()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "publishing/tracking.html",
        {
            "campaign": campaign,
            "figures": figures,
            "form": form,
            "page": page,
            "overdue": overdue,
            "group_rows": tracking_rows.group_rows(figures["groups"]),
            "overdue_items": tracking_rows.overdue_items(overdue, days),
            "roster_rows": tracking_rows.roster_rows(page.object_list, days, day),
            "query": query.urlencode(),
            "can_remind": can_remind,
            "outlook": outlook_from(figures["overall"], today=day) if remindable else None,
        },
    )


@require_role(Role.ADMIN, Role.AUDITOR)
def tracking_export(request: MemberRequest, pk: int) -> StreamingHttpResponse:
    """Admins and auditors: the filtered roster as CSV, streamed (on PostgreSQL straight from
    ``COPY``; see ``publishing.roster_csv``)."""
    campaign = _campaign(request, pk)
    form = RosterFilterForm(request.GET or None, organization=campaign.organization)
    qs = roster(campaign, **form.filters())
    record(
        "publishing.campaign.exported",
        actor=request.user,
        organization=campaign.organization,
        obj=campaign,
        guideline_id=campaign.version.guideline_id,
        details={"filters": {k: v for k, v in request.GET.items() if v}},
        request=request,
    )
    response = StreamingHttpResponse(
        roster_csv.rows(qs, today=timezone.localdate()), content_type="text/csv; charset=utf-8"
    )
    name = f"acknowledgements-{campaign.version.guideline.slug}-v{campaign.version.number}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


REMIND_CHOICES = {"overdue": "people overdue", "pending": "everyone not yet acknowledged"}


@require_POST
@require_role(Role.ADMIN)
def remind(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins: remind everyone overdue (or pending) now; each person once a day at most."""
    campaign = _campaign(request, pk)
    who = request.POST.get("who", "overdue")
    if who not in REMIND_CHOICES:
        messages.error(request, "Choose whom to remind: people overdue, or everyone pending.")
        return redirect("publishing:tracking", pk=campaign.pk)
    try:
        queued = services.request_reminders(
            campaign=campaign,
            by=request.user,
            everyone_pending=who == "pending",
            request=request,
        )
    except services.PublishingError as exc:
        messages.error(request, str(exc))
    else:
        if queued:
            people = "1 reminder" if queued == 1 else f"{queued} reminders"
            messages.success(request, f"{people} queued to {REMIND_CHOICES[who]}.")
        else:
            messages.info(
                request,
                f"No reminder sent: {REMIND_CHOICES[who]} were all reminded today. "
                "The next reminder can go tomorrow.",
            )
    return redirect("publishing:tracking", pk=campaign.pk)


# --- for auditors: the text in force on a date, and its evidence -----------------------------


@require_role(Role.ADMIN, Role.AUDITOR)
def in_force_on(request: MemberRequest) -> HttpResponse:
    """Admins and auditors: which text of a guideline was in force on a given date."""
    org = active_org(request)
    form = InForceForm(request.GET or None, organization=org)
    result = None
    asked = False
    retired = None
    campaigns: list[Campaign] = []
    if form.is_valid():
        asked = True
        guideline: Guideline = form.cleaned_data["guideline"]
        day = form.cleaned_data["date"]
        retired = retired_on(guideline)
        if retired is None or day < retired:
            result = in_force(guideline, on=day)
        if result is not None:
            campaigns = campaigns_of(result, on=day)
    signatures = list(result.version.signatures.order_by("signed_at")) if result else []
    return render(
        request,
        "publishing/in_force_on.html",
        {
            "form": form,
            "result": result,
            "asked": asked,
            "signatures": signatures,
            "retired": retired,
            "campaigns": campaigns,
        },
    )


@require_role(Role.ADMIN, Role.AUDITOR)
def evidence_pack(request: MemberRequest, publication_id: int) -> HttpResponseBase:
    """Admins and auditors: the ZIP evidence pack of one published version."""
    publication = get_for_org(
        Publication.objects.select_related("version__guideline", "organization"),
        request,
        pk=publication_id,
    )
    archive = build_evidence_pack(
        publication=publication,
        generated_by=request.user,
    )
    record(
        "audit.evidence_pack.downloaded",
        actor=request.user,
        organization=publication.organization,
        obj=publication.version,
        guideline_id=publication.guideline_id,
        request=request,
    )
    version = publication.version
    name = f"evidence-{version.guideline.slug}-v{version.number}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


@require_role(Role.ADMIN)
def retire(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins: confirm with a reason, then retire a guideline that no longer applies."""
    guideline = get_for_org(Guideline.objects.select_related("organization"), request, pk=pk)
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            retirement.retire_guideline(
                guideline=guideline,
                by=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except GuidelineError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"“{guideline.title}” retired. Its records stay readable.")
            return redirect("guidelines:detail", guideline.pk)
    return render(
        request,
        "publishing/retire.html",
        {
            "guideline": guideline,
            "form": form,
            "open_work": retirement.open_work(guideline),
            "open_campaigns": Campaign.objects.filter(
                version__guideline=guideline, status=Campaign.Status.OPEN
            ).count(),
        },
    )


@require_role(Role.ADMIN)
def attestation_settings(request: MemberRequest) -> HttpResponse:
    """Admins: how often staff attest (yearly cycles) and how long they have."""
    org = active_org(request)
    initial = {name: getattr(org, name) for name in services.SETTINGS_FIELDS}
    form = AttestationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = services.update_attestation_settings(
            organization=org, by=request.user, values=form.cleaned_data, request=request
        )
        messages.success(request, "Settings saved." if changed else "Nothing changed.")
        return redirect("publishing:attestation_settings")
    return render(request, "publishing/attestation_settings.html", {"form": form})


@require_role(Role.ADMIN)
def schedule(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins: when this campaign reminds people and tells their managers."""
    campaign = _campaign(request, pk)
    initial = {name: getattr(campaign, name) for name in Campaign.SCHEDULE_FIELDS}
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_schedule(
                campaign=campaign, by=request.user, values=form.cleaned_data, request=request
            )
        except services.PublishingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Reminder schedule saved." if changed else "Nothing changed.")
            return redirect("publishing:tracking", pk=campaign.pk)
    return render(
        request,
        "publishing/schedule.html",
        {
            "campaign": campaign,
            "form": form,
            "example": campaign.schedule().steps(
                campaign.due_date, until=campaign.due_date + dt.timedelta(days=28)
            ),
            "escalate_on": campaign.due_date + dt.timedelta(days=campaign.escalate_after_days)
            if campaign.escalate_after_days
            else None,
        },
    )
