"""A text file saved where a video should be (a Git LFS or git-annex pointer of a clone made without
its large files, a web page or a server's JSON error from a failed download) is named for what it is:
FFmpeg said only "Invalid data found when processing input" of each."""

import pytest

from camerabench.errors import VideoError
from camerabench.video import check_video, probe_video, read_video

LFS = (
    b"version https://git-lfs.github.com/spec/v1\n"
    b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1234567\n"
)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (LFS, r"a Git LFS pointer, not the video: fetch it with `git lfs pull`"),
        (b"/annex/objects/SHA256E-s1234--0a1b2c.mp4\n", r"a git-annex pointer \(of an unlocked file\)"),
        (b"\xef\xbb\xbf\n  <!DOCTYPE html>\n<html><title>Sign in</title></html>", r"a web page saved under"),
        (b"<HTML><body>quota exceeded</body></HTML>", r"a web page saved under"),
        (b'{"error": "Entry not found"}', r"a JSON document"),
        (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code></Error>', r"an XML document"),
    ],
)
def test_a_stand_in_for_a_video_is_named(tmp_path, content, said):
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    for read in (read_video, check_video, probe_video):
        with pytest.raises(VideoError, match=r"clip\.mp4: cannot open video \(.*\): " + said):
            read(path)


def test_other_undecodable_bytes_get_no_such_hint(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(bytes(range(256)) * 8)  # not text of any kind
    with pytest.raises(VideoError, match=r"clip\.mp4: cannot open video") as caught:
        read_video(path)
    assert "pointer" not in str(caught.value) and "web page" not in str(caught.value)


def test_a_label_file_that_is_a_pointer_is_named(tmp_path):
    from camerabench.errors import FileFormatError
    from camerabench.fileio import read_json

    path = tmp_path / "caption_data.json"
    path.write_bytes(LFS)
    with pytest.raises(FileFormatError, match=r"caption_data\.json:1: a Git LFS pointer, not the file's content"):
        read_json(path)
    path.write_text('{"a": }')  # a JSON document that is merely broken keeps the parser's own words
    with pytest.raises(FileFormatError, match=r"invalid JSON: Expecting value \(column 7\)"):
        read_json(path)


def test_a_trajectory_archive_or_table_that_is_a_pointer_is_named(tmp_path):
    from camerabench.errors import FileFormatError
    from camerabench.shotbench import _xlsx_rows
    from camerabench.trajectory_formats import _read_npz

    npz, xlsx = tmp_path / "poses.npz", tmp_path / "shotbench.xlsx"
    npz.write_bytes(LFS)
    xlsx.write_bytes(LFS)
    with pytest.raises(FileFormatError, match=r"poses\.npz: a Git LFS pointer, not the npz archive"):
        _read_npz(npz, ["cam_c2w"])
    with pytest.raises(FileFormatError, match=r"shotbench\.xlsx: a Git LFS pointer, not the xlsx table"):
        list(_xlsx_rows(xlsx))


def test_a_text_input_that_is_a_pointer_is_named_whatever_its_format(tmp_path):
    """TUM/KITTI trajectories, TSV tables, YAML: every text input read by ``fileio.read_text`` (a TUM
    file that was a pointer was ":1: TUM lines hold 8 numbers ...; found 2")."""
    from camerabench.errors import FileFormatError
    from camerabench.fileio import read_text

    path = tmp_path / "traj.txt"
    path.write_bytes(LFS.replace(b"\n", b"\r\n"))
    with pytest.raises(FileFormatError, match=r"traj\.txt:1: a Git LFS pointer, not the file's content"):
        read_text(path)
    path.write_text("<html><body>not a pointer: read as text</body></html>\n")  # other formats judge it
    assert read_text(path).startswith("<html>")
