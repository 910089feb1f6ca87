"""A chat's memory keeps exactly `max_turns` turns, zero included."""

from __future__ import annotations

import pytest

from index.conversation import Conversation
from index.models import Answer


def _answer(n: int) -> Answer:
    return Answer(question=f"question {n} ?", text=f"réponse {n}", standalone_query=f"requête {n}")


@pytest.mark.parametrize("max_turns", [0, 1, 2, 6])
def test_a_conversation_keeps_the_last_max_turns(max_turns):
    conversation = Conversation(max_turns=max_turns)
    for n in range(8):
        conversation.add(_answer(n))
    kept = list(range(8 - max_turns, 8))
    assert conversation.recent_queries() == [f"requête {n}" for n in kept]
    assert len(conversation.turns) == max_turns


def test_zero_turns_remembers_nothing_so_no_question_is_a_follow_up():
    conversation = Conversation(max_turns=0)
    conversation.add(_answer(1))
    assert conversation.turns == [] and conversation.recent_queries() == []
    assert conversation.last_answer is None


def test_fewer_turns_than_the_limit_are_all_kept():
    conversation = Conversation(max_turns=6)
    conversation.add(_answer(1))
    conversation.add(_answer(2))
    assert conversation.recent_queries() == ["requête 1", "requête 2"]
    assert conversation.last_answer.text == "réponse 2"
