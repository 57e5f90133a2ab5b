"""A web page saved as UTF-16 or UTF-32 ("Unicode", as Windows tools save it) in place of a video
or a JSON file is named as a web page, as a UTF-8 one is (helper F97)."""

from __future__ import annotations

from pathlib import Path

import pytest

from camerabench.errors import FileFormatError
from camerabench.fileio import read_json, stand_in
from camerabench.video import VideoError, read_video

PAGE = "\r\n<!DOCTYPE html>\r\n<html><head><title>Sign in</title></head><body>Quota exceeded</body></html>\r\n"
WEB_PAGE = "a web page saved under the file's name"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_page_in_any_unicode_encoding_is_a_web_page(encoding: str) -> None:
    said = stand_in(PAGE.encode(encoding)[:512], "the video")
    assert said is not None and said.startswith(WEB_PAGE) and said.endswith("not the video")


def test_a_utf16_json_reply_and_an_odd_cut_head_are_read() -> None:
    said = stand_in('{"error": "quota"}'.encode("utf-16"), "the video", json_too=True)
    assert said is not None and said.startswith("a JSON document")
    assert stand_in(PAGE.encode("utf-16")[:101], "the video") is not None  # cut inside a character


def test_a_video_head_is_no_stand_in() -> None:
    head = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(range(256))
    assert stand_in(head, "the video", json_too=True) is None
    assert stand_in(b"\xff\xfe" + bytes(range(1, 200)), "the video") is None  # a BOM, then no page


def test_a_utf16_page_named_as_a_video_is_named_a_web_page(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(PAGE.encode("utf-16"))
    with pytest.raises(VideoError, match=WEB_PAGE):
        read_video(video)


def test_a_utf16_page_named_as_json_is_named_a_web_page_and_plain_utf16_json_is_told_to_save_as_utf8(
    tmp_path: Path,
) -> None:
    page = tmp_path / "labels.json"
    page.write_bytes(PAGE.encode("utf-16"))
    with pytest.raises(FileFormatError, match=f"{WEB_PAGE}.*; it is UTF-16 text"):
        read_json(page)
    plain = tmp_path / "other.json"
    plain.write_bytes('{"a": 1}'.encode("utf-16"))
    with pytest.raises(FileFormatError, match=r"is UTF-16 text .*save it as UTF-8"):
        read_json(plain)
