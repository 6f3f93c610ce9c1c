"""docs/api.md's TypeScript example type-checks (tsc --strict) against the types
openapi-typescript generates from the committed document with the docs' command, and a
wrong field type in it does not: the types are the API's."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.client_examples import example, generate_command
from tests.support.node_tools import BIN, node_tool
from tests.support.processes import ROOT


def check(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "example.ts").write_text(code)
    config = {
        "compilerOptions": {
            "strict": True,
            "noEmit": True,
            "target": "es2022",
            "module": "esnext",
            "moduleResolution": "bundler",
            "lib": ["es2022", "dom"],
            "types": [],
            "paths": {"openapi-fetch": [str(BIN.parent / "openapi-fetch")]},
        },
        "files": ["example.ts"],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    return subprocess.run(
        [str(node_tool("tsc")), "-p", str(tmp_path / "tsconfig.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_typescript_example_compiles_against_the_generated_types(tmp_path: Path) -> None:
    command = generate_command("openapi-typescript")
    command[0] = str(node_tool("openapi-typescript"))
    command[command.index("-o") + 1] = str(tmp_path / "api.d.ts")
    generated = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert generated.returncode == 0, generated.stderr

    compiled = check(tmp_path, example("typescript"))
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr

    wrong = check(tmp_path, example("typescript").replace("rating: 5", 'rating: "5"'))
    assert wrong.returncode != 0
    assert "Type 'string' is not assignable to type 'number'" in wrong.stdout
