"""The copy rule: numbers and names are copied, lower-case words never; tags in and out."""

import pytest

from pipelines.translate.copying import CopyRule, is_capitalised

SOURCES = ["Tom is here.", "Where is Tom?", "Run!", "I run every day.", "I speak English.",
           "English is easy.", "Mary lives in Spain.", "Spain is big.", "Boston is far."]
TARGETS = ["Tom está aquí.", "¿Dónde está Tom?", "¡Corre!", "Corro cada día.",
           "Hablo inglés.", "El inglés es fácil.", "Mary vive en España.",
           "España es grande.", "Boston está lejos."]


@pytest.fixture(scope="module")
def rule():
    return CopyRule.fit(SOURCES, TARGETS)


def test_capitalised_means_a_capital_then_a_lower_case_letter():
    assert is_capitalised("Tom") and is_capitalised("McDonald")
    assert not any(is_capitalised(w) for w in ("I", "OK", "USA", "tom", "iPhone"))


def test_names_and_translated_words_are_fitted_on_the_pairs(rule):
    assert {"Tom", "Mary", "Boston"} <= rule.names  # never seen lower-case
    assert "Run" not in rule.names  # "run" is seen lower-case
    assert {"English", "Spain"} <= rule.translated  # the targets say inglés, España
    assert not rule.names & rule.translated


@pytest.mark.parametrize(("text", "copies"), [
    ("Zoltan is here.", []),  # unseen and sentence-initial: maybe not a name
    ("Where is Zoltan?", ["Zoltan"]),  # capitalised inside a sentence: a name
    ("Tom is here.", ["Tom"]),  # a known name, even first
    ("Tom saw Tom. Zoltan ran.", ["Tom"]),  # once each; "Zoltan" starts a sentence
    ("¿Dónde está Zoltan? Ana vino.", ["Zoltan"]),  # ¿ and . start sentences
    ("I have 3 cats at 10:30, 1,000 in all.", ["3", "10:30", "1,000"]),  # numbers
    ("I run my own business.", []),  # lower-case words: never
    ("Can I try OK?", []),  # "I", "OK": not capitalised words
    ("We went to Spain and spoke English.", []),  # translated, not copied
])
def test_only_numbers_and_names_are_copied(rule, text, copies):
    assert rule.copies(text) == copies


def test_tags_follow_the_source_word_and_replace_the_target_word(rule):
    tagged, copies = rule.tag_source("Where are Tom and Zoltan at 10:30?")
    assert tagged == "Where are Tom｟1｠ and Zoltan｟2｠ at 10:30｟3｠?"
    assert copies == ["Tom", "Zoltan", "10:30"]
    target = rule.tag_target("¿Dónde están Tom y Zoltan a las 10:30? Tomás no.", copies)
    assert target == "¿Dónde están ｟1｠ y ｟2｠ a las ｟3｠? Tomás no."
    assert rule.untag(target, copies) == "¿Dónde están Tom y Zoltan a las 10:30? Tomás no."
    assert rule.untag("｟1｠ y ｟4｠ llegan.", copies) == "Tom y llegan."  # no 4th: dropped


def test_max_copies_limits_the_tags():
    rule = CopyRule(max_copies=2)
    assert rule.tag_source("I saw 1, 2 and 3.") == ("I saw 1｟1｠, 2｟2｠ and 3.", ["1", "2"])
    assert CopyRule(max_copies=0).copies("I saw 1.") == []


def test_json_round_trip(rule):
    assert CopyRule.from_dict(rule.to_dict()) == rule
