"""The README's quick start is what CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    command = next(line for line in ci_lines if "pytest" in line and not line.startswith("#"))
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")


def test_config_example_documents_every_setting() -> None:
    import tomllib

    from bot.config import Settings

    example = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    for section, field in Settings.model_fields.items():
        assert section in example, section
        annotation = field.annotation
        assert annotation is not None
        for name in annotation.model_fields:  # type: ignore[union-attr]
            documented = name in example[section] or f"# {name} =" in (
                ROOT / "config.example.toml"
            ).read_text(encoding="utf-8")
            assert documented, f"{section}.{name}"
