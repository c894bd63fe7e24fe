"""What a computation read: files opened for reading and folders listed under a project, and
whether they are still in the state they were."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from infra.file_reads import MISSING, environment_digest, fingerprint, program_digest, unchanged
from infra.file_reads import watching as watching_reads


def a_project(root: Path) -> Path:
    (root / "serving").mkdir(parents=True)
    (root / "serving" / "score.py").write_text("def run(): ...\n")
    (root / "Pulumi.dev.yaml").write_text("config: {}\n")
    return root


def test_reads_under_the_project_are_recorded_and_nothing_else(tmp_path: Path) -> None:
    root = a_project(tmp_path / "project")
    outside = tmp_path / "outside.txt"
    outside.write_text("not the project's")
    with watching_reads(root) as reads:
        (root / "Pulumi.dev.yaml").read_text()
        sorted((root / "serving").iterdir())
        outside.read_text()
        (root / "written.txt").write_text("output, not input")
        with open(root / "appended.txt", "a") as file:
            file.write("neither")
        os.close(os.open(root / "Pulumi.dev.yaml", os.O_RDONLY))
    assert reads.files == {str(root / "Pulumi.dev.yaml")}
    assert reads.directories == {str(root / "serving")}


def test_folders_the_project_holds_as_links_belong_to_it(tmp_path: Path) -> None:
    target = a_project(tmp_path / "elsewhere")
    root = tmp_path / "project"
    root.mkdir()
    (root / "serving").symlink_to(target / "serving", target_is_directory=True)
    with watching_reads(root) as reads:
        (target / "serving" / "score.py").read_text()  # resolved, as azure-ai-ml hands paths
        (root / "serving" / "score.py").read_text()
    assert reads.files == {str(target / "serving" / "score.py"), str(root / "serving" / "score.py")}


def test_nested_watches_each_see_what_was_read_while_they_were_open(tmp_path: Path) -> None:
    root = a_project(tmp_path)
    with watching_reads(root) as outer:
        with watching_reads(root) as inner:
            (root / "Pulumi.dev.yaml").read_text()
        (root / "serving" / "score.py").read_text()
    (root / "serving" / "score.py").read_text()  # after both: nobody records it
    assert inner.files == {str(root / "Pulumi.dev.yaml")}
    assert outer.files == {str(root / "Pulumi.dev.yaml"), str(root / "serving" / "score.py")}


def test_reads_in_other_threads_count(tmp_path: Path) -> None:
    root = a_project(tmp_path)
    with watching_reads(root) as reads:
        thread = threading.Thread(target=(root / "Pulumi.dev.yaml").read_text)
        thread.start()
        thread.join()
    assert reads.files == {str(root / "Pulumi.dev.yaml")}


def test_a_fingerprint_holds_until_a_read_file_or_listed_folder_changes(tmp_path: Path) -> None:
    root = a_project(tmp_path)
    with watching_reads(root) as reads:
        (root / "Pulumi.dev.yaml").read_text()
        list((root / "serving").iterdir())
    states = fingerprint(reads)
    assert set(states) == {str(root / "Pulumi.dev.yaml"), f"{root / 'serving'}/"}
    assert unchanged(states)
    (root / "Pulumi.dev.yaml").touch()  # the same content
    assert unchanged(states)
    changes = [
        lambda: (root / "Pulumi.dev.yaml").write_text("config: {changed: true}\n"),
        lambda: (root / "serving" / "new.py").write_text(""),
        lambda: (root / "serving" / "score.py").rename(root / "serving" / "main.py"),
        (root / "Pulumi.dev.yaml").unlink,
    ]
    for change in changes:
        change()
        assert not unchanged(states)
    assert fingerprint(reads)[str(root / "Pulumi.dev.yaml")] == MISSING


def test_the_program_digest_covers_sources_and_data_files_only(tmp_path: Path) -> None:
    package = tmp_path / "infra"
    (package / "plan").mkdir(parents=True)
    (package / "plan" / "runner.py").write_text("x = 1\n")
    (package / "plan" / "create_only.json").write_text("{}\n")
    before = program_digest([package])
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "runner.cpython-311.pyc").write_bytes(b"bytecode")
    assert program_digest([package]) == before
    (package / "plan" / "create_only.json").write_text('{"a": 1}\n')
    assert program_digest([package]) != before
    assert environment_digest() == environment_digest()
