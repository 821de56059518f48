"""Knowledge-base migrations and loader, on SQLite and PostgreSQL."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from keqing.cli import main
from keqing.db import current_revision, get_engine, head_revision, migrate
from keqing.db.kb_models import KbItem, KbStage
from keqing.db.models import metadata
from keqing.kb.errors import KnowledgeError
from keqing.kb.loader import dump, load
from keqing.kb.query import KnowledgeBase
from keqing.kb.schema import GRADES, MOTIVES, STAGES, STYLES

REPO = Path(__file__).resolve().parents[3]


# -- migrations ----------------------------------------------------------------------
def test_migrations_create_exactly_the_models(db_url: str) -> None:
    migrate(db_url)
    assert current_revision(db_url) == head_revision()
    assert head_revision() >= "0002"
    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []
    migrate(db_url)  # a second upgrade is a no-op
    assert current_revision(db_url) == head_revision()


def test_migrate_to_0001_then_head(db_url: str) -> None:
    migrate(db_url, "0001")
    assert current_revision(db_url) == "0001"
    migrate(db_url)
    assert current_revision(db_url) == head_revision()


# -- the real knowledge base ----------------------------------------------------------
def test_real_knowledge_loads_complete(db_url: str, real_kb_dir: Path) -> None:
    summary = load(real_kb_dir, db_url)
    assert summary.changed
    kb = KnowledgeBase(db_url)
    lexicon = kb.cue_lexicon()

    def cues(dim: str, value: str) -> list:
        return [c.phrase for c in lexicon if c.dimension == dim and c.value == value]

    # 4 styles, >= 20 cues, communicate / avoid / phone
    for style in STYLES:
        assert len(cues("style", style)) >= 20, style
        s = kb.strategy("开发", style=style)
        assert s.communicate and s.avoid and s.phone, style
        assert 4 <= len(kb.script_examples(style)) <= 8
    assert kb.call_script("猫头鹰")["opening"]

    with get_engine(db_url).connect() as conn:
        items = {row.id: row for row in conn.execute(select(KbItem))}
        stages = {row.name: row for row in conn.execute(select(KbStage))}
    variants = [it for it in items.values() if it.kind == "style_variant"]
    assert {v.name for v in variants} >= {"重视舆论型", "忠厚老实型", "不做听众型"}
    for v in variants:
        assert items[v.parent_id].kind == "style"
        assert v.raw["communicate"] and v.raw["avoid"]

    for motive in MOTIVES:
        assert len(cues("motive", motive)) >= 10, motive
        assert kb.strategy("开发", motive=motive).motive_tactics
    assert kb.strategy("开发", motive="贪婪型").motive_compliance

    for grade in GRADES:
        g = kb.strategy("开发", grade=grade)
        assert g.cadence and g.cadence_days and g.cadence_days > 0, grade
        assert len(cues("grade", grade)) >= 10

    # stages: thresholds, ordered non-empty steps
    assert [st.name for st in kb.stages()] == list(STAGES)
    bounds = {name: (row.share_min, row.share_max) for name, row in stages.items()}
    assert bounds == {"开发": (0, 0), "初期合作": (0, 50), "稳定合作": (50, 80), "战略合作": (80, 100)}
    for stage in STAGES:
        steps = kb.steps(stage)
        assert steps and [s.order for s in steps] == sorted(s.order for s in steps)
        assert all(s.title and s.summary for s in steps)
        info = kb.stage(stage)
        assert info.position and info.objective
    dev_titles = " ".join(s.title for s in kb.steps("开发"))
    for title in ("等待机会", "找到关键人", "建立信任", "技术突破"):
        assert title in dev_titles
    opportunities = kb.opportunities("初期合作")
    assert len(opportunities) == 8
    assert all(o.question and o.name and o.description for o in opportunities)
    stable = kb.steps("稳定合作")
    assert any("高层" in s.title for s in stable)
    assert any(s.authored for s in stable)
    assert kb.regression().steps
    assert any(c.dimension == "regression" for c in lexicon)

    groups = {it.group for it in items.values() if it.kind == "concept"}
    assert groups == {"relationship_type", "relationship_level", "sales_level", "crm_type", "value_type"}
    assert len(kb.compliance()) >= 1
    assert {c.dimension for c in lexicon} == {"style", "motive", "grade", "stage", "regression"}


def test_loading_twice_changes_nothing(db_url: str, real_kb_dir: Path) -> None:
    load(real_kb_dir, db_url)
    first = dump(db_url)
    assert load(real_kb_dir, db_url).changed is False  # same content hash: nothing rewritten
    assert dump(db_url) == first
    assert load(real_kb_dir, db_url, force=True).changed is True  # delete + reinsert
    assert dump(db_url) == first


# -- fixture knowledge: updates and errors ----------------------------------------------
def test_removed_and_changed_items_follow_the_yaml(db_url: str, fixture_kb_dir: Path, copy_kb) -> None:
    kb_dir = copy_kb(fixture_kb_dir)
    load(kb_dir, db_url)
    assert KnowledgeBase(db_url).explain("优先供应") is not None
    concepts = kb_dir / "concepts.yml"
    text = concepts.read_text(encoding="utf-8")
    start = text.index("  - id: concept.preferred_supply")
    end = text.index("  - id: concept.trust")
    concepts.write_text(text[:start] + text[end:], encoding="utf-8")
    styles = kb_dir / "styles.yml"
    styles.write_text(styles.read_text(encoding="utf-8").replace("先讲结论再讲细节。", "先给结论。"), encoding="utf-8")
    load(kb_dir, db_url)
    kb = KnowledgeBase(db_url)
    assert kb.explain("优先供应") is None
    assert kb.explain("老虎").tactics == ("先给结论。",)
    rows = dump(db_url)
    assert not [r for r in rows["kb_aliases"] if r["item_id"] == "concept.preferred_supply"]


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


BREAKAGES = {
    # name: (file, old, new, expected substrings of the message)
    "broken_yaml": ("styles.yml", "    axes: {emotion: 高, expression: 高}", "    axes: {emotion: 高, expression: 高",
                    ["styles.yml:", "broken YAML"]),
    "missing_field": ("profiles.yml", "    definition: 按原则和流程选供应商。\n", "",
                      ["profiles.yml", "motive.rational", "missing field 'definition'"]),
    "share_min_gt_max": ("stages.yml", "    share_min: 50\n    share_max: 80", "    share_min: 90\n    share_max: 80",
                         ["stages.yml", "stage.stable", "share_min 90"]),
    "share_out_of_range": ("stages.yml", "    share_min: 80\n    share_max: 100", "    share_min: 80\n    share_max: 120",
                           ["stages.yml", "stage.strategic", "0..100"]),
    "unknown_kind": ("concepts.yml", "    kind: concept\n    group: relationship_level", "    kind: idea\n    group: relationship_level",
                     ["concepts.yml", "concept.trust", "unknown kind 'idea'"]),
    "too_few_cues": ("styles.yml", "很较真, 要报告, ", "", ["styles.yml", "style.analytical", "at least 20 cues"]),
    "unknown_field": ("profiles.yml", "    cadence: 每周一次\n", "    cadence: 每周一次\n    cadense: 7\n",
                      ["profiles.yml", "grade.b", "unknown field 'cadense'"]),
    "bad_parent": ("styles.yml", "parent: style.expressive", "parent: style.peacock",
                   ["styles.yml", "style_variant.public_opinion", "parent"]),
    "duplicate_key": ("profiles.yml", "    cadence_days: 7\n", "    cadence_days: 7\n    cadence_days: 8\n",
                      ["profiles.yml:", "duplicate key 'cadence_days'"]),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_broken_knowledge_is_rejected_and_db_unchanged(
    breakage: str, db_url: str, fixture_kb_dir: Path, copy_kb
) -> None:
    load(fixture_kb_dir, db_url)
    before = dump(db_url)
    kb_dir = copy_kb(fixture_kb_dir)
    file, old, new, expected = BREAKAGES[breakage]
    _replace(kb_dir / file, old, new)
    with pytest.raises(KnowledgeError) as info:
        load(kb_dir, db_url)
    message = str(info.value)
    for part in expected:
        assert part in message, (part, message)
    assert dump(db_url) == before


def test_broken_yaml_names_line_and_nearest_item(tmp_path: Path, fixture_kb_dir: Path, copy_kb) -> None:
    kb_dir = copy_kb(fixture_kb_dir)
    _replace(kb_dir / "styles.yml", "    axes: {emotion: 高, expression: 高}", "    axes: {emotion: 高, expression: 高")
    with pytest.raises(KnowledgeError) as info:
        load(kb_dir, url="sqlite:///" + str(tmp_path / "unused.db"), migrate_first=False)
    err = info.value
    assert err.item_id == "style.expressive"
    assert re.search(r"styles\.yml:\d+:", str(err))


def test_duplicate_id_across_files(db_url: str, fixture_kb_dir: Path, copy_kb) -> None:
    load(fixture_kb_dir, db_url)
    before = dump(db_url)
    kb_dir = copy_kb(fixture_kb_dir)
    _replace(kb_dir / "concepts.yml", "id: concept.trust", "id: style.dominant")
    with pytest.raises(KnowledgeError) as info:
        load(kb_dir, db_url)
    message = str(info.value)
    assert "concepts.yml" in message and "style.dominant" in message and "duplicate id" in message
    assert "styles.yml" in message  # names where it was first defined
    assert dump(db_url) == before


def test_all_problems_are_reported(fixture_kb_dir: Path, copy_kb) -> None:
    kb_dir = copy_kb(fixture_kb_dir)
    _replace(kb_dir / "profiles.yml", "    definition: 按原则和流程选供应商。\n", "")
    _replace(kb_dir / "stages.yml", "    share_min: 50\n    share_max: 80", "    share_min: 90\n    share_max: 80")
    with pytest.raises(KnowledgeError) as info:
        load(kb_dir, "sqlite://", migrate_first=False)
    assert len(info.value.problems) == 2
    assert "1 more" in str(info.value)


# -- command line -------------------------------------------------------------------------
def test_cli_load_and_check(db_url: str, fixture_kb_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["kb", "load", "--path", str(fixture_kb_dir), "--url", db_url]) == 0
    out = capsys.readouterr().out
    assert "21 items" in out and "style" in out
    assert main(["kb", "load", "--path", str(fixture_kb_dir), "--url", db_url]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert main(["kb", "check", "--path", str(fixture_kb_dir)]) == 0


def test_cli_error_is_one_line(db_url: str, fixture_kb_dir: Path, copy_kb, capsys: pytest.CaptureFixture) -> None:
    kb_dir = copy_kb(fixture_kb_dir)
    _replace(kb_dir / "stages.yml", "    share_min: 50\n    share_max: 80", "    share_min: 90\n    share_max: 80")
    assert main(["kb", "load", "--path", str(kb_dir), "--url", db_url]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "stage.stable" in err
    assert main(["kb", "check", "--path", str(kb_dir)]) == 1


def test_cli_unreachable_database(fixture_kb_dir: Path, capsys: pytest.CaptureFixture) -> None:
    from servers import free_port

    url = f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/nothing"
    assert main(["kb", "load", "--path", str(fixture_kb_dir), "--url", url]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err


def test_python_dash_m_entry_point(tmp_path: Path, fixture_kb_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    ok = subprocess.run(
        [sys.executable, "-m", "keqing", "kb", "load", "--path", str(fixture_kb_dir), "--url", url],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "keqing", "kb", "load", "--path", str(tmp_path / "missing"), "--url", url],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1
