"""Every named URL, every persona: who may use it is written down here, and checked.

The table is derived from nothing: it is the specification. A URL added to the site without
an entry fails ``test_every_url_has_an_entry``, so no view can forget its permissions.

Outcomes: "ok" (served: 2xx, or a redirect that is not to the sign-in page), "login" (sent to
sign in), 403 (a member without the role), 404 (another institution's object).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.middleware import SESSION_KEY as ORG_SESSION_KEY
from accounts.models import StaffGroup
from accounts.staff_import import create_import_job
from accounts.twofactor.services import has_device
from approvals.anchors import reader_text, section_html
from approvals.models import ApprovalRoute, ApprovalStage, Suggestion
from approvals.services import add_comment
from approvals.workflow import submit
from config import ids
from guidelines.sections import SECTIONS_BY_KEY
from guidelines.services import create_guideline, start_draft
from integrations import services as integrations
from integrations.models import Delivery, Endpoint, Event, EventType, Scope
from postcheck.models import SecondLook
from publishing import services as publishing
from sso.models import IdentityProvider
from tests.accounts.twofactor_support import enrol
from tests.factories import GuidelineFactory, MembershipFactory, VersionFactory
from tests.publishing.conftest import sign

PERSONAS = [
    "anonymous",
    "employee",
    "author",
    "legal",
    "compliance",
    "auditor",
    "admin",
    "outsider",
]
EVERYONE_IN_ORG = {"employee", "author", "legal", "compliance", "auditor", "admin"}
READERS = {"author", "legal", "compliance", "auditor", "admin"}  # guidelines list & versions
EDITORS = {"author", "admin"}


@dataclass
class Entry:
    allowed: set[str]  # personas that are served
    kwargs: Callable[[Any], dict[str, Any]] = lambda w: {}
    method: str = "get"
    public: bool = False  # anonymous (and outsiders) are served too
    org_object: bool = True  # the URL names an object of the institution (outsiders get 404)
    query: dict[str, str] = field(default_factory=dict)
    # Outcomes that differ from the rule, with the reason written next to them.
    override: dict[str, Any] = field(default_factory=dict)


def draft_key(w: Any) -> dict[str, Any]:
    return {"pk": w.draft_guideline.pk, "key": "privacy"}


def reader(w: Any, **extra: Any) -> dict[str, Any]:
    return {"org_slug": w.org.slug, "guideline_slug": w.guideline.slug, **extra}


MATRIX: dict[str, Entry] = {
    # The front door sends the anonymous to sign in, by design.
    "root": Entry(set(PERSONAS), public=True, org_object=False, override={"anonymous": "login"}),
    "healthz": Entry(set(PERSONAS), public=True, org_object=False),
    "favicon": Entry(set(PERSONAS), public=True, org_object=False),
    "accessibility": Entry(set(PERSONAS), public=True, org_object=False),
    "home": Entry(EVERYONE_IN_ORG | {"outsider"}, org_object=False),
    "accounts:login": Entry(set(PERSONAS), public=True, org_object=False),
    # Signing out lands everyone on the sign-in page.
    "accounts:logout": Entry(
        set(PERSONAS),
        method="post",
        public=True,
        org_object=False,
        override=dict.fromkeys(PERSONAS, "login"),
    ),
    "accounts:password_reset": Entry(set(PERSONAS), public=True, org_object=False),
    "accounts:password_reset_done": Entry(set(PERSONAS), public=True, org_object=False),
    "accounts:password_reset_confirm": Entry(
        set(PERSONAS),
        kwargs=lambda w: {"uidb64": "MQ", "token": "not-a-token"},
        public=True,
        org_object=False,
    ),
    "accounts:password_reset_complete": Entry(set(PERSONAS), public=True, org_object=False),
    "accounts:switch": Entry(EVERYONE_IN_ORG | {"outsider"}, method="post", org_object=False),
    # Anyone signed in sees the invitations addressed to them (none here: an empty list).
    "accounts:invitations": Entry(EVERYONE_IN_ORG | {"outsider"}, org_object=False),
    # Only the invited person may answer, and only while it is open: to everyone else, and
    # for a membership that is not an open invitation, there is nothing there.
    "accounts:invitation_respond": Entry(
        set(),
        kwargs=lambda w: {"pk": w.employee.membership.pk},
        method="post",
        org_object=False,
        override=dict.fromkeys(EVERYONE_IN_ORG | {"outsider"}, 404),
    ),
    "accounts:notifications": Entry(EVERYONE_IN_ORG | {"outsider"}, org_object=False),
    "accounts:email_settings": Entry(EVERYONE_IN_ORG | {"outsider"}, org_object=False),
    "accounts:people": Entry({"admin", "outsider"}, org_object=False),
    "accounts:invite": Entry({"admin", "outsider"}, org_object=False),
    "accounts:import_people": Entry({"admin", "outsider"}, org_object=False),
    "accounts:import_job": Entry({"admin"}, kwargs=lambda w: {"pk": w.import_job.pk}),
    "accounts:resend_invitations": Entry({"admin", "outsider"}, method="post", org_object=False),
    "accounts:groups": Entry({"admin", "outsider"}, org_object=False),
    "accounts:group_rule": Entry({"admin"}, kwargs=lambda w: {"pk": w.staff_group.pk}),
    "accounts:institution_settings": Entry({"admin", "outsider"}, org_object=False),
    "accounts:directory_sync": Entry({"admin", "outsider"}, org_object=False),
    # SCIM answers a directory's bearer token only: a signed-in session, anyone's, is 401.
    # Tokens of another institution get 404 for its ids (tests/accounts/test_scim.py).
    **{
        f"scim:{name}": Entry(
            set(),
            kwargs=(lambda w: {"pk": str(w.employee.membership.pk)})
            if name in ("user", "group")
            else (lambda w: {}),
            org_object=False,
            override=dict.fromkeys(PERSONAS, 401),
        )
        for name in (
            "users",
            "user",
            "groups",
            "group",
            "service_provider_config",
            "schemas",
            "resource_types",
        )
    },
    "accounts:security": Entry({"admin", "outsider"}, org_object=False),
    "accounts:person": Entry({"admin"}, kwargs=lambda w: {"pk": w.employee.membership.pk}),
    "accounts:person_active": Entry(
        {"admin"}, kwargs=lambda w: {"pk": w.employee.membership.pk}, method="post"
    ),
    "accounts:two_factor_reset": Entry(
        {"admin"}, kwargs=lambda w: {"pk": w.employee.membership.pk}, method="post"
    ),
    "accounts:two_factor": Entry(EVERYONE_IN_ORG | {"outsider"}, org_object=False),
    "accounts:two_factor_verify": Entry(EVERYONE_IN_ORG | {"outsider"}, org_object=False),
    "accounts:two_factor_disable": Entry(
        EVERYONE_IN_ORG | {"outsider"}, method="post", org_object=False
    ),
    "accounts:two_factor_recovery": Entry(
        EVERYONE_IN_ORG | {"outsider"}, method="post", org_object=False
    ),
    # Guidelines: authors and admins write; reviewers and auditors read.
    "guidelines:list": Entry(READERS | {"outsider"}, org_object=False),
    "guidelines:create": Entry(EDITORS | {"outsider"}, org_object=False),
    "guidelines:detail": Entry(READERS, kwargs=lambda w: {"pk": w.guideline.pk}),
    "guidelines:rename": Entry(EDITORS, kwargs=lambda w: {"pk": w.guideline.pk}),
    "guidelines:discard_draft": Entry(EDITORS, kwargs=lambda w: {"pk": w.draft_guideline.pk}),
    "publishing:retire": Entry({"admin"}, kwargs=lambda w: {"pk": w.guideline.pk}),
    "guidelines:new_draft": Entry(EDITORS, kwargs=lambda w: {"pk": w.guideline.pk}, method="post"),
    "guidelines:checklist": Entry(EDITORS, kwargs=lambda w: {"pk": w.draft_guideline.pk}),
    "guidelines:preview": Entry(
        EDITORS, kwargs=lambda w: {"pk": w.draft_guideline.pk}, method="post"
    ),
    "guidelines:quiz": Entry(EDITORS, kwargs=lambda w: {"pk": w.draft_guideline.pk}),
    "guidelines:cases": Entry(EDITORS, kwargs=lambda w: {"pk": w.draft_guideline.pk}),
    "guidelines:step": Entry(EDITORS, kwargs=draft_key),
    "guidelines:autosave": Entry(EDITORS, kwargs=draft_key, method="post"),
    "guidelines:section_history": Entry(EDITORS, kwargs=draft_key),
    "guidelines:restore": Entry(EDITORS, kwargs=draft_key, method="post"),
    "guidelines:confirm_fact": Entry(EDITORS, kwargs=draft_key, method="post"),
    "guidelines:document": Entry(
        READERS, kwargs=lambda w: {"pk": w.guideline.pk}, query={"version": "1"}
    ),
    "guidelines:version": Entry(READERS, kwargs=lambda w: {"pk": w.guideline.pk, "number": 1}),
    "guidelines:compare": Entry(
        READERS, kwargs=lambda w: {"pk": w.guideline.pk}, query={"a": "1", "b": "2"}
    ),
    "guidelines:compare_pdf": Entry(
        READERS, kwargs=lambda w: {"pk": w.guideline.pk}, query={"old": "1", "new": "1"}
    ),
    # Approvals.
    "approvals:inbox": Entry({"legal", "compliance"}, org_object=False),
    "approvals:route": Entry({"admin", "outsider"}, org_object=False),
    "approvals:signed_by_me": Entry({"legal", "compliance"}, org_object=False),
    "approvals:submit": Entry(
        EDITORS, kwargs=lambda w: {"guideline_pk": w.draft_guideline.pk}, method="post"
    ),
    "approvals:review": Entry(
        {"author", "legal", "compliance", "auditor", "admin"}, kwargs=lambda w: {"pk": w.review.pk}
    ),
    "approvals:seen": Entry(
        {"author", "legal", "compliance", "auditor", "admin"},
        kwargs=lambda w: {"pk": w.review.pk},
        method="post",
    ),
    "approvals:sign_off": Entry(
        {"legal", "compliance"}, kwargs=lambda w: {"pk": w.review.pk}, method="post"
    ),
    "approvals:request_changes": Entry(
        {"legal", "compliance"}, kwargs=lambda w: {"pk": w.review.pk}, method="post"
    ),
    "approvals:withdraw": Entry(EDITORS, kwargs=lambda w: {"pk": w.review.pk}, method="post"),
    "approvals:comment": Entry(
        {"author", "legal", "compliance", "admin"},
        kwargs=lambda w: {"pk": w.review.pk},
        method="post",
    ),
    # The world's thread was opened by Legal: a reviewer's thread is closed by a reviewer of
    # the route, so the author and the admin (no reviewer role) are refused too.
    # Admins may resolve some threads, so the outsider (an admin elsewhere) is not found.
    "approvals:resolve": Entry(
        {"legal", "compliance"},
        kwargs=lambda w: {"pk": w.comment.pk},
        method="post",
        override={"outsider": 404},
    ),
    # Replying from the wizard while revising (here nothing is being revised: a message says so).
    "approvals:reply": Entry(EDITORS, kwargs=lambda w: {"pk": w.comment.pk}, method="post"),
    "approvals:revise": Entry(EDITORS, kwargs=lambda w: {"pk": w.review.pk}, method="post"),
    # Suggested edits: the route's reviewers propose; authors and admins decide (here nothing
    # is being revised, so accepting says so and returns to the wizard).
    "approvals:suggest": Entry(
        {"legal", "compliance"}, kwargs=lambda w: {"pk": w.review.pk}, method="post"
    ),
    "approvals:accept_suggestion": Entry(
        EDITORS, kwargs=lambda w: {"pk": w.suggestion.pk}, method="post"
    ),
    "approvals:decline_suggestion": Entry(EDITORS, kwargs=lambda w: {"pk": w.suggestion.pk}),
    # Publishing: every member reads; the guideline here is not public.
    "publishing:guideline": Entry(EVERYONE_IN_ORG, kwargs=reader),
    "publishing:archive": Entry(EVERYONE_IN_ORG, kwargs=lambda w: reader(w, archive=None)),
    "publishing:version": Entry(EVERYONE_IN_ORG, kwargs=lambda w: reader(w, number=1)),
    "publishing:changes": Entry(
        EVERYONE_IN_ORG,
        kwargs=lambda w: {
            "org_slug": w.org.slug,
            "guideline_slug": w.twice_published.slug,
            "number": 2,
        },
    ),
    "publishing:pdf": Entry(EVERYONE_IN_ORG, kwargs=lambda w: reader(w, number=1)),
    "publishing:pdf_status": Entry(EVERYONE_IN_ORG, kwargs=lambda w: reader(w, number=1)),
    "publishing:card": Entry(EVERYONE_IN_ORG, kwargs=lambda w: reader(w, number=1)),
    "publishing:cases": Entry(EVERYONE_IN_ORG, kwargs=lambda w: reader(w, number=1)),
    "publishing:card_pdf": Entry(EVERYONE_IN_ORG, kwargs=lambda w: reader(w, number=1)),
    "publishing:official_accounts": Entry(
        set(PERSONAS), kwargs=lambda w: {"org_slug": w.org.slug}, public=True
    ),
    "publishing:official_accounts_poster": Entry(
        {"admin"}, kwargs=lambda w: {"org_slug": w.org.slug}
    ),
    "publishing:acknowledge": Entry(
        EVERYONE_IN_ORG, kwargs=lambda w: {"version_id": w.publication.version_id}
    ),
    "publishing:my_acknowledgements": Entry(EVERYONE_IN_ORG | {"outsider"}, org_object=False),
    "publishing:publish": Entry(
        {"admin"}, kwargs=lambda w: {"version_id": w.publication.version_id}
    ),
    "publishing:campaigns": Entry({"admin", "auditor", "outsider"}, org_object=False),
    "publishing:attestation_settings": Entry({"admin", "outsider"}, org_object=False),
    "publishing:tracking": Entry({"admin", "auditor"}, kwargs=lambda w: {"pk": w.campaign.pk}),
    "publishing:tracking_export": Entry(
        {"admin", "auditor"}, kwargs=lambda w: {"pk": w.campaign.pk}
    ),
    "publishing:remind": Entry({"admin"}, kwargs=lambda w: {"pk": w.campaign.pk}, method="post"),
    "publishing:schedule": Entry({"admin"}, kwargs=lambda w: {"pk": w.campaign.pk}),
    "publishing:in_force_on": Entry({"admin", "auditor", "outsider"}, org_object=False),
    "publishing:evidence_pack": Entry(
        {"admin", "auditor"}, kwargs=lambda w: {"publication_id": w.publication.pk}
    ),
    # Audit.
    "audit:events": Entry({"admin", "auditor", "outsider"}, org_object=False),
    "audit:export": Entry({"admin", "auditor", "outsider"}, org_object=False),
    "audit:people": Entry(
        {"admin", "auditor", "outsider"}, org_object=False, query={"person": "ad"}
    ),
    "audit:check": Entry({"admin", "auditor", "outsider"}, org_object=False, method="post"),
    # Search: every member searches their own institution (the outsider, their own).
    "search:search": Entry(EVERYONE_IN_ORG | {"outsider"}, org_object=False, query={"q": "a"}),
    # Check my post: every member; the drafts sent for a second look are the social media
    # team's (authors and admins of that institution).
    "postcheck:check": Entry(EVERYONE_IN_ORG | {"outsider"}, org_object=False),
    "postcheck:help": Entry(EVERYONE_IN_ORG | {"outsider"}, org_object=False),
    "postcheck:second_looks": Entry(EDITORS | {"outsider"}, org_object=False),
    "postcheck:second_look": Entry(EDITORS, kwargs=lambda w: {"pk": w.second_look.pk}),
    # Single sign-on. Starting needs a switched-on provider; this world's is off.
    "sso:start": Entry(
        set(), method="post", public=True, org_object=False, override=dict.fromkeys(PERSONAS, 404)
    ),
    # Anyone may come back from a provider (without a sign-in under way: a clear refusal).
    "sso:oidc_callback": Entry(set(PERSONAS), public=True, org_object=False),
    # Charter's SAML metadata and answer address: public, but only for a SAML provider (this
    # world's provider speaks OpenID Connect, so there is nothing there).
    "sso:saml_metadata": Entry(
        set(),
        kwargs=lambda w: {"pk": w.idp.pk},
        public=True,
        org_object=False,
        override=dict.fromkeys(PERSONAS, 404),
    ),
    "sso:saml_acs": Entry(
        set(),
        kwargs=lambda w: {"pk": w.idp.pk},
        method="post",
        public=True,
        org_object=False,
        override=dict.fromkeys(PERSONAS, 404),
    ),
    "sso:providers": Entry({"admin", "outsider"}, org_object=False),
    "sso:provider_new": Entry({"admin", "outsider"}, org_object=False),
    "sso:policy": Entry({"admin", "outsider"}, method="post", org_object=False),
    "sso:provider": Entry({"admin"}, kwargs=lambda w: {"pk": w.idp.pk}),
    "sso:provider_test": Entry({"admin"}, kwargs=lambda w: {"pk": w.idp.pk}, method="post"),
    "sso:provider_switch": Entry({"admin"}, kwargs=lambda w: {"pk": w.idp.pk}, method="post"),
    # A fresh sign-in to confirm a signature: any member (without a provider that knows them,
    # or without a proof to collect, a message and back).
    "sso:reauth_start": Entry(EVERYONE_IN_ORG | {"outsider"}, method="post", org_object=False),
    "sso:reauth_done": Entry(EVERYONE_IN_ORG | {"outsider"}, org_object=False),
    # Integrations: admins only. The API itself answers tokens, never a session (401);
    # each token scope is checked in test_each_api_operation_needs_its_scope below.
    "integrations:index": Entry({"admin", "outsider"}, org_object=False),
    "integrations:tokens": Entry({"admin", "outsider"}, org_object=False),
    "integrations:token_revoke": Entry(
        {"admin"}, kwargs=lambda w: {"pk": w.api_token.pk}, method="post"
    ),
    "integrations:endpoint_new": Entry({"admin", "outsider"}, org_object=False),
    "integrations:endpoint": Entry({"admin"}, kwargs=lambda w: {"pk": w.endpoint.pk}),
    "integrations:endpoint_test": Entry(
        {"admin"}, kwargs=lambda w: {"pk": w.endpoint.pk}, method="post"
    ),
    "integrations:delivery_replay": Entry(
        {"admin"}, kwargs=lambda w: {"pk": w.delivery.pk}, method="post"
    ),
    # The API's description and its documentation page are public; its root is nothing.
    "api_v1:openapi-json": Entry(set(PERSONAS), public=True, org_object=False),
    "api_v1:openapi-view": Entry(set(PERSONAS), public=True, org_object=False),
    "api_v1:api-root": Entry(
        set(), public=True, org_object=False, override=dict.fromkeys(PERSONAS, 404)
    ),
}
# Each API operation: the scope it needs, its URL arguments and a query it answers.
API: dict[str, tuple[str | None, Callable[[Any], dict[str, Any]], dict[str, str]]] = {
    "token": (None, lambda w: {}, {}),
    "guidelines": (Scope.GUIDELINES, lambda w: {}, {}),
    "guideline": (Scope.GUIDELINES, lambda w: {"guideline_id": w.guideline.pk}, {}),
    "publications": (Scope.PUBLICATIONS, lambda w: {}, {}),
    "publication": (Scope.PUBLICATIONS, lambda w: {"publication_id": w.publication.pk}, {}),
    "campaigns": (Scope.CAMPAIGNS, lambda w: {}, {}),
    "campaign": (Scope.CAMPAIGNS, lambda w: {"campaign_id": w.campaign.pk}, {}),
    "person_status": (Scope.PEOPLE, lambda w: {}, {"email": "employee@riverside.test"}),
    "acknowledgements": (Scope.ACKNOWLEDGEMENTS, lambda w: {}, {}),
    "audit_events": (Scope.AUDIT, lambda w: {}, {}),
}
for _name, (_scope, _kwargs, _query) in API.items():
    MATRIX[f"api_v1:{_name}"] = Entry(
        set(),
        kwargs=_kwargs,
        org_object=False,
        query=_query,
        override=dict.fromkeys(PERSONAS, 401),
    )

# "archive" is not a URL argument; drop it (kept above only to show the reader shape).
MATRIX["publishing:archive"].kwargs = reader


def named_urls() -> list[str]:
    names: list[str] = []

    def walk(resolver: URLResolver, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # the Django admin has its own staff-only permissions
                inner = pattern.namespace or ""
                walk(pattern, f"{namespace}:{inner}".strip(":") if inner else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver(), "")
    return names


def test_every_url_has_an_entry():
    missing = sorted(set(named_urls()) - set(MATRIX))
    assert missing == [], f"Add these URLs to the permission matrix: {missing}"


def test_every_url_pattern_has_a_name():
    """The matrix is keyed by name: a pattern without one would be served unchecked."""
    unnamed: list[str] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    walk(pattern, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and not pattern.name:
                unnamed.append(prefix + str(pattern.pattern))

    walk(get_resolver(), "")
    assert unnamed == [], f"Name these URL patterns and add them to the matrix: {unnamed}"


def test_no_entry_for_a_url_that_is_gone():
    assert sorted(set(MATRIX) - set(named_urls())) == []


class World:
    """One institution with a published version, a review under way and an open draft."""

    def __init__(self, personas: dict[str, Any], org: Any) -> None:
        self.org = org
        for name, persona in personas.items():
            setattr(self, name, persona)
        author = personas["author"]
        route = ApprovalRoute.objects.create(organization=org)
        ApprovalStage.objects.create(
            route=route, order=1, reviewer_role=personas["legal"].membership.reviewer_roles.get()
        )
        ApprovalStage.objects.create(
            route=route,
            order=2,
            reviewer_role=personas["compliance"].membership.reviewer_roles.get(),
        )
        self.guideline = GuidelineFactory(
            organization=org, slug="social-media", created_by=author.user
        )
        v1 = VersionFactory(
            guideline=self.guideline, number=1, status="approved", created_by=author.user
        )
        sign(v1, personas["legal"], personas["compliance"])
        today = timezone.localdate()
        self.publication = publishing.publish(
            version=v1,
            by=personas["admin"].user,
            effective_date=today,
            requires_acknowledgement=True,
            skip_reason="",
            target_groups=[],
            due_date=today,
            next_review_date=None,
        )
        self.campaign = self.publication.campaign
        draft = start_draft(guideline=self.guideline, by=author.user, start="copy", copy_from=v1)
        self.review = submit(
            draft=draft,
            by=author.user,
            membership=author.membership,
            change_summary="Second version",
        )
        self.comment = add_comment(
            review=self.review,
            by=personas["legal"].user,
            membership=personas["legal"].membership,
            section_key="privacy",
            body="Please name the consent form.",
            # On some words, so every persona's review page draws them marked in the text.
            quote=" ".join(
                reader_text(
                    section_html(SECTIONS_BY_KEY["privacy"], self.review.version.content["privacy"])
                ).split()[:4]
            ),
        )
        self.suggestion = Suggestion.objects.create(
            guideline=self.guideline,
            review=self.review,
            version_number=self.review.version.number,
            section_key="privacy",
            quote="consent form",
            replacement="signed consent form",
            author=personas["legal"].user,
        )
        self.twice_published = GuidelineFactory(
            organization=org, slug="older", created_by=author.user
        )
        for number in (1, 2):
            version = VersionFactory(
                guideline=self.twice_published,
                number=number,
                status="approved",
                created_by=author.user,
            )
            sign(version, personas["legal"], personas["compliance"])
            publishing.publish(
                version=version,
                by=personas["admin"].user,
                effective_date=today,
                requires_acknowledgement=False,
                skip_reason="Wording only",
                target_groups=[],
                due_date=today,
                next_review_date=None,
            )
        self.draft_guideline = create_guideline(
            organization=org, by=author.user, title="Drafting guideline", start="template"
        )
        self.import_job, _ = create_import_job(
            organization=org,
            imported_by=personas["admin"].user,
            raw=b"email,name\nnew@riverside.test,New Person\n",
        )
        self.second_look = SecondLook.objects.create(
            organization=org, sent_by=personas["employee"].user, text="Draft for a second look"
        )
        # A token, and a webhook pointing at a closed port with one delivery to replay.
        self.api_token, _raw = integrations.issue_token(
            organization=org, by=personas["admin"].user, name="SIEM", scopes=["read:audit"], days=30
        )
        self.endpoint, _secret = integrations.create_endpoint(
            organization=org,
            by=personas["admin"].user,
            kind=Endpoint.Kind.WEBHOOK,
            name="Learning system",
            url="http://127.0.0.1:9/hook",
            events=[EventType.GUIDELINE_PUBLISHED],
        )
        event = Event.objects.create(organization=org, type=EventType.TEST, key="matrix")
        self.delivery = Delivery.objects.create(
            event=event, endpoint=self.endpoint, status=Delivery.Status.FAILED
        )
        # Off, and pointing at a closed port: nothing here reaches a network.
        self.idp = IdentityProvider.objects.create(
            organization=org,
            name="Staff account",
            protocol=IdentityProvider.Protocol.OIDC,
            email_domains="riverside.test",
            issuer="http://127.0.0.1:9",
            client_id="charter",
        )
        self.staff_group = StaffGroup.objects.create(organization=org, name="Ward 7")


@pytest.fixture
def world(org, admin, author, legal, compliance, auditor, employee, outsider):
    personas = {
        "admin": admin,
        "author": author,
        "legal": legal,
        "compliance": compliance,
        "auditor": auditor,
        "employee": employee,
        "outsider": outsider,
    }
    return World(personas, org)


def expected(entry: Entry, persona: str) -> Any:
    if persona in entry.override:
        return entry.override[persona]
    if persona in entry.allowed:
        return "ok"
    if persona == "anonymous":
        return "ok" if entry.public else "login"
    if persona == "outsider":
        # The outsider is an admin elsewhere: where admins may come, the object is simply
        # not there for them (404); where admins may not, their role stops them first (403).
        return 404 if entry.org_object and "admin" in entry.allowed else 403
    return 403


def outcome(response: Any) -> Any:
    if response.status_code == 401:  # a bearer-token API refusing a session
        return 401
    if response.status_code in (301, 302, 303):
        return "login" if "/accounts/login/" in response["Location"] else "ok"
    if response.status_code in (403, 404):
        return response.status_code
    if response.status_code >= 500:
        return response.status_code
    # 200, 400, 409, 422 ...: the view ran for this person (a refused action says why).
    return "ok"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission(world, client, name, django_capture_on_commit_callbacks):
    """Each persona in turn; each request rolled back so one person's POST can't affect the next."""
    entry = MATRIX[name]
    url = reverse(name, kwargs=entry.kwargs(world))
    send = client.post if entry.method == "post" else client.get
    wrong = []
    for persona in PERSONAS:
        client.logout()
        if persona != "anonymous":
            client.force_login(getattr(world, persona).user)
        with transaction.atomic(), django_capture_on_commit_callbacks(execute=False):
            response = send(url, entry.query)
            transaction.set_rollback(True)
        if outcome(response) != expected(entry, persona):
            wrong.append(
                f"{persona}: got {response.status_code}, expected {expected(entry, persona)}"
            )
    assert wrong == [], f"{entry.method.upper()} {url} ({name}):\n" + "\n".join(wrong)


# --- An admin of another institution acting on a shared person ----------------------------
# ``shared`` is a Riverside reviewer who also works at Lakeside; the outsider is Lakeside's
# admin. Lakeside's place for them is Lakeside's to manage; nothing reaches Riverside's place
# or the person's own credentials.


def _riverside_place_untouched(shared: Any) -> None:
    before = (True, False, "", {r.pk for r in shared.membership.reviewer_roles.all()})
    shared.membership.refresh_from_db()
    after = (
        shared.membership.is_active,
        shared.membership.is_admin,
        shared.membership.job_title,
        {r.pk for r in shared.membership.reviewer_roles.all()},
    )
    assert after == before
    shared.user.refresh_from_db()
    assert shared.user.is_active and shared.user.has_usable_password()


SHARED_PERSON_ACTIONS: dict[str, tuple[str, str, dict[str, str], int]] = {
    # case: (url name, method, data, status of the outsider's own request)
    "see their page": ("accounts:person", "get", {}, 200),
    "change their roles here": ("accounts:person", "post", {"is_admin": "on"}, 302),
    "deactivate them here": ("accounts:person_active", "post", {"active": "0"}, 302),
    "reset their two-factor": ("accounts:two_factor_reset", "post", {}, 302),
    "invite them again": ("accounts:invite", "post", {"full_name": "Sam"}, 200),
}


@pytest.mark.parametrize("case", sorted(SHARED_PERSON_ACTIONS))
def test_admin_of_another_institution_acting_on_a_shared_person(
    outsider, shared, case, mailoutbox, django_capture_on_commit_callbacks
):
    enrol(shared.user)
    name, method, data, status = SHARED_PERSON_ACTIONS[case]
    kwargs = {} if name == "accounts:invite" else {"pk": shared.elsewhere.pk}
    if name == "accounts:invite":
        data = {**data, "email": shared.email}
    client = outsider.client()
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(reverse(name, kwargs=kwargs), data)
    assert response.status_code == status, case
    _riverside_place_untouched(shared)
    assert has_device(shared.user), "their two-factor is theirs"
    assert mailoutbox == [], "no password link, no e-mail"
    # Riverside's place for the same person is simply not there for Lakeside's admin.
    if name != "accounts:invite":
        other = getattr(client, method)(reverse(name, kwargs={"pk": shared.membership.pk}), data)
        assert other.status_code == 404, case


# --- API tokens: every operation, every scope -----------------------------------------------


def test_every_api_operation_and_scope_is_listed():
    operations = {n.split(":", 1)[1] for n in named_urls() if n.startswith("api_v1:")}
    assert operations - {"openapi-json", "openapi-view", "api-root"} == set(API)
    assert {scope for scope, _k, _q in API.values() if scope} == set(Scope.values)


@pytest.mark.parametrize("name", sorted(API))
def test_each_api_operation_needs_its_scope(world, name):
    """Each scope on its own against the operation: its scope reads, every other scope is a
    403 problem (the token operation needs none); all other scopes together are 403 too;
    another institution's token sees none of Riverside's objects (404) and only its own
    institution in lists."""
    scope, kwargs, query = API[name]
    url = reverse(f"api_v1:{name}", kwargs=kwargs(world))

    def get(persona: Any, scopes: list[str]) -> Any:
        _token, raw = integrations.issue_token(
            organization=persona.org, by=persona.user, name="t", scopes=scopes, days=1
        )
        return Client().get(url, query, HTTP_AUTHORIZATION=f"Bearer {raw}")

    wrong = []
    for single in Scope.values:
        expected = 200 if scope is None or single == scope else 403
        response = get(world.admin, [single])
        if response.status_code != expected:
            wrong.append(f"{single}: {response.status_code}, expected {expected}")
        elif expected == 403 and response["Content-Type"] != "application/problem+json":
            wrong.append(f"{single}: 403 without a problem body")
    assert wrong == [], "\n".join(wrong)
    if scope:
        others = [s for s in Scope.values if s != scope]
        refused = get(world.admin, others)
        assert refused.status_code == 403
        assert refused["Content-Type"] == "application/problem+json"
    outsider = get(world.outsider, list(Scope.values))
    if kwargs(world) or name == "person_status":
        assert outsider.status_code == 404
    else:
        assert outsider.status_code == 200
        assert world.org.slug not in outsider.content.decode()


# --- An admin of two institutions ----------------------------------------------------------
# Lakeside's admin is made an admin of Riverside too. While Lakeside is the institution in use,
# none of Riverside's objects is there for them (404): acting on Riverside means switching to it
# first, so no page ever acts on one institution from the other (provider settings, people,
# directory sync, tokens, campaigns and reviews alike).


def test_an_admin_of_two_institutions_acts_only_on_the_one_in_use(
    world, client, django_capture_on_commit_callbacks
):
    dual = world.outsider
    MembershipFactory(user=dual.user, organization=world.org, is_admin=True)
    client.force_login(dual.user)
    session = client.session
    session[ORG_SESSION_KEY] = dual.org.pk
    session.save()
    # Reading a published guideline (/g/<institution>/<guideline>/…) shows the institution its
    # address names, by design, and only reads; public pages are anyone's. Every other object
    # is looked up in the institution in use.
    names = sorted(
        name
        for name, entry in MATRIX.items()
        if entry.org_object
        and not entry.public
        and "admin" in entry.allowed
        and "admin" not in entry.override
        and "guideline_slug" not in entry.kwargs(world)
    )
    assert {"sso:provider", "accounts:person", "publishing:official_accounts_poster"} <= set(names)
    wrong = []
    for name in names:
        entry = MATRIX[name]
        url = reverse(name, kwargs=entry.kwargs(world))
        send = client.post if entry.method == "post" else client.get
        with transaction.atomic(), django_capture_on_commit_callbacks(execute=False):
            response = send(url, entry.query)
            transaction.set_rollback(True)
        if response.status_code != 404:
            wrong.append(f"{entry.method.upper()} {url} ({name}): {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert client.session[ORG_SESSION_KEY] == dual.org.pk


# --- Ids from outside that no row can have --------------------------------------------------
# Past the largest 64-bit key, SQLite raises OverflowError (a 500) where PostgreSQL finds
# nothing. In a URL such an id matches no route; ticked in a form, it is an invalid choice.


def test_an_id_no_row_can_have_is_a_404_on_every_url(world, client):
    """As a persona the URL serves (the API: with a token of every scope)."""
    _token, raw = integrations.issue_token(
        organization=world.org, by=world.admin.user, name="t", scopes=list(Scope.values), days=1
    )
    wrong = []
    for name, entry in sorted(MATRIX.items()):
        kwargs = entry.kwargs(world)
        who = sorted(entry.allowed - {"anonymous", "outsider"})
        api = name.startswith("api_v1:")
        if not any(isinstance(value, int) for value in kwargs.values()) or not (who or api):
            continue
        client.logout()
        if who:
            client.force_login(getattr(world, who[0]).user)
        for number in (ids.MAX_ID, ids.MAX_ID + 1, 10**19 - 1):
            huge = {k: number if isinstance(v, int) else v for k, v in kwargs.items()}
            url = reverse(name, kwargs=huge)
            send = client.post if entry.method == "post" else client.get
            with transaction.atomic():
                if api:
                    response = send(url, entry.query, HTTP_AUTHORIZATION=f"Bearer {raw}")
                else:
                    response = send(url, entry.query)
                transaction.set_rollback(True)
            if response.status_code != 404:
                wrong.append(f"{entry.method.upper()} {url} ({name}): {response.status_code}")
    assert wrong == [], "\n".join(wrong)


def test_a_ticked_row_id_no_row_can_have_is_an_invalid_choice(world, client):
    client.force_login(world.admin.user)
    past = str(ids.MAX_ID + 1)
    approved = VersionFactory(
        guideline=GuidelineFactory(organization=world.org, created_by=world.author.user),
        number=1,
        status="approved",
        created_by=world.author.user,
    )
    sign(approved, world.legal, world.compliance)
    cases = [
        (
            reverse("publishing:publish", kwargs={"version_id": approved.pk}),
            {
                "step": "preview",
                "effective_date": "2030-01-01",
                "skip_reason": "Typed and kept",
                "target_groups": past,
                "exclude_groups": past,
                "include_directory_groups": past,
                "exclude_directory_groups": past,
            },
        ),
        (
            reverse("accounts:person", kwargs={"pk": world.employee.membership.pk}),
            {"job_title": "Typed and kept", "reviewer_roles": past},
        ),
        (
            reverse("accounts:group_rule", kwargs={"pk": world.staff_group.pk}),
            {"job_titles": "Typed and kept", "departments": past},
        ),
    ]
    for url, data in cases:
        response = client.post(url, data)
        assert response.status_code in (200, 400), url  # the form again, saying what is wrong
        body = response.content.decode()
        assert "is not a valid value" in body, url
        assert "Typed and kept" in body, url


def test_pages_answer_other_methods_with_405(world, client):
    """PUT, PATCH, DELETE and OPTIONS reach no page view, whoever asks, nor the API's
    description (the SCIM and API operations answer their own methods:
    tests/accounts/test_scim.py, tests/integrations)."""
    client.force_login(world.admin.user)
    wrong = []
    for name, entry in sorted(MATRIX.items()):
        if name.startswith(("scim:", "api_v1:")) and not name.startswith("api_v1:openapi"):
            continue
        url = reverse(name, kwargs=entry.kwargs(world))
        for method in ("put", "patch", "delete", "options"):
            response = getattr(client, method)(url)
            if response.status_code != 405:
                wrong.append(f"{method.upper()} {url} ({name}): {response.status_code}")
    assert wrong == [], "\n".join(wrong)
