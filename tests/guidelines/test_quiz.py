"""The quiz's rules, asked by the author's editor and by the acknowledgement page alike."""

from guidelines.quiz import (
    QUIZ_CHOICE_LENGTH,
    QUIZ_MAX,
    entry_limit_problems,
    quiz_problems,
    wrong_answers,
)

QUIZ = [
    {
        "question": "May you post a photo of a patient if their face is hidden?",
        "choices": ["Yes", "No, not without written consent through the proper process"],
        "answer": 1,
    },
    {
        "question": "Where do you report an impostor account?",
        "choices": ["Nowhere", "To the social media contact"],
        "answer": 1,
    },
]


def test_quiz_shape_problems_are_named():
    assert quiz_problems(QUIZ) == []
    assert quiz_problems([{"question": "Q", "choices": ["a"], "answer": 0}]) == [
        "Question 1 needs at least two choices."
    ]
    assert quiz_problems([{"question": "Q", "choices": ["a", "b"], "answer": 2}]) == [
        "Question 1 has no valid right answer."
    ]
    assert quiz_problems("not a list") == ["The quiz must be a list of questions."]
    assert quiz_problems(QUIZ * 3)[0] == f"A quiz has at most {QUIZ_MAX} questions."


def test_the_editor_limits_name_the_question():
    long_choice = "x" * (QUIZ_CHOICE_LENGTH + 1)
    quiz = [QUIZ[0], {"question": "Q", "choices": ["a", long_choice], "answer": 0}]
    assert entry_limit_problems(QUIZ) == []
    assert entry_limit_problems(quiz) == [
        f"Question 2 has a choice longer than {QUIZ_CHOICE_LENGTH} characters."
    ]
    assert entry_limit_problems([{"question": "Q", "choices": ["a", " "], "answer": 0}]) == [
        "Question 1 has an empty choice."
    ]


def test_wrong_and_missing_answers_are_numbered_from_one():
    assert wrong_answers(QUIZ, {0: 1, 1: 1}) == []
    assert wrong_answers(QUIZ, {0: 0, 1: 1}) == [1]
    assert wrong_answers(QUIZ, {0: 1}) == [2]
    assert wrong_answers([], {}) == []
