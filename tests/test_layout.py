"""The shape of the code (docs/architecture.md), held: modules of one concern, writes only
through the services."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "annotations"
MODULES = sorted(path for path in APP.rglob("*.py") if "migrations" not in path.parts)
LONGEST = 600  # lines: past this a module becomes a package (STYLE.md)

# Where a page, an API view, the admin or a form would write a model itself, around the
# services and their rules. (The services, the importers' writers and the commands' user
# set-up write; nothing else does.)
WRITE_CALLS = {"save", "delete", "create", "bulk_create", "get_or_create", "update_or_create"}
NO_WRITES = ["views", "api", "admin.py", "forms.py", "templatetags"]


def test_modules_are_found():
    assert len(MODULES) > 50
    assert APP / "services" / "spans.py" in MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(APP)))
def test_no_module_is_longer_than_600_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= LONGEST


def _write_calls(path: Path, root: Path = APP) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITE_CALLS
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno} .{node.func.attr}()")
    return found


@pytest.mark.parametrize("where", NO_WRITES)
def test_pages_api_admin_and_forms_write_only_through_the_services(where):
    paths = [APP / where] if where.endswith(".py") else sorted((APP / where).rglob("*.py"))
    assert paths
    assert [call for path in paths for call in _write_calls(path)] == []


def test_the_write_check_sees_a_write(tmp_path):
    module = tmp_path / "view.py"
    module.write_text("def view(span):\n    span.save()\n    Span.objects.create(x=1)\n")
    assert _write_calls(module, tmp_path) == ["view.py:2 .save()", "view.py:3 .create()"]
