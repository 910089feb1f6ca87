"""The memory of one chat: the last turns, used to make follow-ups standalone."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.models import Answer


@dataclass
class Turn:
    """One question and the answer it got."""

    question: str
    standalone_query: str
    answer: Answer


@dataclass
class Conversation:
    """The last `max_turns` turns of a chat. Plain data, so it pickles for the bot's persistence."""

    max_turns: int = 6
    turns: list[Turn] = field(default_factory=list)

    def add(self, answer: Answer) -> None:
        """Remember an answered question, forgetting the oldest turns beyond `max_turns`."""
        self.turns.append(Turn(answer.question, answer.standalone_query or answer.question, answer))
        # `del turns[:-0]` deletes nothing: zero (no memory) must clear, not keep everything.
        del self.turns[: max(0, len(self.turns) - max(0, self.max_turns))]

    def reset(self) -> None:
        """Forget everything."""
        self.turns.clear()

    @property
    def last_answer(self) -> Answer | None:
        """The most recent answer, if any."""
        return self.turns[-1].answer if self.turns else None

    def recent_queries(self) -> list[str]:
        """Standalone queries of the remembered turns, oldest first."""
        return [turn.standalone_query for turn in self.turns]
