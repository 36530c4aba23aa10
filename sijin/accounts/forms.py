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
