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

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"question": self.question, "standalone_query": self.standalone_query, "answer": self.answer.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> Turn:
        """The inverse of `to_dict`."""
        return cls(data["question"], data["standalone_query"], Answer.from_dict(data["answer"]))


@dataclass
class Conversation:
    """The last `max_turns` turns of a chat. Plain data: `to_dict()` is what the bot's state store keeps."""

    max_turns: int = 6
    turns: list[Turn] = field(default_factory=list)

    def add(self, answer: Answer) -> None:
        """Remember an answered question, forgetting the oldest turns beyond `max_turns`."""
        self.turns.append(Turn(answer.question, answer.standalone_query or answer.question, answer))
        # `del turns[:-0]` deletes nothing: zero (no memory) must clear, not keep everything.
        del self.turns[: max(0, len(self.turns) - max(0, self.max_turns))]

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"max_turns": self.max_turns, "turns": [turn.to_dict() for turn in self.turns]}

    @classmethod
    def from_dict(cls, data: dict) -> Conversation:
        """The inverse of `to_dict`."""
        return cls(int(data["max_turns"]), [Turn.from_dict(t) for t in data["turns"]])

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
