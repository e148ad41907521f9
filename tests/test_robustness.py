"""One bad artifact never stops a scan (DESIGN.md, "What bad input gets")."""

from __future__ import annotations

import os

from helpers import nhiguard, write_tree

PAT = "ghp_" + "Mn3Bv8Cx1Za6Sd4Fg9Hj2Kl7Qw5Er0Ty3UiP"
SECRET = "Zt8Qm3Lx7Vb2Nc9Rw4Ks6" + "Hd1Jf5Gp0Ty8Ua3"


def _broken_tree(root):
    write_tree(root, {
        "good/agent.py": f'TOKEN = "{PAT}"\n',
        "good/.env": f"GITHUB_TOKEN={PAT}\n",
        "broken/invalid.yaml": f"key: [unclosed\n  token: {PAT}\n",
        "broken/invalid.json": f'{{"token": "{PAT}", }} }}\n',
        "broken/invalid.py": f'def f(:\n    TOKEN = "{PAT}"\nCLIENT_SECRET = "{SECRET}"\n',
        "broken/binary.txt": b"\x00\x01\x02\x03 binary ghp_ \xff\xfe",
        "broken/latin1.env": f"GITHUB_TOKEN={PAT}\nNAME=caf\xe9\n".encode("latin-1"),
        "broken/bomb.yaml": "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
            f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
            for i in range(8)) + f"token: {PAT}\n",
        "broken/deep.json": '{"client_secret": ' + "[" * 5000 + "]" * 5000 + "}",
    })
    os.symlink("loop_b", root / "broken/loop_a")
    os.symlink("loop_a", root / "broken/loop_b")
    outside = root.parent / f"{root.name}-outside.py"
    outside.write_text(f'TOKEN = "{PAT}"\n')
    os.symlink(outside, root / "broken/link_out.py")


def test_broken_files_are_notified_and_good_files_still_scanned(tmp_path):
    _broken_tree(tmp_path)
    run = nhiguard("scan", ".", "--format", "json", cwd=tmp_path)
    assert run.code == 1, run.stderr
    data = run.json()
    found = {(f["uri"], f["line"]) for f in data["findings"]}
    # Line-based rules still see the secrets in files that do not parse.
    assert {("good/agent.py", 1), ("good/.env", 1), ("broken/latin1.env", 1),
            ("broken/invalid.yaml", 2), ("broken/invalid.py", 2)} <= found
    notes = {n["uri"]: n for n in data["notifications"]}
    for broken in ("invalid.yaml", "invalid.json", "invalid.py", "bomb.yaml", "deep.json"):
        assert notes[f"broken/{broken}"]["kind"] == "parse-error", broken
    assert "alias bomb" in notes["broken/bomb.yaml"]["message"]
    assert notes["broken/invalid.py"]["line"] == 1
    assert notes["broken/binary.txt"]["kind"] == "binary"
    assert notes["broken/latin1.env"]["kind"] == "encoding"
    assert notes["broken/loop_a"]["kind"] == "symlink" and "loop" in notes["broken/loop_a"]["message"]
    assert notes["broken/link_out.py"]["kind"] == "symlink"
    assert "out of the scanned tree" in notes["broken/link_out.py"]["message"]
    # Nothing outside the tree was read through the link.
    assert not any(f["uri"] == "broken/link_out.py" for f in data["findings"])
    assert PAT not in run.stdout


def test_a_huge_file_is_skipped_with_a_notice(tmp_path):
    write_tree(tmp_path, {"big.txt": "x" * (6 * 1024 * 1024), "a.py": f'T = "{PAT}"\n'})
    run = nhiguard("scan", ".", "--format", "json", cwd=tmp_path)
    data = run.json()
    assert [n["kind"] for n in data["notifications"]] == ["too-large"]
    assert [f["uri"] for f in data["findings"]] == ["a.py"]
