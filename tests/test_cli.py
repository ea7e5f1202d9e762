import json
import subprocess
import sys
from pathlib import Path

from xltools.cli import main
from xltools.cli.rules import rules_markdown
from xltools.core.validation import as_json

from .forms import SEED_JSON, clean_form

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltools", *args], capture_output=True, text=True, cwd=ROOT)


def test_check_seed_json_contract():
    proc = run_cli("check", str(SEED_JSON), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    # issue 27 adds self_total (the 总分 the form shows) beside the reviewed total; the other keys stay
    assert set(result) == {"file", "execution_rate", "budget_score", "indicator_scores", "total", "grade",
                           "self_total", "findings"}
    assert (result["execution_rate"], result["budget_score"], result["total"], result["grade"]) == (1.0, 10, 100, "优")
    assert result["indicator_scores"] == [10] * 9
    flat = {(f["cell"], f["code"]) for f in result["findings"]}
    assert ("自评表!D15", "name-is-sentence") in flat
    assert ("自评表!F23", "actual-copied") in flat
    assert ("自评表!G30", "weight-split") in flat
    assert all(set(f) == {"code", "severity", "field", "cell", "message"} for f in result["findings"])
    assert {f["severity"] for f in result["findings"]} == {"warning"}


def test_check_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(as_json(clean_form(total_score=1)), encoding="utf-8")
    assert main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "total-mismatch" in out and "自评表!H30" in out
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["check", str(bad), str(broken)]) == 2
    assert "broken.json" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.json")]) == 2


def test_check_with_policy(tmp_path, capsys):
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\ngrade_thresholds = { "优" = 101, "良" = 80, "中" = 60 }\n', encoding="utf-8")
    assert main(["check", str(SEED_JSON), "--json", "--policy", str(policy)]) == 0
    assert json.loads(capsys.readouterr().out)["grade"] == "良"
    policy.write_text("decimals = 'x'", encoding="utf-8")
    assert main(["check", str(SEED_JSON), "--policy", str(policy)]) == 2


def test_schema_has_chinese_titles():
    proc = run_cli("schema")
    schema = json.loads(proc.stdout)
    assert schema["title"] == "朝阳区项目支出绩效自评表"
    assert schema["properties"]["project_name"]["title"] == "项目名称"
    assert set(schema["properties"]) >= {"year", "funds", "indicators", "filled_on", "total_score"}


def test_rules_doc_is_current():
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown()


def test_policy_file_wins_over_the_templates_policy(tmp_path, capsys):
    from xltools.excel.fill import fill_workbook

    from .forms import seed_form

    book = fill_workbook(seed_form(), tmp_path / "seed.xlsx")
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\ngrade_thresholds = { "优" = 101, "良" = 80, "中" = 60 }\n', encoding="utf-8")
    assert main(["check", str(book), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["grade"] == "优"
    # the run's policy scores the form; the workbook's own (the default) differs from it: a tamper finding
    assert main(["check", str(book), "--json", "--policy", str(policy)]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["grade"] == "良"
    assert [f["cell"] for f in result["findings"] if f["code"] == "tamper-policy-changed"] == ["模板信息!B5"]
