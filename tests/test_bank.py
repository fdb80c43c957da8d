"""Question bank and rubric loading: the real bank is valid; broken files are reported
with file:line:field and never take the rest of the bank down."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.bank import load_bank
from assistant.cli import app
from tests.conftest import REPO

QUESTION = """\
topic: demo
title: Demo topic
questions:
  - id: demo-one
    phase: 1
    kind: concept
    difficulty: easy
    time_limit: 90
    prompt: What is a demo question for testing?
    model_answer: A demo answer that is long enough to pass the minimum length check of the schema.
    follow_ups: [Why?]
    tags: [demo]
"""

RUBRIC = """\
topic: demo
rubrics:
  demo-one:
    points:
      - id: first
        text: Gradient descent moves against the gradient.
        weight: 2
        critical: true
        keywords: [gradient]
        paraphrases: [We step opposite the gradient., Move downhill along the negative gradient.]
      - id: second
        text: The learning rate sets the step size.
        keywords: [learning rate]
        paraphrases: [Step size is the learning rate., The learning rate scales each update.]
      - id: third
        text: Too large a learning rate diverges.
        keywords: [diverge]
        paraphrases: [A big step size makes it diverge., With a huge rate the loss can diverge.]
    misconceptions:
      - id: always-global
        text: Gradient descent always finds the global minimum.
        correction: Only for convex problems.
"""


def write_bank(root: Path, question: str = QUESTION, rubric: str = RUBRIC) -> tuple[Path, Path]:
    (root / "q").mkdir(parents=True, exist_ok=True)
    (root / "r").mkdir(parents=True, exist_ok=True)
    (root / "q" / "demo.yaml").write_text(question)
    (root / "r" / "demo.yaml").write_text(rubric)
    return root / "q", root / "r"


def test_the_shipped_bank_is_valid_and_complete() -> None:
    bank = load_bank(REPO / "question_bank", REPO / "rubrics")
    assert bank.problems == []
    assert len(bank.questions) >= 24
    for topic in ("supervised-learning", "unsupervised-learning", "deep-learning", "nlp", "computer-vision",
                  "llms-transformers", "mlops", "ml-system-design"):
        assert len(bank.by_topic(topic)) >= 3, topic
    for q in bank.questions.values():
        assert q.rubric is not None and len(q.rubric.points) >= 3


@pytest.mark.parametrize(
    "question_id, phrase",
    [("sl-bias-variance", "bias-variance"), ("sl-gradient-descent", "learning rate"),
     ("llm-self-attention", "self-attention"), ("mlops-data-drift", "drift"), ("sl-l1-vs-l2", "L1 and L2")],
)
def test_required_seed_questions_exist(question_id: str, phrase: str) -> None:
    bank = load_bank(REPO / "question_bank", REPO / "rubrics")
    assert phrase.lower() in bank.get(question_id).prompt.lower()


def test_valid_files_load_into_domain_objects(tmp_path: Path) -> None:
    bank = load_bank(*write_bank(tmp_path))
    assert bank.problems == []
    q = bank.get("demo-one")
    assert q.topic == "demo" and q.time_limit == 90
    assert [p.id for p in q.rubric.points] == ["first", "second", "third"]
    assert q.rubric.points[0].critical and q.rubric.points[0].weight == 2
    assert q.rubric.keywords == ("gradient", "learning rate", "diverge")
    assert q.rubric.misconceptions[0].correction == "Only for convex problems."


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    broken = QUESTION.replace("    phase: 1\n", "    phase: [1\n")
    bank = load_bank(*write_bank(tmp_path, question=broken))
    problem = bank.problems[0]
    assert problem.path.name == "demo.yaml" and "YAML syntax error" in problem.message
    assert 5 <= problem.line <= 8
    # Its rubric now looks orphaned; the message must not blame the rubric file alone.
    assert "failed to load" in bank.problems[1].message


def test_schema_errors_name_line_and_field(tmp_path: Path) -> None:
    broken = QUESTION.replace("    difficulty: easy\n", "    difficulty: trivial\n").replace("phase: 1", "phase: 9")
    bank = load_bank(*write_bank(tmp_path, question=broken))
    found = {(p.field, p.line) for p in bank.problems}
    assert ("questions.0.phase", 5) in found
    assert ("questions.0.difficulty", 7) in found
    assert "demo-one" not in bank.questions


def test_unknown_key_is_rejected_as_a_typo(tmp_path: Path) -> None:
    broken = RUBRIC.replace("        paraphrases: [We step", "        paraphrase: [x]\n        paraphrases: [We step")
    bank = load_bank(*write_bank(tmp_path, rubric=broken))
    fields = [p.field for p in bank.problems]
    assert "rubrics.demo-one.points.0.paraphrase" in fields


def test_keyword_missing_from_point_text_is_an_error(tmp_path: Path) -> None:
    broken = RUBRIC.replace("keywords: [diverge]", "keywords: [momentum]")
    bank = load_bank(*write_bank(tmp_path, rubric=broken))
    assert any("momentum" in p.message and p.line == 17 for p in bank.problems), bank.problems


def test_too_few_points_and_paraphrases(tmp_path: Path) -> None:
    broken = RUBRIC.replace("paraphrases: [Step size is the learning rate., The learning rate scales each update.]",
                            "paraphrases: [Step size is the learning rate.]")
    bank = load_bank(*write_bank(tmp_path, rubric=broken))
    assert any(p.field.endswith("points.1.paraphrases") for p in bank.problems)


def test_duplicate_ids_unknown_rubric_and_missing_rubric(tmp_path: Path) -> None:
    qdir, rdir = write_bank(tmp_path)
    (qdir / "zz_copy.yaml").write_text(QUESTION.replace("topic: demo", "topic: other"))
    (rdir / "orphan.yaml").write_text(RUBRIC.replace("topic: demo", "topic: orphan").replace("demo-one:", "ghost-q:"))
    (qdir / "lonely.yaml").write_text(QUESTION.replace("demo-one", "lonely-one").replace("topic: demo", "topic: lonely"))
    bank = load_bank(qdir, rdir)
    messages = [str(p) for p in bank.problems]
    assert any("duplicate question id 'demo-one'" in m and "zz_copy.yaml:4" in m for m in messages), messages
    assert any("unknown question id 'ghost-q'" in m and "orphan.yaml:3" in m for m in messages), messages
    assert any("'lonely-one' has no rubric" in m for m in messages), messages
    # The good question still loads.
    assert bank.get("demo-one").rubric is not None


def test_requires_names_known_questions(tmp_path: Path) -> None:
    two = QUESTION.replace("demo-one", "demo-two").replace("    tags: [demo]\n", "    tags: [demo]\n    requires: [demo-one, ghost-q]\n")
    qdir, rdir = write_bank(tmp_path, question=QUESTION + two.split("questions:\n", 1)[1])
    (rdir / "demo.yaml").write_text(RUBRIC + RUBRIC.split("rubrics:\n", 1)[1].replace("demo-one:", "demo-two:"))
    bank = load_bank(qdir, rdir)
    messages = [str(p) for p in bank.problems]
    assert messages == [f"{qdir / 'demo.yaml'}:22: [requires] no question with id 'ghost-q'"], messages
    assert bank.get("demo-two").requires == ("demo-one",)
    assert bank.get("demo-one").requires == ()


def test_one_broken_file_leaves_the_rest_of_the_real_bank_working(tmp_path: Path) -> None:
    qdir, rdir = tmp_path / "q", tmp_path / "r"
    shutil.copytree(REPO / "question_bank", qdir)
    shutil.copytree(REPO / "rubrics", rdir)
    (qdir / "supervised_learning.yaml").write_text("topic: [unclosed\n")
    bank = load_bank(qdir, rdir)
    assert any(p.path.name == "supervised_learning.yaml" for p in bank.problems)
    assert "llm-self-attention" in bank.questions
    assert "sl-bias-variance" not in bank.questions


def test_empty_and_non_utf8_files(tmp_path: Path) -> None:
    qdir, rdir = write_bank(tmp_path)
    (qdir / "empty.yaml").write_text("")
    (qdir / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    bank = load_bank(qdir, rdir)
    by_file = {p.path.name: p.message for p in bank.problems}
    assert by_file["empty.yaml"] == "file is empty"
    assert "not UTF-8" in by_file["binary.yaml"]


def test_template_points_are_merged_and_unknown_templates_reported(tmp_path: Path) -> None:
    bank = load_bank(REPO / "question_bank", REPO / "rubrics")
    design = bank.get("sd-recommender").rubric
    assert {"clarify-requirements", "monitoring"} <= {p.id for p in design.points}
    qdir, rdir = write_bank(tmp_path, rubric=RUBRIC.replace("    points:\n", "    template: {name: nope}\n    points:\n", 1))
    problems = load_bank(qdir, rdir).problems
    assert any("unknown rubric template 'nope'" in p.message for p in problems)


TEMPLATE = """\
name: steps
title: Shared steps
points:
  - id: baseline
    text: Starts with a simple baseline such as logistic regression.
    weight: 1.5
    critical: true
    keywords: [baseline]
    paraphrases: [I'd begin with a logistic regression baseline., A simple baseline comes first.]
  - id: monitoring
    text: Monitors drift after launch.
    keywords: [drift]
    paraphrases: [I'd watch for drift., After launch we monitor drift.]
"""


def test_a_question_adapts_a_template_point_to_its_product_keeping_its_id_and_weight(tmp_path: Path) -> None:
    adapted = RUBRIC.replace("    points:\n", """\
    template:
      name: steps
      adapt:
        baseline:
          text: Starts from a pretrained image encoder such as CLIP as the baseline.
          keywords: [pretrained]
          paraphrases: [A pretrained CLIP encoder is my baseline., I'd start from a pretrained image model.]
    points:
""", 1)
    qdir, rdir = write_bank(tmp_path, rubric=adapted)
    (rdir / "templates").mkdir()
    (rdir / "templates" / "steps.yaml").write_text(TEMPLATE)
    bank = load_bank(qdir, rdir)
    assert bank.problems == []
    points = {p.id: p for p in bank.get("demo-one").rubric.points}
    assert points["baseline"].text.startswith("Starts from a pretrained image encoder")
    assert points["baseline"].keywords == ("pretrained",) and "CLIP" in points["baseline"].paraphrases[0]
    assert (points["baseline"].weight, points["baseline"].critical) == (1.5, True)  # still the template's
    assert points["monitoring"].text == "Monitors drift after launch."  # not adapted: as the template says

    misnamed = adapted.replace("        baseline:\n", "        basline:\n")
    (rdir / "demo.yaml").write_text(misnamed)
    problems = load_bank(qdir, rdir).problems
    assert problems[0].message == "adapt names points ['basline'] that this rubric does not take from template 'steps'"
    assert (problems[0].path, problems[0].line) == (rdir / "demo.yaml", 4)  # its "template:" line
    assert "'demo-one' has no rubric" in problems[1].message  # reported, and the rest of the bank loads


def test_cli_validate_lists_problems_and_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    qdir, rdir = write_bank(tmp_path, question=QUESTION.replace("kind: concept", "kind: essay"))
    monkeypatch.setenv("VIVA_QUESTION_DIR", str(qdir))
    monkeypatch.setenv("VIVA_RUBRIC_DIR", str(rdir))
    result = CliRunner().invoke(app, ["bank", "validate"])
    assert result.exit_code == 1
    assert f"{qdir / 'demo.yaml'}:6: [questions.0.kind]" in result.output


def test_cli_list_show_stats_on_the_real_bank() -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["bank", "list", "--topic", "mlops", "--json"])
    assert listing.exit_code == 0
    import json

    rows = json.loads(listing.output)
    assert rows and all(r["topic"] == "mlops" for r in rows)
    shown = runner.invoke(app, ["bank", "show", "sl-bias-variance"])
    assert shown.exit_code == 0 and "Model answer" in shown.output and "irreducible" in shown.output.lower()
    stats = json.loads(runner.invoke(app, ["bank", "stats", "--json"]).output)
    assert stats["questions"] >= 24 and stats["by_phase"]["1"] >= 6
    unknown = runner.invoke(app, ["bank", "show", "sl-bias-varience"])
    assert unknown.exit_code == 2 and "Did you mean: sl-bias-variance" in unknown.output
