"""Keyset pages over a throwaway table, on whichever database the run uses (SQLite or PostgreSQL)."""
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask_babel import Babel
from sqlalchemy import Integer, String, case, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from core.models import UtcDateTime
from core.pagination import BadCursor, Key, Ordering, paginate


class ProbeBase(DeclarativeBase):
    pass


class Probe(ProbeBase):
    __tablename__ = "pagination_probe"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


BY_RANK = Ordering("rank", Probe.rank.asc(), Probe.id.asc())
BY_RANK_DESC = Ordering("rank_desc", Probe.rank.desc(), Probe.id.desc())
NEWEST = Ordering("newest", Probe.at.desc(), Probe.id.desc())
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def session(owner_engine):
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test-secret"
    Babel(app)
    ProbeBase.metadata.drop_all(owner_engine)
    ProbeBase.metadata.create_all(owner_engine)
    with app.app_context(), Session(owner_engine) as session:
        # ranks with ties: 0,0,0,1,1,1,2,2,2,3 — names in id order
        session.add_all(Probe(id=i, rank=(i - 1) // 3, name=f"p{i}", at=START + timedelta(hours=i % 4))
                        for i in range(1, 11))
        session.commit()
        yield session
    ProbeBase.metadata.drop_all(owner_engine)


def walk_forward(session, ordering, per_page, statement=None):
    statement = statement if statement is not None else select(Probe)
    pages, cursor = [], None
    while True:
        page = paginate(statement, ordering, per_page=per_page, cursor=cursor, session=session)
        pages.append(page)
        if not page.has_next:
            return pages
        cursor = page.next_cursor


def ids(page):
    return [probe.id for probe in page.items]


def test_pages_forward_cover_every_row_once_in_order_despite_ties(session):
    pages = walk_forward(session, BY_RANK, 4)
    assert [ids(page) for page in pages] == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    assert pages[0].previous_cursor is None and pages[-1].next_cursor is None


def test_a_descending_order_breaks_ties_by_descending_id(session):
    pages = walk_forward(session, BY_RANK_DESC, 3)
    assert [ids(page) for page in pages] == [[10, 9, 8], [7, 6, 5], [4, 3, 2], [1]]


def test_previous_pages_walk_back_to_the_same_pages(session):
    forward = walk_forward(session, BY_RANK, 3)
    back, page = [], forward[-1]
    while page.has_previous:
        page = paginate(select(Probe), BY_RANK, per_page=3, cursor=page.previous_cursor, session=session)
        back.append(ids(page))
    assert back == [[7, 8, 9], [4, 5, 6], [1, 2, 3]]
    assert page.next_cursor is not None  # and forward again from there
    again = paginate(select(Probe), BY_RANK, per_page=3, cursor=page.next_cursor, session=session)
    assert ids(again) == [4, 5, 6]


def test_a_datetime_key_round_trips_through_the_cursor(session):
    pages = walk_forward(session, NEWEST, 4)
    seen = [probe.id for page in pages for probe in page.items]
    expected = sorted(range(1, 11), key=lambda i: (i % 4, i), reverse=True)
    assert seen == expected


def test_a_computed_key_reads_its_value_from_the_row(session):
    top_first = case((Probe.rank >= 2, 1), else_=0)
    ordering = Ordering("top_first", Key(top_first, descending=True, value=lambda p: int(p.rank >= 2)),
                        Probe.id.asc())
    pages = walk_forward(session, ordering, 3)
    assert [probe.id for page in pages for probe in page.items] == [7, 8, 9, 10, 1, 2, 3, 4, 5, 6]


def test_the_statement_filters_the_pages_and_total_counts_the_unpaged_query(session):
    statement = select(Probe).where(Probe.rank >= 1).order_by(Probe.name)  # its own order is replaced
    page = paginate(statement, BY_RANK, per_page=2, session=session, with_total=True)
    assert ids(page) == [4, 5] and page.total == 7
    assert paginate(statement, BY_RANK, per_page=2, session=session).total is None


def test_rows_added_or_removed_between_pages_are_neither_repeated_nor_skipped(session):
    first = paginate(select(Probe), BY_RANK, per_page=3, session=session)
    session.add(Probe(id=11, rank=-1, name="new", at=START))  # sorts before the boundary
    session.delete(session.get(Probe, 1))
    session.commit()
    second = paginate(select(Probe), BY_RANK, per_page=3, cursor=first.next_cursor, session=session)
    assert ids(second) == [4, 5, 6]


def test_going_back_to_a_shrunk_first_page_shows_a_full_first_page(session):
    pages = walk_forward(session, BY_RANK, 3)
    session.delete(session.get(Probe, 2))
    session.commit()
    back = paginate(select(Probe), BY_RANK, per_page=3, cursor=pages[1].previous_cursor, session=session)
    assert ids(back) == [1, 3, 4]
    assert back.previous_cursor is None and back.has_next


def test_rows_of_several_columns_page_too(session):
    statement = select(Probe.id, Probe.rank)
    page = paginate(statement, BY_RANK, per_page=4, session=session)
    following = paginate(statement, BY_RANK, per_page=4, cursor=page.next_cursor, session=session)
    assert [row.id for row in following.items] == [5, 6, 7, 8]


def test_a_cursor_of_another_ordering_is_refused(session):
    page = paginate(select(Probe), BY_RANK, per_page=3, session=session)
    with pytest.raises(BadCursor):
        paginate(select(Probe), BY_RANK_DESC, per_page=3, cursor=page.next_cursor, session=session)


def test_a_cursor_of_a_redefined_ordering_with_the_same_name_is_refused(session):
    page = paginate(select(Probe), BY_RANK, per_page=3, session=session)
    redefined = Ordering("rank", Probe.rank.desc(), Probe.id.asc())
    with pytest.raises(BadCursor):
        paginate(select(Probe), redefined, per_page=3, cursor=page.next_cursor, session=session)


@pytest.mark.parametrize("tamper", [
    # a character inside the signature: the last one's spare bits may decode to the same bytes
    lambda c: c[:-5] + ("A" if c[-5] != "A" else "B") + c[-4:],  # signature
    lambda c: ("x" if c[0] != "x" else "y") + c[1:],  # payload
    lambda c: "not-a-cursor",
    lambda c: c * 20,  # absurdly long
])
def test_a_tampered_cursor_is_a_bad_cursor(session, tamper):
    page = paginate(select(Probe), BY_RANK, per_page=3, session=session)
    with pytest.raises(BadCursor) as refused:
        paginate(select(Probe), BY_RANK, per_page=3, cursor=tamper(page.next_cursor), session=session)
    assert refused.value.status == 400 and refused.value.field == "cursor"


def test_an_ordering_must_end_with_a_unique_key():
    with pytest.raises(ValueError):
        Ordering("rank_only", Probe.rank.asc())
    Ordering("rank_then_name", Probe.rank, Key(Probe.name, unique=True))  # vouched for explicitly


@pytest.mark.parametrize("per_page", [0, -1, "3"])
def test_per_page_is_a_whole_number_above_zero(session, per_page):
    with pytest.raises(ValueError):
        paginate(select(Probe), BY_RANK, per_page=per_page, session=session)
