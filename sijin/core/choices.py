"""Choice sets that carry a colour as well as a label, like NetBox's ``ChoiceSet``.

A subclass lists its members as usual (``RED = "red", _("超期")``) and maps each value to a Bootstrap colour in
``__colours__``; ``Light.RED.colour`` or ``Light("red").colour`` then reads it, and a test proves that every
member has one.
"""

from django.db import models


class ColourChoices(models.TextChoices):
    """TextChoices whose members also have ``colour`` (a Bootstrap contextual colour name)."""

    __colours__: dict[str, str] = {}

    @property
    def colour(self) -> str:
        return type(self).__colours__.get(self.value, "secondary")

    @classmethod
    def colour_of(cls, value: str | None) -> str:
        """The colour of a raw value as stored in a row ("secondary" for an empty or unknown one)."""
        return cls.__colours__.get(value or "", "secondary")

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The label of a raw value; an unknown value is shown as it is."""
        return str(cls(value).label) if value in cls.values else (value or "")
