"""Migration b1c2d3e4f501 renders the wording of proposals stored before it (issue 13, 2).

Rows written by the old code hold a diff of the Markdown source; after the migration,
proposals and their earlier texts show rendered words (and their clean wording, derived).
"""

from __future__ import annotations

import sqlalchemy as sa

from consult.comments.wording import clean_from_marked
from consult.migrate import upgrade_to_head
from consult.textdiff import diff_words

PARAGRAPH = "*Calls upon* Member States to act;"
PROPOSED = "*Calls upon* all States to act;"
EARLIER = "*Urges* Member States to act;"


def test_existing_proposals_and_revisions_are_rendered(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade_to_head(engine, "7aed772ecc58")
    with engine.begin() as connection:
        for statement in (
                "INSERT INTO consultation (id, slug, title, mandate, description, cofacilitators,"
                " status, head_seq, created_at, language) VALUES (1, 'gpa', 'Plan', '', '', '',"
                " 'open', 1, '2026-12-01', 'en')",
                "INSERT INTO version (id, consultation_id, seq, label, status, source_text,"
                " created_at, language) VALUES (1, 1, 1, 'Zero draft', 'published', '',"
                " '2026-12-01', 'en')",
                "INSERT INTO paragraph_key (id, consultation_id, key, created_in_id)"
                " VALUES (1, 1, 'k1', 1)",
                "INSERT INTO delegation (id, code, kind, names, name_en, is_reference,"
                " created_at) VALUES (1, 'FRA', 'member_state', '{}', 'France', 0,"
                " '2026-12-01')",
                "INSERT INTO user (id, email, name, role, is_disabled, created_at,"
                " delegation_id) VALUES (1, 'a@example.org', 'A', 'delegate', 0, '2026-12-01',"
                " 1)"):
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql(
            "INSERT INTO paragraph (id, version_id, key_id, position, kind, label, text, html,"
            " match_status) VALUES (1, 1, 1, 1, 'operative', 'OP1', ?, ?, 'new')",
            (PARAGRAPH, "<em>Calls upon</em> Member States to act;"))
        connection.exec_driver_sql(
            "INSERT INTO submission (id, consultation_id, version_id, paragraph_id, kind,"
            " delegation_id, author_id, body, body_html, proposed_text, proposed_diff_html,"
            " status, created_at, revision, is_hidden, under_hidden) VALUES"
            " (1, 1, 1, 1, 'amendment', 1, 1, '', '', ?, ?, 'active', '2026-12-01', 1, 0, 0)",
            (PROPOSED, diff_words(PARAGRAPH, PROPOSED)))
        connection.exec_driver_sql(
            "INSERT INTO submission_revision (id, submission_id, number, body, body_html,"
            " proposed_text, proposed_diff_html, written_at, replaced_at) VALUES"
            " (1, 1, 0, '', '', ?, ?, '2026-12-01', '2026-12-02')",
            (EARLIER, diff_words(PARAGRAPH, EARLIER)))
    assert "*" in diff_words(PARAGRAPH, PROPOSED)  # the old, leaking rendering

    upgrade_to_head(engine)

    with engine.connect() as connection:
        marked = connection.exec_driver_sql(
            "SELECT proposed_diff_html FROM submission").scalar_one()
        earlier_marked = connection.exec_driver_sql(
            "SELECT proposed_diff_html FROM submission_revision").scalar_one()
    clean, earlier_clean = clean_from_marked(marked), clean_from_marked(earlier_marked)
    assert marked == "<em>Calls upon</em> <del>Member</del><ins>all</ins> States to act;"
    assert clean == "<em>Calls upon</em> all States to act;"
    assert earlier_marked == ("<del><em>Calls upon</em></del><ins><em>Urges</em></ins>"
                              " Member States to act;")
    assert earlier_clean == "<em>Urges</em> Member States to act;"
    engine.dispose()
