"""Compare two builds of the site (``reports/`` and ``_site/`` of two project folders).

    python tests/tools/diff_builds.py OLD_PROJECT NEW_PROJECT

Every file is compared byte for byte, after replacing in text files only what legitimately
differs between two builds of the same inputs by different checkouts: the code version
(``0.1.0+g<commit>``), the absolute project folder, papermill's hidden build folder, and
papermill's own metadata and timings in executed notebooks. Prints one line per difference and
a summary; exit status 1 if anything else differs. Use it to show that a change of code layout
changes no output.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

TEXT = {".csv", ".md", ".qmd", ".html", ".json", ".yml", ".ipynb", ".css", ".js", ".txt"}
CODE = re.compile(r"\d+\.\d+\.\d+\+g[0-9a-f]{7,40}(-dirty)?|\d+\.\d+\.\d+ \(no git metadata\)")
BUILD = re.compile(r"reports/\.(build-[a-z0-9-]+-\d+|[a-z0-9-]+\.tmp-\d+-\d+)")
SECONDS = re.compile(r"(done )?in \d+(\.\d+)? ?s(econds)?\b")


def _notebook(text: str) -> str:
    nb = json.loads(text)
    nb.get("metadata", {}).pop("papermill", None)
    for cell in nb.get("cells", []):
        for key in ("papermill", "execution"):
            cell.get("metadata", {}).pop(key, None)
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.pop("id", None)  # papermill gives the cell it injects a random id
    return json.dumps(nb, indent=1, sort_keys=True)


def normalise(path: Path, data: bytes, root: Path) -> bytes:
    if path.suffix not in TEXT:
        return data
    text = data.decode("utf-8")
    if path.suffix == ".ipynb":
        text = _notebook(text)
    text = text.replace(str(root), "<ROOT>")
    text = CODE.sub("<CODE VERSION>", text)
    text = BUILD.sub("reports/<BUILD>", text)
    text = SECONDS.sub("in <SECONDS>", text)
    return text.encode("utf-8")


def files(base: Path) -> dict[str, Path]:
    out = {}
    for top in ("reports", "_site"):
        for p in sorted((base / top).rglob("*")):
            rel = p.relative_to(base).as_posix()
            if (
                p.is_file()
                and "/_interim/" not in rel
                and "/_scratch/" not in rel
                and "/_failed/" not in rel
            ):
                out[rel] = p
    return out


def main(argv: list[str]) -> int:
    old_root, new_root = (Path(a).resolve() for a in argv[1:3])
    old, new = files(old_root), files(new_root)
    differ = []
    only = sorted(set(old) ^ set(new))
    for rel in sorted(set(old) & set(new)):
        a, b = old[rel].read_bytes(), new[rel].read_bytes()
        if a == b:
            continue
        if normalise(old[rel], a, old_root) != normalise(new[rel], b, new_root):
            differ.append(rel)
    for rel in only:
        print(f"only in {'old' if rel in old else 'new'}: {rel}")
    for rel in differ:
        print(f"differs: {rel}")
    same = len(set(old) & set(new)) - len(differ)
    print(
        f"{len(old)} files in old, {len(new)} in new: {same} identical (after normalising "
        f"code version, project folder, build folder and timings), {len(differ)} differ, "
        f"{len(only)} in one build only"
    )
    return 1 if differ or only else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
