"""The catalogue of guideline sections: the wizard's twelve steps, in reading order.

This is the only place a section is defined. Each entry carries its fields, the prompts and
scenario questions shown to the author, healthcare starter text written for Charter (with
``{placeholder}`` slots filled from the institution's details) and its completeness checks,
built from the factories and keyword patterns in ``guidelines/checks.py``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from . import facts, packs
from .checks import (
    AFFILIATION,
    COMPROMISE,
    CONFLICTS,
    GAP,
    HIDING,
    IMAGES,
    LOOKING_UP,
    NOT_ADVICE,
    OPTIONAL,
    PATIENT_INFORMATION,
    PERMISSION,
    REPORT,
    RULE_LANGUAGE,
    TWO_FACTOR,
    Contradiction,
    at_least,
    contradiction,
    filled,
    mentions_any,
    mentions_together,
    one_of,
    rows_have,
    rows_valid_url,
    valid_url,
)
from .schema import Check, Content, Field, FieldKind, Section, empty_section, normalise

# A fictional institution for previews, demos and tests (reserved .example domain).
SAMPLE_CONTEXT: Mapping[str, str] = {
    "institution": "Riverside Health",
    "institution_handle": "RiversideHealth",
    "website": "https://www.riverside-health.example",
    "policy_url": "https://www.riverside-health.example/policies/social-media",
    "brand_url": "https://www.riverside-health.example/brand",
    "contact_name": "Jordan Lee",
    "contact_role": "Social Media Manager",
    "contact_email": "social@riverside-health.example",
    "contact_phone": "+1 555 010 2040",
    "jurisdiction": "us",
}

# Shared between sections so the legal caution reads the same wherever it appears.
LABOUR_LAW_CAUTION = (
    "Legal caution: a rule that stops staff from discussing their pay, hours or working "
    "conditions can be unlawful. In the US the National Labor Relations Act protects most "
    "private-sector employees, but not supervisors, and it does not cover public-sector "
    "employers, whose staff are protected by other laws instead. Have legal review any limit "
    "on what staff may say about work."
)


def _md(text: str) -> str:
    """Unwrap source-wrapped Markdown so each paragraph or list item is one line in the editor."""
    blocks = []
    for paragraph in textwrap.dedent(text).strip().split("\n\n"):
        lines: list[str] = []
        for line in paragraph.splitlines():
            if lines and not line.startswith(("- ", "* ")):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line.strip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _text(name: str, label: str, help: str = "", **kwargs: Any) -> Field:
    return Field(name, label, FieldKind.TEXT, help=help, **kwargs)


def _url(name: str, label: str, help: str = "", **kwargs: Any) -> Field:
    return Field(name, label, FieldKind.URL, help=help, max_length=500, **kwargs)


def _body(help: str, required: bool = False, headings: bool = True) -> Field:
    return Field(
        "body",
        "Guidance",
        FieldKind.MARKDOWN,
        help=help,
        max_length=20000,
        required=required,
        headings=headings,
    )


def _links_table(name: str, label: str, help: str, title_label: str) -> Field:
    return Field(
        name,
        label,
        FieldKind.TABLE,
        help=help,
        required=True,
        max_items=30,
        columns=(_text("title", title_label, required=True), _url("url", "Web address")),
        identity=("url",),
        item_label="{title}",
    )


PLATFORMS: tuple[str, ...] = (
    "Facebook",
    "Instagram",
    "LinkedIn",
    "X",
    "YouTube",
    "TikTok",
    "Threads",
    "Bluesky",
    "Other",
)
SEPARATE_ACCOUNTS_CHOICES: tuple[tuple[str, str], ...] = (
    ("required", "Separate personal and work accounts are required"),
    ("recommended", "Separate personal and work accounts are recommended"),
    ("not_required", "Separate personal and work accounts are not required"),
)


# --- Checks that read meaning, per section ------------------------------------------------------
# Each catches text that says the opposite of what its section is for, quotes the sentence and
# says why it matters. The sentences each must catch and must let through are in
# tests/guidelines/test_meaning_checks.py.


def _reads(code: str, message: str, rule: Contradiction, why: str, field: str = "body") -> Check:
    find = contradiction(rule, why)
    return Check(code, message, lambda data: not find(data), field, finder=find)


def _facts(key: str) -> Check:
    """On every section: facts the starter text asserts are confirmed or replaced."""
    return Check(
        f"{key}.facts",
        "Confirm or replace the facts marked in the starter text",
        lambda data: not facts.finder(data),
        "body",
        finder=facts.finder,
    )


def _tone(key: str) -> Check:
    """Advice on every section: rules and sanctions belong in the policy, not the guideline."""
    find = contradiction(
        Contradiction(subject=RULE_LANGUAGE, negatable=False),
        "reads as a rule or a sanction. Guidelines advise: say “should”, or move the rule and "
        "what happens when it is broken to the social media policy.",
    )
    check = Check(
        f"{key}.tone",
        "Write advice, and leave rules and sanctions to the policy",
        lambda data: not find(data),
        "body",
        finder=find,
        advisory=True,
    )
    return check


_PATIENT_THING = (
    r"\b(patients?|patient's|patients'|residents?|clients?)\b(?:\W+\w+){0,2}?\W+(information"
    r"|info|data|details|records?|names?|stories|story|photos?|pictures?|images?|videos?|faces?"
    r"|cases?|charts?|diagnos\w*|conditions?|x rays?|scans?|results?|wristbands?)\b"
)
_PATIENT_THING_OF = (
    r"\b(photos?|pictures?|images?|videos?|selfies?|stories|details|names?|x rays?|scans?)\b"
    r"(?:\W+\w+){0,2}?\W+patients?\b"
)
_SHARE = (
    r"\b(post|share|publish|upload|discuss|mention|tweet|tag|repost|describe|talk about"
    r"|include|reveal|disclose|show|blog about|write about)\w*"
)
_WORKING_CONDITIONS = (
    r"\b(pay|wages?|salar\w*|hours|working conditions|work conditions|staffing|short staff\w*"
    r"|unions?|benefits|workload|rotas?|schedules?)\b",
)
_SILENCING = (
    r"\b(never|don't|do not|not allowed to|may not|must not|can't|cannot|shouldn't|should not"
    r"|avoid|no)\b(?!\W+(restrict|limit|stop|prevent))(?:\W+\w+){0,3}?\W+(discuss|talk|post"
    r"|mention|complain|share|criticis|criticiz|comment|vent)\w*",
    r"\b(prohibited|forbidden|banned|not permitted)\b",
)
_LABOUR_WHY = (
    "reads as a ban on discussing pay, hours or working conditions. Such a rule can be unlawful "
    "(in the US, section 7 of the National Labor Relations Act protects most employees' right "
    "to discuss them); have legal review it."
)

# Australia: the advertising rules for regulated health services forbid testimonials.
_NO_TESTIMONIALS = Contradiction(
    subject=(
        r"\btestimonials?\b",
        r"\b(patient|client) (reviews?|success stories|stories|quotes)\b",
        r"\b(reviews?|success stories|quotes) from (patients|clients)\b",
    ),
    stance=(
        *PERMISSION,
        r"^(use|share|feature|post|publish|repost|quote)\b",
        r"\b(should|can|may|could|we|to) (use|share|feature|post|publish|repost|quote)\b",
        r"\bencourag\w*",
        r"\b(great|good|best|effective) way\b",
        r"\bto (promote|advertise|market)\b",
    ),
    conditions=(),
)
_NO_TESTIMONIALS_WHY = (
    "invites patient testimonials. In Australia the advertising rules for regulated health "
    "services do not allow testimonials about clinical care, including reposted reviews."
)

_BOSS = r"\b(managers?|supervisors?|boss|bosses|line managers?|team leads?|head of department)\b"

READS_SCOPE = (
    _reads(
        "scope.no_exemptions",
        "Don't exempt personal accounts or any group of staff",
        Contradiction(
            subject=(
                r"\b(personal (accounts?|profiles?|pages?|posts?)|private (accounts?|profiles?"
                r"|groups?|messages?)|own time|off duty|off the clock|outside (of )?work"
                r"|volunteers?|students?|contractors?|physicians?|residents?|agency staff"
                r"|senior (staff|leaders))\b",
                r"\b(guidelines?|they)\b(?:\W+\w+){0,2}?\W+only (apply|applies|cover|covers) "
                r"(to |on |at |during |when )?(official|on duty|at work|work|shifts?|the job)",
            ),
            stance=(
                r"\b(do not|don't|does not|doesn't|never) (apply|cover|concern|extend|count)\w*",
                r"\b(not covered|exempt\w*|outside (the |their )?scope|excluded|not bound)\b",
                r"\bonly (apply|applies|cover|covers|matter|matters) (to |on |at |during |when )?"
                r"(official|on duty|at work|work accounts|work|shifts?|the job)",
                r"\b(whatever you (like|want)|anything goes)\b",
            ),
            conditions=(),
        ),
        "leaves out people or accounts the guidelines exist to cover. A post from a personal "
        "account or a student can breach patient privacy just the same.",
    ),
    _reads(
        "scope.policy_first",
        "Keep the social media policy in charge where the two differ",
        Contradiction(
            subject=(
                r"\b(replace\w*|supersed\w*|override\w*|take\w* precedence over|win\w* over"
                r"|prevail\w* over)\W+(?:\w+\W+){0,3}?(policy|policies)\b",
                r"\bignore (the )?(social media )?(policy|policies)\b",
                r"\b(follow|use) (these|this|the) guidelines?\W+(?:\w+\W+){0,3}?(rather than"
                r"|instead of|over) (the )?(social media )?polic",
            ),
        ),
        "puts the guideline above the policy. The policy holds the rules and their consequences; "
        "the guideline advises and should defer to it.",
    ),
)

READS_ACCOUNTS = (
    _reads(
        "accounts.approval",
        "Don't let anyone open an official account without approval",
        Contradiction(
            subject=(
                r"\b(create|set up|sets up|setting up|open|start|launch|register)\w*"
                r"(?:\W+\w+){0,3}?\W+(official|department\w*|unit|team|ward|clinic|hospital"
                r"|service) (accounts?|pages?|channels?|profiles?|groups?)\b",
            ),
            stance=(
                *PERMISSION,
                r"\bwithout (asking|approval|permission|telling|sign off)\b",
                r"\bno (approval|permission|sign off|need to ask)\b",
                r"\b(anyone|any (team|department|unit|member of staff|employee))\b",
            ),
        ),
        "lets official accounts appear without approval. Unapproved accounts end up without "
        "owners, share passwords and are easy to mistake for impostors.",
        "body",
    ),
    _reads(
        "accounts.impostors",
        "Ask staff to report impostor accounts, not to follow or ignore them",
        Contradiction(
            subject=(
                r"\b(impostor|imposter|fake|unofficial|unlisted|copycat|parody|lookalike"
                r"|look alike)\w*\b(?:\W+\w+){0,2}?\W+(accounts?|pages?|profiles?)\b",
            ),
            stance=(
                *PERMISSION,
                r"\b(ignore\w*|harmless|no need to (report|tell|flag))\b",
                r"\b(follow|share|like|repost|engage with)\w* (them|it)\b",
            ),
        ),
        "tells staff to leave impostor accounts alone or engage with them. Fakes use the "
        "institution's name to scam patients; each one should be reported.",
        "body",
    ),
    _reads(
        "accounts.political",
        "Keep official accounts out of elections: no endorsing candidates or parties",
        Contradiction(
            subject=(
                r"\b(candidates?|political part(y|ies)|re ?elections?|election campaigns?"
                r"|campaigns? for (office|mayor|council|governor|parliament|congress))\b",
            ),
            stance=(r"\b(endors|back|campaign\w* for|promot|support|rall(y|ies) for)\w*",),
        ),
        "has an official account take sides in an election. The institution serves everyone, "
        "and tax and charity rules in many places forbid a hospital from campaigning.",
        "body",
    ),
)

READS_DOS_DONTS = (
    _reads(
        "dos_donts.dos_contradict",
        "Keep risky actions off the list of do's",
        Contradiction(
            subject=(
                _PATIENT_THING,
                _PATIENT_THING_OF,
                r"\b(medical|clinical|individual|personal|health) advice\b",
                r"\bdiagnos\w*",
                r"\bargu\w* with\b",
                r"\bfriend\w* (patients|your patients)\b",
            ),
            fields=("dos",),
        ),
        "appears as a do, but it is something staff should avoid: patient details, individual "
        "advice and public arguments are where most trouble starts.",
        "dos",
    ),
    _reads(
        "dos_donts.working_conditions",
        "Don't forbid talking about pay, hours or working conditions",
        Contradiction(subject=_WORKING_CONDITIONS, stance=_SILENCING, fields=("donts", "body")),
        _LABOUR_WHY,
        "donts",
    ),
)

READS_DISCLOSURE = (
    _reads(
        "disclosure.hiding",
        "Don't ask staff to hide where they work",
        Contradiction(
            subject=(
                r"\b(that you work|where you work|your (employer|affiliation|job|role|workplace)"
                r"|you work (here|at|for)|affiliation|employer|who you work for)\b",
            ),
            stance=HIDING,
        ),
        "tells staff to hide their affiliation. Readers are entitled to know when someone who "
        "works here talks about health or the institution; hiding it misleads them.",
    ),
    _reads(
        "disclosure.paid",
        "Ask for paid and gifted posts to be disclosed in the post itself",
        Contradiction(
            subject=(
                r"\b(paid|payments?|sponsor\w*|gift\w*|free (products?|samples?|stuff)"
                r"|freebies|compensat\w*|endorse\w*|material connections?|#ad|partnerships?)\b",
            ),
            stance=(
                *HIDING,
                *OPTIONAL,
                r"\bbio\b(?:\W+\w+){0,3}?\W+(is|are) (enough|sufficient|fine)\b",
                r"\b(need|needs|require|requires) no (disclos|label)\w*",
            ),
        ),
        "lets paid or gifted posts go undisclosed, or disclosed only in a profile. Endorsement "
        "rules expect the connection to be clear in the post itself.",
    ),
    _reads(
        "disclosure.working_conditions",
        "Don't forbid talking about pay, hours or working conditions",
        Contradiction(subject=_WORKING_CONDITIONS, stance=_SILENCING),
        _LABOUR_WHY,
    ),
    _reads(
        "disclosure.connecting",
        "Don't expect staff to connect with their managers online",
        Contradiction(
            subject=(
                r"\b(connect|friend|befriend)\w*(?:\W+\w+){0,3}?\W+" + _BOSS,
                r"\bfollow\w*(?:\W+\w+){0,3}?\W+" + _BOSS + r"('s)?(?:\W+\w+){0,2}?\W+(accounts?"
                r"|profiles?|posts|pages?|online)\b",
                _BOSS + r"'?s? (friend|connection|follow) requests?\b",
            ),
            stance=(
                r"^(please )?(accept|add|friend|follow|connect)\b",
                r"\b(must|should|ought to|have to|has to|need to|needs to|are expected|is expected"
                r"|expected to|required|obliged|mandatory|compulsory)\b",
            ),
        ),
        "expects staff to connect with their managers on personal accounts. Nobody should have "
        "to open their private life to the people who supervise them, and a request from a "
        "manager is hard to refuse.",
    ),
)

READS_PRIVACY = (
    _reads(
        "privacy.no_testimonials",
        "Don't invite testimonials in advertising for health services",
        _NO_TESTIMONIALS,
        _NO_TESTIMONIALS_WHY,
    ),
    _reads(
        "privacy.permission",
        "Don't give permission to share patient information",
        Contradiction(
            subject=(
                _SHARE + GAP + r"(" + _PATIENT_THING + r"|phi\b|patients?\b)",
                _PATIENT_THING_OF + GAP + r"(can|may|could) be (posted|shared|published)",
                _PATIENT_THING + GAP + r"(can|may|could) be (posted|shared|published"
                r"|discussed|mentioned|uploaded)",
            ),
            stance=(*PERMISSION, r"\b(can|may|could) be (posted|shared|published|discussed)\b"),
            conditions=(r"\bauthori[sz]ation\b", r"\bsigned\b", r"\bprivacy officer\b"),
        ),
        "reads as permission to share patient information. One identifying detail in a post is "
        "a privacy breach, so this section exists to say the opposite.",
    ),
    _reads(
        "privacy.looking_up",
        "Don't allow looking patients up online",
        Contradiction(subject=LOOKING_UP, stance=PERMISSION),
        "reads as permission to look patients up. Searching for patients outside their care "
        "intrudes on their privacy and can breach the privacy law, even if nothing is posted.",
    ),
    _reads(
        "privacy.deidentified",
        "Don't suggest that removing a name makes a story safe",
        Contradiction(
            subject=(
                r"\b(de ?identified|anonymi[sz]ed|anonymous|nameless|no names?|without (their "
                r"|a |the )?names?|(removing|remove|leave out|leaving out|blur\w*|change\w*|"
                r"chang\w*) (the |their |a )?(names?|faces?|initials))\b",
            ),
            stance=(
                *PERMISSION,
                r"\b(is|are) (enough|sufficient)\b",
                r"\bsuffices?\b",
                r"\bno one (can|could|will) (tell|know|recogni[sz]e)\b",
            ),
            conditions=(r"\bauthori[sz]ation\b", r"\bprivacy (officer|office|team)\b"),
        ),
        "treats a story without a name as safe. Patients are recognised from a date, a unit, a "
        "rare condition or a photo's background, so de-identification takes far more.",
    ),
)

READS_ACCURACY = (
    _reads(
        "accuracy.promising_advice",
        "Don't promise individual medical advice online",
        Contradiction(
            subject=(
                r"\b(medical|clinical|health|personal|personali[sz]ed|individual"
                r"|individuali[sz]ed|specific|treatment|diagnostic) (advice|recommendations?"
                r"|opinions?|consultations?)\b",
                r"\bdiagnos\w*",
                r"\bprescri\w*",
                r"\banswer\w* (their |your |people's |any )?(medical|health|clinical) questions\b",
                r"\badvis\w* (you|them|people|patients|followers)\b",
            ),
            stance=(
                *PERMISSION,
                r"\b(will|we'll|you'll|they'll|happy to|glad to|offer\w*|provid\w*|give|gives"
                r"|giving|get)\b",
                r"\b(we|our (team|nurses|doctors|clinicians|staff)) (answer|respond|reply)\w*",
            ),
        ),
        "promises individual advice online. Advice to someone who has not been examined can "
        "harm them, and a clinician can be held responsible for it; posts should stay general.",
    ),
    _reads(
        "accuracy.sources_optional",
        "Don't make checking sources optional",
        Contradiction(
            subject=(
                r"\b(sources?|fact check\w*|checking facts|evidence|references?|citations?"
                r"|cite\w*|clinical review\w*|reviewed by a clinician)\b",
            ),
            stance=OPTIONAL,
        ),
        "makes evidence optional. Health information from a hospital is trusted, so a wrong "
        "claim travels far; checking the source is the point of this section.",
    ),
)

READS_PROFESSIONALISM = (
    _reads(
        "professionalism.conflicts_hidden",
        "Don't let conflicts of interest go undisclosed",
        Contradiction(
            subject=(
                *CONFLICTS,
                r"\b(payments?|sponsor\w*|consult\w* (fees?|work|for)|shares|stock|stakes?)\b",
            ),
            stance=(
                *HIDING,
                *OPTIONAL,
                r"\bprivate matter\b",
                r"\bkeep (it|them|this) to yourself\b",
            ),
        ),
        "lets a conflict of interest go unsaid. Readers judge health claims by who benefits "
        "from them; an undisclosed interest misleads them and can breach board rules.",
    ),
    _reads(
        "professionalism.demeaning",
        "Don't allow mocking or harassing patients or colleagues",
        Contradiction(
            subject=(
                r"\b(mock\w*|ridicul\w*|make fun of|making fun of|jok\w* about|vent\w* about"
                r"|insult\w*|demean\w*|harass\w*|rant\w* about|gossip\w* about|belittl\w*)\b",
            ),
            stance=PERMISSION,
        ),
        "reads as permission to mock or demean people. What is posted in a private group is "
        "one screenshot away from the public, and the same conduct standards apply online.",
    ),
    _reads(
        "professionalism.working_conditions",
        "Don't forbid talking about pay, hours or working conditions",
        Contradiction(subject=_WORKING_CONDITIONS, stance=_SILENCING),
        _LABOUR_WHY,
    ),
)

READS_SECURITY = (
    _reads(
        "security.optional",
        "Don't make two-factor authentication or other protections optional",
        Contradiction(
            subject=(
                *TWO_FACTOR,
                r"\bpassword managers?\b",
                r"\b(strong|unique|long|different) passwords?\b",
                r"\b(software |security )?updates?\b",
                r"\bscreen locks?\b",
                r"\block\w* (your )?(phones?|devices?|screens?)\b",
            ),
            stance=(*OPTIONAL, r"\b(turn|switch)\w* (it |them )?off\b", r"\bdisabl\w*"),
        ),
        "makes a basic protection optional. Hijacked accounts are nearly always ones without "
        "two-factor authentication or with a reused password.",
    ),
    _reads(
        "security.sharing_credentials",
        "Don't allow passwords to be shared",
        Contradiction(
            subject=(
                r"\bshar\w*" + GAP + r"(passwords?|credentials|log ?in (details|codes?)"
                r"|logins?|codes?)\b",
                r"\b(passwords?|credentials|log ?in details|logins?)(?:\W+\w+){0,3}?\W+(can|may"
                r"|could) be (shared|sent|e ?mailed|texted|passed)\b",
            ),
            stance=(*PERMISSION, r"\b(can|may|could) be (shared|sent|e ?mailed|texted|passed)\b"),
            conditions=(r"\bpassword manager\b",),
        ),
        "lets passwords travel between people. Shared credentials cannot be withdrawn from one "
        "person and leave no record of who posted.",
    ),
    _reads(
        "security.not_reporting",
        "Ask staff to report a hacked account, not to handle it alone",
        Contradiction(
            subject=(*COMPROMISE, r"\bsuspicious (logins?|log ins?|sign ins?|messages?)\b"),
            stance=(
                r"\b(no need to|don't|do not|needn't|need not|never)\W+(bother to )?(report"
                r"|tell|call|contact|escalat|notify|inform)\w*",
                r"\b(ignore|can wait|handle it yourself|fix it yourself|just delete)\w*",
            ),
        ),
        "keeps a compromise from the people who can contain it. A hacked account needs the "
        "team and the platform at once, before it is used against followers.",
    ),
)

READS_REGULATORY = (
    _reads(
        "regulatory.no_testimonials",
        "Don't invite testimonials in advertising for health services",
        _NO_TESTIMONIALS,
        _NO_TESTIMONIALS_WHY,
    ),
    _reads(
        "regulatory.law_off",
        "Don't say the law stops at social media or personal accounts",
        Contradiction(
            subject=(
                r"\b(hipaa|privacy (law|laws|rules?|act)|gdpr|data protection|pipeda|phipa"
                r"|the law|laws|regulations?|board rules|licensing boards?|ftc|endorsement "
                r"(guides|rules)|advertising (rules|code))\b",
            ),
            stance=(
                r"\b(do not|don't|does not|doesn't|never) (apply|cover|matter|reach|extend)\w*",
                r"\b(not apply|not relevant|irrelevant|exempt\w*|outside (the |their )?scope"
                r"|no longer appl\w*)\b",
                r"\bonly appl\w* (at|to|on|during) (work|official|the job|shifts?)\b",
            ),
            conditions=(),
        ),
        "tells staff the rules stop at the edge of social media. Privacy, advertising and "
        "board rules apply to posts on every account.",
    ),
    _reads(
        "regulatory.deleting_evidence",
        "Don't advise deleting posts that a complaint or claim may concern",
        Contradiction(
            subject=(
                r"\b(delet\w*|remov\w*|destroy\w*|wip\w*|scrub\w*)\b(?:\W+\w+){0,8}?\W+"
                r"(complaints?|claims?|lawsuits?|investigations?|legal holds?|subpoena\w*"
                r"|litigation|court)\b",
                r"\b(complaints?|claims?|lawsuits?|investigations?|litigation)\b(?:\W+\w+){0,8}?"
                r"\W+(delet\w*|remov\w*|destroy\w*|wip\w*|scrub\w*)\b",
            ),
            stance=(
                *PERMISSION,
                r"\b(should|best to|helps?|quickly|immediately|straight away|right away|first)\b",
                r"^(delete|remove|destroy|wipe|scrub)",
            ),
        ),
        "advises deleting what a complaint or claim may concern. Deleted posts can still be "
        "disclosed, and destroying evidence under a legal hold is itself a serious problem.",
    ),
)

READS_RESPONSE = (
    _reads(
        "response.confirming_patients",
        "Don't confirm that someone is a patient in a reply",
        Contradiction(
            subject=(
                r"\bconfirm\w*\b(?:\W+\w+){0,4}?\W+(is|was|were|are|has been|have been) (a |our "
                r"|your )?(patients?|treated|seen|admitted)\b",
                r"\bconfirm\w* (their|a|the) (patient status|stay|visit|treatment|care)\b",
                r"\b(mention|discuss|refer to|comment on|describe|ask about)\w* (their|the "
                r"patient's|a patient's|the reviewer's|the commenter's|his|her) (care|treatment"
                r"|stay|visit|diagnosis|condition|procedure|surgery|results?)\b",
            ),
            stance=(
                *PERMISSION,
                r"\b(always|should|please|it's nice to|it is nice to|good idea)\b",
                r"^(confirm|mention|discuss|refer|describe|ask)",
            ),
        ),
        "confirms that someone is a patient, or discusses their care, in public. Even a kind "
        "reply can disclose that a person was treated here.",
    ),
    _reads(
        "response.crisis",
        "Escalate crises and threats at once instead of leaving them",
        Contradiction(
            subject=(
                r"\b(suicid\w*|self harm|harm (themselves|himself|herself)|in crisis|threat\w*"
                r"|emergenc\w*|at risk)\b",
            ),
            stance=(
                r"\b(ignore\w*|can wait|until monday|next (working|business) day"
                r"|no need to (escalat|respond|reply|act|call|tell)\w*)\b",
                r"\b(just )?(delete|hide) (it|the comment|them|the post)\b",
                r"\bnot our (job|problem|responsibility)\b",
            ),
        ),
        "leaves a person at risk or a threat without a response. Someone may be in danger; the "
        "team needs to act, point them to help and alert the on-call contact.",
    ),
)

READS_EDUCATION = (
    _reads(
        "education.optional_for_admins",
        "Don't make training optional for people who run official accounts",
        Contradiction(
            subject=(
                r"\b(training|course|e ?learning|module)\b(?:\W+\w+){0,12}?\W+(manag\w*|runs?"
                r"|running|administ\w*|admins?|official)\b",
                r"\b(manag\w*|runs?|running|administ\w*|admins?|official)\b(?:\W+\w+){0,12}?"
                r"\W+(training|course|e ?learning|module)\b",
            ),
            stance=(*OPTIONAL, r"\bwhen(ever)? (you|they) have time\b"),
        ),
        "lets people run official accounts without training. They speak for the institution "
        "to thousands of people and meet its hardest cases first.",
    ),
    _reads(
        "education.patient_education_alone",
        "Send patient education through clinical review, not straight to personal accounts",
        Contradiction(
            subject=(
                r"\b(patient education|health education|educational) (content|posts?|videos?)",
            ),
            stance=(
                r"\bwithout (any )?(review|checking|approval|a clinical review)\b",
                r"\bno (review|approval|checking) (is )?(needed|required)\b",
                r"\bneeds? no (review|checking|approval)\b",
                *OPTIONAL,
            ),
        ),
        "skips clinical review of health teaching. Educational posts are read as the "
        "institution's advice, so a qualified reviewer should check them first.",
    ),
)

READS_CONTACT = (
    _reads(
        "contact.urgent_waits",
        "Give urgent problems a route, instead of telling people to wait",
        Contradiction(
            subject=(
                r"\b(urgent\w*|emergenc\w*|out of hours|hack\w*|breach\w*|after hours|weekends?"
                r"|nights?|evenings?|holidays?)\b",
            ),
            stance=(
                r"\b(can|should|will|must|has to|have to) wait\b",
                r"\bwait (until|till|for) (monday|morning|office hours|the next (working"
                r"|business) day|business hours)\b",
                r"\b(don't|do not|no need to|never) (call|contact|phone|ring|e ?mail|bother|reach"
                r" out)\w*",
                r"\bno (one|out of hours|after hours|on call) (to call|contact|cover|service)\b",
                r"\bnot (available|reachable|staffed)\b",
            ),
        ),
        "leaves urgent problems without a route. A hacked account or a posted patient photo "
        "does harm by the hour, so staff need someone to call at any time.",
    ),
)


SCOPE = Section(
    key="scope",
    title="Purpose and scope",
    question="Who do these guidelines apply to?",
    why=(
        "Staff need to know at once whether these guidelines are about them and how they sit "
        "next to the rules they already follow. Naming the audience and linking the social "
        "media policy and the brand guide keeps three documents from contradicting each other."
    ),
    prompts=(
        "Which groups must follow these guidelines: employees, physicians with privileges, "
        "residents and students, volunteers, contractors, board members?",
        "Do the guidelines cover official accounts, personal accounts, or both? Say so plainly.",
        "Where do the rules and their consequences live (the social media policy), and where do "
        "voice and visuals live (the brand guide)?",
        "What should someone do when these guidelines and another policy seem to disagree?",
    ),
    scenarios=(
        "A visiting medical student asks whether she may post photos from her rotation. Do "
        "these guidelines apply to her?",
        "An agency runs a campaign on one of your official accounts. Which document tells it "
        "what it may post?",
        "A volunteer's personal profile says where they volunteer, and they post about a "
        "hospital fundraiser. Is that covered?",
    ),
    fields=(
        Field(
            "audience",
            "Who the guidelines apply to",
            FieldKind.LIST,
            help="One group per line, e.g. Employees, Physicians, Students, Volunteers.",
            max_length=300,
            max_items=20,
            required=True,
        ),
        _url(
            "policy_url",
            "Social media policy",
            "Link to the policy owned by legal or HR.",
            required=True,
        ),
        _url("brand_url", "Brand guide", "Link to the guide to voice and visuals.", required=True),
        _body("Purpose of the guidelines and how they relate to the policy and brand guide."),
    ),
    starter={
        "audience": [
            "Employees",
            "Physicians and other licensed practitioners",
            "Residents, fellows and students",
            "Volunteers",
            "Contractors and agency staff",
        ],
        "policy_url": "{policy_url}",
        "brand_url": "{brand_url}",
        "body": _md(
            """
            These guidelines explain how people who work or learn at {institution} should use
            social media, whether they post on an official {institution} account or on their
            own personal accounts.

            They are practical advice rather than a rulebook. The rules themselves, and what
            happens when they are broken, are set out in the
            [social media policy]({policy_url}). How {institution} looks and sounds online is
            set out in the [brand guide]({brand_url}). If anything here seems to conflict with
            the policy, the policy applies, and you should ask {contact_name}
            ({contact_email}) before you post.

            The standards of privacy, professionalism and respect you follow on the unit or in
            the clinic apply online too. Posts can be copied, shared and found years later,
            even when they were made on a private account.
            """
        ),
    },
    checks=(
        Check("scope.audience", "Say who the guidelines apply to", filled("audience"), "audience"),
        Check(
            "scope.policy_url",
            "Link the social media policy with a full web address",
            valid_url("policy_url"),
            "policy_url",
        ),
        Check(
            "scope.brand_url",
            "Link the brand guide with a full web address",
            valid_url("brand_url"),
            "brand_url",
        ),
        *READS_SCOPE,
        _facts("scope"),
        _tone("scope"),
    ),
)

ACCOUNTS = Section(
    key="accounts",
    title="Official accounts and hashtags",
    question="Which accounts and hashtags are official?",
    why=(
        "Impostor accounts pose as hospitals to collect donations, spread misinformation or "
        "scam patients. A complete list of official accounts, with the department that owns "
        "each, lets staff and the public tell the real ones from fakes and tells staff where "
        "to send content."
    ),
    prompts=(
        "List every account that speaks for the institution, including foundation, "
        "recruitment, research and department accounts.",
        "Who runs each account day to day, and who approves a new official account?",
        "Which hashtags should staff use for campaigns, events and recruitment?",
        "What should staff do when they find an account that looks official but is not listed?",
        "How long are posts, comments and messages on official accounts kept, who applies a "
        "legal hold, and does public-records law apply to your institution?",
        "Do official accounts ever take sides in elections? Say that they do not endorse "
        "candidates or parties.",
    ),
    scenarios=(
        "An Instagram account using the hospital logo asks followers for donations. It is not "
        "on the list. What do you do?",
        "Your unit wants its own Facebook page. Whom do you ask, and what happens to the page "
        "when the colleague who set it up leaves?",
        "A colleague uses the official campaign hashtag on a personal post complaining about "
        "a patient's family. What should happen?",
        "A patient sends the official account a direct message with her test results attached. "
        "What happens to that message?",
        "A candidate for mayor asks to film a campaign video in the lobby and tag the official "
        "account.",
    ),
    fields=(
        Field(
            "accounts",
            "Official accounts",
            FieldKind.TABLE,
            help="Every account that speaks for the institution.",
            required=True,
            max_items=50,
            columns=(
                Field(
                    "platform",
                    "Platform",
                    FieldKind.CHOICE,
                    required=True,
                    choices=tuple((p, p) for p in PLATFORMS),
                ),
                _text(
                    "handle",
                    "Handle",
                    "As shown on the platform, e.g. @RiversideHealth.",
                    required=True,
                    max_length=100,
                ),
                _url("url", "Web address"),
                _text("department", "Owning department"),
            ),
            identity=("platform", "handle"),
            item_label="account {handle} on {platform}",
        ),
        Field(
            "hashtags",
            "Official hashtags",
            FieldKind.LIST,
            help="One hashtag per line.",
            max_length=100,
            max_items=30,
        ),
        _body("Who may create accounts, who runs them, and how to report impostors."),
    ),
    starter={
        "accounts": [
            {
                "platform": "Facebook",
                "handle": "@{institution_handle}",
                "url": "https://www.facebook.com/{institution_handle}",
                "department": "Communications",
            },
            {
                "platform": "Instagram",
                "handle": "@{institution_handle}",
                "url": "https://www.instagram.com/{institution_handle}",
                "department": "Communications",
            },
            {
                "platform": "LinkedIn",
                "handle": "@{institution_handle}",
                "url": "https://www.linkedin.com/company/{institution_handle}",
                "department": "Human Resources",
            },
            {
                "platform": "YouTube",
                "handle": "@{institution_handle}",
                "url": "https://www.youtube.com/@{institution_handle}",
                "department": "Communications",
            },
        ],
        "hashtags": [
            "#{institution_handle}",
            "#{institution_handle}Careers",
            "#{institution_handle}Proud",
        ],
        "body": _md(
            """
            Only the accounts listed here speak for {institution}. Before a new official
            account is created, {contact_name}, {contact_role}, should approve it, and each
            official account should have [[confirm: two named administrators]] in the department
            that owns it, so that nobody is locked out when one of them is away or leaves.

            If you find an account that uses the {institution} name or logo but is not on this
            list, do not follow, reply to or share it. Send a link or screenshot to
            {contact_email} so the team can check it and report it to the platform.

            Use the official hashtags to join campaigns and events. Because a hashtag links
            your post to {institution}, add one only to posts you would be happy to see on our
            own pages.

            **Records of official accounts.** Posts, comments and direct messages on official
            accounts are records of {institution}. They are kept for as long as the records
            retention schedule says, and a legal hold overrides any routine clean-up. If
            {institution} is a public body, {public_records} may also give people a right to
            see them. Patient information that arrives in a direct message is patient
            information like any other: move the conversation to a secure channel and do not
            copy it elsewhere.

            Official accounts do not endorse political candidates or parties.
            """
        ),
    },
    checks=(
        Check(
            "accounts.account",
            "List at least one official account",
            at_least("accounts", 1),
            "accounts",
        ),
        Check(
            "accounts.platform_and_handle",
            "Give every account a platform and a handle",
            rows_have("accounts", "platform", "handle"),
            "accounts",
        ),
        Check(
            "accounts.records",
            "Say how posts, comments and messages on official accounts are kept as records",
            mentions_any(r"\bretention\b", r"\brecords?\b", r"\barchiv\w*"),
            "body",
        ),
        *READS_ACCOUNTS,
        _facts("accounts"),
        _tone("accounts"),
    ),
)

DOS_DONTS = Section(
    key="dos_donts",
    title="Do's and don'ts",
    question="What should I do, and what should I avoid?",
    why=(
        "Most staff will never read the whole guideline, but they will read a short list. "
        "The do's and don'ts are what people remember, so they should cover the situations "
        "staff meet most often."
    ),
    prompts=(
        "What do you want staff to do more of: share official posts, celebrate colleagues, "
        "promote events and vacancies?",
        "Which mistakes do you see most often: patient details, photos taken on the unit, "
        "arguments with critics?",
        "Keep each item to one line and start it with a verb.",
        "Can staff actually follow every don't? Blanket bans on talking about work need legal "
        "review, because they can be unlawful.",
    ),
    scenarios=(
        "A colleague wins an award and you want to congratulate her publicly. What should the "
        "post include, and what should it leave out?",
        "A competing hospital posts a claim you believe is wrong. Do you reply from your "
        "personal account?",
        "You are tagged in a photo from a staff celebration in which a patient whiteboard is "
        "visible in the background. What do you do?",
    ),
    fields=(
        Field(
            "dos",
            "Do",
            FieldKind.LIST,
            help="One item per line; at least three.",
            max_length=300,
            max_items=20,
            required=True,
        ),
        Field(
            "donts",
            "Don't",
            FieldKind.LIST,
            help="One item per line; at least three.",
            max_length=300,
            max_items=20,
            required=True,
        ),
        _body("Optional: a short introduction to the lists."),
    ),
    starter={
        "dos": [
            "Share and repost content from the official {institution} accounts.",
            "Say that you work at {institution} when you post about health or your job.",
            "Celebrate colleagues' achievements, with their permission.",
            "Point people with health questions to their own clinician or to {website}.",
            "Pause before you post: would you be comfortable if a patient, your manager or a "
            "journalist read it?",
            "Report impostor accounts and worrying posts to {contact_email}.",
        ],
        "donts": [
            "Don't post anything that could identify a patient, even without a name.",
            "Don't take photos or videos in clinical areas unless it is part of an approved "
            "project.",
            "Don't give medical advice to individuals online.",
            "Don't speak for {institution} unless that is part of your job.",
            "Don't get drawn into arguments with critics or other organisations; tell the "
            "social media team instead.",
            "Don't post when you are angry, exhausted or your judgement is impaired.",
        ],
        "body": _md(
            """
            These lists are a summary. The sections that follow explain each point, and the
            [social media policy]({policy_url}) sets out the rules.
            """
        ),
    },
    checks=(
        Check("dos_donts.dos", "List at least three do's", at_least("dos", 3), "dos"),
        Check("dos_donts.donts", "List at least three don'ts", at_least("donts", 3), "donts"),
        *READS_DOS_DONTS,
        _facts("dos_donts"),
        _tone("dos_donts"),
    ),
)

DISCLOSURE = Section(
    key="disclosure",
    title="Disclosure and advocacy",
    question="Can I post about my work, and how do I show that I work here?",
    why=(
        "Staff are often an institution's most trusted voices, and their posts can build pride "
        "and attract colleagues. Readers must still be able to tell a personal opinion from an "
        "official statement, and staff need to know whether work and personal life should "
        "share an account."
    ),
    prompts=(
        "Which work-related content do you want staff to share (vacancies, events, public "
        "news), and which should they leave to official accounts (incidents, clinical "
        "outcomes, anything under investigation)?",
        "Must personal and work accounts be separate, is it only recommended, or is it up to "
        "staff? Separate accounts never fully separate someone's personal and professional "
        "roles.",
        'How should staff show their affiliation: a line in the profile, a "views are my own" '
        "note, their credentials when they give a health opinion?",
        "Do you run an employee advocacy programme? Say what is voluntary and what support "
        "staff get.",
        LABOUR_LAW_CAUTION,
        "Where should a paid or gifted post say so? In the post itself, with #ad or the "
        "platform's paid-partnership label, not only in a profile.",
        "Are staff ever expected to connect with their supervisors online? Say that they are "
        "not, and what you advise about former patients and work e-mail addresses on personal "
        "profiles.",
        "Where can staff raise a concern about patient safety so that it gets acted on, without"
        " the guidelines limiting what they may lawfully say?",
    ),
    scenarios=(
        "A nurse wants to post a short video about a day in her life on the unit. What must "
        "she check before posting?",
        "A physician with a large following shares his view of a new treatment. How does he "
        "make clear he is not speaking for the hospital?",
        "A company offers an employee free products in exchange for a mention. What must the "
        "post disclose?",
        "A staff member wants to post about short staffing on last night's shift. What may the "
        "guidelines say, and what must they not forbid?",
        "A scrubs brand pays a nurse to post a video of herself in the hospital's uniform. What"
        " does the post need?",
        "An employee leaves a five-star review of the hospital without saying that he works there.",
    ),
    fields=(
        Field(
            "separate_accounts",
            "Separate personal and work accounts",
            FieldKind.CHOICE,
            help="The institution's stance on keeping personal and work accounts apart.",
            choices=SEPARATE_ACCOUNTS_CHOICES,
            required=True,
        ),
        _body(
            "What staff may post about work, how to disclose the affiliation, and advocacy.",
            required=True,
        ),
    ),
    starter={
        "separate_accounts": "recommended",
        "body": _md(
            """
            **Posting about your work.** You are welcome to share {institution}'s public news,
            vacancies, events and campaigns, and to talk about your own role and what you are
            proud of. Leave announcements about incidents, clinical outcomes, legal matters and
            anything under investigation to the official accounts.

            **Separate accounts.** We recommend that you keep a personal account separate from
            any account you use professionally. A separate account does not make you a private
            person, though: when people know where you work, what you post still reflects on
            you and on {institution}.

            **Disclose your affiliation.** When you post about health, your profession or
            {institution}, make clear that you work here and that you speak for yourself, for
            example "I work at {institution}, and these views are my own." When you share a
            health opinion, state your credentials accurately.

            **Paid or gifted content.** If you receive money, free products or any other
            benefit for a post, say so in the post itself, with #ad or the platform's
            paid-partnership label; a line in your profile is not enough on its own. Working at
            {institution} is itself a connection to mention when you review or praise it. A
            sponsored post that shows the {institution} uniform, badge or logo needs the social
            media team's approval first.

            **Your personal accounts.** You are never expected to connect with your manager or
            supervisor online. Think carefully before connecting with former patients, and
            keep any question about their care to official channels. Keep your work e-mail
            address off personal profiles, and do not use {institution}'s name or logo to
            support a political candidate or party.

            **Employee advocacy.** Sharing official content is always voluntary. You will never
            be asked to post something you disagree with or to pass off official content as
            your own words.

            Nothing in these guidelines limits your right to discuss your pay, hours or working
            conditions with colleagues or anyone else. If you are worried about patient safety,
            the quickest way to get it fixed is the incident reporting system or the patient
            safety office; using them does not take away any right you have to speak about it.
            """
        ),
    },
    checks=(
        Check(
            "disclosure.stance",
            "Say whether personal and work accounts must be separate",
            one_of("separate_accounts", tuple(v for v, _ in SEPARATE_ACCOUNTS_CHOICES)),
            "separate_accounts",
        ),
        Check(
            "disclosure.affiliation",
            'Explain how staff disclose that they work here ("views are my own")',
            mentions_any(*AFFILIATION),
            "body",
        ),
        Check(
            "disclosure.in_the_post",
            "Say that paid or gifted posts say so in the post itself (#ad or the platform's label)",
            mentions_any(r"\bin the post\b", r"#ad\b", r"\bpaid partnership\b"),
            "body",
        ),
        *READS_DISCLOSURE,
        _facts("disclosure"),
        _tone("disclosure"),
    ),
)

PRIVACY = Section(
    key="privacy",
    title="Confidentiality, compliance and privacy",
    question="How do I protect patients' privacy online?",
    why=(
        "Patients are identified from far less than a name: a date, a room, a rare condition, "
        "a tattoo at the edge of a photo. A single careless post can breach a patient's "
        "privacy, lead to complaints, fines and discipline, and cost the trust of every patient "
        "who sees it."
    ),
    prompts=(
        "Which privacy law applies to you (HIPAA in the US, or your local law), and where can "
        "staff read the privacy policy?",
        'Spell out that a "de-identified" story can still identify a patient, especially in a '
        "small community.",
        "What written consent is needed before a patient's photo, video or story is used, and "
        "who collects and keeps it?",
        "Say plainly that staff must not use their access, or their curiosity, to look patients "
        "up online.",
        "Where are the boundaries with patients: friend requests, direct messages, following "
        "a patient's account?",
        "Who is your Privacy Officer, and how do staff reach them when patient information has "
        "been posted? Say that an honest self-report is welcome.",
        "Which signed authorization or written consent do you use for patient images and "
        "stories, who keeps it, "
        "and what does it say about the use, the media, when it ends and how to withdraw it?",
        "Which tools, if any, are approved for sharing clinical images between colleagues?",
    ),
    scenarios=(
        "A patient thanks you publicly by name under a post. What do you do?",
        "You recognise a well-known local figure in the emergency department, and a friend "
        "asks you about it online.",
        "A colleague posts a funny, nameless story about a night shift that mentions the date "
        "and the unit. Is that a breach?",
        "A former patient sends a friend request to your personal account.",
        "You notice that a photo you posted last week shows a patient's name on a whiteboard. "
        "What do you do first, and whom do you tell?",
        "A nurse wants to post a memorial tribute, without a name, to a long-term patient who "
        "died.",
        "A colleague posts a wound photo to the ward's group chat to ask for advice.",
        "The parents of a child treated on the ward ask the team to film her going home and "
        "share it on the hospital's page. What is needed before anyone starts filming?",
    ),
    fields=(_body("How staff protect patient information online.", required=True),),
    starter={
        "body": _md(
            """
            Protecting patient information is part of everyone's job at {institution}, online
            as much as on the unit. The privacy law that applies to us ({privacy_law}) and our
            own privacy policies cover every post, comment, message and story, on official
            and personal accounts alike.

            - **No patient information.** Never post anything about a patient or their care:
              names, initials, dates, room numbers, conditions, or any detail that could let
              someone work out who they are.
            - **Removing a name does not de-identify.** A date, a unit, a rare condition, the
              background of a photo or a mutual connection can be enough for someone to
              recognise a patient. "Anonymous" stories from the ward, memorial posts about a
              patient who died and replies to a patient's family all carry that risk.
            - **Patient photos and stories** are used only by {consent_keeper}, and only with
              the patient's {consent}, {patient_stories}. Filming in care areas is arranged with
              Communications in advance.
            - **Clinical images between colleagues** go only through the tools and under the
              rules the privacy office has approved, never in personal chat groups.
            - **Never look patients up.** Do not search for patients online or on social media,
              and never use information from records or from your work to find them.
            - **Keep professional boundaries.** Do not send or accept friend requests from
              patients on personal accounts. Move a patient who contacts you about their care
              to an official channel, such as the patient portal or the clinic's phone line.
            - **When patients post about their own care**, do not confirm it or add details,
              even to thank them. Pass it to the social media team.

            **If patient information has been posted**, by you or anyone else, tell the Privacy
            Officer and {contact_email} at once; the Privacy Officer decides whether it is a
            breach that has to be reported. Note where and when it appeared and keep a
            screenshot for the Privacy Officer, then remove the post or ask the team to, so it
            spreads no further. If the post was yours, saying so straight away is the right
            thing to do, and it is welcomed.
            """
        ),
    },
    checks=(
        Check(
            "privacy.patient_information",
            "Say that patient information must never be posted",
            mentions_any(*PATIENT_INFORMATION),
            "body",
        ),
        Check(
            "privacy.patient_photos",
            "Cover photos, videos and other images of patients",
            mentions_any(*IMAGES),
            "body",
        ),
        Check(
            "privacy.searching_patients",
            "Say that staff must not look patients up online",
            mentions_any(*LOOKING_UP),
            "body",
        ),
        Check(
            "privacy.privacy_officer",
            "Say that a leak of patient information is reported to the Privacy Officer",
            mentions_any(r"\bprivacy (officer|office|lead|team)\b", r"\bdata protection officer\b"),
            "body",
        ),
        Check(
            "privacy.authorization",
            "Say that patient images and stories need the patient's signed authorization or "
            "written consent",
            mentions_any(
                r"\bauthori[sz]ation\b",
                r"\bsigned (consent|permission|release)\b",
                r"\b(explicit|signed) (written )?consent\b",
            ),
            "body",
        ),
        *READS_PRIVACY,
        _facts("privacy"),
        _tone("privacy"),
    ),
)

ACCURACY = Section(
    key="accuracy",
    title="Accuracy and reliability",
    question="How do I make sure what I share is accurate?",
    why=(
        "People trust health information that comes from a hospital and its staff, and "
        "misinformation travels faster than corrections. Posts must be evidence-based and "
        "clearly general, because advice given to one person without an examination can harm "
        "them and expose the clinician."
    ),
    prompts=(
        "Which sources should staff rely on and link to when they share health information?",
        "Who checks clinical content before it is posted on official accounts?",
        "How are mistakes corrected: an edit with a note, a visible correction, or deletion?",
        "Make clear that posts are general health information, never individual medical "
        "advice. What should staff reply when someone asks about their own symptoms?",
        "When a clinician's opinion departs from accepted guidance, how should they flag it?",
        "Which AI tools may staff use to draft posts, and is any of them covered by a business "
        "associate agreement (in the US) or another contract that protects patient information?",
        "How do clinicians with public educator accounts make clear they are not giving "
        "individual advice, and what do they do when followers in other states or provinces ask"
        " for it?",
    ),
    scenarios=(
        "Someone describes their symptoms under your post and asks whether they should go to "
        "the emergency department.",
        "A viral post claims that a vaccine causes a condition, and a colleague wants to reply. "
        "What should the reply contain?",
        "You notice that a figure in one of your earlier posts was wrong. What do you do?",
        "A colleague pastes a discharge summary into a chatbot to help write a patient story.",
        "A follower in another state asks a physician by direct message whether she should "
        "change her medication.",
    ),
    fields=(
        _links_table(
            "references",
            "Suggested references",
            "Reliable sources staff should use and cite.",
            "Source",
        ),
        _body(
            "Evidence, fact-checking, corrections and the limits of online advice.", required=True
        ),
    ),
    starter={
        "references": [
            {"title": "Centers for Disease Control and Prevention", "url": "https://www.cdc.gov/"},
            {"title": "World Health Organization", "url": "https://www.who.int/"},
            {
                "title": "MedlinePlus (US National Library of Medicine)",
                "url": "https://medlineplus.gov/",
            },
            {"title": "Cochrane Library", "url": "https://www.cochranelibrary.com/"},
        ],
        "body": _md(
            """
            When you share health information, rely on current, evidence-based sources such as
            those listed here, and link to the source so readers can check it. Clinical content
            on official accounts is reviewed by a qualified clinician before it is published.

            Our posts give general health information. They are not individual medical advice
            and do not replace a visit to a clinician. If someone asks about their own symptoms
            or treatment, do not diagnose or advise them online: thank them, suggest they speak
            to their own clinician, and in an emergency tell them to call emergency services.

            **Direct messages are not consultations.** A conversation in messages or comments
            does not start a clinician–patient relationship and should not try to: point the
            person to the patient portal or to book a visit. Clinicians are licensed where they
            practise, so advice to someone in {other_region} can also raise
            licensing questions. Clinicians who run educator accounts should say in their
            profile that their posts are general information, not medical advice.

            **Generative AI.** Do not put patient information into an AI tool unless
            {institution} has approved the tool for that use and its provider has signed
            {ai_agreement}. Label images that AI made or altered. Health content
            drafted with AI is reviewed by a clinician like any other, and we do not create
            synthetic patients or staff to illustrate posts.

            If you get something wrong, correct it openly: edit the post and say what changed,
            or post a correction. Do not quietly delete a post that others have already
            shared. If your opinion differs from accepted clinical guidance, say so clearly.
            """
        ),
    },
    checks=(
        Check(
            "accuracy.references",
            "Suggest at least one reference source",
            at_least("references", 1),
            "references",
        ),
        Check(
            "accuracy.advice_disclaimer",
            "Say that posts are not individual medical advice",
            mentions_any(*NOT_ADVICE),
            "body",
        ),
        Check(
            "accuracy.generative_ai",
            "Say how staff may use generative AI tools",
            mentions_any(r"\b(generative )?ai\b", r"\bartificial intelligence\b", r"\bchatbots?\b"),
            "body",
        ),
        *READS_ACCURACY,
        _facts("accuracy"),
        _tone("accuracy"),
    ),
)

PROFESSIONALISM = Section(
    key="professionalism",
    title="Professionalism",
    question="How should I behave online?",
    why=(
        "The standards are the same online as offline: licensing boards have disciplined "
        "clinicians for what they posted, and patients judge an institution by its staff. Tone, "
        "boundaries and conflicts of interest matter as much on a screen as at the bedside."
    ),
    prompts=(
        "What tone do you expect (respectful, inclusive, no harassment or discrimination), and "
        "how should staff handle heated debates?",
        "How must staff disclose conflicts of interest, such as industry payments, "
        "sponsorships or a financial stake in what they promote?",
        "What about posting during working hours, or from work devices?",
        "What should staff do if they are harassed or threatened online because of their work?",
        LABOUR_LAW_CAUTION,
    ),
    scenarios=(
        "A colleague posts a joke about a type of patient in a private group, and someone "
        "shares a screenshot.",
        "A physician who consults for a device company praises that company's new device.",
        "You receive abusive replies after a post about vaccination goes viral. What do you do?",
    ),
    fields=(_body("Tone, conduct, boundaries and conflicts of interest.", required=True),),
    starter={
        "body": _md(
            """
            The standards of conduct that apply at {institution} apply online too, including in
            private groups and messages; a screenshot makes nothing private.

            - Be respectful and inclusive. Discriminatory, harassing, threatening or demeaning
              content has no place in your posts, and you should not mock patients, colleagues
              or other professions.
            - Disagree with ideas, not people. If a discussion turns hostile, step away.
            - **Conflicts of interest.** Disclose any conflict of interest when you post about a
              product, service, company or treatment, such as a payment, sponsorship, gift or
              financial stake.
            - Ask colleagues before you post about their work or share a photo of them.
            - Personal posting should never get in the way of patient care, and you should use
              work devices in line with our IT policies.
            - If you are harassed or threatened online because of your work, do not respond.
              Keep screenshots and tell your manager and {contact_email}; we will support you.

            These guidelines do not restrict your right to talk about your pay, hours or
            working conditions.
            """
        ),
    },
    checks=(
        Check(
            "professionalism.conflicts_of_interest",
            "Explain how staff disclose conflicts of interest",
            mentions_any(*CONFLICTS),
            "body",
        ),
        *READS_PROFESSIONALISM,
        _facts("professionalism"),
        _tone("professionalism"),
    ),
)

SECURITY = Section(
    key="security",
    title="Security",
    question="How do I keep accounts secure?",
    why=(
        "A hijacked official account can post scams or misinformation to thousands of "
        "followers in minutes, and a compromised personal account can be used to impersonate "
        "staff. Strong passwords, two-factor authentication and knowing whom to call prevent "
        "most incidents and shorten the rest."
    ),
    prompts=(
        "Who holds the credentials for each official account, where are they stored, and how "
        "are they handed over when someone leaves?",
        "Is two-factor authentication required on official accounts, and recommended on "
        "personal ones?",
        'How can staff recognise phishing: fake "account suspended" notices, log-in requests, '
        "suspicious links?",
        "Exactly how, and to whom, should staff report a hacked or compromised account, "
        "including out of hours?",
    ),
    scenarios=(
        "A direct message claiming to be from the platform's support team asks you to log in to "
        '"verify" the hospital\'s page.',
        "A manager who left last year still has admin access to a department's page.",
        "Strange posts appear on an official account at 2 a.m. Whom do you call?",
    ),
    fields=(
        _body(
            "Passwords, two-factor authentication, phishing and reporting a compromise.",
            required=True,
        ),
    ),
    starter={
        "body": _md(
            """
            - Use a strong, unique password for every account, and
              [[confirm: the password manager {institution} provides]] to keep track of them.
            - Turn on two-factor authentication for every official {institution} account; it
              stops most takeovers. Turn it on for your personal accounts too.
            - Credentials for official accounts are held by the named administrators in the
              password manager, never sent by e-mail or message. How access is granted and
              removed is set out in the social media policy.
            - Be wary of phishing: messages that claim to come from a platform and ask you to
              log in, pay or "verify" an account. Go to the platform directly instead of
              following the link.
            - Keep the phones and computers you use for official accounts locked and up to
              date.

            **If you think an account has been hacked or compromised**, report it at once to
            {contact_name} at {contact_email} or {contact_phone}, and to the IT service desk.
            Do not delete anything; the team will secure the account and contact the platform.
            """
        ),
    },
    checks=(
        Check(
            "security.two_factor",
            "Require two-factor authentication",
            mentions_any(*TWO_FACTOR),
            "body",
        ),
        Check(
            "security.report_compromise",
            "Say how to report a hacked or compromised account",
            mentions_together(REPORT, COMPROMISE),
            "body",
        ),
        *READS_SECURITY,
        _facts("security"),
        _tone("security"),
    ),
)

REGULATORY = Section(
    key="regulatory",
    title="Legal and regulatory compliance",
    question="Which laws and rules apply to what I post?",
    why=(
        "Healthcare posts are covered by privacy law, rules on advertising and promotion, "
        "endorsement disclosure rules and professional board standards, and posts can be used "
        "as evidence. Naming the rules helps staff notice when a post needs a second look."
    ),
    prompts=(
        "Which privacy law applies: HIPAA, or your local equivalent?",
        "Do FDA (or your regulator's) rules on advertising and promotion of drugs and devices "
        "affect what official accounts or clinicians may say?",
        "How must paid relationships and endorsements be disclosed (in the US, the FTC "
        "Endorsement Guides)?",
        "Which medical, nursing and pharmacy board rules on online conduct apply to your staff?",
        "Who in legal or compliance reviews campaigns before they go out?",
    ),
    scenarios=(
        "A pharmaceutical company offers to sponsor a clinic's awareness-month post.",
        "A nurse shares a screenshot of a patient's glowing review on her personal account.",
        "A post is requested as evidence in a lawsuit. Would deleting it help?",
    ),
    fields=(
        Field(
            "regulations",
            "Laws and rules that apply",
            FieldKind.LIST,
            help="One per line, e.g. HIPAA, FTC Endorsement Guides, state board rules.",
            max_length=300,
            max_items=20,
            required=True,
        ),
        _url(
            "policy_url",
            "Social media policy",
            "Link to the policy owned by legal or HR.",
            required=True,
        ),
        _body("How the rules affect everyday posting."),
    ),
    starter={
        "regulations": [],  # the jurisdiction pack lists them (guidelines/packs.py)
        "policy_url": "{policy_url}",
        "body": _md(
            """
            Posting on social media does not change which laws apply. The main ones for
            {institution} staff are listed here, and the [social media policy]({policy_url})
            explains how {institution} applies them.

            - Official campaigns that mention treatments, drugs, devices or outcomes go to
              legal and compliance for review before they are published.
            - Disclose any payment, gift or other connection, including your job, when you
              endorse or review a product or service, and do it in the post itself, as
              {endorsement_rules} expect.
            - If you hold a licence, the rules of {regulators} on online conduct apply to what
              you post, on any account.
            - Use only images, music and text you have the right to use.
            - Posts, messages and even deleted content can be disclosed in legal proceedings.
              Patient information is taken down quickly once the Privacy Officer has a record
              of it; anything else that a complaint, claim or legal hold may concern stays up
              until legal has looked at it.

            If you are unsure whether a post is allowed, ask {contact_name} before you publish.
            """
        ),
    },
    checks=(
        Check(
            "regulatory.regulations",
            "Name at least one law or regulation",
            at_least("regulations", 1),
            "regulations",
        ),
        Check(
            "regulatory.policy_url",
            "Link the social media policy with a full web address",
            valid_url("policy_url"),
            "policy_url",
        ),
        *READS_REGULATORY,
        _facts("regulatory"),
        _tone("regulatory"),
    ),
)

RESPONSE = Section(
    key="response",
    title="Community guidelines and response management",
    question="How do we respond to comments, messages and reviews?",
    why=(
        "Replies are public and permanent, and they are often a patient's first contact with "
        "the institution online. Even a kind reply can breach privacy by confirming that "
        "someone is a patient, so staff need a clear route for complaints, misinformation and "
        "anything urgent."
    ),
    prompts=(
        "Who monitors comments, messages and reviews on official accounts, and when "
        "(evenings and weekends too)?",
        "How should staff answer praise, complaints and bad reviews without confirming that "
        "someone is a patient?",
        "What gets hidden or removed (abuse, spam, patient information), and where are the "
        "community guidelines published?",
        "Whom do staff escalate to for complaints, threats, media enquiries, misinformation and "
        "possible emergencies?",
        "During an incident or adverse event, who decides what official accounts say, and how "
        "do staff know to wait?",
        "What happens when a commenter seems at risk of harming themselves: which crisis line "
        "do you give, and whom do you alert?",
        "When are the official accounts watched, and where are those hours published?",
    ),
    scenarios=(
        "A one-star review names a nurse and describes the reviewer's treatment in detail.",
        "Late on a Saturday, a commenter under a health post says they feel suicidal.",
        "A journalist sends a direct message asking about an incident in the emergency department.",
        "Rumours about an outbreak at the hospital are spreading in the comments.",
        "A ward is evacuated during a fire alarm and staff outside start filming. What should "
        "be posted, and by whom?",
    ),
    fields=(
        _text(
            "escalation_contact",
            "Escalation contact",
            "Who staff escalate to: a person or team, with how to reach them.",
            required=True,
        ),
        _url(
            "community_guidelines_url",
            "Community guidelines",
            "Link to the public rules for commenting on official accounts.",
        ),
        _body("Responding to comments, reviews, misinformation and emergencies."),
    ),
    starter={
        "escalation_contact": "{contact_name}, {contact_role}: {contact_email}, {contact_phone}",
        "community_guidelines_url": "{website}/community-guidelines",
        "body": _md(
            """
            Only people who manage an official account reply on behalf of {institution}. If
            you are not one of them, leave the reply to the social media team and let them
            know about anything that needs attention.

            - **Never confirm that someone is a patient.** Even a warm "glad your stay went
              well" confirms it. Thank people, keep replies general, and offer a private
              channel: "Please contact our patient relations team through {website} so we can
              help."
            - **Complaints and negative reviews** get a calm, short public reply that moves the
              conversation to a private channel. Do not argue or discuss anyone's care in
              public.
            - **Misinformation** should get a brief, friendly correction with a link to a
              reliable source, or be flagged to the team.
            - **Hide or remove** comments that contain patient information, abuse, threats,
              spam or advertising, as our community guidelines
              ([[confirm: {website}/community-guidelines]]) allow.
            - **Escalate at once** anything involving a threat, a risk of harm, a possible
              emergency, media interest, a legal claim or a privacy breach.
            - **Someone at risk.** If a commenter seems at risk of harming themselves, reply
              promptly with the crisis line ({crisis_line}) and alert
              [[confirm: the on-call clinician through the switchboard]]. If they may be in
              immediate danger, tell them to call emergency services.
            - **Crises and adverse events.** Post nothing from the scene of an incident or an
              adverse event. Official accounts wait until incident command has agreed what to
              say.
            - **When the accounts are watched.** Official accounts are monitored
              [[confirm: on weekdays from 8 a.m. to 6 p.m.]] The hours are published with our
              community guidelines so that nobody mistakes a comment for an emergency line.
            """
        ),
    },
    checks=(
        Check(
            "response.escalation_contact",
            "Name who staff escalate to",
            filled("escalation_contact"),
            "escalation_contact",
        ),
        Check(
            "response.crisis_line",
            "Say what to do when a commenter may be at risk of harming themselves",
            mentions_any(
                r"\bcrisis (line|service|team|text)\b",
                r"\b988\b",
                r"\bsamaritans\b",
                r"\blifeline\b",
            ),
            "body",
        ),
        *READS_RESPONSE,
        _facts("response"),
        _tone("response"),
    ),
)

EDUCATION = Section(
    key="education",
    title="Education and training",
    question="Where can I learn more?",
    why=(
        "Guidelines work best when staff have practised applying them. Training walks through "
        "real cases, keeps up with changing platforms and helps clinicians use social media "
        "well for patient education."
    ),
    prompts=(
        "Which internal training should staff complete, and is it required before someone "
        "manages an official account?",
        "Which outside courses or resources on social media for healthcare professionals do you "
        "recommend?",
        "How can clinicians get help creating patient education content for official channels?",
        "How often is training refreshed, and how will staff hear about new versions of these "
        "guidelines?",
    ),
    scenarios=(
        "A new resident asks where she can learn what is and isn't acceptable to post.",
        "A department wants to start a patient education video series. What training and "
        "support does it need?",
    ),
    fields=(
        _links_table(
            "links",
            "Training and resources",
            "Courses and reading on social media in healthcare.",
            "Title",
        ),
        _body("Who must take which training, and help with patient education content."),
    ),
    starter={
        "links": [
            {
                "title": "[[confirm: Social media essentials for {institution} staff "
                "(e-learning)]]",
                "url": "{website}/learning/social-media",
            },
            # The jurisdiction pack adds its official sources after this row.
        ],
        "body": _md(
            """
            Everyone who manages an official {institution} account should complete
            [[confirm: the social media essentials e-learning course at
            {website}/learning/social-media]] before they are given access, and refresh it
            [[confirm: every year]]. Other staff are encouraged to take it too.

            If you would like to use social media for patient education, the social media team
            can help you plan content, have it checked by a clinical reviewer and publish it on
            an official channel. Write to {contact_email} to get started.
            """
        ),
    },
    checks=(
        Check(
            "education.links",
            "Add at least one training link, each with a valid web address",
            rows_valid_url("links", "url"),
            "links",
        ),
        *READS_EDUCATION,
        _facts("education"),
        _tone("education"),
    ),
)

CONTACT = Section(
    key="contact",
    title="Contact information",
    question="Whom can I ask?",
    why=(
        "Staff need one named contact to ask before they post, to report a problem to, and to "
        "reach in an emergency. Guidelines without a contact leave people guessing at the "
        "moment they most need help."
    ),
    prompts=(
        "Who is the social media point of contact, and who covers when they are away?",
        "Which e-mail address and phone number should staff use? A shared mailbox outlives any "
        "one person.",
        "Is there an out-of-hours route for urgent problems such as a hacked account or a "
        "privacy breach?",
    ),
    scenarios=(
        "On a Sunday evening a post on an official account shows a patient's face. Whom do you "
        "contact?",
        "You are not sure whether a post about your research is allowed. Whom can you ask "
        "before publishing?",
    ),
    fields=(
        _text("name", "Name", "A person or a team.", required=True),
        _text("role", "Role"),
        Field("email", "E-mail", FieldKind.EMAIL, max_length=254),
        Field("phone", "Phone", FieldKind.PHONE, max_length=40),
        _body("Optional: out-of-hours arrangements and cover.", headings=False),
    ),
    starter={
        "name": "{contact_name}",
        "role": "{contact_role}",
        "email": "{contact_email}",
        "phone": "{contact_phone}",
        "body": _md(
            """
            Ask the social media team about these guidelines or about whether a post is
            appropriate. For something urgent out of hours, such as a hacked account, a privacy
            breach or a threat, call {contact_phone} or
            [[confirm: ask the hospital switchboard for the on-call communications lead]].
            """
        ),
    },
    checks=(
        Check("contact.name", "Name the social media point of contact", filled("name"), "name"),
        Check(
            "contact.email_or_phone",
            "Give an e-mail address or a phone number",
            lambda data: bool(data.get("email") or data.get("phone")),
            "email",
        ),
        *READS_CONTACT,
        _facts("contact"),
        _tone("contact"),
    ),
)

SECTIONS: tuple[Section, ...] = (
    SCOPE,
    ACCOUNTS,
    DOS_DONTS,
    DISCLOSURE,
    PRIVACY,
    ACCURACY,
    PROFESSIONALISM,
    SECURITY,
    REGULATORY,
    RESPONSE,
    EDUCATION,
    CONTACT,
)
SECTIONS_BY_KEY: Mapping[str, Section] = {s.key: s for s in SECTIONS}


def get_section(key: str) -> Section:
    """The section with this key; KeyError for an unknown key, so typos fail loudly."""
    return SECTIONS_BY_KEY[key]


def empty_content() -> Content:
    """A blank guideline: every section present with every field empty."""
    return {s.key: empty_section(s) for s in SECTIONS}


def normalise_content(content: Mapping[str, Any] | None) -> Content:
    """A whole guideline in canonical form (every section, in order): what gets hashed."""
    source: Mapping[str, Any] = content if isinstance(content, Mapping) else {}
    return {s.key: normalise(s, source.get(s.key)) for s in SECTIONS}


class _Placeholders(dict[str, str]):
    """Leaves an unknown or blank placeholder visible as "[name]" instead of failing."""

    def __missing__(self, key: str) -> str:
        return f"[{key}]"


def _context(context: Mapping[str, str]) -> _Placeholders:
    values = _Placeholders()
    for key, value in context.items():
        text = " ".join(str(value or "").split())
        if not text:
            continue  # a blank detail stays visible as "[key]" rather than vanishing mid-sentence
        if key == "institution_handle":
            text = text.lstrip("@")  # the starter text adds "@" itself
        elif key == "website":
            text = text.rstrip("/")  # the starter text appends paths
        values[key] = text
    return values


def _fill(value: Any, values: _Placeholders) -> Any:
    if isinstance(value, str):
        return value.format_map(values)
    if isinstance(value, list | tuple):
        return [_fill(item, values) for item in value]
    if isinstance(value, Mapping):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


def starter_content(context: Mapping[str, str]) -> Content:
    """The healthcare starter template filled with the institution's details, normalised.

    ``context["jurisdiction"]`` picks the pack whose words, regulations and official
    references fill the jurisdiction-dependent parts (the United States when absent).
    """
    pack = packs.get_pack(context.get("jurisdiction"))
    values = _context({**pack.words, **context})
    filled = {s.key: _fill(dict(s.starter), values) for s in SECTIONS}
    filled["regulatory"]["regulations"] = list(pack.regulations)
    # The institution's own course first, then the pack's official sources.
    filled["education"]["links"] = [
        filled["education"]["links"][0],
        *({"title": title, "url": url} for title, url in pack.references),
    ]
    return {s.key: normalise(s, filled[s.key]) for s in SECTIONS}
