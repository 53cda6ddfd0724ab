from __future__ import annotations

from django import forms

from .models import MAX_POST, Sponsorship

PLATFORMS = [
    ("", "Not sure / not yet"),
    ("Instagram", "Instagram"),
    ("Facebook", "Facebook"),
    ("X", "X (Twitter)"),
    ("LinkedIn", "LinkedIn"),
    ("TikTok", "TikTok"),
    ("YouTube", "YouTube"),
    ("Threads", "Threads"),
    ("Bluesky", "Bluesky"),
    ("Other", "Another site or app"),
]


class PostCheckForm(forms.Form):
    text = forms.CharField(
        label="Your draft post or caption",
        max_length=MAX_POST,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Paste or type the post you want to check.",
            "max_length": (
                "That is longer than this helper reads: keep it under %(limit_value)d "
                "characters (it has %(show_value)d). Check it in parts."
            ),
        },
    )
    platform = forms.ChoiceField(label="Where will you post it?", choices=PLATFORMS, required=False)
    sponsorship = forms.ChoiceField(
        label="Were you paid, sponsored or given anything for this post?",
        choices=Sponsorship.choices,
        initial=Sponsorship.NONE,
        widget=forms.RadioSelect,
    )
    posting_as = forms.CharField(
        label="Which account will you post from? (optional)",
        max_length=300,
        required=False,
        help_text="A handle like @yourname or the profile's web address.",
    )
    note = forms.CharField(
        label="A note for the social media team (optional, only sent if you ask for a second look)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError("Paste or type the post you want to check.")
        return text
