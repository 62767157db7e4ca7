"""The CLI and the Definitions with a data root on an object store (moto's S3 server,
tests/support/s3_server): the settings take the URL, and a bucket that does not exist stops a
command before any run, naming it."""

from __future__ import annotations

import pytest

from akhbar import storage
from akhbar.assets.resources import AkhbarSettings
from akhbar.pipelines.cli import main
from tests.support.s3_server import s3_bucket, s3_endpoint  # noqa: F401 (fixtures)


@pytest.mark.parametrize("command", [["build"], ["releases", "--json"]])
def test_missing_bucket_stops_the_command(
    command: list[str],
    s3_bucket: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*command, "--out", "s3://no-such-bucket/root"]) == 2
    err = capsys.readouterr().err
    assert "bucket 'no-such-bucket' does not exist" in err and "aws s3 mb s3://no-such-bucket" in err
    assert storage.listdir(storage.location(s3_bucket)) == []


def test_releases_of_an_empty_root(s3_bucket: str, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert main(["releases", "--data-root", f"{s3_bucket}/root"]) == 0
    assert f"no releases under {s3_bucket}/root/releases" in capsys.readouterr().out


def test_settings_place_everything_under_the_url(tmp_path) -> None:
    settings = AkhbarSettings(data_root="s3://bucket/prefix/")
    assert storage.is_remote(settings.root)
    assert str(settings.stages_dir) == "s3://bucket/prefix/stages"
    assert str(settings.parts_dir("article_fields")) == "s3://bucket/prefix/parts/article_fields"
    local = AkhbarSettings(data_root=str(tmp_path))
    assert local.stages_dir == tmp_path / "stages" and not storage.is_remote(local.root)
