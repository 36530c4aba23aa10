"""Password rules beyond Django's own (similarity to the username, common and numeric passwords)."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = {
    "upper": str.isupper,
    "lower": str.islower,
    "digit": str.isdigit,
    "symbol": lambda c: not c.isalnum(),  # punctuation, spaces and the like
}


class CharacterClassValidator:
    """At least ``min_classes`` of the four classes of characters: upper case, lower case, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        found = {name for name, test in CLASSES.items() if any(test(c) for c in password)}
        if len(found) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes}


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, saying it in Chinese (Django's own translation of this message is missing)."""

    def get_error_message(self) -> str:
        return _("密码太短,至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(n)d 个字符。") % {"n": self.min_length}
