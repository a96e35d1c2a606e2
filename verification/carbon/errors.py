"""The one exception the carbon engine raises for input it cannot turn into a figure."""

from __future__ import annotations

from ..messages import Message


class CarbonError(ValueError):
    """Input the engine cannot turn into a figure; the message says which and why.

    ``args[0]`` is the message (a :class:`~verification.messages.Message` made with ``N_``,
    so the web layer can translate it; ``str()`` gives English). ``line_id`` names the
    activity line at fault, when there is one. ``problems`` lists every problem found when
    a whole file or document was checked at once (each a message naming its row or path).
    """

    def __init__(
        self,
        message: Message | str,
        *,
        line_id: str | None = None,
        problems: tuple[Message, ...] = (),
    ) -> None:
        super().__init__(message)
        self.line_id = line_id
        self.problems = problems

    @property
    def message(self) -> Message | str:
        return self.args[0]

    def __str__(self) -> str:
        return "\n".join([str(self.args[0]), *(str(p) for p in self.problems)])
