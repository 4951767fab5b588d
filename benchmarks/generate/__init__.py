"""Board-scale generated data: a deterministic, realistic board at the scale of PRODUCT.md.

`board_generate(students=50_000, seed=1)` writes a board with 60 schools, 50,000 students aged
11–19 in families (siblings share guardians, ~90,000 guardians), 6,000 staff at one to three
schools, 10 purposes with versioned texts, and five school years of decisions: yearly
campaigns, second guardians who disagree, paper forms, withdrawals, people who never answer.

Rows go in with COPY on PostgreSQL (executemany elsewhere), in chunks, so memory stays
bounded. The decision log is nevertheless a valid hash chain: events are generated one school
year at a time, sorted by time, numbered and hashed with `consents.decisions.chain.event_hash`
exactly as `services.decision_record` does. The status table is then derived from the log with
one query, equal to what `services.consent_status_rebuild` builds.

Same seed, size and reference date: the same data, byte for byte.
"""

from .board import BoardGenerator, Report, board_generate
from .catalogue import BOARD_NAME, pack, unpack

__all__ = ["BOARD_NAME", "BoardGenerator", "Report", "board_generate", "pack", "unpack"]
