"""Checks that read meaning: per section, sentences that must be caught and sentences that must
not be. A sentence is read as the section's guidance text (for the do's and don'ts, the item
named before the colon)."""

from __future__ import annotations

import time

import pytest

from guidelines.checks import Contradiction, contradicting_sentence
from guidelines.facts import confirm_all
from guidelines.schema import run_checks
from guidelines.sections import SAMPLE_CONTEXT, SECTIONS, get_section, starter_content

TABLES: dict[str, dict[str, list[str]]] = {
    "scope": {
        "fail": [
            "These guidelines do not apply to personal accounts.",
            "Personal accounts are not covered by these guidelines.",
            "Volunteers are exempt from these guidelines.",
            "What you post on your own time is outside the scope of these guidelines.",
            "The guidelines only apply at work.",
            "Students and residents don't count as staff here.",
            "Off duty, anything goes.",
            "These guidelines override the social media policy.",
            "Where the two differ, these guidelines take precedence over the policy.",
            "Follow these guidelines rather than the policy.",
            "Contractors are not bound by these guidelines.",
            "You may ignore the social media policy when these guidelines say otherwise.",
        ],
        "pass": [
            "These guidelines apply to personal accounts too.",
            "They cover employees, volunteers, students and contractors.",
            "Posts made on your own time still reflect on the hospital.",
            "If these guidelines and the policy seem to disagree, the policy applies.",
            "The guidelines do not replace the social media policy.",
            "Do not assume the guidelines stop applying when you are off duty.",
            "A private account is not private once someone takes a screenshot.",
            "Physicians with privileges follow these guidelines as well.",
            "Ask the social media team when you are unsure whether a post is covered.",
            "The brand guide sets out how we look and sound online.",
            "Do these guidelines apply to agency staff?",
        ],
    },
    "accounts": {
        "fail": [
            "Any department can create its own official page without approval.",
            "Feel free to set up a unit page for your team.",
            "Anyone may open a department account.",
            "You can launch a clinic page with no approval needed.",
            "Teams are welcome to start their own ward accounts.",
            "Impostor accounts are harmless and can be ignored.",
            "It is fine to follow fake accounts that use our logo.",
            "Unofficial pages using our name are okay.",
            "You can ignore lookalike accounts.",
            "If you see a parody account, share it with friends.",
            "There is nothing wrong with copycat pages.",
        ],
        "pass": [
            "A new official account should be approved by the social media manager first.",
            "Never create an official account without approval.",
            "Report impostor accounts to the social media team.",
            "Do not follow or share fake accounts; send us a link instead.",
            "Each official account has at least two named administrators.",
            "Only the accounts listed here speak for the institution.",
            "If an account uses our logo but is not on this list, tell us.",
            "Departments that want their own page should ask the social media team.",
            "Use the official hashtags for campaigns and events.",
            "It is not okay to ignore impostor accounts.",
            "Can my unit have its own page?",
        ],
    },
    "dos_donts": {
        "fail": [
            "dos:Share patient stories that made your day.",
            "dos:Post photos of patients who are recovering well.",
            "dos:Give medical advice to followers who ask.",
            "dos:Diagnose friends' rashes when they post photos.",
            "dos:Argue with critics who are wrong.",
            "dos:Friend your patients so they can reach you.",
            "dos:Tag patient names in thank-you posts.",
            "donts:Don't discuss your pay online.",
            "donts:Never complain about staffing levels.",
            "donts:Don't post about working conditions.",
            "donts:Avoid criticising your hours or schedules in public.",
            "body:Staff may not talk about wages on social media.",
        ],
        "pass": [
            "dos:Share and repost content from the official accounts.",
            "dos:Celebrate colleagues' achievements, with their permission.",
            "dos:Point people with health questions to their own clinician.",
            "dos:Report impostor accounts to the social media team.",
            "dos:Say that you work here when you post about health.",
            "dos:Share official posts, never patient details.",
            "donts:Don't post anything that could identify a patient.",
            "donts:Don't give medical advice to individuals online.",
            "donts:Don't get drawn into arguments with critics.",
            "donts:Don't post when you are angry or exhausted.",
            "body:Nothing here limits your right to discuss pay, hours or working conditions.",
            "body:These lists are a summary of the sections that follow.",
        ],
    },
    "disclosure": {
        "fail": [
            "Never disclose that you work here.",
            "Don't mention your employer on social media.",
            "Keep your affiliation private when you post about health.",
            "Hide where you work if you comment on a treatment.",
            "You don't need to say you work at the hospital.",
            "There is no need to disclose free products you receive.",
            "Disclosure of sponsorships is optional.",
            "A #ad in your bio is enough for sponsored posts.",
            "Gifted items need no disclosure.",
            "Do not discuss your pay or hours online.",
            "Staff must not complain about staffing on social media.",
        ],
        "pass": [
            "Say that you work here when you post about health or your job.",
            "Add a line such as: views are my own.",
            "It is never acceptable to hide your affiliation when you review the hospital.",
            "Don't hesitate to mention your employer when it helps readers.",
            "If you receive free products, say so in the post itself.",
            "Disclose any payment or gift in the post, with #ad or the platform's label.",
            "Sharing official content is always voluntary.",
            "Nothing in these guidelines limits your right to discuss your pay.",
            "These guidelines do not restrict your right to talk about working conditions.",
            "We recommend a separate personal account.",
            "Should you say where you work?",
        ],
    },
    "privacy": {
        "fail": [
            "Feel free to post patient information if it is interesting.",
            "You can share patient stories with your friends.",
            "It's fine to post photos of patients who agree verbally.",
            "Patient details can be shared in private groups.",
            "You may discuss patients online as long as you are kind.",
            "Googling patients is fine.",
            "It is okay to look up patients on social media.",
            "You can search for patients online if you are curious.",
            "Removing the name is enough to protect a patient.",
            "Anonymous patient stories are fine to post.",
            "De-identified cases are safe to share.",
            "Staff are welcome to post about patients they cared for.",
        ],
        "pass": [
            "Never post patient information.",
            "You must not search for patients online.",
            "Googling patients is not fine.",
            "It is never acceptable to look patients up.",
            "Removing the name is not enough.",
            "A de-identified story can still identify a patient.",
            "Only Communications may use a patient's photo, and only with their signed "
            "authorization.",
            "Do not post photos of patients.",
            "Check the background of every photo for faces, screens and wristbands.",
            "Protecting patient information is part of everyone's job.",
            "Can I post a nameless story about a patient?",
        ],
    },
    "accuracy": {
        "fail": [
            "Our nurses will give personal advice in direct messages.",
            "Message us and we will diagnose your symptoms.",
            "Clinicians are happy to offer medical advice to followers.",
            "You can prescribe for people who contact you online.",
            "We answer medical questions by direct message.",
            "Feel free to give individual advice in comments.",
            "Our doctors will advise you in the comments.",
            "Citing sources is optional.",
            "There is no need to fact-check posts from colleagues.",
            "Checking the evidence is not necessary for short posts.",
            "You can skip the references if the post is short.",
        ],
        "pass": [
            "Our posts are general health information, not individual medical advice.",
            "Do not diagnose or advise people online.",
            "We never give personal advice in messages.",
            "Suggest they speak to their own clinician.",
            "Link to the source so readers can check it.",
            "Clinical content should be reviewed by a clinician before it is published.",
            "If you get something wrong, correct it openly.",
            "Checking sources is never optional.",
            "Citing sources is not optional.",
            "Send people with questions about their care to the patient portal.",
            "Can a nurse answer a question about symptoms?",
        ],
    },
    "professionalism": {
        "fail": [
            "Conflicts of interest are a private matter.",
            "You don't need to disclose industry payments.",
            "Disclosing a conflict of interest is optional.",
            "Keep sponsorships to yourself.",
            "Never mention consulting fees in your posts.",
            "Jokes about patients are fine in private groups.",
            "It's okay to make fun of other professions.",
            "You can vent about difficult patients online.",
            "Mocking colleagues is harmless fun.",
            "Feel free to rant about the night shift's patients.",
            "Do not post about your pay or working conditions.",
        ],
        "pass": [
            "Disclose any conflict of interest when you post about a product.",
            "Say when a company pays you.",
            "Be respectful and inclusive.",
            "You should not mock patients, colleagues or other professions.",
            "It is never okay to make fun of patients.",
            "If you are harassed online, keep screenshots and tell your manager.",
            "Disagree with ideas, not people.",
            "Ask colleagues before you share a photo of them.",
            "These guidelines do not restrict your right to talk about your pay.",
            "Hiding a conflict of interest misleads readers.",
            "Is it fine to joke about a patient in a private group?",
        ],
    },
    "security": {
        "fail": [
            "Two-factor authentication is optional.",
            "2FA is not required for personal accounts.",
            "You can turn off two-factor if it is annoying.",
            "A password manager is unnecessary.",
            "Using a unique password is up to you.",
            "You don't need to install software updates.",
            "Feel free to share passwords with your team.",
            "Passwords can be shared by e-mail.",
            "It's fine to share login details with a colleague.",
            "There is no need to report a hacked account.",
            "If the account is compromised, fix it yourself.",
            "Don't bother to report suspicious logins.",
        ],
        "pass": [
            "Turn on two-factor authentication for every official account.",
            "Two-factor authentication is not optional.",
            "Use a strong, unique password for every account.",
            "Passwords should never be shared by e-mail.",
            "Credentials are held in the approved password manager.",
            "Report a hacked account at once to the social media team.",
            "Never ignore a compromised account.",
            "Keep your devices locked and up to date.",
            "Go to the platform directly instead of following a link.",
            "Do not delete anything; the team will secure the account.",
            "Is two-factor authentication optional?",
        ],
    },
    "regulatory": {
        "fail": [
            "HIPAA does not apply to personal accounts.",
            "Privacy law doesn't cover social media.",
            "The FTC endorsement rules are not relevant to staff.",
            "Board rules only apply at work.",
            "Personal posts are exempt from privacy law.",
            "Regulations don't apply on weekends.",
            "If there is a complaint, delete the post quickly.",
            "Delete anything a lawsuit might concern.",
            "It is best to remove posts before an investigation starts.",
            "When a claim is made, wipe the messages right away.",
            "You can delete posts that a complaint mentions.",
        ],
        "pass": [
            "HIPAA applies to posts on every account.",
            "Privacy, advertising and board rules apply online too.",
            "Never delete content that may be relevant to a complaint or claim; ask legal first.",
            "A legal hold overrides any routine deletion.",
            "Do not assume that privacy law does not apply to your own account.",
            "Official campaigns should be reviewed by legal and compliance.",
            "Disclose any payment when you endorse a product.",
            "Use only images and music you have the right to use.",
            "Posts and deleted content can be disclosed in legal proceedings.",
            "If you are unsure whether a post is allowed, ask first.",
            "Does HIPAA apply to my personal account?",
        ],
    },
    "response": {
        "fail": [
            "Feel free to confirm that the reviewer was a patient.",
            "Always mention their treatment when you thank them.",
            "It's nice to refer to their stay in your reply.",
            "You can discuss the reviewer's care in public.",
            "Confirm that they were treated here so others see we listen.",
            "Ask about their surgery in the comments.",
            "Suicidal comments can wait until Monday.",
            "Ignore threats in the comments.",
            "If someone mentions self-harm, just delete the comment.",
            "Emergencies in the comments are not our job.",
            "A threat can wait until the next working day.",
        ],
        "pass": [
            "Never confirm that someone is a patient.",
            "Thank people and offer a private channel.",
            "Do not discuss anyone's care in public.",
            "Escalate at once anything involving a threat or a risk of harm.",
            "If someone seems to be in danger, tell them to call emergency services.",
            "Give a commenter at risk of self-harm the crisis line and alert the on-call "
            "clinician.",
            "Hide comments that contain patient information, abuse or spam.",
            "Correct misinformation with a link to a reliable source.",
            "Never ignore a suicidal comment.",
            "Do not confirm their stay, even to thank them.",
            "What do we do about a threat in the comments?",
        ],
    },
    "education": {
        "fail": [
            "Training is optional for people who manage official accounts.",
            "Account managers do not need to take the course.",
            "Administrators can skip the e-learning.",
            "The course is not required before you run an official account.",
            "People who run our accounts can take the training when they have time.",
            "Patient education videos can go out without review.",
            "Educational posts need no review.",
            "No review is needed for patient education content.",
            "Clinical review of educational content is optional.",
            "Official account admins don't have to refresh the training.",
        ],
        "pass": [
            "Everyone who manages an official account should complete the course first.",
            "Other staff are encouraged to take the training too.",
            "The social media team can help you plan patient education content.",
            "Educational posts are checked by a clinical reviewer before they go out.",
            "Refresh the course every year.",
            "Training is never optional for account managers.",
            "Write to the team to get started.",
            "The course covers real cases from healthcare.",
            "Patient education content is reviewed by a clinician.",
            "New residents can find the course on the intranet.",
            "Is the course optional for account managers?",
        ],
    },
    "contact": {
        "fail": [
            "Urgent problems can wait until Monday.",
            "Out of hours, don't call anyone.",
            "A hacked account should wait for office hours.",
            "On weekends the team is not available.",
            "Do not contact us in the evening, even for a breach.",
            "Emergencies will wait until the next working day.",
            "There is no out of hours cover for hacked accounts.",
            "At night, no need to phone anyone about a breach.",
            "Holidays are not staffed, so breaches have to wait.",
            "Never e-mail the team about urgent matters.",
        ],
        "pass": [
            "For something urgent out of hours, call the switchboard.",
            "Ask the social media team about these guidelines.",
            "For a hacked account at night, ask for the on-call communications lead.",
            "Never wait until Monday to report a breach.",
            "Call us at any time about a threat.",
            "The shared mailbox is read every working day.",
            "Report a privacy breach at once, day or night.",
            "A colleague covers when the manager is away.",
            "On weekends, the on-call lead takes urgent calls.",
            "Do not wait to report a hacked account.",
            "Who do I call on a Sunday evening?",
        ],
    },
}


def _data(key: str, sentence: str) -> dict[str, object]:
    field, _, text = sentence.partition(":") if key == "dos_donts" else ("body", "", sentence)
    section = get_section(key)
    value: object = [text] if section.field(field).kind == "list" else text
    return {field: value}


def _findings(key: str, sentence: str) -> list[str]:
    section = get_section(key)
    return [
        r.code for r in run_checks(section, _data(key, sentence)) if r.detail and not r.advisory
    ]


CASES = [
    (key, verdict, sentence)
    for key, table in TABLES.items()
    for verdict, sentences in table.items()
    for sentence in sentences
]


@pytest.mark.parametrize(("key", "verdict", "sentence"), CASES)
def test_meaning_checks_read_the_sentence(key: str, verdict: str, sentence: str) -> None:
    found = _findings(key, sentence)
    if verdict == "fail":
        assert found, f"{key}: should have been caught: {sentence}"
    else:
        assert not found, f"{key}: wrongly caught by {found}: {sentence}"


@pytest.mark.parametrize("key", [s.key for s in SECTIONS])
def test_every_section_has_a_table_of_ten_each_way(key: str) -> None:
    assert len(TABLES[key]["fail"]) >= 10
    assert len(TABLES[key]["pass"]) >= 10
    assert any(c.finder is not None and not c.advisory for c in get_section(key).checks)


def test_a_finding_quotes_the_sentence_and_says_why() -> None:
    result = next(
        r
        for r in run_checks(get_section("privacy"), {"body": "Googling patients is fine. Thanks."})
        if r.code == "privacy.looking_up"
    )
    assert not result.passed
    assert result.detail.startswith("\u201cGoogling patients is fine.\u201d")
    assert "privacy" in result.detail


def test_the_starter_text_passes_every_meaning_check() -> None:
    content = confirm_all(starter_content(SAMPLE_CONTEXT))
    for section in SECTIONS:
        blocking = [r for r in run_checks(section, content[section.key]) if r.blocking]
        assert not blocking, (section.key, blocking)


def test_tone_check_advises_without_blocking() -> None:
    results = run_checks(
        get_section("security"),
        {"body": "Staff who share passwords will be disciplined. Use two-factor authentication."},
    )
    tone = next(r for r in results if r.code == "security.tone")
    assert not tone.passed and tone.advisory and not tone.blocking
    assert "should" in tone.detail and "policy" in tone.detail


def test_tone_check_passes_advice() -> None:
    results = run_checks(get_section("security"), {"body": "You should use two-factor sign-in."})
    assert next(r for r in results if r.code == "security.tone").passed


def test_reading_stays_linear_on_hostile_input() -> None:
    rule = Contradiction(subject=(r"\bpatients?\b(?:\W+\w+){0,5}?\W+information\b",))
    hostile = ("patient " * 5000) + "and " * 5000
    started = time.perf_counter()
    contradicting_sentence(rule, hostile)
    for section in SECTIONS:
        run_checks(section, {"body": hostile[:20000]})
    assert time.perf_counter() - started < 5


# Checks added for the personal-accounts topic: each table is read by its own check.
NAMED: dict[str, dict[str, list[str]]] = {
    "disclosure.connecting": {
        "fail": [
            "Staff should connect with their manager on LinkedIn.",
            "You are expected to follow your supervisor's account.",
            "Accept friend requests from your manager.",
            "Connecting with your supervisor online is required.",
            "Every employee must friend their line manager on Facebook.",
            "Please connect with your boss on LinkedIn.",
            "New starters have to connect with their team lead on Instagram.",
            "Follow your manager's posts so you don't miss updates.",
            "You need to accept your supervisor's friend request.",
            "Nurses ought to befriend their head of department online.",
        ],
        "pass": [
            "You are never expected to connect with your manager or supervisor online.",
            "You don't have to accept a friend request from your supervisor.",
            "Connecting with your manager online is up to you.",
            "Managers should not send friend requests to their team.",
            "No one has to follow their supervisor.",
            "Follow your manager's instructions on which hashtags to use.",
            "Refusing a supervisor's friend request is never held against you.",
            "Supervisors should not expect staff to connect with them online.",
            "Whether to connect with colleagues is your choice.",
            "Should you connect with your manager on LinkedIn?",
            "Keep your work e-mail address off personal profiles.",
        ],
    },
    "accounts.political": {
        "fail": [
            "Official accounts may endorse candidates who support the hospital.",
            "Our page can back the mayor's re-election campaign.",
            "Feel free to promote political parties from the department page.",
            "The hospital account endorses candidates who fund healthcare.",
            "We support candidates for the city council on our official accounts.",
            "Department pages should rally for the governor's re-election.",
            "Share posts from the candidates we support.",
            "Official accounts can campaign for the political party that backs the new wing.",
            "Use the clinic's page to promote election campaigns you agree with.",
            "Our official pages back the candidate with the best health plan.",
        ],
        "pass": [
            "Official accounts do not endorse political candidates or parties.",
            "Never use an official account to back a candidate.",
            "Staff may vote for any candidate they like.",
            "Candidates who ask to film in the lobby are referred to the communications office.",
            "The account shares neutral voting information but never endorses a candidate.",
            "Official accounts stay out of election campaigns.",
            "Do not promote a political party on an official account.",
            "Political parties are never endorsed by our pages.",
            "If a candidate tags the official account, do not reply; tell the social media team.",
            "Who approves a post about an election day clinic?",
        ],
    },
}


@pytest.mark.parametrize(
    ("code", "verdict", "sentence"),
    [
        (code, verdict, sentence)
        for code, table in NAMED.items()
        for verdict, sentences in table.items()
        for sentence in sentences
    ],
)
def test_named_check_reads_the_sentence(code: str, verdict: str, sentence: str) -> None:
    found = _findings(code.split(".")[0], sentence)
    if verdict == "fail":
        assert code in found, f"{code} should have caught: {sentence}"
    else:
        assert not found, f"wrongly caught by {found}: {sentence}"
