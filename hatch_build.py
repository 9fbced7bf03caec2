"""Build hook: ``CUAKHAU_COMPILE=1 pip install .`` compiles the simulator's hot modules with mypyc.

The modules listed under ``[tool.hatch.build.targets.wheel.hooks.custom] compile`` in ``pyproject.toml`` are the
production policies the digital twin runs (allocation, call-forward, customs channels, capacity) and the
simulator's engine and gate model. mypyc compiles the same source to C extensions, so the twin still runs the
production code, about a third faster (docs/benchmarks.md, simulation). Without the variable, and always for an
editable install, the package stays pure Python: a compiled module would shadow its edited source.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# What the compile needs in the isolated build environment, asked for only when compiling.
COMPILER = ["mypy>=1.10", "setuptools>=69"]


def _compiling() -> bool:
    return os.environ.get("CUAKHAU_COMPILE", "") == "1"


class CompileHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def dependencies(self) -> list[str]:
        return list(COMPILER) if _compiling() else []

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._work: Path | None = None
        if not _compiling() or self.target_name != "wheel" or version == "editable":
            return
        modules = [str(m) for m in self.config.get("compile", [])]
        work = Path(tempfile.mkdtemp(prefix="cuakhau-mypyc-"))
        self._work = work
        # Compile a copy: setuptools' in-place build would otherwise leave extensions in the source tree.
        shutil.copytree(Path(self.root) / "src" / "cuakhau", work / "cuakhau")
        (work / "mypy.ini").write_text("[mypy]\nignore_missing_imports = True\n", encoding="utf-8")
        (work / "setup.py").write_text(
            "from setuptools import setup\n"
            "from mypyc.build import mypycify\n"
            f"setup(name='cuakhau', ext_modules=mypycify({modules!r} + ['--config-file', 'mypy.ini'],"
            " opt_level='3', group_name='cuakhau'))\n",
            encoding="utf-8",
        )
        done = subprocess.run(
            [sys.executable, "setup.py", "build_ext", "--inplace"],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"mypyc failed:\n{done.stdout}")
        suffix = ".so" if os.name != "nt" else ".pyd"
        built = [p for p in work.rglob(f"*{suffix}") if "build" not in p.relative_to(work).parts]
        if len(built) < len(modules):
            raise RuntimeError(f"mypyc built {len(built)} extensions for {len(modules)} modules")
        for path in built:
            build_data["force_include"][str(path)] = path.relative_to(work).as_posix()
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if getattr(self, "_work", None) is not None:
            shutil.rmtree(self._work, ignore_errors=True)
