"""The README's settings table from the Settings model: prints it, or with --write replaces it in README.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ops.config import Settings  # noqa: E402


def cell(value) -> str:
    if isinstance(value, dict):
        if any(isinstance(v, dict) for v in value.values()):
            return "see config/ops.toml"
        value = "; ".join(f"{k} {v}" for k, v in value.items())
    elif isinstance(value, list):
        value = ", ".join(map(str, value))
    text = "" if value is None else str(value)
    return text.replace("|", "\\|") or "(empty)"


def table() -> list[str]:
    lines = ["| setting | variable | default | what it does |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        lines.append(f"| `{name}` | `OPS_{name.upper()}` | {cell(field.default)} | {cell(field.description)} |")
    return lines


if "--write" in sys.argv:
    readme = Path(__file__).resolve().parents[1] / "README.md"
    lines = readme.read_text(encoding="utf-8").split("\n")
    start = lines.index("| setting | variable | default | what it does |")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    readme.write_text("\n".join(lines[:start] + table() + lines[end:]), encoding="utf-8")
else:
    print("\n".join(table()))
