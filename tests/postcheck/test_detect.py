"""The post check's rules, read as a table of drafts staff might really write: what each must
flag and what it must not. Every post here was written for Charter."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

import pytest
import spacy

from postcheck.detect import Context, check, distance
from postcheck.models import MAX_POST, Sponsorship

RIVERSIDE = Context(
    institution="Riverside Health",
    name_words=("Riverside Health", "RiversideHealth"),
    official_handles=("riversidehealth", "riversidecareers"),
    official_hashtags=("RiversideHealth", "RiversideHealthCareers", "RiversideHealthProud"),
)

ALL = {
    "patient_name",
    "date_of_service",
    "room_bed",
    "record_number",
    "age_over_89",
    "photo_care_area",
    "no_disclosure",
    "promotion_cue",
    "institution_name",
    "official_hashtag",
    "lookalike_hashtag",
    "medical_advice",
}


@dataclass
class Post:
    text: str
    flags: set[str] = field(default_factory=set)  # must flag exactly these
    sponsorship: str = Sponsorship.NONE
    official: bool = False


POSTS: dict[str, Post] = {
    # --- possible patient information -----------------------------------------------------
    "honorific name and discharge": Post(
        "Mrs Okafor finally went home today after three weeks with us. Discharged with a smile!",
        {"patient_name"},
    ),
    "patient named after the care word": Post(
        "Night shift recap: patient Daniel kept the whole team laughing through his chemo.",
        {"patient_name"},
    ),
    "name then admitted": Post(
        "Can't stop thinking about Priya, who was admitted with sepsis last night. Pray for her.",
        {"patient_name"},
    ),
    "possessive with a diagnosis": Post(
        "Tomas's biopsy came back clear and the whole unit cheered.",
        {"patient_name"},
    ),
    "date of birth on the ward": Post(
        "Our smallest fighter was born on March 3 at 26 weeks and is now breathing on her own.",
        {"date_of_service"},
    ),
    "numeric admission date": Post(
        "Admitted 11/02 after the motorway crash, walking out today. Proud of this recovery.",
        {"date_of_service"},
    ),
    "room number": Post(
        "Whoever left flowers outside room 412 this morning: you made someone's week.",
        {"room_bed"},
    ),
    "bed number with a care word": Post(
        "Bed 7 has been our longest stay this year, and he finally beat it.",
        {"room_bed"},
    ),
    "medical record number": Post(
        "Note to self, don't post this: MRN 00483920 still waiting on the consult.",
        {"record_number"},
    ),
    "NHS number beside its name": Post(
        "Lovely lady on the ward today, NHS number 943 476 5919, asked me to find her glasses.",
        {"record_number"},
    ),
    "Medicare identifier": Post(
        "Her Medicare number is 1EG4-TE5-MK73 if anyone in billing can sort the claim out.",
        {"record_number"},
    ),
    "social security number": Post(
        "Found a wallet in the lobby with a social security card, 536-22-8726, come and claim it.",
        {"record_number"},
    ),
    "a phone number is not an NHS number": Post(
        "Questions about the open day? Call the recruitment line on 943 476 5919.",
    ),
    "admission date in the day-month-year form": Post(
        "She came in on 14-MAR-2026 after a fall and danced out of rehab today.",
        {"date_of_service"},
    ),
    "conference date, nobody's care": Post(
        "Badges for the 14-MAR-2026 conference are ready at the front desk.",
    ),
    "age over 89": Post(
        "Our 97-year-old gardener on the ward told me the best stories today.",
        {"age_over_89"},
    ),
    "birthday over 89": Post(
        "We threw a tiny party for a 102nd birthday on the geriatric floor.",
        {"age_over_89"},
    ),
    "selfie in the icu": Post(
        "Quick selfie in the ICU before handover, best crew ever 💙",
        {"photo_care_area"},
    ),
    "emoji camera in the emergency department": Post(
        "📸 from the emergency department after the busiest night of the year",
        {"photo_care_area"},
    ),
    "several kinds at once": Post(
        "Mr Haddad in bed 3 turned 94 today. Photo with him on the ward below!",
        {"patient_name", "room_bed", "age_over_89", "photo_care_area"},
    ),
    # --- sponsorship --------------------------------------------------------------------------
    "sponsored without a word": Post(
        "These compression socks got me through a 13-hour shift. Highly recommend!",
        {"no_disclosure"},
        sponsorship=Sponsorship.SPONSORED,
    ),
    "gifted without a word": Post(
        "Loving my new stethoscope from @CardioGear, the sound is so clear.",
        {"no_disclosure"},
        sponsorship=Sponsorship.GIFTED,
    ),
    "sponsored with #ad": Post(
        "#ad These compression socks got me through a 13-hour shift.",
        sponsorship=Sponsorship.SPONSORED,
    ),
    "gifted and says so": Post(
        "Gifted by @CardioGear: my new stethoscope, and the sound is so clear.",
        sponsorship=Sponsorship.GIFTED,
    ),
    "paid partnership label": Post(
        "Paid partnership with ScrubCo. Pockets that actually fit a phone!",
        sponsorship=Sponsorship.SPONSORED,
    ),
    "discount code, nothing said": Post(
        "Best scrubs I've owned. Use my code NURSEJO for 20% off!",
        {"promotion_cue"},
    ),
    "hashtag adventure is not an ad": Post("Weekend hike with the night shift crew #adventure"),
    # --- the institution's name and hashtags ------------------------------------------------
    "name from a personal account": Post(
        "Ten years at Riverside Health today and I still love the people I work with.",
        {"institution_name"},
    ),
    "name with views my own": Post(
        "Ten years at Riverside Health today. Views are my own, but the people are the best."
    ),
    "official hashtag from a personal account": Post(
        "Another great team day. #RiversideHealthProud",
        {"official_hashtag"},
    ),
    "official account may use all of it": Post(
        "Riverside Health welcomes our new nurses! #RiversideHealthCareers",
        official=True,
    ),
    "lookalike with an underscore": Post(
        "Join the fun run next month #Riverside_Health",
        {"lookalike_hashtag"},
    ),
    "lookalike with a typo": Post(
        "Hiring at my unit, come work with me #RiversideHealthCarers",
        {"lookalike_hashtag"},
    ),
    "lookalike that claims to be official": Post(
        "Updates every week #RiversideHealthOfficial",
        {"lookalike_hashtag"},
    ),
    "handle mentioned": Post(
        "Thanks @RiversideHealth for the shout-out to our ward team!",
        {"institution_name"},
    ),
    "an unrelated hashtag is fine": Post("Marathon done! #RunningCommunity #NeverStop"),
    # --- individual medical advice -----------------------------------------------------------
    "tells someone to stop a medicine": Post(
        "Honestly you should stop taking your statins if your legs ache, they're overprescribed.",
        {"medical_advice"},
    ),
    "a dose": Post(
        "Fever in little ones? Just give them 10 ml of the children's syrup every four hours.",
        {"medical_advice"},
    ),
    "inviting symptoms by message": Post(
        "Worried about a rash? DM me your symptoms and I'll tell you if it's serious.",
        {"medical_advice"},
    ),
    "no need to see a doctor": Post(
        "Sprains heal on their own, you don't need to see a doctor for that.",
        {"medical_advice"},
    ),
    "general advice is fine": Post(
        "Flu season is here. Talk to your own clinician about whether the vaccine is right "
        "for you, and wash your hands often."
    ),
    "you should take the stairs": Post("You should take the stairs today, the lift is broken."),
    # --- posts that must stay quiet ----------------------------------------------------------
    "staff celebration": Post("Happy Nurses Week to the best colleagues anyone could ask for!"),
    "24/7 care": Post("Our respiratory therapists work 24/7 and never get enough credit."),
    "event date without care": Post("Join us on June 14 for the charity bake sale in the lobby."),
    "doctor named, no patient": Post(
        "Dr. Mensah gave a brilliant talk on hand hygiene at grand rounds today."
    ),
    "hospital anniversary": Post("Celebrating our 100th birthday as a community hospital!"),
    "break room photo away from care": Post("Photo of the cake in the staff kitchen, yum."),
    "recruitment without names": Post(
        "We're hiring night nurses on my team. Great people, good coffee, ask me anything."
    ),
    "age under 90": Post("My grandmother is 85 and still beats me at chess."),
}


def run(post: Post):
    ctx = Context(
        institution=RIVERSIDE.institution,
        name_words=RIVERSIDE.name_words,
        official_handles=RIVERSIDE.official_handles,
        official_hashtags=RIVERSIDE.official_hashtags,
        posting_from_official=post.official,
        sponsorship=post.sponsorship,
    )
    return check(post.text, ctx)


def test_the_table_is_long_enough():
    assert len(POSTS) >= 40
    # Every kind of finding is demanded by at least one post.
    assert set().union(*(p.flags for p in POSTS.values())) == ALL


@pytest.mark.parametrize("name", sorted(POSTS))
def test_post(name):
    post = POSTS[name]
    report = run(post)
    got = report.codes()
    assert post.flags <= got, f"must flag {sorted(post.flags - got)}"
    assert not (got - post.flags), f"must not flag {sorted(got - post.flags)}"
    for finding in report.findings:
        assert finding.section and finding.title and finding.advice


def test_each_finding_names_a_guideline_section():
    from guidelines.sections import SECTIONS_BY_KEY

    for post in POSTS.values():
        for finding in run(post).findings:
            assert finding.section in SECTIONS_BY_KEY


HOSTILE = [
    "a" * MAX_POST,
    "Mr " * (MAX_POST // 3),
    "room " * (MAX_POST // 5),
    "#" * MAX_POST,
    "1/" * (MAX_POST // 2),
    ("you should take " + "x " * 20) * 100,
    "if you have " + "a" * (MAX_POST - 20),
    "Aaaa " * (MAX_POST // 5),
    "MRN " + "1 " * (MAX_POST // 2),
    "#RiversideHealt" * (MAX_POST // 15),
    ". " * (MAX_POST // 2),
    "photo " * (MAX_POST // 6),
    "5/6 " * (MAX_POST // 4),
    "Mrs Aaaa " * (MAX_POST // 9),
    # Shapes aimed at Presidio's date and number patterns.
    "1-" * (MAX_POST // 2),
    "123 " * (MAX_POST // 4),
    "A1" * (MAX_POST // 2),
    "1EG4-" * (MAX_POST // 5),
    "12-MAR-" * (MAX_POST // 7),
    "9" * MAX_POST,
    "NHS number " + "943 476 " * (MAX_POST // 8),
    "insurance member " + "AB-" * (MAX_POST // 3),
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_is_checked_in_bounded_time(text):
    # Processor time, not the wall clock: a busy machine must not fail a linear check, and a
    # quadratic pattern on 5,000 characters takes whole seconds of processor time (the health
    # insurance member ID recogniser left out of recognisers.py took 1.3 s on "1-" * 2,500).
    started = time.process_time()
    run(Post(text[:MAX_POST], sponsorship=Sponsorship.GIFTED))
    assert time.process_time() - started < 0.5


def test_no_model_and_no_network_are_needed(monkeypatch):
    """Presidio's recognisers run without spaCy loading a pipeline or anything downloaded."""

    def refuse(*args, **kwargs):
        raise AssertionError("the post check must not load a model or reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(spacy, "load", refuse)
    report = run(POSTS["NHS number beside its name"])
    assert report.codes() == {"record_number"}
    assert "NHS number" in report.findings[0].title


def test_input_past_the_bound_is_not_read():
    report = run(Post("x" * MAX_POST + " Mrs Okafor was discharged from room 4"))
    assert report.findings == []


def test_edit_distance_stops_early():
    assert distance("riversidehealth", "riversidehealht") == 2
    assert distance("a" * 60, "b" * 60) == 4  # past the limit: limit + 1
