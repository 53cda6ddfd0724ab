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

from .checks import (
    AFFILIATION,
    COMPROMISE,
    CONFLICTS,
    IMAGES,
    LOOKING_UP,
    NOT_ADVICE,
    PATIENT_INFORMATION,
    REPORT,
    TWO_FACTOR,
    at_least,
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
}

# Shared between sections so the legal caution reads the same wherever it appears.
LABOUR_LAW_CAUTION = (
    "Legal caution: a rule that stops staff from discussing their pay, hours or working "
    "conditions can be unlawful (in the US the National Labor Relations Act protects such "
    "discussion). Have legal review any limit on what staff may say about work."
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


def _body(help: str, required: bool = False) -> Field:
    return Field(
        "body", "Guidance", FieldKind.MARKDOWN, help=help, max_length=20000, required=required
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
    ),
    scenarios=(
        "An Instagram account using the hospital logo asks followers for donations. It is not "
        "on the list. What do you do?",
        "Your unit wants its own Facebook page. Whom do you ask, and what happens to the page "
        "when the colleague who set it up leaves?",
        "A colleague uses the official campaign hashtag on a personal post complaining about "
        "a patient's family. What should happen?",
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
            Only the accounts listed here speak for {institution}. A new official account must
            be approved by {contact_name}, {contact_role}, before it is created, and every
            official account must have at least two named administrators in the department
            that owns it.

            If you find an account that uses the {institution} name or logo but is not on this
            list, do not follow, reply to or share it. Send a link or screenshot to
            {contact_email} so the team can check it and report it to the platform.

            Use the official hashtags to join campaigns and events. Because a hashtag links
            your post to {institution}, you should only add one to posts you would be happy
            to see on our own pages.
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
            {institution}, you must make clear that you work here and that you speak for
            yourself, for example "I work at {institution}; views are my own." When you share a
            health opinion, state your credentials accurately.

            **Paid or gifted content.** If you receive money, free products or any other
            benefit for a post, you must say so clearly in the post itself.

            **Employee advocacy.** Sharing official content is always voluntary. You will never
            be asked to post something you disagree with or to pass off official content as
            your own words.

            Nothing in these guidelines limits your right to discuss your pay, hours or working
            conditions with colleagues or anyone else.
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
    ),
    scenarios=(
        "A patient thanks you publicly by name under a post. What do you do?",
        "You recognise a well-known local figure in the emergency department, and a friend "
        "asks you about it online.",
        "A colleague posts a funny, nameless story about a night shift that mentions the date "
        "and the unit. Is that a breach?",
        "A former patient sends a friend request to your personal account.",
    ),
    fields=(_body("How staff protect patient information online.", required=True),),
    starter={
        "body": _md(
            """
            Protecting patient information is part of everyone's job at {institution}, online
            as much as on the unit. The privacy law that applies to us (in the US, HIPAA) and
            our own privacy policies cover every post, comment, message and story, on official
            and personal accounts alike.

            - **No patient information.** You must never post anything about a patient or their
              care: names, initials, dates, room numbers, conditions, or any detail that could
              let someone work out who they are. Removing the name is not enough; a
              "de-identified" story can still identify a patient, especially in a small
              community.
            - **No photos or videos of patients.** Check the background of every image you take
              at work for faces, screens, whiteboards, wristbands and charts. Only the
              communications team may use patient photos or stories, and only with the
              patient's written consent.
            - **Never look patients up.** You must not search for patients online or on social
              media, and you must never use information from records or from your work to
              find them.
            - **Keep professional boundaries.** You should not send or accept friend requests
              from patients on personal accounts. Move a patient who contacts you about their
              care to an official channel, such as the patient portal or the clinic's phone
              line.
            - **When patients post about their own care**, do not confirm it or add details,
              even to thank them. Pass it to the social media team.

            If you think patient information has been posted, tell your manager and
            {contact_email} straight away so it can be removed quickly.
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
    ),
    scenarios=(
        "Someone describes their symptoms under your post and asks whether they should go to "
        "the emergency department.",
        "A viral post claims that a vaccine causes a condition, and a colleague wants to reply. "
        "What should the reply contain?",
        "You notice that a figure in one of your earlier posts was wrong. What do you do?",
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
            When you share health information, you should rely on current, evidence-based
            sources such as those listed here, and link to the source so readers can check it.
            Clinical content on official accounts must be reviewed by a qualified clinician
            before it is published.

            Our posts give general health information. They are not individual medical advice
            and do not replace a visit to a clinician. If someone asks about their own symptoms
            or treatment, do not diagnose or advise them online: thank them, suggest they speak
            to their own clinician, and in an emergency tell them to call emergency services.

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

            - Be respectful and inclusive. You must not post content that is discriminatory,
              harassing, threatening or demeaning, and you should not mock patients, colleagues
              or other professions.
            - Disagree with ideas, not people. If a discussion turns hostile, step away.
            - **Conflicts of interest.** You must disclose any conflict of interest when you
              post about a product, service, company or treatment, such as a payment,
              sponsorship, gift or financial stake.
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
            - Use a strong, unique password for every account, and a password manager to keep
              track of them.
            - You must turn on two-factor authentication for every official {institution}
              account, and you should turn it on for your personal accounts too.
            - Credentials for official accounts are held by named administrators in the
              approved password manager. They must never be shared by e-mail or message, and
              access must be removed on the day someone changes role or leaves.
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
        "regulations": [
            "HIPAA Privacy and Security Rules, or the privacy law that applies to you",
            "FTC Endorsement Guides: disclosing paid or other material connections",
            "FDA rules on advertising and promotion of drugs and medical devices",
            "State medical, nursing and pharmacy board rules on professional conduct",
            "Copyright and trademark law",
            "National Labor Relations Act: employees' right to discuss working conditions",
        ],
        "policy_url": "{policy_url}",
        "body": _md(
            """
            Posting on social media does not change which laws apply. The main ones for
            {institution} staff are listed here, and the [social media policy]({policy_url})
            explains how {institution} applies them.

            - Official campaigns that mention treatments, drugs, devices or outcomes must be
              reviewed by legal and compliance before they are published.
            - You must disclose any payment, gift or other connection when you endorse or
              review a product or service.
            - If you hold a licence, you are responsible for following your licensing board's
              rules on online conduct.
            - Use only images, music and text you have the right to use.
            - Posts, messages and even deleted content can be disclosed in legal proceedings.
              Never delete content that may be relevant to a complaint or claim; ask legal
              first.

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
    ),
    scenarios=(
        "A one-star review names a nurse and describes the reviewer's treatment in detail.",
        "Late on a Saturday, a commenter under a health post says they feel suicidal.",
        "A journalist sends a direct message asking about an incident in the emergency department.",
        "Rumours about an outbreak at the hospital are spreading in the comments.",
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
              spam or advertising, as our community guidelines allow.
            - **Escalate at once** anything involving a threat, a risk of harm, a possible
              emergency, media interest, a legal claim or a privacy breach. If someone seems
              to be in danger, tell them to call emergency services.
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
                "title": "Social media essentials for {institution} staff (e-learning)",
                "url": "{website}/learning/social-media",
            },
            {
                "title": "HIPAA for professionals (US Department of Health and Human Services)",
                "url": "https://www.hhs.gov/hipaa/for-professionals/index.html",
            },
            {
                "title": "Disclosures 101 for social media influencers (Federal Trade Commission)",
                "url": "https://www.ftc.gov/business-guidance/resources/"
                "disclosures-101-social-media-influencers",
            },
        ],
        "body": _md(
            """
            Everyone who manages an official {institution} account must complete the social
            media essentials course before they are given access, and refresh it every year.
            Other staff are encouraged to take it too.

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
        _body("Optional: out-of-hours arrangements and cover."),
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
            breach or a threat, call {contact_phone} or ask the hospital switchboard for the
            on-call communications lead.
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
    """The healthcare starter template filled with the institution's details, normalised."""
    values = _context(context)
    return {s.key: normalise(s, _fill(dict(s.starter), values)) for s in SECTIONS}
