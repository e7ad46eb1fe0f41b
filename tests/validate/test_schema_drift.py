from pathlib import Path

from llmreg import schemas

ROOT = Path(__file__).resolve().parents[2]


def test_committed_and_packaged_schemas_match_the_models() -> None:
    assert schemas.check([ROOT / "schemas", schemas.packaged_dir()]) == []


def test_drift_is_reported_with_a_diff(tmp_path: Path) -> None:
    schemas.export(tmp_path)
    target = tmp_path / "model.schema.json"
    target.write_text(target.read_text().replace('"Model"', '"Modell"', 1))
    drifts = schemas.check([tmp_path])
    assert [d.file.name for d in drifts] == ["model.schema.json"]
    assert "Modell" in drifts[0].detail
