from django import forms


class TokenForm(forms.Form):
    """The 6-digit code an authenticator app shows."""

    token = forms.CharField(
        label="验证码",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text="打开手机上的验证器(如 FreeOTP、Google Authenticator、Microsoft Authenticator),输入“四进”当前的 6 位数字。",
    )


class ApiTokenForm(forms.Form):
    """A new personal API token: a name to tell it apart, and how long it lives."""

    name = forms.CharField(
        label="名称",
        max_length=50,
        help_text="用途,如“台账同步脚本”。",
        error_messages={"required": "请填写令牌名称。", "max_length": "令牌名称不能超过50字。"},
    )
    days = forms.TypedChoiceField(
        label="有效期",
        coerce=int,
        choices=[(30, "30 天"), (90, "90 天"), (180, "180 天"), (365, "365 天")],
        initial=90,
        error_messages={"invalid_choice": "请选择有效期。"},
    )
