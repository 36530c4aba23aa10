"""The fields of POST requests.json (GeoReport v2), with the limits and Chinese messages of every input."""

from django import forms
from django.core.validators import URLValidator

from sijin.core.validators import TEXT_MAX

# GeoReport v2 names → form field names (a form field cannot be called attribute[credit_code]).
POSTED = {
    "service_code": "service_code",
    "description": "description",
    "lat": "lat",
    "long": "long",
    "address_string": "address_string",
    "address_id": "address_id",
    "attribute[credit_code]": "credit_code",
    "attribute[region_code]": "region_code",
    "first_name": "first_name",
    "last_name": "last_name",
    "phone": "phone",
    "email": "email",
    "device_id": "device_id",
    "account_id": "account_id",
    "media_url": "media_url",
}


class RequestForm(forms.Form):
    service_code = forms.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        error_messages={"required": "缺少 service_code。", "invalid": "service_code 应为数字。"},
    )
    description = forms.CharField(
        max_length=TEXT_MAX, error_messages={"required": "请填写诉求内容(description)。"}
    )
    lat = forms.DecimalField(required=False, min_value=-90, max_value=90, decimal_places=6, max_digits=9)
    long = forms.DecimalField(required=False, min_value=-180, max_value=180, decimal_places=6, max_digits=9)
    address_string = forms.CharField(required=False, max_length=200)
    address_id = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    credit_code = forms.RegexField(
        required=False,
        regex=r"^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$",
        error_messages={"invalid": "统一社会信用代码应为18位。"},
    )
    region_code = forms.RegexField(
        required=False, regex=r"^[0-9]{12}$", error_messages={"invalid": "区划代码应为12位数字。"}
    )
    first_name = forms.CharField(required=False, max_length=50)
    last_name = forms.CharField(required=False, max_length=50)
    phone = forms.RegexField(
        required=False,
        max_length=30,
        regex=r"^[0-9+\- ()]*$",
        error_messages={"invalid": "电话号码只能含数字、空格、+、-、括号。"},
    )
    email = forms.EmailField(required=False, max_length=254)
    device_id = forms.CharField(required=False, max_length=100)
    account_id = forms.CharField(required=False, max_length=100)
    media_url = forms.CharField(
        required=False,
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"], message="media_url 应为 http(s) 链接。")],
    )

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("long") is None):
            raise forms.ValidationError("lat 与 long 须同时提供。")
        return data


def posted(data) -> dict:
    """The posted GeoReport fields under the form's names (unknown fields are ignored, as the spec allows)."""
    return {field: data.get(name) for name, field in POSTED.items() if data.get(name) is not None}


def spec_name(field: str) -> str:
    """The GeoReport name of a form field, for error messages."""
    return next((name for name, f in POSTED.items() if f == field), field)
