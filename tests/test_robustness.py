"""One bad artifact never stops a scan (docs/architecture.md, "Invariants")."""

from __future__ import annotations

import codecs
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from helpers import nhiguard, write_tree
from nhiguard.engine import ScanResult, WorkerPool, scan
from nhiguard.finding import Notification
from nhiguard.policy import Policy
from nhiguard.registry import all_rule_classes
from nhiguard.sources import PathSource

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


# -- the hostile corpus -------------------------------------------------------------------
# Each entry: file name, how its bytes are made (large ones by code, never committed),
# and what the scan must report for it. `PAT` on line 2 at column 10 wherever it is text.
def _pat_file(encode) -> bytes:
    return encode(f'NAME = "caf\xe9"\nTOKEN = "{PAT}"\n')


HOSTILE_TEXT = {
    "enc/utf8.py": _pat_file(lambda t: t.encode("utf-8")),
    "enc/utf8_bom.py": _pat_file(lambda t: codecs.BOM_UTF8 + t.encode("utf-8")),
    "enc/utf16le_bom.py": _pat_file(lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le")),
    "enc/utf16be_bom.py": _pat_file(lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")),
    "enc/utf32le_bom.py": _pat_file(lambda t: codecs.BOM_UTF32_LE + t.encode("utf-32-le")),
    "enc/utf32be_bom.py": _pat_file(lambda t: codecs.BOM_UTF32_BE + t.encode("utf-32-be")),
    "enc/utf16le_nobom.py": _pat_file(lambda t: t.encode("utf-16-le")),
    "enc/utf16be_nobom.py": _pat_file(lambda t: t.encode("utf-16-be")),
    "enc/crlf_utf16.py": _pat_file(
        lambda t: codecs.BOM_UTF16_LE + t.replace("\n", "\r\n").encode("utf-16-le")),
    "enc/latin1.py": _pat_file(lambda t: t.encode("latin-1")),
}


def _hostile_tree(root):
    megaline = "x = '" + "a" * (2 * 1024 * 1024) + "'\n"
    write_tree(root, {
        **HOSTILE_TEXT,
        "deep/deep100k.json": '{"client_secret": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "deep/deep3k.yaml": "client_secret: " + "[" * 3000 + "]" * 3000 + "\n",
        "deep/nested3k.yaml": "".join(" " * i + f"k{i}:\n" for i in range(3000)) + " " * 3000 + "v: 1\n",
        "big/megaline.py": megaline + f'TOKEN = "{PAT}"\n',
        "bin/blob.txt": b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 64 + PAT.encode(),
        "yaml/pwn.yaml": (f"run: !!python/object/apply:os.system ['touch {root}/PWNED']\n"
                          f"token: {PAT}\n"),
        "yaml/pwn2.yaml": f"!!python/object/new:os.system [touch {root}/PWNED2]\n",
        # Terraform that names what the rules read, but does not parse.
        "hcl/broken.tf": 'resource "aws_iam_access_key" "ci" {\n  user = = "ci"\n',
        "hcl/deep.tf": 'resource "aws_iam_access_key" "ci" {\n  tags = '
                       + "[" * 100_000 + "]" * 100_000 + "\n}\n",
        "hcl/binary-ish.tfvars": "aws_iam_access_key = \x00\x01{{{\n",
    })


def test_hostile_corpus_each_file_gets_its_outcome(tmp_path):
    _hostile_tree(tmp_path)
    run = nhiguard("scan", ".", "--format", "json", cwd=tmp_path)
    assert run.code == 1, run.stderr
    data = run.json()
    found = {(f["uri"], f["line"], f["column"]) for f in data["findings"] if f["rule_id"] == "NHG101"}
    # Every encoding: the same secret at the same line and column as in UTF-8.
    for name in HOSTILE_TEXT:
        assert (name, 2, 10) in found, name
    assert ("big/megaline.py", 2, 10) in found
    notes = {n["uri"]: n for n in data["notifications"]}
    assert notes["enc/latin1.py"]["kind"] == "encoding"
    assert not any(n["uri"].startswith("enc/") and n["uri"] != "enc/latin1.py" for n in data["notifications"])
    assert notes["bin/blob.txt"]["kind"] == "binary"
    assert notes["deep/deep100k.json"]["kind"] == "parse-error"
    assert notes["deep/deep3k.yaml"]["kind"] == "parse-error"
    for name in ("hcl/broken.tf", "hcl/deep.tf", "hcl/binary-ish.tfvars"):
        assert notes[name]["kind"] in ("parse-error", "binary"), name
    assert notes["hcl/broken.tf"]["line"] == 2
    # The YAML tags never run: a safe loader, and the secret beside them is found.
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "PWNED2").exists()
    assert ("yaml/pwn.yaml", 2, 8) in found
    assert PAT not in run.stdout


def test_text_report_on_a_cp1252_pipe(tmp_path):
    # Windows pipes (pre-commit, `> file`) are cp1252: the snippet bar is not in it.
    write_tree(tmp_path, {"app.py": f'TOKEN = "{PAT}"  # café — 😀\n'})
    env = {"PATH": "/usr/bin:/bin", "CI": "true", "HOME": str(tmp_path), "PYTHONIOENCODING": "cp1252"}
    proc = subprocess.run([sys.executable, "-m", "nhiguard", "scan", "app.py"], cwd=tmp_path, env=env,
                          capture_output=True, check=False)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.decode("cp1252")
    assert "app.py:1:10: NHG101" in out and '    | TOKEN = "ghp_' in out
    assert "1 finding in 1 file (" in out
    json_proc = subprocess.run([sys.executable, "-m", "nhiguard", "scan", "app.py", "--format", "json"],
                               cwd=tmp_path, env=env, capture_output=True, check=False)
    assert json_proc.returncode == 1
    snippet = json.loads(json_proc.stdout.decode("cp1252"))["findings"][0]["snippet"]
    assert snippet.endswith("# café — 😀")  # escaped on the way out, exact once parsed


def test_links_and_hard_links_scan_each_real_file_once(tmp_path):
    write_tree(tmp_path, {"src/real.py": f'TOKEN = "{PAT}"\n'})
    os.symlink("real.py", tmp_path / "src/a_link.py")
    os.symlink("src/real.py", tmp_path / "z_link.py")
    os.link(tmp_path / "src/real.py", tmp_path / "src/zz_hard.py")
    for jobs in ("1", "2"):
        run = nhiguard("scan", ".", "--format", "json", "--jobs", jobs, cwd=tmp_path)
        data = run.json()
        assert [f["uri"] for f in data["findings"]] == ["src/real.py"]
        assert data["summary"]["files_listed"] == 1
    # Named on the command line, the link and its target are still one file.
    run = nhiguard("scan", "src/a_link.py", "src/real.py", "--format", "json", cwd=tmp_path)
    assert [f["uri"] for f in run.json()["findings"]] == ["src/real.py"]


def test_a_file_named_on_the_command_line_is_always_read(tmp_path):
    write_tree(tmp_path, {"notes.dat": f"token {PAT}\n", "keys.bin": f"{PAT}\n"})
    run = nhiguard("scan", "notes.dat", "keys.bin", "--format", "json", cwd=tmp_path)
    assert run.code == 1
    assert sorted(f["uri"] for f in run.json()["findings"]) == ["keys.bin", "notes.dat"]
    # In a folder walk the binary-looking names are still skipped by name.
    assert nhiguard("scan", ".", cwd=tmp_path).code == 0


def test_a_fifo_never_blocks_the_scan(tmp_path):
    write_tree(tmp_path, {"a.py": f'T = "{PAT}"\n'})
    os.mkfifo(tmp_path / "pipe.env")
    run = nhiguard("scan", ".", "--format", "json", cwd=tmp_path)
    assert [f["uri"] for f in run.json()["findings"]] == ["a.py"]
    named = nhiguard("scan", "pipe.env", "--format", "json", cwd=tmp_path)
    assert named.code == 0
    assert [(n["uri"], n["kind"]) for n in named.json()["notifications"]] == [("pipe.env", "not-a-file")]


def test_unreadable_files_are_notified(tmp_path):
    write_tree(tmp_path, {"a.py": f'T = "{PAT}"\n', "locked.env": f"GITHUB_TOKEN={PAT}\n"})
    (tmp_path / "locked.env").chmod(0)
    if os.access(tmp_path / "locked.env", os.R_OK):
        # Running as root, where mode bits do not stop reads: a folder that
        # becomes the file's name after listing cannot be read as a file either.
        (tmp_path / "locked.env").chmod(0o600)
        listing = PathSource(tmp_path).list([str(tmp_path)])
        (tmp_path / "locked.env").unlink()
        (tmp_path / "locked.env").mkdir()
        result = scan(listing.artifacts, all_rule_classes(), file_timeout=0)
    else:
        run = nhiguard("scan", ".", "--format", "json", cwd=tmp_path)
        result = ScanResult([], [Notification(**n) for n in run.json()["notifications"]], 0, 0)
        result.findings = [f["uri"] for f in run.json()["findings"]]  # type: ignore[misc]
    assert [getattr(f, "uri", f) for f in result.findings] == ["a.py"]
    assert [(n.uri, n.kind, n.level) for n in result.notifications] == [
        ("locked.env", "unreadable", "warning")]


def test_a_file_deleted_mid_scan_is_notified(tmp_path):
    write_tree(tmp_path, {"a.py": f'T = "{PAT}"\n', "gone.py": f'T = "{PAT}"\n'})
    listing = PathSource(tmp_path).list([str(tmp_path)])
    (tmp_path / "gone.py").unlink()
    result = scan(listing.artifacts, all_rule_classes(), file_timeout=0)
    assert [f.uri for f in result.findings] == ["a.py"]
    assert [(n.uri, n.kind) for n in result.notifications] == [("gone.py", "unreadable")]


def test_a_second_scan_skips_the_first_scans_reports(tmp_path):
    write_tree(tmp_path, {"app.py": f'TOKEN = "{PAT}"\n'})
    first = nhiguard("scan", ".", "--format", "sarif", "--output", "nhiguard.sarif",
                     "--format", "json", "--output", "report.json", "--format", "json", cwd=tmp_path)
    assert first.code == 1
    # Renamed: recognised by what it holds, not by its name.
    (tmp_path / "report.json").rename(tmp_path / "results.txt")
    second = nhiguard("scan", ".", "--format", "json", cwd=tmp_path)
    data = second.json()
    assert [f["uri"] for f in data["findings"]] == [f["uri"] for f in first.json()["findings"]]
    assert {(n["uri"], n["kind"]) for n in data["notifications"]} == {
        ("nhiguard.sarif", "own-report"), ("results.txt", "own-report")}


# -- exit codes ---------------------------------------------------------------------------
def _popen(args, cwd, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "nhiguard", *args], cwd=cwd, stderr=subprocess.PIPE,
                            env={"PATH": "/usr/bin:/bin", "CI": "true", "HOME": str(cwd)}, **kwargs)


def test_a_closed_pipe_ends_quietly_with_141(tmp_path):
    write_tree(tmp_path, {"a.py": "".join(f'T{i} = "{PAT[:-5]}{i:05d}"\n' for i in range(200))})
    proc = _popen(["scan", "."], tmp_path, stdout=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is written, like `| head -0`
    stderr = proc.stderr.read()
    assert proc.wait(timeout=120) == 141
    assert stderr == b""


def _waiting_for_a_reader(pid: int) -> bool:
    # Linux names the wait in a FIFO's open(): the process is past start-up.
    with open(f"/proc/{pid}/wchan") as fh:
        return fh.read().strip() == "wait_for_partner"


def test_ctrl_c_exits_130(tmp_path):
    write_tree(tmp_path, {"a.py": f'T = "{PAT}"\n'})
    os.mkfifo(tmp_path / "out.json")  # opening it for writing waits for a reader: forever
    proc = _popen(["scan", ".", "--output", "out.json"], tmp_path, stdout=subprocess.DEVNULL)
    while proc.poll() is None and not _waiting_for_a_reader(proc.pid):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 130
    assert "interrupted" in stderr and "Traceback" not in stderr


def test_output_dash_is_standard_output(tmp_path):
    write_tree(tmp_path, {"a.py": f'T = "{PAT}"\n'})
    run = nhiguard("scan", ".", "--format", "json", "--output", "-", cwd=tmp_path)
    assert run.code == 1 and run.json()["findings"][0]["uri"] == "a.py"
    assert not (tmp_path / "-").exists()


def test_an_output_in_a_missing_folder_is_refused_before_scanning(tmp_path):
    write_tree(tmp_path, {"a.py": f'T = "{PAT}"\n'})
    run = nhiguard("scan", ".", "--format", "sarif", "--output", "missing/x.sarif", "--format", "json",
                   cwd=tmp_path)
    assert run.code == 2 and "missing" in run.stderr
    assert run.stdout == ""  # nothing was scanned or reported


# -- the per-file time budget ---------------------------------------------------------------
class _EndlessRule:
    """A test-only rule that never returns on a file holding its keyword,
    the way a pathological input can hold a parser."""

    id = "NHG999"
    keywords = ("endless",)
    file_kinds = frozenset({"python"})
    superseded_by = ()
    literal_secret = False
    scans_tests = True

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def check(self, doc):
        while "endless" in doc.text:
            pass
        return iter(())


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_over_its_time_budget_is_abandoned_and_the_rest_scanned(tmp_path, jobs):
    files = {f"ok{i:03d}.py": f'T = "{PAT}"\n' for i in range(80)}
    write_tree(tmp_path, {**files, "stuck.py": f"# endless\nT = \"{PAT}\"\n"})
    listing = PathSource(tmp_path).list([str(tmp_path)])
    rules = [*all_rule_classes(), _EndlessRule]
    if jobs == 1:
        result = scan(listing.artifacts, rules, jobs=1, file_timeout=0.5)
    else:
        with WorkerPool(rules, Policy(), jobs, file_timeout=0.5) as pool:
            result = scan(listing.artifacts, rules, jobs=jobs, pool=pool, file_timeout=0.5)
    assert sorted(f.uri for f in result.findings) == sorted(files)
    assert [(n.uri, n.kind, n.level) for n in result.notifications] == [("stuck.py", "timeout", "warning")]
    assert "stuck.py" not in {f.uri for f in result.findings}


def test_file_timeout_option_and_config_key(tmp_path):
    write_tree(tmp_path, {"a.py": f'T = "{PAT}"\n', "bad.toml": "file-timeout = -1\n",
                          "good.toml": "file-timeout = 0\n"})
    assert nhiguard("scan", ".", "--config", "bad.toml", cwd=tmp_path).code == 2
    assert nhiguard("scan", ".", "--config", "good.toml", cwd=tmp_path).code == 1
    assert nhiguard("scan", ".", "--file-timeout", "-2", cwd=tmp_path).code == 2
    assert nhiguard("scan", ".", "--file-timeout", "0.5", cwd=tmp_path).code == 1


class _UninterruptibleRule(_EndlessRule):
    """Like a read that never returns, or a C extension that never returns to
    Python: the budget's timer signal is blocked (and sleeping spends no CPU
    time anyway), so only the parent's watchdog can stop it."""

    def check(self, doc):
        if "endless" in doc.text:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
            time.sleep(3600)
        return iter(())


def test_a_worker_stuck_out_of_reach_of_signals_is_replaced(tmp_path):
    files = {f"ok{i:03d}.py": f'T = "{PAT}"\n' for i in range(80)}
    write_tree(tmp_path, {**files, "stuck.py": f"# endless\nT = \"{PAT}\"\n"})
    listing = PathSource(tmp_path).list([str(tmp_path)])
    rules = [*all_rule_classes(), _UninterruptibleRule]
    with WorkerPool(rules, Policy(), 2, file_timeout=0.3) as pool:
        result = scan(listing.artifacts, rules, jobs=2, pool=pool, file_timeout=0.3)
        again = scan(listing.artifacts[:70], rules, jobs=2, pool=pool, file_timeout=0.3)
    assert sorted(f.uri for f in result.findings) == sorted(files)
    assert [(n.uri, n.kind) for n in result.notifications] == [("stuck.py", "timeout")]
    assert result.files_listed == 81
    # The replaced workers serve the next scan too.
    assert len(again.findings) == 70 and not again.notifications


def test_a_file_name_that_is_not_utf8_is_reported_not_a_crash(tmp_path):
    (tmp_path / os.fsdecode(b"bad\xffname.py")).write_text(f'T = "{PAT}"\n')
    text = nhiguard("scan", ".", cwd=tmp_path)
    assert text.code == 1 and "bad\\udcffname.py:1:6: NHG101" in text.stdout
    sarif = nhiguard("scan", ".", "--format", "sarif", "--output", "out.sarif", cwd=tmp_path)
    assert sarif.code == 1, sarif.stderr
    assert json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"]


def test_ctrl_c_during_a_pool_scan_stops_the_workers(tmp_path):
    # The workers ignore Ctrl-C (the parent alone reports it); the pool must
    # end them rather than wait for files that may never finish.
    write_tree(tmp_path, {**{f"ok{i:03d}.py": "x = 1\n" for i in range(80)}, "stuck.py": "# endless\n"})
    listing = PathSource(tmp_path).list([str(tmp_path)])
    rules = [*all_rule_classes(), _EndlessRule]
    # Children an earlier test left behind are not this pool's workers.
    earlier = set(multiprocessing.active_children())
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    with pytest.raises(KeyboardInterrupt), WorkerPool(rules, Policy(), 2, file_timeout=0) as pool:
        timer.start()
        scan(listing.artifacts, rules, jobs=2, pool=pool, file_timeout=0)
    timer.join()
    workers = [c for c in multiprocessing.active_children() if c not in earlier]
    # The executor's own thread may reap a worker while this one waits for it, and
    # then `join` returns early with the exit status not yet seen here: ask again.
    deadline = time.monotonic() + 60
    while any(c.is_alive() for c in workers) and time.monotonic() < deadline:
        for child in workers:
            child.join(timeout=0.1)
    assert [c for c in workers if c.is_alive()] == []
