"""Any sequence of postings: each balance is the sum of its entries, >= 0 unless allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.community.grid import add_path
from bot.services.points import entries_sum, ledger
from models import Base, PointsAccount, PointsCategory, PointsSource, Resident

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
OPERATIONS = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.integers(-30, 30).filter(bool),
        st.sampled_from(list(PointsSource)),
        st.sampled_from(list(PointsCategory)),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(operations=OPERATIONS, allow_negative=st.booleans())
def test_balances_equal_the_sum_of_entries_and_never_go_below_zero(
    operations: list[tuple[int, int, PointsSource, PointsCategory]], allow_negative: bool
) -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        community = add_path(session, "街道/社区")
        programme = ledger.programme(session, NOW, community, ledger.RESIDENT)
        people = [Resident(display_name=f"p{i}", created_at=NOW) for i in range(3)]
        session.add_all(people)
        session.flush()
        accounts = [ledger.account_of(session, programme, resident=p) for p in people]
        for step, (who, amount, source, category) in enumerate(operations):
            posting = ledger.Posting(amount, category, source)
            when = NOW + timedelta(minutes=step)
            try:
                with session.begin_nested():
                    ledger.post(
                        session, when, accounts[who], posting, None, allow_negative=allow_negative
                    )
            except DomainError:
                assert amount < 0 and not allow_negative
        session.expire_all()
        for account in session.scalars(select(PointsAccount)):
            assert account.balance == entries_sum(session, account.id)
            assert allow_negative or account.balance >= 0
    engine.dispose()
