"""Engines and sessions: one transaction per incoming event, or batch of them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    Row,
    bindparam,
    create_engine,
    event,
    insert,
    inspect,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from bot.queries import Query
from models.base import Base

# The execution option that marks a connection as only reading (see `Database.reading`).
READING = "linli_reading"
# A connection whose every statement commits as it runs (see `Database.at_once`).
_AT_ONCE = {"isolation_level": "AUTOCOMMIT"}
# What a reading connection may send; anything else would change the database.
_READS = ("SELECT", "BEGIN", "WITH")
# A pooled PostgreSQL connection idle this long is pinged before use (a round trip of its
# own); one in steady use is not, and if it died meanwhile the dispatcher runs its event once
# more on a new one (see Dispatcher.handle).
IDLE_PING_SECONDS = 1.0
_LAST_USED = "linli_last_used"
# Threads that may each keep a connection for reading (see `Database.reading`), at most: each
# is one fewer for the pool to lend, 15 at once. Enough for the dispatch threads on PostgreSQL.
HOLDING_THREADS = 4
# Values in one statement's IN list at most: SQLite allows 32,766 parameters in all.
IN_LIST = 500
# Rows of each index SQLite's ANALYZE reads: enough for the planner, milliseconds on a street.
STATISTICS_ROWS = 1000
T = TypeVar("T")
M = TypeVar("M", bound=Base)
_INSERTS: dict[tuple[type[Base], tuple[str, ...], tuple[str, ...]], Query] = {}
_UPDATES: dict[tuple[type[Base], tuple[str, ...]], Query] = {}
_DEFAULTS: dict[type[Base], dict[str, Any]] = {}
_SHAPES: dict[type[Base], tuple[tuple[str, ...], tuple[str, ...]]] = {}
# What `inserted` made in a session, with the transaction it was made in.
_INSERTED = "linli_inserted"
# The connection of a session's transaction, with that transaction (see `connection_of`).
_CONNECTION = "linli_connection"


class WriteAttempted(Exception):
    """Work done in `Database.reading` tried to change the database."""


def lost_connection(error: Exception) -> bool:
    """True when a statement failed because the server dropped its connection (a restart):
    the pool has let go of every connection older, and the work may run again at once."""
    return isinstance(error, DBAPIError) and error.connection_invalidated


def is_sqlite(url: str) -> bool:
    """True for SQLite URLs."""
    return make_url(url).get_backend_name() == "sqlite"


def connection_of(session: Session) -> Connection:
    """The connection `session.connection()` gives, kept while the session's innermost
    transaction lasts: asking the session each time costs as much as a one-row Query."""
    transaction = _innermost(session)
    kept = session.info.get(_CONNECTION)
    if kept is not None and kept[0] is transaction and transaction and transaction.is_active:
        return kept[1]  # type: ignore[no-any-return]
    # Asking the session is what begins a savepoint it has opened: the SAVEPOINT is sent now.
    connection = session.connection()
    session.info[_CONNECTION] = (_innermost(session), connection)
    return connection


def _innermost(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def rows(
    session: Session, statement: Executable | Query, params: Mapping[str, Any] | None = None
) -> Sequence[Row[Any]]:
    """The rows of a SELECT of columns, run on the session's connection: a third of the cost
    of `session.execute`, whose ORM steps a query loading no objects does not need, and a
    tenth of that for a constant Query."""
    # What the session would do first: its pending changes must be visible to the query.
    if session.autoflush:
        session.flush()
    if isinstance(statement, Query):
        return statement.run(connection_of(session), params or {})
    return connection_of(session).execute(statement, params or {}).all()


def inserted(session: Session, model: type[M], values: Mapping[str, Any]) -> M:
    """A new `model` row, INSERTed at once and held by the session as if just loaded: half
    the cost of adding an object and flushing, which runs the whole unit of work.

    `values` must not refer to objects still pending: their ids are not known yet.
    """
    row = insert_row(session, model, values, *_shape(model)[0])
    return _held_inserted(session, model, row._asdict())


def inserted_by(session: Session, model: type[M], statement: Query, values: Mapping[str, Any]) -> M:
    """A new `model` row INSERTed by `statement` (RETURNING all its table's columns), held
    as `inserted` holds one."""
    (row,) = statement.run(connection_of(session), values)
    return _held_inserted(session, model, row._asdict())


def inserted_together(session: Session, row: Sequence[Any], *models: type[Base]) -> list[Any]:
    """The new rows of `models` one statement INSERTed and returned as one row, each model's
    table columns in order after the one before's; held as `inserted` holds one."""
    return [
        _held_inserted(session, model, dict(zip(_shape(model)[0], values, strict=True)))
        for model, values in _each_model(row, models)
    ]


def _held_inserted(session: Session, model: type[M], fields: Mapping[str, Any]) -> M:
    made = _held(session, model, fields)
    current = _innermost(session)
    session.info.setdefault(_INSERTED, []).append((current, made))
    return made


def loaded(session: Session, model: type[M], values: Sequence[Any]) -> M:
    """The `model` object for a row of its table's columns in order, read with a Query: the one
    the session holds, else one made as if the ORM had loaded it, at a fifth of the cost of
    selecting it through the ORM."""
    columns, key_columns = _shape(model)
    fields = dict(zip(columns, values, strict=True))
    key = model.__mapper__.identity_key_from_primary_key(tuple(fields[k] for k in key_columns))
    held: M | None = session.identity_map.get(key)
    if held is not None:
        return held
    made = _held(session, model, fields, key)
    state = instance_state(made)
    # What listens to the ORM's loads sees this one too.
    if state.manager.dispatch.load:
        state.manager.dispatch.load(state, None)
    return made


def _shape(model: type[Base]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A model's column names in order, and those of its primary key."""
    found = _SHAPES.get(model)
    if found is None:
        found = _SHAPES[model] = (
            tuple(model.__table__.c.keys()),
            tuple(str(column.key) for column in model.__mapper__.primary_key),
        )
    return found


def _held(session: Session, model: type[M], fields: Mapping[str, Any], key: Any = None) -> M:
    """A `model` object of a row's columns, persistent in `session`, made as the ORM's own
    loading makes one: building it with its constructor and adding it costs three times as
    much, in attribute events and cascades that an unchanged object does not need."""
    mapper = model.__mapper__
    if key is None:
        key = mapper.identity_key_from_primary_key(tuple(fields[k] for k in _shape(model)[1]))
    made: M = mapper.class_manager.new_instance()
    state = instance_state(made)
    state.dict.update(fields)
    state.key = key
    state.identity_token = None
    state.session_id = session.hash_key
    session.identity_map._add_unpresent(state, key)
    return made


def loaded_together(session: Session, row: Sequence[Any], *models: type[Base]) -> list[Any]:
    """The objects of `models` read as one row, each model's table columns in order after the
    one before's (see `loaded`)."""
    return [loaded(session, model, values) for model, values in _each_model(row, models)]


def _each_model(
    row: Sequence[Any], models: Sequence[type[Base]]
) -> list[tuple[type[Base], Sequence[Any]]]:
    """Each model with its part of a row of their table columns, one model's after another's."""
    if len(row) != sum(len(_shape(model)[0]) for model in models):
        raise ValueError("the row is not the columns of these models")
    parts, start = [], 0
    for model in models:
        end = start + len(_shape(model)[0])
        parts.append((model, row[start:end]))
        start = end
    return parts


def loaded_with(owner: Base, name: str, value: Base) -> None:
    """Hold `value` as `owner`'s relationship `name`, as if read with it by the ORM, unless
    the owner holds one already."""
    if name in inspect(owner).unloaded:
        set_committed_value(owner, name, value)


def insert_row(
    session: Session, model: type[Base], values: Mapping[str, Any], *returning: str
) -> Any:
    """INSERT one `model` row at once on the driver's cursor (see Query), with the defaults
    its columns leave to Python; the columns named in `returning`, as a named tuple."""
    given = {**_defaults(model), **values}
    keys = tuple(sorted(given))
    statement = _INSERTS.get((model, keys, returning))
    if statement is None:
        table = model.__table__.c
        statement = _INSERTS[model, keys, returning] = Query(
            insert(model)
            .values({key: bindparam(key) for key in keys})
            .returning(*(table[name] for name in returning))
        )
    (row,) = statement.run(connection_of(session), given)
    return row


def _defaults(model: type[Base]) -> dict[str, Any]:
    """The values a model's columns default to in Python, which `insert_row` gives."""
    found = _DEFAULTS.get(model)
    if found is None:
        found = _DEFAULTS[model] = {
            column.key: column.default.arg
            for column in model.__table__.c
            if isinstance(column.default, ScalarElementColumnDefault)
        }
    return found


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_inserts(session: Session, rolled_back: SessionTransaction) -> None:
    """Let go of what `inserted` made inside a transaction rolled back, as the session lets
    go of what it flushed there: its rows are gone."""
    inserts = session.info.get(_INSERTED)
    if not inserts:
        return
    kept = []
    for made_in, made in inserts:
        if within(made_in, rolled_back):
            if made in session:
                session.expunge(made)
        else:
            kept.append((made_in, made))
    session.info[_INSERTED] = kept


def within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    """Whether `transaction` is `outer` or inside it."""
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def updated(session: Session, loaded: Base, values: Mapping[str, Any]) -> None:
    """Write `values` to a loaded object's row at once and hold them as what was loaded: a
    flush for one changed object costs several times its UPDATE. A relationship's value
    (a Place for `household`) is held too; its foreign key must be among the values."""
    state = inspect(loaded)
    (identity,) = state.identity or (None,)
    if identity is None:
        raise ValueError("only a row already in the database can be updated at once")
    columns = tuple(key for key in values if key in state.mapper.column_attrs)
    statement = _UPDATES.get((type(loaded), columns))
    if statement is None:
        (key,) = state.mapper.primary_key
        statement = _UPDATES[type(loaded), columns] = Query(
            update(type(loaded))
            .where(key == bindparam("row_key"))
            .values({name: bindparam(f"new_{name}") for name in columns})
        )
    params = {f"new_{name}": values[name] for name in columns}
    statement.run(connection_of(session), params | {"row_key": identity})
    for name, value in values.items():
        set_committed_value(loaded, name, value)


def in_slices(values: Sequence[T], size: int = IN_LIST) -> Iterator[Sequence[T]]:
    """`values` in slices short enough for one statement's IN list (or of `size`)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and write-locking transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    # Statement parameters hold residents' text, names and ids: keep them out of errors and logs.
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(parsed, hide_parameters=True)
        event.listen(engine, "connect", _note_use)
        event.listen(engine, "checkin", _note_use)
        event.listen(engine, "checkout", _checkout_ping(engine))
    else:
        engine = create_engine(
            parsed,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    event.listen(engine, "before_cursor_execute", _refuse_writes_when_reading)
    return engine


def _note_use(_dbapi_connection: Any, record: Any) -> None:
    record.info[_LAST_USED] = time.monotonic()


def _ping_if_idle(engine: Engine, driver: Any, last_used: float) -> None:
    """Ping a driver connection idle for IDLE_PING_SECONDS (one in steady use is not); the
    driver's error is raised if the server dropped it."""
    if time.monotonic() - last_used >= IDLE_PING_SECONDS:
        engine.dialect.do_ping(driver)


def _checkout_ping(engine: Engine) -> Callable[[Any, Any, Any], None]:
    """A checkout hook: the pool lets go of a connection whose ping fails (the server
    restarted) and takes another."""

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        try:
            _ping_if_idle(engine, dbapi_connection, record.info.get(_LAST_USED, 0.0))
        except Exception as error:
            raise InvalidatePoolError(str(error)) from error

    return checkout


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take over transaction control from pysqlite, so BEGIN IMMEDIATE below is ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Erased residents must not linger in freed pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # Writers queue at BEGIN instead of failing at their first write; readers never wait.
    if connection.get_execution_options().get(READING, False):
        # A deferred BEGIN never waits, so none of SQLAlchemy's handling is needed.
        connection.connection.cursor().execute("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _refuse_writes_when_reading(
    connection: Connection, _cursor: Any, statement: str, *_args: Any
) -> None:
    reading = connection.get_execution_options().get(READING, False)
    if reading and not statement.lstrip()[:6].upper().startswith(_READS):
        raise WriteAttempted(statement.split(None, 1)[0])


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._reading: dict[str, object] = {READING: True}
        self._sqlite = is_sqlite(url)
        if not self._sqlite:
            self._reading["isolation_level"] = "AUTOCOMMIT"
        self._held = threading.local()
        self._at_once: Connection | None = None
        self._at_once_used = 0.0
        self._at_once_lock = threading.Lock()
        self._holding: list[Connection] = []
        self._holding_lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits at the end, or rolls back on an exception."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def at_once(self) -> Iterator[Session]:
        """A session for statements that each stand alone (one `executemany` counts as one):
        each commits as it runs. On PostgreSQL that needs no BEGIN and COMMIT, two round trips
        of three for a single statement; elsewhere it is a `transaction`."""
        if self._sqlite:
            with self.transaction() as session:
                yield session
            return
        if not self._at_once_lock.acquire(blocking=False):
            with self._sessions() as session:
                session.connection(execution_options=_AT_ONCE)
                yield session
            return
        try:
            with self._sessions(bind=self._kept_at_once()) as session:
                yield session
        finally:
            self._at_once_used = time.monotonic()
            self._at_once_lock.release()

    def _kept_at_once(self) -> Connection:
        """The connection kept in autocommit (switching one there and back costs psycopg as
        much as the statement), pinged when idle as pooled ones are, and replaced if the server
        dropped it."""
        connection = self._at_once
        if connection is not None and not (connection.closed or connection.invalidated):
            try:
                _ping_if_idle(
                    self.engine, connection.connection.dbapi_connection, self._at_once_used
                )
                return connection
            except Exception:
                connection.invalidate()  # dropped by the server: another is taken below
        if connection is not None:
            connection.close()
        self._at_once = self.engine.connect().execution_options(**_AT_ONCE)
        return self._at_once

    @contextmanager
    def reading(self, held: bool = False) -> Iterator[Session]:
        """A session that only reads: any write raises WriteAttempted; always rolled back.

        On SQLite its transaction does not take the write lock, so it never waits for writers.
        On PostgreSQL it runs without a transaction: at READ COMMITTED each statement sees a
        snapshot of its own anyway, and BEGIN and ROLLBACK would be two more round trips.
        With `held` it runs on a connection the calling thread keeps for reading (if no more
        than HOLDING_THREADS do): taking one from the pool and giving it back costs as much
        as a one-row query twice, and on PostgreSQL switching it to autocommit and back more.
        """
        connection = self._held_connection() if held else None
        if connection is not None:
            # The session begins on the connection and, closing, rolls back: no snapshot is
            # kept between readings.
            with self._sessions(bind=connection) as session:
                session.connection()
                yield session
            return
        with self._sessions() as session:
            # Closing the session at the end rolls its transaction back.
            session.connection(execution_options=self._reading)
            yield session

    def _held_connection(self) -> Connection | None:
        """This thread's connection for reading; None when HOLDING_THREADS others keep one.

        One the server dropped is replaced: reconnecting in place would not be in autocommit.
        """
        connection: Connection | None = getattr(self._held, "connection", None)
        if connection is not None and (connection.closed or connection.invalidated):
            with self._holding_lock:
                if connection in self._holding:
                    self._holding.remove(connection)
            connection.close()
            connection = None
        if connection is None:
            with self._holding_lock:
                if len(self._holding) >= HOLDING_THREADS:
                    return None
                connection = self.engine.connect().execution_options(**self._reading)
                self._holding.append(connection)
            self._held.connection = connection
        return connection

    def keep_statistics(self) -> None:
        """Refresh SQLite's statistics, by which it picks an index: it keeps none unless
        asked (PostgreSQL's autovacuum keeps its own)."""
        if not self._sqlite:
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA analysis_limit={STATISTICS_ROWS}")
            connection.exec_driver_sql("ANALYZE")
            connection.commit()

    def dispose(self) -> None:
        """Close every pooled connection, and those threads keep for reading."""
        with self._holding_lock:
            holding, self._holding = self._holding, []
        with self._at_once_lock:
            if self._at_once is not None:
                holding.append(self._at_once)
                self._at_once = None
        for connection in holding:
            connection.close()
        self.engine.dispose()
