"""The user's own banks: merged with the built-in one under a namespace, validated with file:line
errors, and written by `viva bank new` and `viva bank import` so that they load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.bank import load_bank
from assistant.bank.authoring import pick_keywords, points_from_reference, split_points
from assistant.bank.schema import contains_term
from assistant.cli import app
from assistant.config import Settings
from assistant.domain import BUILT_IN
from tests.conftest import REPO
from tests.test_bank import QUESTION, RUBRIC

BUILTIN = (REPO / "question_bank", REPO / "rubrics")
# A user's rubric may have one point and no paraphrases (the built-in bank needs 3 points, 2 paraphrases each).
SMALL_RUBRIC = """\
topic: demo
rubrics:
  demo-one:
    points:
      - id: only
        text: Gradient descent moves against the gradient.
        keywords: [gradient]
"""


def user_bank(root: Path, name: str = "acme", question: str = QUESTION, rubric: str = RUBRIC) -> Path:
    bank = root / name
    (bank / "questions").mkdir(parents=True)
    (bank / "rubrics").mkdir(parents=True)
    (bank / "questions" / "demo.yaml").write_text(question)
    (bank / "rubrics" / "demo.yaml").write_text(rubric)
    return bank


def test_user_questions_are_namespaced_and_marked_by_source(tmp_path: Path) -> None:
    # The user's question reuses a built-in id: the namespace keeps both.
    question = QUESTION.replace("demo-one", "sl-bias-variance")
    rubric = RUBRIC.replace("demo-one:", "sl-bias-variance:")
    bank = load_bank(*BUILTIN, [user_bank(tmp_path, "Acme Corp", question, rubric)])
    assert bank.problems == []
    mine = bank.get("acme-corp/sl-bias-variance")
    assert mine.source == "acme-corp" and mine.topic == "demo" and mine.phase == 1
    assert mine.rubric is not None and mine.rubric.question_id == "acme-corp/sl-bias-variance"
    assert bank.get("sl-bias-variance").source == BUILT_IN
    assert bank.sources == {"acme-corp": tmp_path / "Acme Corp"}
    assert [q.id for q in bank.by_source("acme-corp")] == ["acme-corp/sl-bias-variance"]


def test_user_banks_may_have_one_point_without_paraphrases_but_the_builtin_rules_stay(tmp_path: Path) -> None:
    bank = load_bank(*BUILTIN, [user_bank(tmp_path, rubric=SMALL_RUBRIC)])
    assert bank.problems == [] and len(bank.get("acme/demo-one").rubric.points) == 1
    from tests.test_bank import write_bank

    strict = load_bank(*write_bank(tmp_path / "builtin", rubric=SMALL_RUBRIC))
    assert "rubrics.demo-one.points.0.paraphrases" in {p.field for p in strict.problems}
    with_paraphrases = SMALL_RUBRIC + "        paraphrases: [We step opposite the gradient., Move along the negative gradient.]\n"
    strict = load_bank(*write_bank(tmp_path / "builtin2", rubric=with_paraphrases))
    assert any(p.field == "rubrics.demo-one" and "at least 3 points" in p.message for p in strict.problems)


def test_user_bank_errors_name_file_and_line_and_leave_the_rest_working(tmp_path: Path) -> None:
    broken = user_bank(tmp_path, "broken", QUESTION.replace("phase: 1", "phase: 7"))
    good = user_bank(tmp_path, "good")
    missing = tmp_path / "nowhere"
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "demo.yaml").write_text(QUESTION)
    twin = user_bank(tmp_path, "GOOD")
    bank = load_bank(*BUILTIN, [broken, good, missing, flat, twin])
    messages = [str(p) for p in bank.problems]
    assert f"{broken / 'questions' / 'demo.yaml'}:5: [questions.0.phase]" in messages[0]
    assert any(str(missing) in m and "does not exist" in m for m in messages)
    assert any("no questions/ directory" in m and "demo.yaml" in m for m in messages)
    assert any("namespace 'good' is already used" in m for m in messages)
    assert "good/demo-one" in bank.questions and "broken/demo-one" not in bank.questions
    assert "sl-bias-variance" in bank.questions


def test_user_templates_and_builtin_templates(tmp_path: Path) -> None:
    rubric = RUBRIC.replace("    points:\n", "    template: {name: ml-system-design, points: [monitoring]}\n    points:\n", 1)
    bank = load_bank(*BUILTIN, [user_bank(tmp_path, rubric=rubric)])
    assert bank.problems == []
    assert "monitoring" in {p.id for p in bank.get("acme/demo-one").rubric.points}


def test_settings_find_banks_in_the_data_dir_and_configured_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = user_bank(tmp_path / "elsewhere", "work")
    monkeypatch.setenv("VIVA_USER_BANK_DIRS", json.dumps([str(extra)]))
    settings = Settings()
    user_bank(settings.banks_dir, "mine")
    assert settings.user_banks == [(settings.banks_dir / "mine").resolve(), extra.resolve()]
    result = CliRunner().invoke(app, ["bank", "validate"])
    assert result.exit_code == 0, result.output
    assert "your banks: mine (1," in result.output and "work (1," in result.output
    stats = json.loads(CliRunner().invoke(app, ["bank", "stats", "--json"]).output)
    built_in = len(load_bank(settings.question_dir, settings.rubric_dir).questions)
    assert built_in > 200 and stats["by_source"] == {"built-in": built_in, "mine": 1, "work": 1}


def test_validate_reports_user_bank_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bank = user_bank(tmp_path, "acme", rubric=RUBRIC.replace("keywords: [diverge]", "keywords: [momentum]"))
    monkeypatch.setenv("VIVA_USER_BANK_DIRS", json.dumps([str(bank)]))
    result = CliRunner().invoke(app, ["bank", "validate"])
    assert result.exit_code == 1
    assert f"{bank / 'rubrics' / 'demo.yaml'}:17: [rubrics.demo-one.points.2.keywords]" in result.output


# --- drafting ----------------------------------------------------------------------------------


def test_points_are_split_from_a_reference_answer_with_keywords_from_their_own_text() -> None:
    reference = ("Dropout randomly zeroes activations during training. Yes. It prevents co-adaptation of neurons "
                 "and acts like an ensemble of thinned networks; at test time all units are used and the weights "
                 "are scaled by the keep probability.")
    points = points_from_reference(reference, "Why does dropout reduce overfitting?")
    assert [p.text for p in points] == [
        "Dropout randomly zeroes activations during training. Yes.",  # the fragment joined its neighbour
        "It prevents co-adaptation of neurons and acts like an ensemble of thinned networks",
        "At test time all units are used and the weights are scaled by the keep probability.",
    ]
    assert "dropout" in points[0].keywords  # the question's own term ranks first
    for p in points:
        assert p.keywords and all(contains_term(p.text.lower(), k) for k in p.keywords)
    assert pick_keywords("The AUC of the ROC curve summarises ranking") [:2] == ["AUC", "ROC"]
    many = " ".join(f"Sentence number {i} has quite a few words in it." for i in range(12))
    assert len(split_points(many)) == 7
    assert split_points("- a feature store\n- drift monitoring with PSI\n* weekly retraining") == [
        "A feature store", "Drift monitoring with PSI", "Weekly retraining"]


# --- viva bank new ---------------------------------------------------------------------------------


NEW_ARGS = [
    "bank", "new", "--prompt", "How would you design a feature store for fraud models?", "--topic", "company-acme",
    "--phase", "4", "--point", "Online and offline stores share one feature definition :: feature definition",
    "--point", "Point-in-time joins prevent label leakage in training data",
    "--point", "Low-latency reads come from a key-value store like Redis :: Redis",
    "--follow-up", "How do you backfill a new feature?",
]


def test_bank_new_scripted_writes_a_question_that_validates() -> None:
    runner = CliRunner()
    result = runner.invoke(app, NEW_ARGS)
    assert result.exit_code == 0, result.output
    settings = Settings()
    bank_dir = settings.banks_dir / "mine"
    assert (bank_dir / "questions" / "company_acme.yaml").is_file()
    assert (bank_dir / "rubrics" / "company_acme.yaml").is_file()
    assert runner.invoke(app, ["bank", "validate"]).exit_code == 0
    bank = load_bank(settings.question_dir, settings.rubric_dir, settings.user_banks)
    q = bank.get("mine/design-feature-store-fraud-models")
    assert q.phase == 4 and q.topic == "company-acme" and q.source == "mine"
    assert q.follow_ups == ("How do you backfill a new feature?",)
    assert [p.keywords for p in q.rubric.points][0] == ("feature definition",)
    assert q.rubric.points[2].keywords == ("Redis",)
    assert "feature definition" in q.model_answer  # joined from the points
    # A second question on the same topic goes into the same files; the id stays unique.
    again = runner.invoke(app, NEW_ARGS)
    assert again.exit_code == 0, again.output
    bank = load_bank(settings.question_dir, settings.rubric_dir, settings.user_banks)
    assert {"mine/design-feature-store-fraud-models", "mine/design-feature-store-fraud-models-2"} <= set(bank.questions)
    assert bank.problems == []


def test_bank_new_rejects_keywords_missing_from_the_point(tmp_path: Path) -> None:
    args = [*NEW_ARGS[:8], "--point", "Point-in-time joins prevent leakage :: momentum", "--bank", str(tmp_path / "b")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "momentum" in result.output
    assert not (tmp_path / "b").exists()


def test_bank_new_interactive(tmp_path: Path) -> None:
    answers = "\n".join([
        "Why does batch normalization speed up training?",  # prompt
        "deep-learning",  # topic: a built-in one
        "9", "2",  # phase: out of range, then right
        "Normalizing each batch keeps activations in a stable range", "momentum", "",  # keywords rejected, then suggested
        "It allows higher learning rates", "learning rates",
        "",  # no more points
        "",  # model answer: the points joined
    ]) + "\n"
    result = CliRunner().invoke(app, ["bank", "new", "--bank", str(tmp_path / "acme")], input=answers)
    assert result.exit_code == 0, result.output
    assert "Keywords must appear" in result.output
    bank = load_bank(*BUILTIN, [tmp_path / "acme"])
    assert bank.problems == []
    q = bank.get("acme/batch-normalization-speed-up-training")
    assert q.phase == 2 and q.topic == "deep-learning" and len(q.rubric.points) == 2
    assert bank.titles["deep-learning"] == "Deep learning"  # the built-in topic's title is kept
    assert "not one of your loaded banks" in result.output  # a path outside data_dir/banks and user_bank_dirs


# --- viva bank import --------------------------------------------------------------------------------


CSV = '''\
Question,Reference Answer,Topic,phase,time_limit
"Why do we use dropout?","Dropout randomly zeroes activations during training. It prevents co-adaptation of neurons and acts like an ensemble of thinned networks. At test time all units are used.",deep-learning,2,90
"What is a feature store?","A feature store keeps feature definitions in one place so training and serving compute them the same way.
It has an offline store for training and an online store for low-latency serving.",,4,
'''


def test_import_csv_drafts_rubrics_that_validate(tmp_path: Path) -> None:
    source = tmp_path / "acme_questions.csv"
    source.write_text(CSV)
    runner = CliRunner()
    result = runner.invoke(app, ["bank", "import", str(source), "--bank", "acme"])
    assert result.exit_code == 0, result.output
    settings = Settings()
    bank = load_bank(settings.question_dir, settings.rubric_dir, settings.user_banks)
    assert bank.problems == []
    dropout = bank.get("acme/dropout")
    assert dropout.topic == "deep-learning" and dropout.phase == 2 and dropout.time_limit == 90
    assert len(dropout.rubric.points) == 3 and dropout.rubric.points[0].keywords[0] == "dropout"
    store = bank.get("acme/feature-store")
    assert store.topic == "acme-questions" and store.phase == 4 and store.time_limit == 120  # defaults
    assert store.model_answer.startswith("A feature store keeps")
    rubric_file = (settings.banks_dir / "acme" / "rubrics").glob("*.yaml")
    assert all("Drafts imported from acme_questions.csv" in p.read_text() for p in rubric_file)
    assert runner.invoke(app, ["bank", "validate"]).exit_code == 0
    # Importing again gives new ids instead of clashing.
    assert runner.invoke(app, ["bank", "import", str(source), "--bank", "acme"]).exit_code == 0
    assert "acme/dropout-2" in load_bank(settings.question_dir, settings.rubric_dir, settings.user_banks).questions


def test_import_reports_bad_rows_with_file_and_line_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(
        "question,reference,phase,id\n"
        '"What is a good question here?","A reference answer that is long enough to be a model answer.",7,\n'
        '"","no question at all, which cannot be imported",2,\n'
        '"Multi-line\nprompt cell?","Short.",x,\n'
        '"What is fine?","A reference answer that is long enough to be a model answer.",2,Bad Id\n'
        '"What is missing a phase?","A reference answer that is long enough to be a model answer.",,\n'
    )
    result = CliRunner().invoke(app, ["bank", "import", str(source), "--bank", str(tmp_path / "out")])
    assert result.exit_code == 1
    out = result.output
    assert f"{source}:2: [phase] Input should be less than or equal to 4" in out
    assert f"{source}:3: [question] empty" in out
    assert f"{source}:4: [phase] 'x' is not a whole number" in out  # the record starts on line 4
    assert f"{source}:6: [id]" in out
    assert f"{source}:7: [phase] no phase" in out
    assert "nothing was imported" in out
    assert not (tmp_path / "out").exists()


def test_import_header_problems(tmp_path: Path) -> None:
    source = tmp_path / "odd.csv"
    source.write_text("question;answr\nWhat?;Because.\n")
    result = CliRunner().invoke(app, ["bank", "import", str(source), "--phase", "1"])
    assert result.exit_code == 1
    assert f"{source}:1: [answr] unknown column" in result.output
    assert f"{source}:1: [reference] missing the 'reference' column" in result.output


def test_a_namespaced_id_keeps_recordings_flat(tmp_path: Path) -> None:
    from assistant.store import AttemptStore
    from tests.test_store import make_attempt

    audio = tmp_path / "answer.wav"
    audio.write_bytes(b"RIFF....fake")
    store = AttemptStore(tmp_path / "viva.sqlite3", tmp_path / "recordings")
    saved = store.save(make_attempt("acme/feature-store"), source_audio=audio)
    assert saved.audio_path.parent == tmp_path / "recordings" / "2026-11"
    assert saved.audio_path.name.endswith("-acme--feature-store.wav")
    assert store.get(saved.id).question_id == "acme/feature-store"
