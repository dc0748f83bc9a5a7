"""The claimant's region, industry and current employer carried on each claim, kept by the database itself.

The reviewers' queues (lms/claims/queues.py) select a territory's (and an authority's industry's) claims and count
them by employer. Joining every pending claim to its claimant's person and employment rows to learn that cost the
city's industry authority most of a second at the size of a city (issue 14 item 6: 180,000 claims waiting at its
step). So hour_claim carries copies — ``claimant_region``, ``claimant_industry``, ``claimant_employer_id`` — that an
index on the scope's columns reads.

The copies are the database's, not the app's, on both engines, so that no path can leave them stale: a claim
inserted (or its person changed) takes them from its person and their current employment; a person whose region,
industry or role changes (lms.orgs.operations.confirm_employment moves a person to the new employer's county), and
an employment that becomes or stops being current (confirm, end), rewrite them on all of that person's claims, in
the same statement and so the same transaction. Whatever the app writes into them is replaced by the truth.
``claimant_region`` is NULL for a claimant who is not a practitioner: lms.orgs.scope.person_clause covers
practitioners only, and so does lms.orgs.scope.claimant_clause.

The triggers live with the tables (installed by create_all through lms/claims/models.py and by migration 0028): a
later SQLite migration that rebuilds hour_claim, person or employment (batch_alter_table copies the table) drops
them and must run claimant_ddl again; tests/claims/test_claimant_copies.py proves them after every migration.
"""
from __future__ import annotations

# One row's copies, from its person and current employment (the one-current index allows at most one).
_REGION = "(SELECT CASE WHEN p.role = 'practitioner' THEN p.region END FROM person p WHERE p.id = {pid})"
_INDUSTRY = "(SELECT p.industry FROM person p WHERE p.id = {pid})"
_EMPLOYER = "(SELECT e.org_id FROM employment e WHERE e.person_id = {pid} AND e.status = 'current')"

# Every claim's copies at once (the migration that introduced them, a database built before it).
BACKFILL = ("UPDATE hour_claim SET claimant_region = " + _REGION.format(pid="hour_claim.person_id")
            + ", claimant_industry = " + _INDUSTRY.format(pid="hour_claim.person_id")
            + ", claimant_employer_id = " + _EMPLOYER.format(pid="hour_claim.person_id"))

PG_TRIGGERS = {"hour_claim_claimant": "hour_claim", "person_claimant": "person", "employment_claimant": "employment"}
PG_FUNCTIONS = ("xst_claim_claimant", "xst_person_claimant", "xst_employment_claimant")
SQLITE_TRIGGERS = ("hour_claim_claimant_insert", "hour_claim_claimant_update", "person_claimant",
                   "employment_claimant_insert", "employment_claimant_update", "employment_claimant_delete")


def claimant_ddl(dialect: str) -> list[str]:
    """The triggers that keep the copies, for one engine."""
    person_changed = ("OLD.region IS DISTINCT FROM NEW.region OR OLD.industry IS DISTINCT FROM NEW.industry "
                      "OR OLD.role IS DISTINCT FROM NEW.role")
    if dialect == "postgresql":
        return [
            # A claim filed (or moved to another person, or its copies written by hand) takes its person's.
            "CREATE OR REPLACE FUNCTION xst_claim_claimant() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"NEW.claimant_region := {_REGION.format(pid='NEW.person_id')}; "
            f"NEW.claimant_industry := {_INDUSTRY.format(pid='NEW.person_id')}; "
            f"NEW.claimant_employer_id := {_EMPLOYER.format(pid='NEW.person_id')}; "
            "RETURN NEW; END $$",
            "DROP TRIGGER IF EXISTS hour_claim_claimant ON hour_claim",
            "CREATE TRIGGER hour_claim_claimant BEFORE INSERT OR UPDATE OF person_id, claimant_region, "
            "claimant_industry, claimant_employer_id ON hour_claim FOR EACH ROW EXECUTE FUNCTION xst_claim_claimant()",
            # A person moved to another region or industry: their claims follow.
            "CREATE OR REPLACE FUNCTION xst_person_claimant() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE hour_claim SET claimant_region = CASE WHEN NEW.role = 'practitioner' THEN NEW.region END, "
            "claimant_industry = NEW.industry WHERE person_id = NEW.id; RETURN NULL; END $$",
            "DROP TRIGGER IF EXISTS person_claimant ON person",
            "CREATE TRIGGER person_claimant AFTER UPDATE OF region, industry, role ON person FOR EACH ROW "
            f"WHEN ({person_changed}) EXECUTE FUNCTION xst_person_claimant()",
            # An employment that becomes or stops being current: the person's claims name their employer now.
            # (Rows current neither before nor after, applications declined or withdrawn, change nothing.)
            "CREATE OR REPLACE FUNCTION xst_employment_claimant() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP <> 'INSERT' AND OLD.status = 'current' THEN "
            f"UPDATE hour_claim SET claimant_employer_id = {_EMPLOYER.format(pid='OLD.person_id')} "
            "WHERE person_id = OLD.person_id; END IF; "
            "IF TG_OP <> 'DELETE' AND (NEW.status = 'current' OR TG_OP = 'UPDATE' AND OLD.status = 'current' "
            "AND NEW.person_id <> OLD.person_id) THEN "
            f"UPDATE hour_claim SET claimant_employer_id = {_EMPLOYER.format(pid='NEW.person_id')} "
            "WHERE person_id = NEW.person_id; END IF; RETURN NULL; END $$",
            "DROP TRIGGER IF EXISTS employment_claimant ON employment",
            "CREATE TRIGGER employment_claimant AFTER INSERT OR UPDATE OF status, org_id, person_id OR DELETE "
            "ON employment FOR EACH ROW EXECUTE FUNCTION xst_employment_claimant()",
        ]
    set_all = ("claimant_region = " + _REGION.format(pid="NEW.person_id")
               + ", claimant_industry = " + _INDUSTRY.format(pid="NEW.person_id")
               + ", claimant_employer_id = " + _EMPLOYER.format(pid="NEW.person_id"))
    person_changed_sqlite = person_changed.replace("IS DISTINCT FROM", "IS NOT")

    def employer_of(pid: str) -> str:
        return f"UPDATE hour_claim SET claimant_employer_id = {_EMPLOYER.format(pid=pid)} WHERE person_id = {pid};"
    # SQLite triggers cannot set NEW's columns: an AFTER trigger writes the row again (recursive triggers are off,
    # so that write fires no trigger of its own).
    return [
        "CREATE TRIGGER IF NOT EXISTS hour_claim_claimant_insert AFTER INSERT ON hour_claim "
        f"BEGIN UPDATE hour_claim SET {set_all} WHERE id = NEW.id; END",
        "CREATE TRIGGER IF NOT EXISTS hour_claim_claimant_update AFTER UPDATE OF person_id, claimant_region, "
        f"claimant_industry, claimant_employer_id ON hour_claim BEGIN UPDATE hour_claim SET {set_all} "
        "WHERE id = NEW.id; END",
        "CREATE TRIGGER IF NOT EXISTS person_claimant AFTER UPDATE OF region, industry, role ON person "
        f"WHEN {person_changed_sqlite} BEGIN UPDATE hour_claim SET claimant_region = CASE WHEN NEW.role = "
        "'practitioner' THEN NEW.region END, claimant_industry = NEW.industry WHERE person_id = NEW.id; END",
        "CREATE TRIGGER IF NOT EXISTS employment_claimant_insert AFTER INSERT ON employment "
        f"WHEN NEW.status = 'current' BEGIN {employer_of('NEW.person_id')} END",
        "CREATE TRIGGER IF NOT EXISTS employment_claimant_update AFTER UPDATE OF status, org_id, person_id "
        "ON employment WHEN OLD.status = 'current' OR NEW.status = 'current' "
        f"BEGIN {employer_of('OLD.person_id')} {employer_of('NEW.person_id')} END",
        "CREATE TRIGGER IF NOT EXISTS employment_claimant_delete AFTER DELETE ON employment "
        f"WHEN OLD.status = 'current' BEGIN {employer_of('OLD.person_id')} END",
    ]


def drop_claimant_ddl(dialect: str) -> list[str]:
    """The statements that remove the triggers (a downgrade)."""
    if dialect == "postgresql":
        return ([f"DROP TRIGGER IF EXISTS {t} ON {table}" for t, table in PG_TRIGGERS.items()]
                + [f"DROP FUNCTION IF EXISTS {f}()" for f in PG_FUNCTIONS])
    return [f"DROP TRIGGER IF EXISTS {t}" for t in SQLITE_TRIGGERS]
