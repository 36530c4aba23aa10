"""Form fields shared by the apps' forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input multiple>: at most ``max_files`` (else ``too_many``), each one cleaned as a
    file and then by ``check`` (a subclass's content checks); every file's errors are shown at once."""

    accept = ""
    max_files = 10
    too_many: str | Promise = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": self.accept}))
        super().__init__(*args, **kwargs)

    def check(self, uploaded_file: UploadedFile) -> None:
        """Raise ValidationError when the file may not be kept."""

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > self.max_files:
            raise ValidationError(self.too_many % {"n": self.max_files})
        errors = []
        for f in files:
            super().clean(f, initial)
            try:
                self.check(f)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return files
