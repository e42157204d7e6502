"""What topics look like in chats: the topic's one message with its support, and notices.

A topic's message is named `topic:<id>` in every chat of its circle: each 附议 edits
its count in place (where the platform edits messages) instead of posting a new one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.messages import Choice, Envelope, Reply
from bot.services.common.outreach import (
    active_chats,
    circle_admins,
    secretaries,
    to_chat,
    to_person,
)
from bot.services.community import roles
from models import Place, Resident, Topic, TopicStatus


def topic_key(topic: Topic) -> str:
    """The name of a topic's message in its circle's chats, for later edits."""
    return f"topic:{topic.id}"


def topic_message(topic: Topic, count: int, needed: int) -> Reply:
    """The topic's message: its support so far, with the 附议 button until it is on the agenda."""
    on_agenda = topic.status != TopicStatus.RAISED
    data = {
        "number": topic.number,
        "title": topic.title,
        "count": count,
        "needed": needed,
        "reached": on_agenda,
    }
    button = Choice("deliberation.second_button", f"/second {topic.number}", translated=True)
    return Reply("deliberation.proposed", data, choices=[] if on_agenda else [[button]])


def in_circle(
    session: Session, topic: Topic, reply: Reply, language: str, *, edit: bool
) -> list[Envelope]:
    """The topic's message (new, or an edit) in every active chat of its circle."""
    if topic.circle is None:
        return []
    envelopes = []
    for chat in active_chats(session, topic.circle):
        envelope = to_chat(chat, reply, language, key=topic_key(topic))
        envelope.edit = edit
        envelopes.append(envelope)
    return envelopes


def agenda_notices(session: Session, topic: Topic, count: int, language: str) -> list[Envelope]:
    """Tell the circle's admins and the community's secretaries a topic is on the agenda."""
    community = session.get_one(Place, topic.community_id)
    told: list[Resident] = []
    for person in [
        *(circle_admins(session, topic.circle) if topic.circle else []),
        *secretaries(session, community),
    ]:
        if person not in told:
            told.append(person)
    where = roles.circle_title(session, topic.circle) if topic.circle else community.name
    reply = Reply(
        "deliberation.agenda_notice",
        {"number": topic.number, "title": topic.title, "count": count, "circle": where},
    )
    return [e for person in told for e in to_person(person, reply, language)]
