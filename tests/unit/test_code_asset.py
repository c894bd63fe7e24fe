"""Scoring code: the folder hash (property tests) and the snapshot of a code folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from components.code_asset import folder_digest, snapshot_folder

file_names = st.text(alphabet="abcxyz/._-", min_size=1, max_size=12)
digests = st.binary(min_size=4, max_size=4).map(lambda b: hashlib.sha256(b).hexdigest())


@given(files=st.dictionaries(file_names, digests, min_size=1, max_size=6), data=st.data())
def test_digest_ignores_listing_order_but_not_content_or_names(
    files: dict[str, str], data: st.DataObject
) -> None:
    shuffled = dict(data.draw(st.permutations(list(files.items()))))
    assert folder_digest(shuffled) == folder_digest(files)
    name = data.draw(st.sampled_from(sorted(files)))
    other = data.draw(digests.filter(lambda d: d != files[name]))
    assert folder_digest({**files, name: other}) != folder_digest(files)
    renamed = {(f"{k}x" if k == name else k): v for k, v in files.items()}
    assume(len(renamed) == len(files))
    assert folder_digest(renamed) != folder_digest(files)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_snapshot_hashes_the_code_and_skips_caches_and_hidden_files(tmp_path: Path) -> None:
    write(
        tmp_path / "serving",
        {
            "score.py": "def run(): ...",
            "lib/util.py": "X = 1",
            "__pycache__/score.cpython-311.pyc": "junk",
            "lib/util.pyc": "junk",
            ".env": "SECRET=1",
            ".git/config": "x",
        },
    )
    code = snapshot_folder(tmp_path, "serving")
    assert code.source == "serving"
    assert code.files == {
        "lib/util.py": hashlib.sha256(b"X = 1").hexdigest(),
        "score.py": hashlib.sha256(b"def run(): ...").hexdigest(),
    }
    (tmp_path / "serving/score.py").write_text("def run(): return 1")
    assert snapshot_folder(tmp_path, "serving").digest != code.digest
