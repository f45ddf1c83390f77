"""DOC-4 file names, without AWS: what is left of a name a user's browser or tool sends."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework import library


@pytest.mark.parametrize(("raw", "clean"), [
    ("C:\\Users\\me\\Desktop\\Guidance.pdf", "Guidance.pdf"),
    ("../../etc/.hidden report.pdf", "hidden report.pdf"),
    ("risk\x00\x1b[31m guidance\u202e.pdf", "risk[31m guidance.pdf"),
    ("  spaced    out .pdf ", "spaced out .pdf"),
    (". .. .profile.txt", "profile.txt"),
])
def test_doc4_file_names_are_cleaned(raw, clean):
    assert library.clean_file_name(raw) == clean


def test_doc4_long_names_keep_their_extension():
    cleaned = library.clean_file_name("a" * 300 + ".pdf")
    assert len(cleaned) == 200 and cleaned.endswith(".pdf")



@given(st.text(max_size=400))
def test_doc4_a_cleaned_name_never_has_folders_control_characters_or_a_leading_dot(raw):
    cleaned = library.clean_file_name(raw)
    assert "/" not in cleaned and "\\" not in cleaned
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned)
    assert not cleaned.startswith((".", " ")) and len(cleaned) <= 200
